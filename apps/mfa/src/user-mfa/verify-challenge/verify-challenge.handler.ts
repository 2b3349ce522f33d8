import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ChallengeChannel, DenialReason } from '@bulwark/contracts';
import { CLOCK, Clock, RequestContext, RequestRateLimits } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { ChallengeCodes } from '../challenge-codes';
import { ChallengeRouter } from '../challenge-router';
import { lockAt } from '../lockout.rules';
import { matchOathCode } from '../oath';
import { Proof, VerifyChallenge } from '../sign-in.decider';
import { SignInModel } from '../sign-in.model';
import { UserMfaStreams } from '../user-mfa.streams';
import { UserBlocks } from '../user-blocks';
import { LockoutPolicy } from '../../lockout-settings/lockout-settings.decider';
import { RateLimits } from '../../rate-limit-settings/rate-limit-settings.decider';
import { SignInPolicies } from '../../tenant-settings/sign-in-policy';

/** retryAllowed: whether the challenge is still open and may be answered again; attemptsLeft: how many more answers it takes */
export type VerificationResult =
  | { status: 'approved'; sessionId: string; deviceToken?: string; deviceTokenExpiresAt?: string; retryAllowed: false }
  | { status: 'denied'; reason: DenialReason; retryAllowed: boolean; attemptsLeft?: number };

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
    private readonly requestLimits: RequestRateLimits,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ challengeId, answer, caller, rememberDevice }: VerifyChallengeCommand): Promise<VerificationResult> {
    this.requestLimits.appKey(caller.actor.id);
    const userId = await this.router.userOf(challengeId);
    const now = this.clock.now();
    const policy = await this.streams.lockoutPolicy();
    const limits = await this.streams.rateLimits();
    const sessionId = randomUUID();
    const enabledChannels = await this.policies.enabledChannels();
    const device = rememberDevice ? await this.policies.rememberDevice(now) : null;
    const blockedUntil = await this.blocks.blockedUntil(userId);
    let ipChecked = false;
    const { events, state } = await this.streams.signIn(
      userId,
      (state) => {
        // the signing-in user's address, as the challenge recorded it (once, should the command be retried)
        const challenge = state.signIn.challenges[challengeId];
        if (challenge && !ipChecked) this.requestLimits.clientIp(challenge.clientIp);
        ipChecked = true;
        return this.command(state, userId, challengeId, answer, sessionId, policy, limits, enabledChannels, device, blockedUntil, now);
      },
      { ...caller, now },
    );
    const outcome = events[0];
    if (outcome?.type === 'MfaApproved') {
      // the token is shown once, here; only its HMAC was recorded
      return {
        status: 'approved',
        sessionId: outcome.data.sessionId,
        ...(device ? { deviceToken: device.token, deviceTokenExpiresAt: device.expiresAt } : {}),
        retryAllowed: false,
      };
    }
    if (outcome?.type === 'MfaDenied') {
      const open = state.signIn.challenges[challengeId];
      // a locked account's challenge stays open, but no answer can count until the lock ends
      if (!open || lockAt(state.signIn.lock, now.toISOString()).status !== 'Open') return { status: 'denied', reason: outcome.data.reason, retryAllowed: false };
      return { status: 'denied', reason: outcome.data.reason, retryAllowed: true, attemptsLeft: Math.max(0, limits.attemptsPerChallenge - open.attempts) };
    }
    throw new Error(`verification of ${challengeId} decided nothing`);
  }

  private command(
    state: SignInModel,
    userId: string,
    challengeId: string,
    answer: Answer,
    sessionId: string,
    policy: LockoutPolicy,
    limits: RateLimits,
    enabledChannels: ChallengeChannel[],
    device: { tokenHash: string; expiresAt: string } | null,
    blockedUntil: string | null,
    now: Date,
  ): VerifyChallenge {
    return {
        type: 'VerifyChallenge',
        data: {
          userId,
          challengeId,
          proof: this.prove(state, userId, challengeId, answer, now),
          sessionId,
          policy,
          limits,
          enabledChannels,
          rememberDevice: device && { tokenHash: device.tokenHash, expiresAt: device.expiresAt },
          blockedUntil,
          now: now.toISOString(),
        },
      };
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
