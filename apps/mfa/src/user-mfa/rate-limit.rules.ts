import { ChallengeChannel, RateLimitName, TooManyRequestsError, UserMfaEvent } from '@bulwark/contracts';
import { MAX_RATE_LIMIT, MAX_WINDOW_MINUTES, RateLimits } from '../rate-limit-settings/rate-limit-settings.decider';

/**
 * The per-user rate limits of the sign-in write model, as pure rules. They are decided in the user's stream, under
 * its expected revision, like the lockout: parallel requests cannot both take the last slot, in one process or many.
 */

/** The limits a user runs into as challenges are issued (the attempt limit is the challenge's own). */
export type UserRateLimit = Exclude<RateLimitName, 'attemptsPerChallenge'>;

/** A challenge issued, kept while it can still count against a window. */
/** A challenge request answered at `at`: issued on a channel, or (null) answered with a bypass or a registration prompt. */
export type RecentIssue = { at: string; channel: ChallengeChannel | null };

export type Throttle = {
  /** the recent issue times, oldest first: at most MAX_RATE_LIMIT per channel, none older than the longest window */
  recentIssues: RecentIssue[];
  /** the throttling episodes under way: until when each limit refuses (its MfaThrottled is already recorded) */
  throttledUntil: Partial<Record<UserRateLimit, string>>;
};

export const initialThrottle = (): Throttle => ({ recentIssues: [], throttledUntil: {} });

const MINUTE = 60_000;

/** The channel limits: an app code costs nothing to send, so only the per-minute limit holds for it. */
const channelLimit: Partial<Record<ChallengeChannel, Exclude<UserRateLimit, 'challengesPerMinute'>>> = {
  appNotification: 'pushesPerWindow',
  sms: 'smsPerWindow',
  voice: 'callsPerWindow',
};

const what: Record<RateLimitName, string> = {
  challengesPerMinute: 'challenges',
  pushesPerWindow: 'push notifications',
  smsPerWindow: 'text messages',
  callsPerWindow: 'phone calls',
  attemptsPerChallenge: 'answers to one challenge',
};

export type Refusal = { limit: UserRateLimit; max: number; windowMinutes: number; until: string };

/**
 * When a window holding `issued` (oldest first, all inside it) frees a slot for one more under `max`: when enough of
 * the oldest have left it.
 */
function freesAt(issued: RecentIssue[], max: number, windowMs: number): string {
  const leaving = issued[issued.length - max];
  return new Date(Date.parse(leaving.at) + windowMs).toISOString();
}

/**
 * The limit a new challenge on `channel` would break at `now`, or null: first the per-minute one, then the channel's.
 * `channel` null: a request that would be answered without a second factor (a bypass, a registration prompt), which
 * only the per-minute limit holds.
 */
export function refusedIssue(throttle: Throttle, channel: ChallengeChannel | null, limits: RateLimits, now: string): Refusal | null {
  const at = Date.parse(now);
  const lastMinute = throttle.recentIssues.filter((issue) => Date.parse(issue.at) > at - MINUTE);
  if (lastMinute.length >= limits.challengesPerMinute) {
    return { limit: 'challengesPerMinute', max: limits.challengesPerMinute, windowMinutes: 1, until: freesAt(lastMinute, limits.challengesPerMinute, MINUTE) };
  }
  const limit = channel ? channelLimit[channel] : undefined;
  if (!limit) return null;
  const windowMs = limits.windowMinutes * MINUTE;
  const sent = throttle.recentIssues.filter((issue) => issue.channel === channel && Date.parse(issue.at) > at - windowMs);
  if (sent.length < limits[limit]) return null;
  return { limit, max: limits[limit], windowMinutes: limits.windowMinutes, until: freesAt(sent, limits[limit], windowMs) };
}

export const retryAfterSeconds = (until: string, now: string) => Math.max(1, Math.ceil((Date.parse(until) - Date.parse(now)) / 1000));

export function tooManyRequests(limit: RateLimitName, max: number, windowMinutes: number, until: string, now: string): TooManyRequestsError {
  const window = limit === 'attemptsPerChallenge' ? '' : windowMinutes === 1 ? ' a minute' : ` per ${windowMinutes} minutes`;
  return new TooManyRequestsError(limit, retryAfterSeconds(until, now), `rate limit ${limit} reached: at most ${max} ${what[limit]}${window} for a user; try again after ${until}`);
}

/**
 * A refused issue: the first refusal of an episode is recorded (MfaThrottled), and answered 429 by the adapter;
 * refusals while the episode lasts record nothing and are refused here.
 */
export function throttled(
  throttle: Throttle,
  refusal: Refusal,
  attempt: { userId: string; clientIp: string; appId: string | null },
  now: string,
): UserMfaEvent[] {
  const { limit, max, windowMinutes, until } = refusal;
  const episode = throttle.throttledUntil[limit];
  if (episode && Date.parse(episode) > Date.parse(now)) throw tooManyRequests(limit, max, windowMinutes, until, now);
  return [{ type: 'MfaThrottled', data: { userId: attempt.userId, limit, challengeId: null, until, clientIp: attempt.clientIp, appId: attempt.appId, at: now } }];
}

/** The throttle after a challenge is issued at `at`: issue times older than the longest window go, as do the oldest beyond the cap. */
export function throttleAfterIssue(throttle: Throttle, channel: ChallengeChannel | null, at: string): Throttle {
  const horizon = Date.parse(at) - MAX_WINDOW_MINUTES * MINUTE;
  const recent = [...throttle.recentIssues.filter((issue) => Date.parse(issue.at) > horizon), { at, channel }];
  const ofChannel = recent.filter((issue) => issue.channel === channel).length;
  const recentIssues = ofChannel > MAX_RATE_LIMIT ? recent.filter((issue, index) => issue.channel !== channel || index !== recent.findIndex((other) => other.channel === channel)) : recent;
  // an episode that has ended is forgotten as the next challenge is issued
  const throttledUntil = Object.fromEntries(Object.entries(throttle.throttledUntil).filter(([, until]) => Date.parse(until) > Date.parse(at)));
  return { recentIssues, throttledUntil };
}

export function throttleAfterThrottled(throttle: Throttle, limit: RateLimitName, until: string): Throttle {
  if (limit === 'attemptsPerChallenge') return throttle;
  return { ...throttle, throttledUntil: { ...throttle.throttledUntil, [limit]: until } };
}
