import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DenialReason } from '@bulwark/contracts';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { ChallengeRouter } from '../challenge-router';
import { matchTotp } from '../totp';
import { UserMfaStreams } from '../user-mfa.streams';

export type VerificationResult = { status: 'approved'; sessionId: string } | { status: 'denied'; reason: DenialReason };

export class VerifyChallengeCommand extends Command<VerificationResult> {
  constructor(readonly challengeId: string, readonly code: string, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(VerifyChallengeCommand)
export class VerifyChallengeHandler implements ICommandHandler<VerifyChallengeCommand> {
  constructor(private readonly streams: UserMfaStreams, private readonly router: ChallengeRouter, @Inject(CLOCK) private readonly clock: Clock) {}

  async execute({ challengeId, code, caller }: VerifyChallengeCommand): Promise<VerificationResult> {
    const userId = await this.router.userOf(challengeId);
    const now = this.clock.now();
    const policy = await this.streams.lockoutPolicy();
    const sessionId = randomUUID();
    const { events } = await this.streams.execute(
      userId,
      (state) => {
        const challenge = state.challenges[challengeId];
        const method = challenge?.methodId ? state.methods[challenge.methodId] : undefined;
        const codeMatched = method ? matchTotp(code, this.streams.openSecret(userId, method.methodId, method.secret), method, now) : null;
        return { type: 'VerifyChallenge', data: { userId, challengeId, codeMatched, sessionId, policy, now: now.toISOString() } };
      },
      { ...caller, now },
    );
    const outcome = events[0];
    if (outcome?.type === 'MfaApproved') return { status: 'approved', sessionId: outcome.data.sessionId };
    if (outcome?.type === 'MfaDenied') return { status: 'denied', reason: outcome.data.reason };
    throw new Error(`verification of ${challengeId} decided nothing`);
  }
}
