import { RateLimitSettingsChanged } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { ChangeRateLimitSettings, defaultRateLimits, RateLimits, rateLimitSettingsDecider } from './rate-limit-settings.decider';

const spec = deciderSpecification<ChangeRateLimitSettings, RateLimitSettingsChanged, RateLimits>(rateLimitSettingsDecider);
const at = '2026-11-21T10:00:00.000Z';
const settings = (pushesPerWindow: number) => ({ challengesPerMinute: 10, pushesPerWindow, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5 });
const change = (pushesPerWindow: number): ChangeRateLimitSettings => ({ type: 'ChangeRateLimitSettings', data: { ...settings(pushesPerWindow), now: at } });
const changed = (version: number, pushesPerWindow: number): RateLimitSettingsChanged => ({ type: 'RateLimitSettingsChanged', data: { ...settings(pushesPerWindow), version, at } });

describe('rate limit settings', () => {
  it('starts from the defaults (10 challenges a minute; 5 pushes, 5 texts, 3 calls per 10 minutes; 5 attempts) at version 0', () => {
    expect(spec.given([]).state).toEqual(defaultRateLimits);
    expect(defaultRateLimits).toEqual({ challengesPerMinute: 10, pushesPerWindow: 5, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5, version: 0 });
  });

  it('records a change as the next version', () => {
    spec.given([changed(1, 5)]).when(change(3)).then([changed(2, 3)]);
  });

  it('records nothing when the settings are already in force', () => {
    spec.given([changed(1, 5)]).when(change(5)).then([]);
  });

  it('records the defaults explicitly the first time they are set', () => {
    spec.given([]).when(change(5)).then([changed(1, 5)]);
  });
});
