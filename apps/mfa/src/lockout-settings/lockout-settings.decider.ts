import { DomainError, LockoutSettingsChanged } from '@bulwark/contracts';

/** The lockout policy (stream `mfa_settings-lockout`); every lockout decision records the version that made it. */
export type LockoutPolicy = { denialsBeforeLockout: number; counterResetMinutes: number; autoUnlockMinutes: number; version: number };

export const defaultLockoutPolicy: LockoutPolicy = { denialsBeforeLockout: 10, counterResetMinutes: 10, autoUnlockMinutes: 15, version: 0 };

export type ChangeLockoutSettings = {
  type: 'ChangeLockoutSettings';
  data: { denialsBeforeLockout: number; counterResetMinutes: number; autoUnlockMinutes: number; now: string };
};

export const initialState = (): LockoutPolicy => defaultLockoutPolicy;

export function decide(command: ChangeLockoutSettings, state: LockoutPolicy): LockoutSettingsChanged[] {
  const { denialsBeforeLockout, counterResetMinutes, autoUnlockMinutes, now } = command.data;
  if (autoUnlockMinutes !== 0 && autoUnlockMinutes < 1) throw new DomainError('INVALID_SETTINGS', 'invalid', 'autoUnlockMinutes must be 0 or more');
  const unchanged =
    state.denialsBeforeLockout === denialsBeforeLockout && state.counterResetMinutes === counterResetMinutes && state.autoUnlockMinutes === autoUnlockMinutes;
  if (unchanged && state.version > 0) return [];
  return [{ type: 'LockoutSettingsChanged', data: { denialsBeforeLockout, counterResetMinutes, autoUnlockMinutes, version: state.version + 1, at: now } }];
}

export function evolve(_: LockoutPolicy, event: LockoutSettingsChanged): LockoutPolicy {
  const { denialsBeforeLockout, counterResetMinutes, autoUnlockMinutes, version } = event.data;
  return { denialsBeforeLockout, counterResetMinutes, autoUnlockMinutes, version };
}

export const lockoutSettingsDecider = { decide, evolve, initialState };
