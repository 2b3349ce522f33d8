import { ChallengeChannel, DenialReason, DomainError, UserMfaEvent } from '@bulwark/contracts';
import { LockoutPolicy } from '../lockout-settings/lockout-settings.decider';
import { RateLimits } from '../rate-limit-settings/rate-limit-settings.decider';
import { issue, IssueChallenge } from './challenge-issuing';
import { Counter, isAfter } from './hotp-counter';
import { countDenial, lockAfterApproval, lockAfterDenial, lockAt } from './lockout.rules';
import { throttleAfterIssue, throttleAfterThrottled } from './rate-limit.rules';
import { initialMethodsState, methodsDecider, methodsEventTypes } from './methods.decider';
import { attemptOf, Challenge, ENDED_KEPT, initialSignInState, isBlocked, NOT_ACTIVATED, SignInModel, SignInState } from './sign-in.model';

/**
 * The sign-in write model of a user's MFA stream (`user_mfa-<userId>`): issuing challenges, judging answers and the
 * lockout, over the user's methods and what is open. Pure: the adapter checks codes and passes the verdict (a proof),
 * the time, the ids and the policy in with each command. Every way of answering a challenge goes through `verify`.
 */

/** What the adapter found when it checked an answer; the decider judges it. */
export type Proof =
  /** a code from an authenticator app: the time step it matched, or null */
  | { kind: 'appCode'; matchedStep: Counter | null }
  /** a texted or spoken code: whether its hash matches the challenge's */
  | { kind: 'sentCode'; matches: boolean }
  /** the authenticator app's answer to a push, with whether the number picked is the one shown */
  | { kind: 'push'; response: 'approve' | 'deny'; numberMatches: boolean }
  /** the telephony provider relays that the user pressed # on the call */
  | { kind: 'voice'; response: 'approve' };

export type VerifyChallenge = {
  type: 'VerifyChallenge';
  data: {
    userId: string;
    challengeId: string;
    proof: Proof;
    sessionId: string;
    policy: LockoutPolicy;
    /** the per-user rate limits in force: attemptsPerChallenge ends a challenge that many denied answers in */
    limits: RateLimits;
    enabledChannels: ChallengeChannel[];
    /** on approval, remember this device (the token's HMAC) until then */
    rememberDevice: { tokenHash: string; expiresAt: string } | null;
    blockedUntil: string | null;
    now: string;
  };
};
export type ExpireChallenge = { type: 'ExpireChallenge'; data: { userId: string; challengeId: string; now: string } };
/** reportingEnabled: the tenant's fraud alert setting "report suspicious activity" */
export type ReportSuspiciousActivity = {
  type: 'ReportSuspiciousActivity';
  /** autoBlockOnFraud: the tenant's setting as the report is made, recorded so the block follows the setting of that moment */
  data: { userId: string; challengeId: string; reportingEnabled: boolean; autoBlockOnFraud: boolean; now: string };
};
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
export type UnlockAccount = { type: 'UnlockAccount'; data: { userId: string; reason: string; now: string } };
export type ForgetRememberedDevices = { type: 'ForgetRememberedDevices'; data: { userId: string; reason: string; now: string } };

export type SignInCommand = IssueChallenge | VerifyChallenge | ExpireChallenge | ReportSuspiciousActivity | VerifyAppPassword | UnlockAccount | ForgetRememberedDevices;

/** The event types the sign-in state folds (SuspiciousActivityReported changes nothing a decision reads). */
const signInOnlyTypes = ['MfaChallengeIssued', 'MfaDenied', 'AccountLockedOut', 'AccountUnlocked', 'DeviceRemembered', 'RememberedDevicesForgotten', 'MfaThrottled'] as const;
export const signInEventTypes = [...methodsEventTypes, ...signInOnlyTypes] as const;

/** The proof a channel is answered with. */
const proofFor: Record<ChallengeChannel, Proof['kind'] | null> = { appCode: 'appCode', appNotification: 'push', sms: 'sentCode', voice: 'voice', appPassword: null };

/** A push nobody answered times out; any other challenge expires. */
const expiryReason = (challenge: Challenge): DenialReason => (challenge.channel === 'appNotification' ? 'timeout' : 'expired');

function openChallenge(state: SignInState, challengeId: string): Challenge {
  const challenge = state.challenges[challengeId];
  if (challenge) return challenge;
  const ended = state.ended.find((candidate) => candidate.challengeId === challengeId);
  if (ended) throw new DomainError('CHALLENGE_FINISHED', 'conflict', `challenge ${challengeId} is already finished (${ended.status})`);
  throw new DomainError('CHALLENGE_NOT_FOUND', 'notFound', `no challenge ${challengeId}`);
}

export function decide(command: SignInCommand, model: SignInModel): UserMfaEvent[] {
  const { signIn: state } = model;
  switch (command.type) {
    case 'IssueChallenge':
      return issue(command, model);
    case 'VerifyChallenge':
      return verify(command, model);
    case 'ExpireChallenge': {
      const { userId, challengeId, now } = command.data;
      const challenge = state.challenges[challengeId];
      if (!challenge || Date.parse(challenge.expiresAt) > Date.parse(now)) return [];
      return [{ type: 'MfaDenied', data: { ...attemptOf(userId, challenge, now), reason: expiryReason(challenge), endsChallenge: true } }];
    }
    case 'ReportSuspiciousActivity': {
      const { userId, challengeId, reportingEnabled, autoBlockOnFraud, now } = command.data;
      const attempt = attemptOf(userId, openChallenge(state, challengeId), now);
      if (!reportingEnabled) throw new DomainError('FRAUD_REPORTING_DISABLED', 'conflict', 'reporting suspicious activity is disabled by the tenant; deny the request instead');
      return [
        { type: 'MfaDenied', data: { ...attempt, reason: 'fraudReported', endsChallenge: true } },
        { type: 'SuspiciousActivityReported', data: { ...attempt, autoBlockOnFraud } },
      ];
    }
    case 'VerifyAppPassword': {
      const { userId, attemptId, matchedAppPasswordId, clientIp, userAgent, appId, sessionId, policy, blockedUntil, now } = command.data;
      if (!model.methods.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      const attempt = { userId, challengeId: attemptId, methodId: matchedAppPasswordId, clientIp, userAgent, appId, at: now };
      if (isBlocked(blockedUntil, now)) return [{ type: 'MfaDenied', data: { ...attempt, reason: 'userBlocked', endsChallenge: true } }];
      const lock = lockAt(state.lock, now);
      if (lock.status === 'LockedOut') return [{ type: 'MfaDenied', data: { ...attempt, reason: 'lockedOut', endsChallenge: true } }];
      if (matchedAppPasswordId && model.methods.appPasswords[matchedAppPasswordId]) {
        return [{ type: 'MfaApproved', data: { ...attempt, timeStep: null, channel: 'appPassword', sessionId } }];
      }
      return countDenial({ type: 'MfaDenied', data: { ...attempt, reason: 'wrongCode', endsChallenge: true } }, lock, policy, userId, attemptId, now);
    }
    case 'UnlockAccount': {
      const { userId, reason, now } = command.data;
      if (!model.methods.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      if (lockAt(state.lock, now).status !== 'LockedOut') throw new DomainError('NOT_LOCKED_OUT', 'conflict', `user ${userId} is not locked out`);
      return [{ type: 'AccountUnlocked', data: { userId, reason, at: now } }];
    }
    case 'ForgetRememberedDevices': {
      const { userId, reason, now } = command.data;
      return Object.keys(state.rememberedDevices).length ? [{ type: 'RememberedDevicesForgotten', data: { userId, reason, at: now } }] : [];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

/** The one judgement of an answer to a challenge, whatever the channel: the same checks in the same order. */
function verify(command: VerifyChallenge, { methods, signIn: state }: SignInModel): UserMfaEvent[] {
  const { userId, challengeId, proof, sessionId, policy, limits, enabledChannels, rememberDevice, blockedUntil, now } = command.data;
  const challenge = openChallenge(state, challengeId);
  if (proofFor[challenge.channel] !== proof.kind) {
    throw new DomainError('WRONG_ANSWER_KIND', 'conflict', `challenge ${challengeId} is answered by ${challenge.channel}, not by ${proof.kind}`);
  }
  const attempt = attemptOf(userId, challenge, now);
  // the answer that uses up the challenge's attempts ends it, whatever else its denial would leave open
  const lastAttempt = challenge.attempts + 1 >= limits.attemptsPerChallenge;
  const deny = (reason: DenialReason, endsChallenge: boolean): UserMfaEvent => ({ type: 'MfaDenied', data: { ...attempt, reason, endsChallenge: endsChallenge || lastAttempt } });
  const attemptsUsedUp: UserMfaEvent = {
    type: 'MfaThrottled',
    data: { userId, limit: 'attemptsPerChallenge', challengeId, until: challenge.expiresAt, clientIp: challenge.clientIp, appId: challenge.appId, at: now },
  };
  /** a denial that would have left the challenge open, with the attempt limit's record when it ended it instead */
  const denyOpen = (events: UserMfaEvent[]): UserMfaEvent[] => (lastAttempt ? [...events, attemptsUsedUp] : events);
  if (isBlocked(blockedUntil, now)) return [deny('userBlocked', true)];
  if (Date.parse(challenge.expiresAt) <= Date.parse(now)) return [deny(expiryReason(challenge), true)];
  const lock = lockAt(state.lock, now);
  if (lock.status === 'LockedOut') return denyOpen([deny('lockedOut', false)]);
  const method = challenge.methodId ? methods.methods[challenge.methodId] : undefined;
  // a method that exists but never became active (history from before issuing checked it): no answer can count for it
  if (method && method.status !== 'active') throw new DomainError('ACCOUNT_NOT_ACTIVATED', 'conflict', `${NOT_ACTIVATED}: method ${method.methodId} was never activated`);
  if (!method || !enabledChannels.includes(challenge.channel)) return [deny('methodDisabled', true)];

  const approve = (timeStep: Counter | null): UserMfaEvent[] => [
    { type: 'MfaApproved', data: { ...attempt, timeStep, channel: challenge.channel, sessionId } },
    ...(rememberDevice
      ? [{ type: 'DeviceRemembered' as const, data: { userId, deviceTokenHash: rememberDevice.tokenHash, challengeId, expiresAt: rememberDevice.expiresAt, at: now } }]
      : []),
  ];
  const counted = (reason: DenialReason, endsChallenge: boolean) => countDenial(deny(reason, endsChallenge), lock, policy, userId, challengeId, now);
  switch (proof.kind) {
    case 'appCode': {
      const lastTimeStep = method.kind === 'phone' ? -1 : method.lastTimeStep;
      if (proof.matchedStep !== null && isAfter(proof.matchedStep, lastTimeStep)) return approve(proof.matchedStep);
      return denyOpen(counted(proof.matchedStep === null ? 'wrongCode' : 'replayedCode', false));
    }
    case 'sentCode':
      return proof.matches ? approve(null) : denyOpen(counted('wrongCode', false));
    case 'push':
      if (proof.response === 'deny') return counted('userDeclined', true);
      // Entra's number matching: a wrong number ends the push, and counts like a wrong code
      return proof.numberMatches ? approve(null) : counted('wrongNumber', true);
    case 'voice':
      return approve(null);
  }
}

/** The challenge leaves the open set and joins the short list of ended ones. */
function ended(state: SignInState, challengeId: string, status: 'approved' | 'denied'): Pick<SignInState, 'challenges' | 'ended'> {
  if (!state.challenges[challengeId]) return state;
  const { [challengeId]: _, ...challenges } = state.challenges;
  return { challenges, ended: [...state.ended, { challengeId, status }].slice(-ENDED_KEPT) };
}

function evolveSignIn(state: SignInState, event: UserMfaEvent): SignInState {
  switch (event.type) {
    case 'MfaChallengeIssued': {
      const { challengeId, methodId, expiresAt, clientIp, userAgent, appId, channel, codeHash } = event.data;
      const challenge: Challenge = { challengeId, methodId, channel, expiresAt, codeHash, clientIp, userAgent, appId, attempts: 0 };
      return { ...state, challenges: { ...state.challenges, [challengeId]: challenge }, throttle: throttleAfterIssue(state.throttle, channel, event.data.at) };
    }
    case 'MfaApproved':
      return { ...state, ...ended(state, event.data.challengeId, 'approved'), lock: lockAfterApproval(state.lock, event.data.channel) };
    case 'MfaDenied': {
      const { challengeId, reason, at, endsChallenge } = event.data;
      const open = state.challenges[challengeId];
      // a denial that leaves the challenge open uses up one of its attempts
      const counted = open && !endsChallenge ? { ...state, challenges: { ...state.challenges, [challengeId]: { ...open, attempts: open.attempts + 1 } } } : state;
      return { ...counted, ...(endsChallenge ? ended(counted, challengeId, 'denied') : {}), lock: lockAfterDenial(state.lock, challengeId, reason, at) };
    }
    case 'MfaThrottled':
      return { ...state, throttle: throttleAfterThrottled(state.throttle, event.data.limit, event.data.until) };
    case 'MfaBypassed':
    case 'RegistrationRequiredAtSignIn':
      // answered without a second factor, but answered: the per-minute limit counts it
      return { ...state, throttle: throttleAfterIssue(state.throttle, null, event.data.at) };
    case 'AccountLockedOut':
      return { ...state, lock: { status: 'LockedOut', since: event.data.at, until: event.data.lockedUntil } };
    case 'AccountUnlocked':
      // a fresh counter: the denials that caused the lock are forgiven with it
      return { ...state, lock: { status: 'Open', recentDenials: [] } };
    case 'DeviceRemembered': {
      const { deviceTokenHash, expiresAt, at } = event.data;
      const current = Object.entries(state.rememberedDevices).filter(([, until]) => Date.parse(until) > Date.parse(at));
      return { ...state, rememberedDevices: { ...Object.fromEntries(current), [deviceTokenHash]: expiresAt } };
    }
    case 'RememberedDevicesForgotten':
      return { ...state, rememberedDevices: {} };
    case 'MfaReregistrationRequired':
      // remembered devices go with a re-registration too: the next sign-in must prove a newly registered method
      return { ...state, rememberedDevices: {} };
    default:
      // the methods' own events (folded into the methods half of the model), and SuspiciousActivityReported
      return state;
  }
}

export function evolve(model: SignInModel, event: UserMfaEvent): SignInModel {
  return { methods: methodsDecider.evolve(model.methods, event), signIn: evolveSignIn(model.signIn, event) };
}

export const initialState = (): SignInModel => ({ methods: initialMethodsState(), signIn: initialSignInState() });

/** Bump `version` whenever the state's shape or the fold changes: snapshots of another version are ignored. */
export const signInDecider = { decide, evolve, initialState, eventTypes: signInEventTypes, snapshot: { name: 'user-mfa-sign-in', version: 4 } };
