import { ChallengeChannel, DenialReason, DomainError, HardwareTokenAssigned, MethodType, PasswordHash, PerUserMfaState, PhoneType, SealedSecret, UserMfaEvent } from '@bulwark/contracts';
import { LockoutPolicy } from '../lockout-settings/lockout-settings.decider';
import { RecordedUserFields } from '../sign-in-log-fields/sign-in-log-fields.decider';

/**
 * A user's MFA stream: methods, challenges and the lockout counter, one consistency boundary. Pure: the
 * adapter checks codes and passes the verdict (a proof), the time, the ids and the policy in with each command.
 * Every way of answering a challenge goes through `verify`, so no path skips a check.
 */

export type OathMethod = {
  kind: 'softwareOath';
  methodId: string;
  status: 'pending' | 'active';
  secret: SealedSecret;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: 6 | 8;
  period: 30 | 60;
  displayName: string | null;
  pushEnabled: boolean;
  createdAt: string;
  /** the last time step that approved (or activated): a code at or before it is a replay */
  lastTimeStep: number;
};

export type HardwareOathMethod = {
  kind: 'hardwareOath';
  methodId: string;
  status: 'pending' | 'active' | 'failedActivation';
  secret: SealedSecret;
  oathType: 'totp' | 'hotp';
  hashFunction: 'hmacsha1' | 'hmacsha256' | 'hmacsha512';
  digits: 6 | 8;
  period: 30 | 60 | null;
  serialNumber: string;
  manufacturer: string | null;
  model: string | null;
  createdAt: string;
  /** TOTP: the last time step used; HOTP: the last counter used (a code at or before it is a replay) */
  lastTimeStep: number;
};

export type PhoneMethod = { kind: 'phone'; methodId: string; status: 'active'; phoneNumber: string; phoneType: PhoneType; createdAt: string };

export type Method = OathMethod | HardwareOathMethod | PhoneMethod;

export type Challenge = {
  challengeId: string;
  methodId: string | null;
  channel: ChallengeChannel;
  status: 'pending' | 'approved' | 'denied';
  expiresAt: string;
  codeHash: string | null;
  clientIp: string;
  userAgent: string | null;
  appId: string | null;
};

export type LockState =
  | { status: 'Open'; recentDenials: Array<{ challengeId: string; at: string; factor: FactorClass }> }
  | { status: 'LockedOut'; since: string; until: string | null };

export type AppPassword = { appPasswordId: string; displayName: string | null; hash: PasswordHash; createdAt: string };

export type UserMfaState = {
  exists: boolean;
  /** per-user MFA: disabled skips MFA, enabled and enforced require it */
  mfaState: PerUserMfaState;
  /** after "require re-registration", until a method is registered again */
  reregistrationRequired: boolean;
  /** when a sign-in first told this user they must register (the postponement counts from it), until they do */
  registrationAskedSince: string | null;
  /** HMACs of remembered-device tokens, with their expiry */
  rememberedDevices: Record<string, string>;
  methods: Record<string, Method>;
  appPasswords: Record<string, AppPassword>;
  defaultMethodId: string | null;
  challenges: Record<string, Challenge>;
  lock: LockState;
};

/** What the adapter found when it checked an answer; the decider judges it. */
export type Proof =
  /** a code from an authenticator app: the time step it matched, or null */
  | { kind: 'appCode'; matchedStep: number | null }
  /** a texted or spoken code: whether its hash matches the challenge's */
  | { kind: 'sentCode'; matches: boolean }
  /** the authenticator app's answer to a push, with whether the number picked is the one shown */
  | { kind: 'push'; response: 'approve' | 'deny'; numberMatches: boolean }
  /** the telephony provider relays that the user pressed # on the call */
  | { kind: 'voice'; response: 'approve' };

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

/** Entra's words when a sign-in or an answer names a method that was never activated. */
export const NOT_ACTIVATED = 'Authentication request is not for an activated account';

/** Whether an admin's block stands at `now`. */
const isBlocked = (blockedUntil: string | null, now: string) => blockedUntil !== null && Date.parse(blockedUntil) > Date.parse(now);

export type AddAuthenticatorApp = {
  type: 'AddAuthenticatorApp';
  data: {
    userId: string;
    methodId: string;
    secret: SealedSecret;
    algorithm: OathMethod['algorithm'];
    digits: 6 | 8;
    period: 30 | 60;
    displayName: string | null;
    pushEnabled: boolean;
    now: string;
  };
};
export type ActivateAuthenticatorApp = {
  type: 'ActivateAuthenticatorApp';
  /** codeMatched: the time step the code matched, or null */
  data: { userId: string; methodId: string; codeMatched: number | null; now: string };
};
export type AssignHardwareToken = { type: 'AssignHardwareToken'; data: Omit<HardwareTokenAssigned['data'], 'at'> & { now: string } };
export type ActivateHardwareToken = {
  type: 'ActivateHardwareToken';
  /** codeMatched: the time step (TOTP) or counter (HOTP) the code matched, or null */
  data: { userId: string; methodId: string; codeMatched: number | null; now: string };
};
export type ResyncHardwareToken = {
  type: 'ResyncHardwareToken';
  /** lastCounter: the counter of the second of two consecutive codes, or null when none was found */
  data: { userId: string; methodId: string; lastCounter: number | null; now: string };
};
export type RegisterPhone = { type: 'RegisterPhone'; data: { userId: string; methodId: string; phoneNumber: string; phoneType: PhoneType; now: string } };
export type RemoveMethod = { type: 'RemoveMethod'; data: { userId: string; methodId: string; reason: string | null; now: string } };
export type SetDefaultMethod = { type: 'SetDefaultMethod'; data: { userId: string; methodId: string; now: string } };
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
    /** the user's name and email, only as far as the tenant records them */
    recorded: RecordedUserFields;
    now: string;
  };
};
export type VerifyChallenge = {
  type: 'VerifyChallenge';
  data: {
    userId: string;
    challengeId: string;
    proof: Proof;
    sessionId: string;
    policy: LockoutPolicy;
    enabledChannels: ChallengeChannel[];
    /** on approval, remember this device (the token's HMAC) until then */
    rememberDevice: { tokenHash: string; expiresAt: string } | null;
    blockedUntil: string | null;
    now: string;
  };
};
export type ForgetRememberedDevices = { type: 'ForgetRememberedDevices'; data: { userId: string; reason: string; now: string } };
export type UnlockAccount = { type: 'UnlockAccount'; data: { userId: string; reason: string; now: string } };
export type SetUserMfaState = { type: 'SetUserMfaState'; data: { userId: string; state: PerUserMfaState; now: string } };
export type RequireReregistration = { type: 'RequireReregistration'; data: { userId: string; now: string } };
export type ExpireChallenge = { type: 'ExpireChallenge'; data: { userId: string; challengeId: string; now: string } };
export type CreateAppPassword = {
  type: 'CreateAppPassword';
  /** allowedByPolicy: the tenant's allowUsersToCreateAppPasswords as the command is made */
  data: { userId: string; appPasswordId: string; displayName: string | null; hash: PasswordHash; allowedByPolicy: boolean; now: string };
};
export type DeleteAppPasswords = { type: 'DeleteAppPasswords'; data: { userId: string; reason: string | null; now: string } };
/** A legacy client signs in with an app password: no challenge, but the same lockout as every other answer. */
export type VerifyAppPassword = {
  type: 'VerifyAppPassword';
  data: {
    userId: string;
    attemptId: string;
    /** the app password the adapter found matching, or null */
    matchedAppPasswordId: string | null;
    clientIp: string;
    userAgent: string | null;
    appId: string | null;
    sessionId: string;
    policy: LockoutPolicy;
    blockedUntil: string | null;
    now: string;
  };
};
/** reportingEnabled: the tenant's fraud alert setting "report suspicious activity" */
export type ReportSuspiciousActivity = {
  type: 'ReportSuspiciousActivity';
  /** autoBlockOnFraud: the tenant's setting as the report is made, recorded so the block follows the setting of that moment */
  data: { userId: string; challengeId: string; reportingEnabled: boolean; autoBlockOnFraud: boolean; now: string };
};

export type UserMfaCommand =
  | AddAuthenticatorApp
  | ActivateAuthenticatorApp
  | AssignHardwareToken
  | ActivateHardwareToken
  | ResyncHardwareToken
  | RegisterPhone
  | RemoveMethod
  | SetDefaultMethod
  | IssueChallenge
  | VerifyChallenge
  | ExpireChallenge
  | ReportSuspiciousActivity
  | CreateAppPassword
  | DeleteAppPasswords
  | VerifyAppPassword
  | SetUserMfaState
  | RequireReregistration
  | UnlockAccount
  | ForgetRememberedDevices;

export const MAX_OATH_METHODS = 5;
/** Entra's limit of app passwords per user */
export const MAX_APP_PASSWORDS = 40;

export const initialState = (): UserMfaState => ({
  exists: false,
  mfaState: 'enabled',
  reregistrationRequired: false,
  registrationAskedSince: null,
  rememberedDevices: {},
  methods: {},
  appPasswords: {},
  defaultMethodId: null,
  challenges: {},
  lock: { status: 'Open', recentDenials: [] },
});

const minutes = (n: number) => n * 60_000;
const addMinutes = (at: string, n: number) => new Date(Date.parse(at) + minutes(n)).toISOString();
const addSeconds = (at: string, n: number) => new Date(Date.parse(at) + n * 1000).toISOString();
const addDays = (at: string, n: number) => new Date(Date.parse(at) + n * 86_400_000).toISOString();

/** The lock as it stands at `now`: an expired lock is open again with a fresh counter. */
export function lockAt(lock: LockState, now: string): LockState {
  if (lock.status === 'LockedOut' && lock.until !== null && Date.parse(lock.until) <= Date.parse(now)) {
    return { status: 'Open', recentDenials: [] };
  }
  return lock;
}

const activeMethods = (state: UserMfaState) => Object.values(state.methods).filter((method) => method.status === 'active');
/** Software OATH methods count once active; a hardware token counts from assignment, since it is the user's alone. */
const oathCount = (state: UserMfaState) =>
  Object.values(state.methods).filter((method) => (method.kind === 'softwareOath' && method.status === 'active') || method.kind === 'hardwareOath').length;
const oathLimit = () =>
  new DomainError('METHOD_LIMIT_REACHED', 'conflict', `a user has at most ${MAX_OATH_METHODS} OATH methods (software and hardware); remove one first`);

/** The method a sign-in uses when none is asked for: the default, else the first active one. */
export function defaultMethodOf(state: UserMfaState): Method | null {
  const chosen = state.defaultMethodId ? state.methods[state.defaultMethodId] : undefined;
  return chosen?.status === 'active' ? chosen : (activeMethods(state)[0] ?? null);
}

/** The channels a method can be answered on, the natural one first. */
export function channelsOf(method: Method): ChallengeChannel[] {
  if (method.kind === 'phone') return method.phoneType === 'office' ? ['voice'] : ['sms', 'voice'];
  if (method.kind === 'hardwareOath') return ['appCode'];
  return method.pushEnabled ? ['appCode', 'appNotification'] : ['appCode'];
}

const methodTypeOf = (method: Method): MethodType => method.kind;

function challengeOf(state: UserMfaState, challengeId: string): Challenge {
  const challenge = state.challenges[challengeId];
  if (!challenge) throw new DomainError('CHALLENGE_NOT_FOUND', 'notFound', `no challenge ${challengeId}`);
  return challenge;
}

function pendingChallenge(state: UserMfaState, challengeId: string): Challenge {
  const challenge = challengeOf(state, challengeId);
  if (challenge.status !== 'pending') {
    throw new DomainError('CHALLENGE_FINISHED', 'conflict', `challenge ${challengeId} is already finished (${challenge.status})`);
  }
  return challenge;
}

function attemptOf(userId: string, challenge: Challenge, at: string) {
  const { challengeId, methodId, clientIp, userAgent, appId } = challenge;
  return { userId, challengeId, methodId, clientIp, userAgent, appId, at };
}

function methodOf(state: UserMfaState, userId: string, methodId: string): Method {
  const method = state.methods[methodId];
  if (!method) throw new DomainError('METHOD_NOT_FOUND', 'notFound', `user ${userId} has no method ${methodId}`);
  return method;
}

/** The proof a channel is answered with. */
const proofFor: Record<ChallengeChannel, Proof['kind'] | null> = {
  appCode: 'appCode',
  appNotification: 'push',
  sms: 'sentCode',
  voice: 'voice',
  appPassword: null,
};

export function decide(command: UserMfaCommand, state: UserMfaState): UserMfaEvent[] {
  switch (command.type) {
    case 'AddAuthenticatorApp': {
      const { now, ...app } = command.data;
      if (oathCount(state) >= MAX_OATH_METHODS) throw oathLimit();
      return [{ type: 'AuthenticatorAppAdded', data: { ...app, at: now } }];
    }
    case 'ActivateAuthenticatorApp': {
      const { userId, methodId, codeMatched, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.kind !== 'softwareOath') throw new DomainError('NOT_AN_AUTHENTICATOR_APP', 'conflict', `method ${methodId} is not an authenticator app`);
      if (method.status === 'active') throw new DomainError('METHOD_ALREADY_ACTIVE', 'conflict', `authenticator app ${methodId} is already active`);
      if (codeMatched === null) throw new DomainError('INVALID_CODE', 'unprocessable', 'the code does not match this authenticator app');
      if (oathCount(state) >= MAX_OATH_METHODS) throw oathLimit();
      return [
        { type: 'MethodRegistered', data: { userId, methodId, methodType: 'softwareOath', displayName: method.displayName, timeStep: codeMatched, at: now } },
      ];
    }
    case 'AssignHardwareToken': {
      const { now, ...token } = command.data;
      if (state.methods[token.methodId]) throw new DomainError('TOKEN_ALREADY_ASSIGNED', 'conflict', `token ${token.serialNumber} is already assigned to ${token.userId}`);
      if (oathCount(state) >= MAX_OATH_METHODS) throw oathLimit();
      return [{ type: 'HardwareTokenAssigned', data: { ...token, at: now } }];
    }
    case 'ActivateHardwareToken': {
      const { userId, methodId, codeMatched, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.kind !== 'hardwareOath') throw new DomainError('NOT_A_HARDWARE_TOKEN', 'conflict', `method ${methodId} is not a hardware token`);
      if (method.status === 'active') throw new DomainError('METHOD_ALREADY_ACTIVE', 'conflict', `hardware token ${method.serialNumber} is already activated`);
      // a failed activation is an outcome the inventory shows (failedActivation), not a refused request
      if (codeMatched === null || codeMatched <= method.lastTimeStep) return [{ type: 'HardwareTokenActivationFailed', data: { userId, methodId, at: now } }];
      return [{ type: 'MethodRegistered', data: { userId, methodId, methodType: 'hardwareOath', displayName: method.serialNumber, timeStep: codeMatched, at: now } }];
    }
    case 'ResyncHardwareToken': {
      const { userId, methodId, lastCounter, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.kind !== 'hardwareOath' || method.oathType !== 'hotp') throw new DomainError('NOT_AN_HOTP_TOKEN', 'conflict', `method ${methodId} is not an HOTP token`);
      if (lastCounter === null || lastCounter <= method.lastTimeStep) {
        throw new DomainError('INVALID_CODE', 'unprocessable', 'no two consecutive codes of this token match ahead of its counter');
      }
      return [{ type: 'HardwareTokenResynchronized', data: { userId, methodId, lastCounter, at: now } }];
    }
    case 'RegisterPhone': {
      const { userId, methodId, phoneNumber, phoneType, now } = command.data;
      const taken = activeMethods(state).find((method) => method.kind === 'phone' && method.phoneType === phoneType);
      if (taken) throw new DomainError('PHONE_TYPE_TAKEN', 'conflict', `user ${userId} already has a ${phoneType} phone (${taken.methodId}): update or delete it`);
      return [{ type: 'MethodRegistered', data: { userId, methodId, methodType: 'phone', displayName: null, timeStep: null, phoneNumber, phoneType, at: now } }];
    }
    case 'RemoveMethod': {
      const { userId, methodId, reason, now } = command.data;
      const method = methodOf(state, userId, methodId);
      return [{ type: 'MethodRemoved', data: { userId, methodId, methodType: methodTypeOf(method), reason, at: now } }];
    }
    case 'SetDefaultMethod': {
      const { userId, methodId, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.status !== 'active') throw new DomainError('METHOD_NOT_ACTIVE', 'conflict', `method ${methodId} is not activated yet`);
      if (state.defaultMethodId === methodId) return [];
      return [{ type: 'DefaultMethodChanged', data: { userId, methodId, at: now } }];
    }
    case 'IssueChallenge':
      return issue(command, state);
    case 'VerifyChallenge':
      return verify(command, state);
    case 'ExpireChallenge': {
      const { userId, challengeId, now } = command.data;
      const challenge = state.challenges[challengeId];
      if (!challenge || challenge.status !== 'pending' || Date.parse(challenge.expiresAt) > Date.parse(now)) return [];
      return [{ type: 'MfaDenied', data: { ...attemptOf(userId, challenge, now), reason: expiryReason(challenge), endsChallenge: true } }];
    }
    case 'ReportSuspiciousActivity': {
      const { userId, challengeId, reportingEnabled, autoBlockOnFraud, now } = command.data;
      const attempt = attemptOf(userId, pendingChallenge(state, challengeId), now);
      if (!reportingEnabled) throw new DomainError('FRAUD_REPORTING_DISABLED', 'conflict', 'reporting suspicious activity is disabled by the tenant; deny the request instead');
      return [
        { type: 'MfaDenied', data: { ...attempt, reason: 'fraudReported', endsChallenge: true } },
        { type: 'SuspiciousActivityReported', data: { ...attempt, autoBlockOnFraud } },
      ];
    }
    case 'ForgetRememberedDevices': {
      const { userId, reason, now } = command.data;
      return Object.keys(state.rememberedDevices).length ? [{ type: 'RememberedDevicesForgotten', data: { userId, reason, at: now } }] : [];
    }
    case 'UnlockAccount': {
      const { userId, reason, now } = command.data;
      if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      if (lockAt(state.lock, now).status !== 'LockedOut') throw new DomainError('NOT_LOCKED_OUT', 'conflict', `user ${userId} is not locked out`);
      return [{ type: 'AccountUnlocked', data: { userId, reason, at: now } }];
    }
    case 'SetUserMfaState': {
      const { userId, state: mfaState, now } = command.data;
      if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      return state.mfaState === mfaState ? [] : [{ type: 'UserMfaStateChanged', data: { userId, state: mfaState, at: now } }];
    }
    case 'RequireReregistration': {
      const { userId, now } = command.data;
      if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      return [{ type: 'MfaReregistrationRequired', data: { userId, removedMethodIds: Object.keys(state.methods), at: now } }];
    }
    case 'CreateAppPassword': {
      const { userId, appPasswordId, displayName, hash, allowedByPolicy, now } = command.data;
      if (!allowedByPolicy) {
        throw new DomainError(
          'APP_PASSWORDS_NOT_ALLOWED',
          'conflict',
          'the tenant does not allow users to create app passwords (allowUsersToCreateAppPasswords is off); existing app passwords keep working',
        );
      }
      if (Object.keys(state.appPasswords).length >= MAX_APP_PASSWORDS) {
        throw new DomainError('APP_PASSWORD_LIMIT_REACHED', 'conflict', `a user has at most ${MAX_APP_PASSWORDS} app passwords: delete them and create one again`);
      }
      return [{ type: 'AppPasswordCreated', data: { userId, appPasswordId, displayName, hash, at: now } }];
    }
    case 'DeleteAppPasswords': {
      const { userId, reason, now } = command.data;
      const appPasswordIds = Object.keys(state.appPasswords);
      return appPasswordIds.length ? [{ type: 'AppPasswordsDeleted', data: { userId, appPasswordIds, reason, at: now } }] : [];
    }
    case 'VerifyAppPassword': {
      const { userId, attemptId, matchedAppPasswordId, clientIp, userAgent, appId, sessionId, policy, blockedUntil, now } = command.data;
      if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      const attempt = { userId, challengeId: attemptId, methodId: matchedAppPasswordId, clientIp, userAgent, appId, at: now };
      if (isBlocked(blockedUntil, now)) return [{ type: 'MfaDenied', data: { ...attempt, reason: 'userBlocked', endsChallenge: true } }];
      const lock = lockAt(state.lock, now);
      if (lock.status === 'LockedOut') return [{ type: 'MfaDenied', data: { ...attempt, reason: 'lockedOut', endsChallenge: true } }];
      if (matchedAppPasswordId && state.appPasswords[matchedAppPasswordId]) {
        return [{ type: 'MfaApproved', data: { ...attempt, timeStep: null, channel: 'appPassword', sessionId } }];
      }
      return countDenial({ type: 'MfaDenied', data: { ...attempt, reason: 'wrongCode', endsChallenge: true } }, lock, policy, userId, attemptId, now);
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

/** Who may skip MFA, then which method and channel answer, in the tenant's terms. */
function issue(command: IssueChallenge, state: UserMfaState): UserMfaEvent[] {
  const { userId, challengeId, clientIp, userAgent, appId, codeHash, lifetimes, signIn, recorded, now } = command.data;
  if (state.challenges[challengeId]) throw new DomainError('CHALLENGE_EXISTS', 'conflict', `challenge ${challengeId} exists`);
  const locked = lockAt(state.lock, now).status === 'LockedOut';
  const blocked = isBlocked(signIn.blockedUntil, now);
  // a blocked or locked user skips nothing: both are checked before any bypass
  if (!locked && !blocked) {
    const bypass = bypassReason(state, signIn, now);
    if (bypass) {
      const attempt = { userId, challengeId, methodId: null, clientIp, userAgent, appId, at: now };
      return [{ type: 'MfaBypassed', data: { ...attempt, reason: bypass, sessionId: signIn.sessionId, settingsVersion: signIn.settingsVersion, ...recorded } }];
    }
  }
  const usable = activeMethods(state).filter((method) => channelsOf(method).some((channel) => signIn.enabledChannels.includes(channel)));
  if (!usable.length) return [registrationRequired(command, state, blocked || locked)];
  const explicit = command.data.methodId ? methodOf(state, userId, command.data.methodId) : null;
  const method = explicit ?? defaultMethodOf(state)!;
  if (method.status !== 'active') throw new DomainError('ACCOUNT_NOT_ACTIVATED', 'conflict', `${NOT_ACTIVATED}: method ${method.methodId} is not activated yet`);
  const channels = channelsOf(method);
  const allowed = channels.filter((channel) => signIn.enabledChannels.includes(channel));
  const requested = command.data.channel;
  if (requested && !channels.includes(requested)) {
    throw new DomainError('CHANNEL_NOT_SUPPORTED', 'invalid', `method ${method.methodId} (${method.kind}) is answered by ${channels.join(' or ')}, not ${requested}`);
  }
  if (requested ? !allowed.includes(requested) : !allowed.length) {
    const others = activeMethods(state).filter((other) => channelsOf(other).some((channel) => signIn.enabledChannels.includes(channel)));
    const choice = others.length ? `; choose another: ${others.map((other) => `${other.methodId} (${other.kind})`).join(', ')}` : '; no method of this user is allowed';
    throw new DomainError('METHOD_DISABLED', 'conflict', `the tenant has disabled ${requested ?? channels.join(' and ')} for method ${method.methodId}${choice}`);
  }
  const channel = requested ?? allowed[0]!;
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
          .filter((open) => open.status === 'pending' && (open.channel === 'sms' || open.channel === 'voice'))
          .map((open) => ({ type: 'MfaDenied', data: { ...attemptOf(userId, open, now), reason: 'superseded', endsChallenge: true } }))
      : [];
  return [...voided, issued];
}

/**
 * A user with no method the tenant allows cannot be verified: they must register one. The postponement runs from
 * the first sign-in that told them so; a user the policy does not name may always skip, a blocked or locked one never.
 */
function registrationRequired(command: IssueChallenge, state: UserMfaState, refused: boolean): UserMfaEvent {
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

function bypassReason(state: UserMfaState, signIn: SignInPolicy, now: string): 'mfaDisabled' | 'trustedIp' | 'rememberedDevice' | null {
  if (state.mfaState === 'disabled') return 'mfaDisabled';
  if (signIn.trustedIp) return 'trustedIp';
  const remembered = signIn.deviceTokenHash ? state.rememberedDevices[signIn.deviceTokenHash] : undefined;
  if (remembered && Date.parse(remembered) > Date.parse(now)) return 'rememberedDevice';
  return null;
}

/** A push nobody answered times out; any other challenge expires. */
const expiryReason = (challenge: Challenge): DenialReason => (challenge.channel === 'appNotification' ? 'timeout' : 'expired');

/** The one judgement of an answer to a challenge, whatever the channel: the same checks in the same order. */
function verify(command: VerifyChallenge, state: UserMfaState): UserMfaEvent[] {
  const { userId, challengeId, proof, sessionId, policy, enabledChannels, rememberDevice, blockedUntil, now } = command.data;
  const challenge = pendingChallenge(state, challengeId);
  if (proofFor[challenge.channel] !== proof.kind) {
    throw new DomainError('WRONG_ANSWER_KIND', 'conflict', `challenge ${challengeId} is answered by ${challenge.channel}, not by ${proof.kind}`);
  }
  const attempt = attemptOf(userId, challenge, now);
  const deny = (reason: DenialReason, endsChallenge: boolean): UserMfaEvent => ({ type: 'MfaDenied', data: { ...attempt, reason, endsChallenge } });
  if (isBlocked(blockedUntil, now)) return [deny('userBlocked', true)];
  if (Date.parse(challenge.expiresAt) <= Date.parse(now)) return [deny(expiryReason(challenge), true)];
  const lock = lockAt(state.lock, now);
  if (lock.status === 'LockedOut') return [deny('lockedOut', false)];
  const method = challenge.methodId ? state.methods[challenge.methodId] : undefined;
  // a method that exists but never became active (history from before issuing checked it): no answer can count for it
  if (method && method.status !== 'active') throw new DomainError('ACCOUNT_NOT_ACTIVATED', 'conflict', `${NOT_ACTIVATED}: method ${method.methodId} was never activated`);
  if (!method || !enabledChannels.includes(challenge.channel)) return [deny('methodDisabled', true)];

  const approve = (timeStep: number | null): UserMfaEvent[] => [
    { type: 'MfaApproved', data: { ...attempt, timeStep, channel: challenge.channel, sessionId } },
    ...(rememberDevice
      ? [{ type: 'DeviceRemembered' as const, data: { userId, deviceTokenHash: rememberDevice.tokenHash, challengeId, expiresAt: rememberDevice.expiresAt, at: now } }]
      : []),
  ];
  switch (proof.kind) {
    case 'appCode': {
      const lastTimeStep = method.kind === 'phone' ? -1 : method.lastTimeStep;
      if (proof.matchedStep !== null && proof.matchedStep > lastTimeStep) return approve(proof.matchedStep);
      return countDenial(deny(proof.matchedStep === null ? 'wrongCode' : 'replayedCode', false), lock, policy, userId, challengeId, now);
    }
    case 'sentCode':
      return proof.matches ? approve(null) : countDenial(deny('wrongCode', false), lock, policy, userId, challengeId, now);
    case 'push':
      if (proof.response === 'deny') return countDenial(deny('userDeclined', true), lock, policy, userId, challengeId, now);
      // Entra's number matching: a wrong number ends the push, and counts like a wrong code
      return proof.numberMatches ? approve(null) : countDenial(deny('wrongNumber', true), lock, policy, userId, challengeId, now);
    case 'voice':
      return approve(null);
  }
}

/**
 * Denials are counted per factor class, each against the threshold: a burst of declined pushes cannot be hidden by
 * a correct code, nor a code-guessing run by an approved push (an approval clears only its own class's counter).
 */
export type FactorClass = 'oneTimeCode' | 'push';

/** Which counter a denial feeds: wrong or replayed codes, or push answers the user refused; other denials count nowhere. */
export function factorOfDenial(reason: DenialReason): FactorClass | null {
  switch (reason) {
    case 'wrongCode':
    case 'replayedCode':
      return 'oneTimeCode';
    case 'wrongNumber':
    case 'userDeclined':
      return 'push';
    default:
      return null;
  }
}

const factorOfChannel = (channel: ChallengeChannel): FactorClass => (channel === 'appNotification' ? 'push' : 'oneTimeCode');

/** Records a counted denial; the one that reaches its class's threshold locks in the same append. */
function countDenial(denied: UserMfaEvent, lock: LockState, policy: LockoutPolicy, userId: string, challengeId: string, now: string): UserMfaEvent[] {
  const factor = denied.type === 'MfaDenied' ? factorOfDenial(denied.data.reason) : null;
  if (lock.status !== 'Open' || factor === null) return [denied];
  const windowStart = Date.parse(now) - minutes(policy.counterResetMinutes);
  const recent = lock.recentDenials.filter((denial) => denial.factor === factor && Date.parse(denial.at) > windowStart);
  if (recent.length + 1 < policy.denialsBeforeLockout) return [denied];
  return [
    denied,
    {
      type: 'AccountLockedOut',
      data: {
        userId,
        lockedUntil: policy.autoUnlockMinutes === 0 ? null : addMinutes(now, policy.autoUnlockMinutes),
        causedBy: [...recent.map((denial) => denial.challengeId), challengeId],
        factor,
        settingsVersion: policy.version,
        at: now,
      },
    },
  ];
}

export function evolve(state: UserMfaState, event: UserMfaEvent): UserMfaState {
  const next: UserMfaState = { ...state, exists: true };
  const withChallenge = (challengeId: string, change: Partial<Challenge>) => {
    const challenge = state.challenges[challengeId];
    return challenge ? { ...state.challenges, [challengeId]: { ...challenge, ...change } } : state.challenges;
  };
  switch (event.type) {
    case 'AuthenticatorAppAdded': {
      const { methodId, secret, algorithm, digits, period, displayName, pushEnabled } = event.data;
      const method: OathMethod = {
        kind: 'softwareOath',
        methodId,
        status: 'pending',
        secret,
        algorithm,
        digits,
        period,
        displayName,
        pushEnabled: pushEnabled ?? false,
        createdAt: event.data.at,
        lastTimeStep: -1,
      };
      return { ...next, methods: { ...state.methods, [methodId]: method } };
    }
    case 'MethodRegistered': {
      const { methodId, methodType, timeStep, phoneNumber, phoneType } = event.data;
      next.reregistrationRequired = false;
      next.registrationAskedSince = null;
      if (methodType === 'phone' && phoneNumber && phoneType) {
        return { ...next, methods: { ...state.methods, [methodId]: { kind: 'phone', methodId, status: 'active', phoneNumber, phoneType, createdAt: event.data.at } } };
      }
      const method = state.methods[methodId];
      if (method?.kind !== 'softwareOath' && method?.kind !== 'hardwareOath') return next;
      const lastTimeStep = Math.max(method.lastTimeStep, timeStep ?? -1);
      return { ...next, methods: { ...state.methods, [methodId]: { ...method, status: 'active', lastTimeStep } } };
    }
    case 'MethodRemoved': {
      const { [event.data.methodId]: _, ...methods } = state.methods;
      return { ...next, methods, defaultMethodId: state.defaultMethodId === event.data.methodId ? null : state.defaultMethodId };
    }
    case 'DefaultMethodChanged':
      return { ...next, defaultMethodId: event.data.methodId };
    case 'HardwareTokenAssigned': {
      const { methodId, secret, oathType, hashFunction, digits, period, counter, serialNumber, manufacturer, model, at } = event.data;
      const method: HardwareOathMethod = {
        kind: 'hardwareOath',
        methodId,
        status: 'pending',
        secret,
        oathType,
        hashFunction,
        digits,
        period,
        serialNumber,
        manufacturer,
        model,
        createdAt: at,
        // HOTP: the counter before the next code; TOTP: no step used yet
        lastTimeStep: oathType === 'hotp' ? (counter ?? 0) - 1 : -1,
      };
      return { ...next, methods: { ...state.methods, [methodId]: method } };
    }
    case 'HardwareTokenActivationFailed': {
      const method = state.methods[event.data.methodId];
      if (method?.kind !== 'hardwareOath') return next;
      return { ...next, methods: { ...state.methods, [method.methodId]: { ...method, status: 'failedActivation' } } };
    }
    case 'HardwareTokenResynchronized': {
      const method = state.methods[event.data.methodId];
      if (method?.kind !== 'hardwareOath') return next;
      return { ...next, methods: { ...state.methods, [method.methodId]: { ...method, lastTimeStep: event.data.lastCounter } } };
    }
    case 'MfaBypassed':
      return next;
    case 'RegistrationRequiredAtSignIn':
      return { ...next, registrationAskedSince: state.registrationAskedSince ?? (event.data.required ? event.data.at : null) };
    case 'DeviceRemembered':
      return { ...next, rememberedDevices: { ...state.rememberedDevices, [event.data.deviceTokenHash]: event.data.expiresAt } };
    case 'RememberedDevicesForgotten':
      return { ...next, rememberedDevices: {} };
    case 'UserMfaStateChanged':
      return { ...next, mfaState: event.data.state };
    case 'MfaReregistrationRequired':
      // remembered devices go too: the next sign-in must prove a newly registered method
      return { ...next, methods: {}, defaultMethodId: null, rememberedDevices: {}, reregistrationRequired: true, registrationAskedSince: null };
    case 'AppPasswordCreated': {
      const { appPasswordId, displayName, hash, at } = event.data;
      return { ...next, appPasswords: { ...state.appPasswords, [appPasswordId]: { appPasswordId, displayName, hash, createdAt: at } } };
    }
    case 'AppPasswordsDeleted': {
      const appPasswords = { ...state.appPasswords };
      for (const appPasswordId of event.data.appPasswordIds) delete appPasswords[appPasswordId];
      return { ...next, appPasswords };
    }
    case 'MfaChallengeIssued': {
      const { challengeId, methodId, expiresAt, clientIp, userAgent, appId, channel, codeHash } = event.data;
      const challenge: Challenge = {
        challengeId,
        methodId,
        channel: channel ?? 'appCode',
        status: 'pending',
        expiresAt,
        codeHash: codeHash ?? null,
        clientIp,
        userAgent,
        appId,
      };
      return { ...next, challenges: { ...state.challenges, [challengeId]: challenge } };
    }
    case 'MfaApproved': {
      const { challengeId, methodId, timeStep, channel } = event.data;
      const method = methodId ? state.methods[methodId] : undefined;
      // approvals recorded before they named their channel cleared every counter
      const factor = channel ? factorOfChannel(channel) : null;
      const methods =
        (method?.kind === 'softwareOath' || method?.kind === 'hardwareOath') && timeStep !== null
          ? { ...state.methods, [method.methodId]: { ...method, lastTimeStep: Math.max(method.lastTimeStep, timeStep) } }
          : state.methods;
      return {
        ...next,
        challenges: withChallenge(challengeId, { status: 'approved' }),
        methods,
        // a correct answer clears its class's failure counter, as Keycloak clears its counter on success
        lock: state.lock.status === 'Open' ? { status: 'Open', recentDenials: state.lock.recentDenials.filter((denial) => factor !== null && denial.factor !== factor) } : state.lock,
      };
    }
    case 'MfaDenied': {
      const { challengeId, reason, at, endsChallenge } = event.data;
      const lock = lockAt(state.lock, at);
      const factor = factorOfDenial(reason);
      return {
        ...next,
        challenges: endsChallenge ? withChallenge(challengeId, { status: 'denied' }) : state.challenges,
        lock: factor !== null && lock.status === 'Open' ? { status: 'Open', recentDenials: [...lock.recentDenials, { challengeId, at, factor }] } : lock,
      };
    }
    case 'SuspiciousActivityReported':
      return next;
    case 'AccountLockedOut':
      return { ...next, lock: { status: 'LockedOut', since: event.data.at, until: event.data.lockedUntil } };
    case 'AccountUnlocked':
      // a fresh counter: the denials that caused the lock are forgiven with it
      return { ...next, lock: { status: 'Open', recentDenials: [] } };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled event ${(unhandled as { type: string }).type}`);
    }
  }
}

export const userMfaDecider = { decide, evolve, initialState };
