import { ChallengeChannel, DomainError, UserMfaEvent } from '@bulwark/contracts';
import { RateLimits } from '../rate-limit-settings/rate-limit-settings.decider';
import { RecordedUserFields } from '../sign-in-log-fields/sign-in-log-fields.decider';
import { lockAt } from './lockout.rules';
import { refusedIssue, throttled } from './rate-limit.rules';
import { activeMethods, channelsOf, defaultMethodOf, Method, MethodsState, methodOf, methodTypeOf } from './methods.model';
import { attemptOf, isBlocked, NOT_ACTIVATED, SignInModel } from './sign-in.model';

/** The sign-in decider's rule for issuing a challenge: who may skip MFA, then which method and channel answer. Pure. */

export type ChannelLifetimes = Record<Exclude<ChallengeChannel, 'appPassword'>, number>;

/** What the tenant's settings say about one sign-in, worked out by the adapter (CIDR matching, token hashing). */
export type SignInPolicy = {
  settingsVersion: number;
  /** the channels the tenant allows (Entra's call, sms, appNotification, appCode) */
  enabledChannels: ChallengeChannel[];
  /** the client's IP is in a trusted range */
  trustedIp: boolean;
  /** the HMAC of the remembered-device token the client presented, if any */
  deviceTokenHash: string | null;
  /** the session a bypass opens */
  sessionId: string;
  /** an admin's block on the user (from their protection stream), or null */
  blockedUntil: string | null;
};

/** What the registration policy says about this user, worked out by the adapter (the groups come with the sign-in). */
export type RegistrationRequirement = { required: boolean; postponeDays: number; policyVersion: number };

export type IssueChallenge = {
  type: 'IssueChallenge';
  data: {
    userId: string;
    challengeId: string;
    clientIp: string;
    userAgent: string | null;
    appId: string | null;
    /** the method asked for, else the user's default */
    methodId: string | null;
    /** the channel asked for, else the method's natural one */
    channel: ChallengeChannel | null;
    /** the HMAC of the code the adapter will text, speak or show, bound to this challenge */
    codeHash: string;
    lifetimes: ChannelLifetimes;
    signIn: SignInPolicy;
    registration: RegistrationRequirement;
    /** the per-user rate limits in force */
    limits: RateLimits;
    /** the user's name and email, only as far as the tenant records them */
    recorded: RecordedUserFields;
    now: string;
  };
};

const addSeconds = (at: string, n: number) => new Date(Date.parse(at) + n * 1000).toISOString();
const addDays = (at: string, n: number) => new Date(Date.parse(at) + n * 86_400_000).toISOString();
const usableMethods = (state: MethodsState, enabled: ChallengeChannel[]) =>
  activeMethods(state).filter((method) => channelsOf(method).some((channel) => enabled.includes(channel)));

/**
 * The method a sign-in uses (the one asked for, else the default) and its channel (the one asked for, else the
 * method's first the tenant allows). The adapter calls it too, to draw a code that fits the channel before deciding.
 */
export function methodAndChannel(
  state: MethodsState,
  methodId: string | null,
  requested: ChallengeChannel | null,
  enabled: ChallengeChannel[],
): { method: Method | null; channel: ChallengeChannel | null } {
  const method = (methodId ? state.methods[methodId] : defaultMethodOf(state)) ?? null;
  return { method, channel: requested ?? (method ? (channelsOf(method).find((channel) => enabled.includes(channel)) ?? null) : null) };
}

export function issue(command: IssueChallenge, { methods, signIn: state }: SignInModel): UserMfaEvent[] {
  const { userId, challengeId, clientIp, userAgent, appId, codeHash, lifetimes, signIn, recorded, now } = command.data;
  if (state.challenges[challengeId] || state.ended.some((ended) => ended.challengeId === challengeId)) {
    throw new DomainError('CHALLENGE_EXISTS', 'conflict', `challenge ${challengeId} exists`);
  }
  const locked = lockAt(state.lock, now).status === 'LockedOut';
  const blocked = isBlocked(signIn.blockedUntil, now);
  // a blocked or locked user skips nothing: both are checked before any bypass
  const bypass = locked || blocked ? null : bypassReason(methods, state.rememberedDevices, signIn, now);
  // a bypass or a registration prompt appends an event too: the per-minute limit holds for them, so a user without
  // a method (or behind a trusted IP) cannot have their stream grown by a request loop either
  if (bypass || !usableMethods(methods, signIn.enabledChannels).length) {
    const refusal = refusedIssue(state.throttle, null, command.data.limits, now);
    if (refusal) return throttled(state.throttle, refusal, { userId, clientIp, appId }, now);
  }
  if (bypass) {
    const attempt = { userId, challengeId, methodId: null, clientIp, userAgent, appId, at: now };
    return [{ type: 'MfaBypassed', data: { ...attempt, reason: bypass, sessionId: signIn.sessionId, settingsVersion: signIn.settingsVersion, ...recorded } }];
  }
  if (!usableMethods(methods, signIn.enabledChannels).length) return [registrationRequired(command, methods, blocked || locked)];
  if (command.data.methodId) methodOf(methods, userId, command.data.methodId);
  const chosen = methodAndChannel(methods, command.data.methodId, command.data.channel, signIn.enabledChannels);
  const method = chosen.method!;
  if (method.status !== 'active') throw new DomainError('ACCOUNT_NOT_ACTIVATED', 'conflict', `${NOT_ACTIVATED}: method ${method.methodId} is not activated yet`);
  const channels = channelsOf(method);
  const requested = command.data.channel;
  if (requested && !channels.includes(requested)) {
    throw new DomainError('CHANNEL_NOT_SUPPORTED', 'invalid', `method ${method.methodId} (${method.kind}) is answered by ${channels.join(' or ')}, not ${requested}`);
  }
  const channel = chosen.channel;
  if (channel === null || !signIn.enabledChannels.includes(channel)) {
    const others = usableMethods(methods, signIn.enabledChannels);
    const choice = others.length ? `; choose another: ${others.map((other) => `${other.methodId} (${other.kind})`).join(', ')}` : '; no method of this user is allowed';
    throw new DomainError('METHOD_DISABLED', 'conflict', `the tenant has disabled ${requested ?? channels.join(' and ')} for method ${method.methodId}${choice}`);
  }
  // the rate limits count every challenge issued, even one refused at once for a lock or a block: a locked user
  // hammering the route is throttled too, so the stream does not grow by two events a request without end
  const refusal = refusedIssue(state.throttle, channel, command.data.limits, now);
  if (refusal) return throttled(state.throttle, refusal, { userId, clientIp, appId }, now);
  const issued: UserMfaEvent = {
    type: 'MfaChallengeIssued',
    data: {
      userId,
      challengeId,
      methodId: method.methodId,
      methodType: methodTypeOf(method),
      channel,
      codeHash: channel === 'appCode' ? null : codeHash,
      clientIp,
      userAgent,
      appId,
      expiresAt: addSeconds(now, lifetimes[channel as keyof ChannelLifetimes]),
      at: now,
      ...recorded,
    },
  };
  // a blocked or locked user gets no code, push or call at all: the challenge is refused as it is issued
  if (blocked || locked) {
    const attempt = { userId, challengeId, methodId: method.methodId, clientIp, userAgent, appId, at: now };
    return [issued, { type: 'MfaDenied', data: { ...attempt, reason: blocked ? 'userBlocked' : 'lockedOut', endsChallenge: true } }];
  }
  // a new texted or spoken code voids every earlier one still open
  const voided: UserMfaEvent[] =
    channel === 'sms' || channel === 'voice'
      ? Object.values(state.challenges)
          .filter((open) => open.channel === 'sms' || open.channel === 'voice')
          .map((open) => ({ type: 'MfaDenied', data: { ...attemptOf(userId, open, now), reason: 'superseded', endsChallenge: true } }))
      : [];
  return [...voided, issued];
}

/**
 * A user with no method the tenant allows cannot be verified: they must register one. The postponement runs from
 * the first sign-in that told them so; a user the policy does not name may always skip, a blocked or locked one never.
 */
function registrationRequired(command: IssueChallenge, state: MethodsState, refused: boolean): UserMfaEvent {
  const { userId, challengeId, clientIp, userAgent, appId, registration, recorded, now } = command.data;
  // an admin's "require re-registration" is a demand for this user, with no postponement
  const required = registration.required || state.reregistrationRequired;
  const postponeUntil =
    required && !state.reregistrationRequired && registration.postponeDays > 0 ? addDays(state.registrationAskedSince ?? now, registration.postponeDays) : null;
  const canPostpone = !refused && (!required || (postponeUntil !== null && Date.parse(postponeUntil) > Date.parse(now)));
  return {
    type: 'RegistrationRequiredAtSignIn',
    data: {
      userId,
      challengeId,
      methodId: null,
      clientIp,
      userAgent,
      appId,
      at: now,
      reason: activeMethods(state).length ? 'methodsDisabled' : 'noMethods',
      required,
      canPostpone,
      postponeUntil,
      policyVersion: registration.policyVersion,
      ...recorded,
    },
  };
}

function bypassReason(state: MethodsState, rememberedDevices: Record<string, string>, signIn: SignInPolicy, now: string): 'mfaDisabled' | 'trustedIp' | 'rememberedDevice' | null {
  if (state.mfaState === 'disabled') return 'mfaDisabled';
  if (signIn.trustedIp) return 'trustedIp';
  const remembered = signIn.deviceTokenHash ? rememberedDevices[signIn.deviceTokenHash] : undefined;
  if (remembered && Date.parse(remembered) > Date.parse(now)) return 'rememberedDevice';
  return null;
}
