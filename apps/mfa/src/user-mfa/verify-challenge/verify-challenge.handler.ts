import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DenialReason } from '@bulwark/contracts';
import { CLOCK, Clock, RequestContext } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { ChallengeCodes } from '../challenge-codes';
import { ChallengeRouter } from '../challenge-router';
import { matchOathCode } from '../oath';
import { Proof } from '../sign-in.decider';
import { SignInModel } from '../sign-in.model';
import { UserMfaStreams } from '../user-mfa.streams';
import { UserBlocks } from '../user-blocks';
import { SignInPolicies } from '../../tenant-settings/sign-in-policy';

export type VerificationResult = { status: 'approved'; sessionId: string; deviceToken?: string; deviceTokenExpiresAt?: string } | { status: 'denied'; reason: DenialReason };

/** An answer as it arrives: a code typed in, a push answer from the app, or keys pressed on a call. */
export type Answer =
  | { kind: 'code'; code: string }
  | { kind: 'push'; response: 'approve' | 'deny'; number: string | null }
  | { kind: 'voice'; response: 'approve' };

export class VerifyChallengeCommand extends Command<VerificationResult> {
  constructor(readonly challengeId: string, readonly answer: Answer, readonly caller: RequestContext, readonly rememberDevice = false) {
    super();
  }
}

/** Checks an answer against the challenge (the adapter's part) and lets the decider judge it. */
@CommandHandler(VerifyChallengeCommand)
export class VerifyChallengeHandler implements ICommandHandler<VerifyChallengeCommand> {
  constructor(
    private readonly streams: UserMfaStreams,
    private readonly router: ChallengeRouter,
    private readonly codes: ChallengeCodes,
    private readonly policies: SignInPolicies,
    private readonly blocks: UserBlocks,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ challengeId, answer, caller, rememberDevice }: VerifyChallengeCommand): Promise<VerificationResult> {
    const userId = await this.router.userOf(challengeId);
    const now = this.clock.now();
    const policy = await this.streams.lockoutPolicy();
    const sessionId = randomUUID();
    const enabledChannels = await this.policies.enabledChannels();
    const device = rememberDevice ? await this.policies.rememberDevice(now) : null;
    const blockedUntil = await this.blocks.blockedUntil(userId);
    const { events } = await this.streams.signIn(
      userId,
      (state) => ({
        type: 'VerifyChallenge',
        data: {
          userId,
          challengeId,
          proof: this.prove(state, userId, challengeId, answer, now),
          sessionId,
          policy,
          enabledChannels,
          rememberDevice: device && { tokenHash: device.tokenHash, expiresAt: device.expiresAt },
          blockedUntil,
          now: now.toISOString(),
        },
      }),
      { ...caller, now },
    );
    const outcome = events[0];
    if (outcome?.type === 'MfaApproved') {
      // the token is shown once, here; only its HMAC was recorded
      return { status: 'approved', sessionId: outcome.data.sessionId, ...(device ? { deviceToken: device.token, deviceTokenExpiresAt: device.expiresAt } : {}) };
    }
    if (outcome?.type === 'MfaDenied') return { status: 'denied', reason: outcome.data.reason };
    throw new Error(`verification of ${challengeId} decided nothing`);
  }

  private prove(state: SignInModel, userId: string, challengeId: string, answer: Answer, now: Date): Proof {
    const challenge = state.signIn.challenges[challengeId];
    if (answer.kind === 'push') {
      const numberMatches = answer.number !== null && this.codes.matches(challengeId, answer.number, challenge?.codeHash ?? null);
      return { kind: 'push', response: answer.response, numberMatches };
    }
    if (answer.kind === 'voice') return { kind: 'voice', response: 'approve' };
    if (challenge?.channel === 'sms') return { kind: 'sentCode', matches: this.codes.matches(challengeId, answer.code, challenge.codeHash) };
    const method = challenge?.methodId ? state.methods.methods[challenge.methodId] : undefined;
    const matchedStep = method && method.kind !== 'phone' ? matchOathCode(answer.code, this.streams.oathSecret(userId, method), method, now) : null;
    // a code sent to a push or voice challenge is judged (and refused) by the decider as the wrong kind of answer
    return { kind: 'appCode', matchedStep };
  }
}
