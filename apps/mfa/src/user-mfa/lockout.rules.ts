import { ChallengeChannel, DenialReason, UserMfaEvent } from '@bulwark/contracts';
import { LockoutPolicy } from '../lockout-settings/lockout-settings.decider';

/** The lockout counter of the sign-in write model, as pure rules: counting a denial, and the lock as it stands. */

/**
 * Denials are counted per factor class, each against the threshold: a burst of declined pushes cannot be hidden by
 * a correct code, nor a code-guessing run by an approved push (an approval clears only its own class's counter).
 */
export type FactorClass = 'oneTimeCode' | 'push';

export type RecentDenial = { challengeId: string; at: string; factor: FactorClass };

export type LockState = { status: 'Open'; recentDenials: RecentDenial[] } | { status: 'LockedOut'; since: string; until: string | null };

/**
 * The most denials of one class the counter keeps: the highest threshold a tenant may set (1000) needs 999 of them,
 * and older ones can never count again. Without a cap, denials that age out of the window would pile up for good.
 */
export const MAX_DENIALS_KEPT = 1000;

const minutes = (n: number) => n * 60_000;
export const addMinutes = (at: string, n: number) => new Date(Date.parse(at) + minutes(n)).toISOString();

/** The lock as it stands at `now`: an expired lock is open again with a fresh counter. */
export function lockAt(lock: LockState, now: string): LockState {
  if (lock.status === 'LockedOut' && lock.until !== null && Date.parse(lock.until) <= Date.parse(now)) {
    return { status: 'Open', recentDenials: [] };
  }
  return lock;
}

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

export const factorOfChannel = (channel: ChallengeChannel): FactorClass => (channel === 'appNotification' ? 'push' : 'oneTimeCode');

/** Records a counted denial; the one that reaches its class's threshold locks in the same append. */
export function countDenial(denied: UserMfaEvent, lock: LockState, policy: LockoutPolicy, userId: string, challengeId: string, now: string): UserMfaEvent[] {
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

/** The lock after a denial at `at`: a counted one joins its class's recent denials (the oldest beyond the cap go). */
export function lockAfterDenial(lock: LockState, challengeId: string, reason: DenialReason, at: string): LockState {
  const current = lockAt(lock, at);
  const factor = factorOfDenial(reason);
  if (factor === null || current.status !== 'Open') return current;
  const recentDenials = [...current.recentDenials, { challengeId, at, factor }];
  const ofFactor = recentDenials.filter((denial) => denial.factor === factor).length;
  if (ofFactor <= MAX_DENIALS_KEPT) return { status: 'Open', recentDenials };
  const oldest = recentDenials.findIndex((denial) => denial.factor === factor);
  return { status: 'Open', recentDenials: recentDenials.filter((_, index) => index !== oldest) };
}

/** A correct answer clears its class's failure counter, as Keycloak clears its counter on success. */
export function lockAfterApproval(lock: LockState, channel: ChallengeChannel): LockState {
  if (lock.status !== 'Open') return lock;
  const factor = factorOfChannel(channel);
  return { status: 'Open', recentDenials: lock.recentDenials.filter((denial) => denial.factor !== factor) };
}
