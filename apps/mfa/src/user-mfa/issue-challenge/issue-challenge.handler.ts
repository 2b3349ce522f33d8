import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ChallengeChannel, DenialReason, MethodType } from '@bulwark/contracts';
import { CLOCK, Clock, RequestContext, RequestRateLimits } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { ChallengeCodes } from '../challenge-codes';
import { ChallengeDelivery } from '../challenge-delivery';
import { methodAndChannel } from '../challenge-issuing';
import { tooManyRequests } from '../rate-limit.rules';
import { UserMfaStreams } from '../user-mfa.streams';
import { UserBlocks } from '../user-blocks';
import { SignInPolicies } from '../../tenant-settings/sign-in-policy';
import { MfaSettingsStreams } from '../../tenant-settings/mfa-settings.streams';
import { mustRegister } from '../../registration-policy/registration-policy.decider';
import { recordedFields } from '../../sign-in-log-fields/sign-in-log-fields.decider';

export type IssuedChallenge = {
  id: string;
  /**
   * bypassed: no second factor needed (trusted IP, remembered device, MFA disabled for the user): a session is open.
   * registrationRequired: the user has no method the tenant allows; see `registration`.
   */
  status: 'pending' | 'denied' | 'bypassed' | 'registrationRequired';
  sessionId?: string;
  method: MethodType | null;
  methodId: string | null;
  channel: ChallengeChannel | null;
  expiresAt: string;
  /** push with number matching: the number the sign-in screen shows, which the user picks in the app */
  numberToShow?: string;
  /** SMS and voice: whether the provider took the message */
  delivery?: { status: 'sent' | 'failed'; reason?: string };
  reason?: DenialReason | 'trustedIp' | 'rememberedDevice' | 'mfaDisabled' | 'noMethods' | 'methodsDisabled';
  /**
   * registrationRequired: whether the registration policy requires this user to register; whether the relying party
   * may let them sign in without registering for now (canPostpone), and until when the policy allows that.
   */
  registration?: { required: boolean; canPostpone: boolean; postponeUntil: string | null };
};

export type IssueChallengeRequest = {
  userId: string;
  clientIp: string;
  userAgent?: string;
  appId?: string;
  methodId?: string;
  channel?: ChallengeChannel;
  /** a remembered-device token from an earlier approval */
  deviceToken?: string;
  /** the user's groups, for the registration policy */
  groupIds?: string[];
  /** BCP 47: the language of the custom voice message a call plays */
  language?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
};

export class IssueChallengeCommand extends Command<IssuedChallenge> {
  constructor(readonly request: IssueChallengeRequest, readonly caller: RequestContext) {
    super();
  }
}

@CommandHandler(IssueChallengeCommand)
export class IssueChallengeHandler implements ICommandHandler<IssueChallengeCommand> {
  constructor(
    private readonly streams: UserMfaStreams,
    private readonly codes: ChallengeCodes,
    private readonly delivery: ChallengeDelivery,
    private readonly policies: SignInPolicies,
    private readonly blocks: UserBlocks,
    private readonly settings: MfaSettingsStreams,
    private readonly requestLimits: RequestRateLimits,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ request, caller }: IssueChallengeCommand): Promise<IssuedChallenge> {
    // the in-process buckets over all users first: a flood is refused before it reads or writes a stream
    this.requestLimits.appKey(caller.actor.id);
    this.requestLimits.clientIp(request.clientIp);
    const now = this.clock.now();
    const challengeId = randomUUID();
    const limits = await this.streams.rateLimits();
    const signIn = await this.policies.forSignIn(request.clientIp, request.deviceToken ?? null, randomUUID(), await this.blocks.blockedUntil(request.userId));
    const lifetimes = await this.policies.lifetimes();
    const policy = await this.settings.registration();
    const registration = { required: mustRegister(policy, request.userId, request.groupIds ?? []), postponeDays: policy.postponeDays, policyVersion: policy.version };
    // fields the tenant does not record are dropped here: they never reach an event
    const recorded = {
      ...recordedFields(await this.settings.signInLogFields(), request),
      // the sign-in record names the device token it presented, masked but for its last characters
      ...(request.deviceToken ? { deviceTokenHint: `…${request.deviceToken.slice(-4)}` } : {}),
    };
    let drawn = '';
    const { events, state } = await this.streams.signIn(
      request.userId,
      (current) => {
        // the decider's own rule, so the code drawn fits the channel it will use
        const { channel } = methodAndChannel(current.methods, request.methodId ?? null, request.channel ?? null, signIn.enabledChannels);
        drawn = this.codes.draw(channel === 'appNotification' ? 'appNotification' : 'sms');
        return {
          type: 'IssueChallenge',
          data: {
            userId: request.userId,
            challengeId,
            clientIp: request.clientIp,
            userAgent: request.userAgent ?? null,
            appId: request.appId ?? null,
            methodId: request.methodId ?? null,
            channel,
            // only the hash is recorded; the code itself goes to the phone or the screen
            codeHash: this.codes.hash(challengeId, drawn),
            lifetimes,
            signIn,
            registration,
            limits,
            recorded,
            now: now.toISOString(),
          },
        };
      },
      { ...caller, now },
    );
    const throttled = events.find((event) => event.type === 'MfaThrottled');
    if (throttled?.type === 'MfaThrottled') {
      // the episode's first refusal, recorded; the ones after it are refused by the decider without a record
      const { limit, until } = throttled.data;
      const max = limit === 'challengesPerMinute' ? limits.challengesPerMinute : limits[limit as 'pushesPerWindow' | 'smsPerWindow' | 'callsPerWindow'];
      throw tooManyRequests(limit, max, limit === 'challengesPerMinute' ? 1 : limits.windowMinutes, until, now.toISOString());
    }
    const bypassed = events.find((event) => event.type === 'MfaBypassed');
    if (bypassed?.type === 'MfaBypassed') {
      return { id: challengeId, status: 'bypassed', sessionId: bypassed.data.sessionId, method: null, methodId: null, channel: null, expiresAt: now.toISOString(), reason: bypassed.data.reason };
    }
    const asked = events.find((event) => event.type === 'RegistrationRequiredAtSignIn');
    if (asked?.type === 'RegistrationRequiredAtSignIn') {
      const { reason, required, canPostpone, postponeUntil } = asked.data;
      return { id: challengeId, status: 'registrationRequired', method: null, methodId: null, channel: null, expiresAt: now.toISOString(), reason, registration: { required, canPostpone, postponeUntil } };
    }
    const issued = events.find((event) => event.type === 'MfaChallengeIssued');
    const denied = events.find((event) => event.type === 'MfaDenied' && event.data.challengeId === challengeId);
    if (issued?.type !== 'MfaChallengeIssued') throw new Error('a challenge was not issued');
    const channel = issued.data.channel;
    const response: IssuedChallenge = {
      id: challengeId,
      status: denied ? 'denied' : 'pending',
      method: issued.data.methodType,
      methodId: issued.data.methodId,
      channel,
      expiresAt: issued.data.expiresAt,
      ...(denied?.type === 'MfaDenied' ? { reason: denied.data.reason } : {}),
    };
    if (denied) return response;
    if (channel === 'appNotification') return { ...response, numberToShow: drawn };
    if (channel === 'sms' || channel === 'voice') {
      const method = state.methods.methods[issued.data.methodId!];
      if (method?.kind !== 'phone') throw new Error(`challenge ${challengeId} on ${channel} has no phone`);
      const delivery = await this.delivery.send({ channel, challengeId, userId: request.userId, to: method.phoneNumber, code: drawn, expiresAt: issued.data.expiresAt, language: request.language ?? null });
      return { ...response, delivery };
    }
    return response;
  }
}
