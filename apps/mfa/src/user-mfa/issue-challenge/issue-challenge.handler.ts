import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DenialReason } from '@bulwark/contracts';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { UserMfaStreams } from '../user-mfa.streams';

export const CHALLENGE_LIFETIME_SECONDS = 300;

export type IssuedChallenge = {
  id: string;
  status: 'pending' | 'denied';
  method: 'softwareOath' | null;
  methodId: string | null;
  expiresAt: string;
  reason?: DenialReason;
};

export class IssueChallengeCommand extends Command<IssuedChallenge> {
  constructor(readonly request: { userId: string; clientIp: string; userAgent?: string; appId?: string }, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(IssueChallengeCommand)
export class IssueChallengeHandler implements ICommandHandler<IssueChallengeCommand> {
  constructor(private readonly streams: UserMfaStreams, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ request, caller }: IssueChallengeCommand): Promise<IssuedChallenge> {
    const now = this.clock.now();
    const challengeId = randomUUID();
    const { events } = await this.streams.execute(
      request.userId,
      {
        type: 'IssueChallenge',
        data: {
          userId: request.userId,
          challengeId,
          clientIp: request.clientIp,
          userAgent: request.userAgent ?? null,
          appId: request.appId ?? null,
          lifetimeSeconds: CHALLENGE_LIFETIME_SECONDS,
          now: now.toISOString(),
        },
      },
      { ...caller, now },
    );
    const issued = events.find((event) => event.type === 'MfaChallengeIssued');
    const denied = events.find((event) => event.type === 'MfaDenied');
    if (issued?.type !== 'MfaChallengeIssued') throw new Error('a challenge was not issued');
    return {
      id: challengeId,
      status: denied ? 'denied' : 'pending',
      method: issued.data.methodType,
      methodId: issued.data.methodId,
      expiresAt: issued.data.expiresAt,
      ...(denied?.type === 'MfaDenied' ? { reason: denied.data.reason } : {}),
    };
  }
}
