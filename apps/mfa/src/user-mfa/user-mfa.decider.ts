import { DenialReason, DomainError, SealedSecret, UserMfaEvent } from '@bulwark/contracts';
import { LockoutPolicy } from '../lockout-settings/lockout-settings.decider';

/**
 * A user's MFA stream: methods, challenges and the lockout counter, one consistency boundary. Pure: the
 * adapter checks codes and passes the verdict, the time, the ids and the policy in with each command.
 */

export type OtpMethod = {
  methodId: string;
  status: 'pending' | 'active';
  secret: SealedSecret;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: 6 | 8;
  period: 30 | 60;
  /** the last time step that approved (or activated): a code at or before it is a replay */
  lastTimeStep: number;
};

export type Challenge = {
  challengeId: string;
  methodId: string | null;
  status: 'pending' | 'approved' | 'denied';
  expiresAt: string;
  clientIp: string;
  userAgent: string | null;
  appId: string | null;
};

export type LockState =
  | { status: 'Open'; recentDenials: Array<{ challengeId: string; at: string }> }
  | { status: 'LockedOut'; since: string; until: string | null };

export type UserMfaState = {
  exists: boolean;
  methods: Record<string, OtpMethod>;
  challenges: Record<string, Challenge>;
  lock: LockState;
};

export type AddAuthenticatorApp = {
  type: 'AddAuthenticatorApp';
  data: { userId: string; methodId: string; secret: SealedSecret; algorithm: OtpMethod['algorithm']; digits: 6 | 8; period: 30 | 60; displayName: string | null; now: string };
};
export type ActivateAuthenticatorApp = {
  type: 'ActivateAuthenticatorApp';
  /** codeMatched: the time step the code matched, or null */
  data: { userId: string; methodId: string; codeMatched: number | null; now: string };
};
export type IssueChallenge = {
  type: 'IssueChallenge';
  data: { userId: string; challengeId: string; clientIp: string; userAgent: string | null; appId: string | null; lifetimeSeconds: number; now: string };
};
export type VerifyChallenge = {
  type: 'VerifyChallenge';
  data: { userId: string; challengeId: string; codeMatched: number | null; sessionId: string; policy: LockoutPolicy; now: string };
};
export type ReportSuspiciousActivity = { type: 'ReportSuspiciousActivity'; data: { userId: string; challengeId: string; now: string } };

export type UserMfaCommand = AddAuthenticatorApp | ActivateAuthenticatorApp | IssueChallenge | VerifyChallenge | ReportSuspiciousActivity;

export const MAX_OATH_METHODS = 5;

export const initialState = (): UserMfaState => ({ exists: false, methods: {}, challenges: {}, lock: { status: 'Open', recentDenials: [] } });

const minutes = (n: number) => n * 60_000;
const addMinutes = (at: string, n: number) => new Date(Date.parse(at) + minutes(n)).toISOString();

/** The lock as it stands at `now`: an expired lock is open again with a fresh counter. */
export function lockAt(lock: LockState, now: string): LockState {
  if (lock.status === 'LockedOut' && lock.until !== null && Date.parse(lock.until) <= Date.parse(now)) {
    return { status: 'Open', recentDenials: [] };
  }
  return lock;
}

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

export function decide(command: UserMfaCommand, state: UserMfaState): UserMfaEvent[] {
  switch (command.type) {
    case 'AddAuthenticatorApp': {
      const { userId, methodId, secret, algorithm, digits, period, displayName, now } = command.data;
      const active = Object.values(state.methods).filter((method) => method.status === 'active').length;
      if (active >= MAX_OATH_METHODS) {
        throw new DomainError('METHOD_LIMIT_REACHED', 'conflict', `a user has at most ${MAX_OATH_METHODS} OATH methods`);
      }
      return [{ type: 'AuthenticatorAppAdded', data: { userId, methodId, secret, algorithm, digits, period, displayName, at: now } }];
    }
    case 'ActivateAuthenticatorApp': {
      const { userId, methodId, codeMatched, now } = command.data;
      const method = state.methods[methodId];
      if (!method) throw new DomainError('METHOD_NOT_FOUND', 'notFound', `user ${userId} has no authenticator app ${methodId}`);
      if (method.status === 'active') throw new DomainError('METHOD_ALREADY_ACTIVE', 'conflict', `authenticator app ${methodId} is already active`);
      if (codeMatched === null) throw new DomainError('INVALID_CODE', 'unprocessable', 'the code does not match this authenticator app');
      const active = Object.values(state.methods).filter((m) => m.status === 'active').length;
      if (active >= MAX_OATH_METHODS) {
        throw new DomainError('METHOD_LIMIT_REACHED', 'conflict', `a user has at most ${MAX_OATH_METHODS} OATH methods`);
      }
      return [{ type: 'MethodRegistered', data: { userId, methodId, methodType: 'softwareOath', displayName: null, timeStep: codeMatched, at: now } }];
    }
    case 'IssueChallenge': {
      const { userId, challengeId, clientIp, userAgent, appId, lifetimeSeconds, now } = command.data;
      if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
      if (state.challenges[challengeId]) throw new DomainError('CHALLENGE_EXISTS', 'conflict', `challenge ${challengeId} exists`);
      const method = Object.values(state.methods).find((m) => m.status === 'active');
      if (!method) throw new DomainError('NO_ACTIVE_METHOD', 'conflict', `user ${userId} has no activated MFA method`);
      const expiresAt = new Date(Date.parse(now) + lifetimeSeconds * 1000).toISOString();
      const issued = {
        type: 'MfaChallengeIssued' as const,
        data: { userId, challengeId, methodId: method.methodId, methodType: 'softwareOath' as const, clientIp, userAgent, appId, expiresAt, at: now },
      };
      // a locked user gets no code, push or call at all: the challenge is refused as it is issued
      if (lockAt(state.lock, now).status === 'LockedOut') {
        const { methodType: _, expiresAt: __, ...attempt } = issued.data;
        return [issued, { type: 'MfaDenied', data: { ...attempt, reason: 'lockedOut', endsChallenge: true } }];
      }
      return [issued];
    }
    case 'VerifyChallenge': {
      const { userId, challengeId, codeMatched, sessionId, policy, now } = command.data;
      const challenge = pendingChallenge(state, challengeId);
      const attempt = attemptOf(userId, challenge, now);
      if (Date.parse(challenge.expiresAt) <= Date.parse(now)) {
        return [{ type: 'MfaDenied', data: { ...attempt, reason: 'expired', endsChallenge: true } }];
      }
      const lock = lockAt(state.lock, now);
      if (lock.status === 'LockedOut') return [{ type: 'MfaDenied', data: { ...attempt, reason: 'lockedOut', endsChallenge: false } }];
      const method = challenge.methodId ? state.methods[challenge.methodId] : undefined;
      if (codeMatched !== null && method && codeMatched > method.lastTimeStep) {
        return [{ type: 'MfaApproved', data: { ...attempt, timeStep: codeMatched, sessionId } }];
      }
      const reason: DenialReason = codeMatched === null ? 'wrongCode' : 'replayedCode';
      const denied: UserMfaEvent = { type: 'MfaDenied', data: { ...attempt, reason, endsChallenge: false } };
      const windowStart = Date.parse(now) - minutes(policy.counterResetMinutes);
      const recent = lock.recentDenials.filter((denial) => Date.parse(denial.at) > windowStart);
      if (recent.length + 1 < policy.denialsBeforeLockout) return [denied];
      // the denial that reaches the threshold locks in the same append
      return [
        denied,
        {
          type: 'AccountLockedOut',
          data: {
            userId,
            lockedUntil: policy.autoUnlockMinutes === 0 ? null : addMinutes(now, policy.autoUnlockMinutes),
            causedBy: [...recent.map((denial) => denial.challengeId), challengeId],
            settingsVersion: policy.version,
            at: now,
          },
        },
      ];
    }
    case 'ReportSuspiciousActivity': {
      const { userId, challengeId, now } = command.data;
      const attempt = attemptOf(userId, pendingChallenge(state, challengeId), now);
      return [
        { type: 'MfaDenied', data: { ...attempt, reason: 'fraudReported', endsChallenge: true } },
        { type: 'SuspiciousActivityReported', data: attempt },
      ];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

export function evolve(state: UserMfaState, event: UserMfaEvent): UserMfaState {
  const next: UserMfaState = { ...state, exists: true };
  switch (event.type) {
    case 'AuthenticatorAppAdded': {
      const { methodId, secret, algorithm, digits, period } = event.data;
      return { ...next, methods: { ...state.methods, [methodId]: { methodId, status: 'pending', secret, algorithm, digits, period, lastTimeStep: -1 } } };
    }
    case 'MethodRegistered': {
      const method = state.methods[event.data.methodId];
      if (!method) return next;
      const lastTimeStep = Math.max(method.lastTimeStep, event.data.timeStep ?? -1);
      return { ...next, methods: { ...state.methods, [method.methodId]: { ...method, status: 'active', lastTimeStep } } };
    }
    case 'MfaChallengeIssued': {
      const { challengeId, methodId, expiresAt, clientIp, userAgent, appId } = event.data;
      return { ...next, challenges: { ...state.challenges, [challengeId]: { challengeId, methodId, status: 'pending', expiresAt, clientIp, userAgent, appId } } };
    }
    case 'MfaApproved': {
      const { challengeId, methodId, timeStep } = event.data;
      const challenge = state.challenges[challengeId];
      const method = methodId ? state.methods[methodId] : undefined;
      return {
        ...next,
        challenges: challenge ? { ...state.challenges, [challengeId]: { ...challenge, status: 'approved' } } : state.challenges,
        methods: method ? { ...state.methods, [method.methodId]: { ...method, lastTimeStep: Math.max(method.lastTimeStep, timeStep) } } : state.methods,
        // a correct code clears the failure counter, as Keycloak does
        lock: state.lock.status === 'Open' ? { status: 'Open', recentDenials: [] } : state.lock,
      };
    }
    case 'MfaDenied': {
      const { challengeId, reason, at, endsChallenge } = event.data;
      const challenge = state.challenges[challengeId];
      const challenges = challenge && endsChallenge ? { ...state.challenges, [challengeId]: { ...challenge, status: 'denied' as const } } : state.challenges;
      const lock = lockAt(state.lock, at);
      return {
        ...next,
        challenges,
        lock: isCounted(reason) && lock.status === 'Open' ? { status: 'Open', recentDenials: [...lock.recentDenials, { challengeId, at }] } : lock,
      };
    }
    case 'SuspiciousActivityReported':
      return next;
    case 'AccountLockedOut':
      return { ...next, lock: { status: 'LockedOut', since: event.data.at, until: event.data.lockedUntil } };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled event ${(unhandled as { type: string }).type}`);
    }
  }
}

/** Only a wrong or replayed code counts towards lockout. */
const isCounted = (reason: DenialReason) => reason === 'wrongCode' || reason === 'replayedCode';

export const userMfaDecider = { decide, evolve, initialState };
