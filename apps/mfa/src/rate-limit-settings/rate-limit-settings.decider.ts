import { RateLimitSettingsChanged } from '@bulwark/contracts';

/**
 * The per-user rate limits of sign-ins (stream `mfa_settings-rate_limits`), decided in each user's MFA stream:
 * challenges a minute (any channel), push notifications, texts and calls per window, and wrong answers a challenge
 * takes before it ends. Every throttling decision uses the settings as committed, passed in with the command.
 */
export type RateLimits = {
  challengesPerMinute: number;
  pushesPerWindow: number;
  smsPerWindow: number;
  callsPerWindow: number;
  windowMinutes: number;
  attemptsPerChallenge: number;
  version: number;
};

export const defaultRateLimits: RateLimits = { challengesPerMinute: 10, pushesPerWindow: 5, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5, version: 0 };

/** The largest value any count may take (the contract's bound): the sign-in state keeps at most this many issue times per channel. */
export const MAX_RATE_LIMIT = 100;
/** The longest window: the sign-in state forgets issue times older than this. */
export const MAX_WINDOW_MINUTES = 60;

export type RateLimitSettings = Omit<RateLimits, 'version'>;
export type ChangeRateLimitSettings = { type: 'ChangeRateLimitSettings'; data: RateLimitSettings & { now: string } };

export const initialState = (): RateLimits => defaultRateLimits;

const fields = ['challengesPerMinute', 'pushesPerWindow', 'smsPerWindow', 'callsPerWindow', 'windowMinutes', 'attemptsPerChallenge'] as const;

export function decide(command: ChangeRateLimitSettings, state: RateLimits): RateLimitSettingsChanged[] {
  const { now, ...settings } = command.data;
  const unchanged = fields.every((field) => state[field] === settings[field]);
  // the defaults are recorded explicitly the first time, so decisions can cite a version
  if (unchanged && state.version > 0) return [];
  return [{ type: 'RateLimitSettingsChanged', data: { ...pick(settings), version: state.version + 1, at: now } }];
}

export function evolve(_: RateLimits, event: RateLimitSettingsChanged): RateLimits {
  return { ...pick(event.data), version: event.data.version };
}

function pick(settings: RateLimitSettings): RateLimitSettings {
  const { challengesPerMinute, pushesPerWindow, smsPerWindow, callsPerWindow, windowMinutes, attemptsPerChallenge } = settings;
  return { challengesPerMinute, pushesPerWindow, smsPerWindow, callsPerWindow, windowMinutes, attemptsPerChallenge };
}

export const rateLimitSettingsDecider = { decide, evolve, initialState };
