import { ChallengeChannel } from '@bulwark/contracts';
import { LockState } from './lockout.rules';
import { MethodsState } from './methods.model';
import { initialThrottle, Throttle } from './rate-limit.rules';

/** An open challenge: one that ended (approved, denied for good, expired, cancelled) has left the state. */
export type Challenge = {
  challengeId: string;
  methodId: string | null;
  channel: ChallengeChannel;
  expiresAt: string;
  codeHash: string | null;
  clientIp: string;
  userAgent: string | null;
  appId: string | null;
  /** the answers denied so far that left it open: at the rate limit's attemptsPerChallenge, the denial ends it */
  attempts: number;
};

export type EndedChallenge = { challengeId: string; status: 'approved' | 'denied' };

/**
 * What the sign-in decisions need beyond the user's methods: open challenges, the lock and its per-factor counter,
 * and remembered devices. Nothing here grows with the number of sign-ins.
 */
export type SignInState = {
  challenges: Record<string, Challenge>;
  /** the last few challenges that ended, so a late second answer hears "finished" rather than "not found" */
  ended: EndedChallenge[];
  lock: LockState;
  /** HMACs of remembered-device tokens, with their expiry (expired ones go as new ones come) */
  rememberedDevices: Record<string, string>;
  /** the per-user rate limits: recent issue times per channel (bounded) and the throttling episodes under way */
  throttle: Throttle;
};

/** The sign-in decider folds both narrow states: a challenge is issued and judged against the user's methods. */
export type SignInModel = { methods: MethodsState; signIn: SignInState };

/** How many ended challenges are remembered for the "already finished" answer. */
export const ENDED_KEPT = 16;

export const initialSignInState = (): SignInState => ({ challenges: {}, ended: [], lock: { status: 'Open', recentDenials: [] }, rememberedDevices: {}, throttle: initialThrottle() });

/** Entra's words when a sign-in or an answer names a method that was never activated. */
export const NOT_ACTIVATED = 'Authentication request is not for an activated account';

/** Whether an admin's block stands at `now`. */
export const isBlocked = (blockedUntil: string | null, now: string) => blockedUntil !== null && Date.parse(blockedUntil) > Date.parse(now);

export function attemptOf(userId: string, challenge: Challenge, at: string) {
  const { challengeId, methodId, clientIp, userAgent, appId } = challenge;
  return { userId, challengeId, methodId, clientIp, userAgent, appId, at };
}
