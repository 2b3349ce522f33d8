import { LockoutSettingsChanged } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { ChangeLockoutSettings, defaultLockoutPolicy, LockoutPolicy, lockoutSettingsDecider } from './lockout-settings.decider';

const spec = deciderSpecification<ChangeLockoutSettings, LockoutSettingsChanged, LockoutPolicy>(lockoutSettingsDecider);
const at = '2026-11-21T10:00:00.000Z';
const change = (denialsBeforeLockout: number, counterResetMinutes = 10, autoUnlockMinutes = 15): ChangeLockoutSettings => ({
  type: 'ChangeLockoutSettings',
  data: { denialsBeforeLockout, counterResetMinutes, autoUnlockMinutes, now: at },
});
const changed = (version: number, denialsBeforeLockout: number): LockoutSettingsChanged => ({
  type: 'LockoutSettingsChanged',
  data: { denialsBeforeLockout, counterResetMinutes: 10, autoUnlockMinutes: 15, version, at },
});

describe('lockout settings', () => {
  it('starts from the defaults 10, 10, 15 at version 0', () => {
    expect(spec.given([]).state).toEqual(defaultLockoutPolicy);
    expect(defaultLockoutPolicy).toEqual({ denialsBeforeLockout: 10, counterResetMinutes: 10, autoUnlockMinutes: 15, version: 0 });
  });

  it('records a change as the next version', () => {
    spec.given([changed(1, 5)]).when(change(3)).then([changed(2, 3)]);
  });

  it('records nothing when the settings are already in force', () => {
    spec.given([changed(1, 5)]).when(change(5)).then([]);
  });

  it('records the defaults explicitly the first time they are set, so decisions can cite a version', () => {
    spec.given([]).when(change(10)).then([changed(1, 10)]);
  });
});
