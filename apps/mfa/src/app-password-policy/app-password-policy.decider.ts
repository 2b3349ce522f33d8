import { AppPasswordPolicyChanged } from '@bulwark/contracts';

/**
 * Whether users may create app passwords (stream `mfa_settings-app_passwords`). Off by default: app passwords
 * only serve legacy clients that cannot do MFA. Turning it off stops new ones; existing ones work until deleted.
 */
export type AppPasswordPolicy = { allowUsersToCreateAppPasswords: boolean; version: number };

export const defaultAppPasswordPolicy: AppPasswordPolicy = { allowUsersToCreateAppPasswords: false, version: 0 };

export type ChangeAppPasswordPolicy = { type: 'ChangeAppPasswordPolicy'; data: { allowUsersToCreateAppPasswords: boolean; now: string } };

export const initialState = (): AppPasswordPolicy => defaultAppPasswordPolicy;

export function decide(command: ChangeAppPasswordPolicy, state: AppPasswordPolicy): AppPasswordPolicyChanged[] {
  const { allowUsersToCreateAppPasswords, now } = command.data;
  if (state.allowUsersToCreateAppPasswords === allowUsersToCreateAppPasswords && state.version > 0) return [];
  return [{ type: 'AppPasswordPolicyChanged', data: { allowUsersToCreateAppPasswords, version: state.version + 1, at: now } }];
}

export function evolve(_: AppPasswordPolicy, event: AppPasswordPolicyChanged): AppPasswordPolicy {
  return { allowUsersToCreateAppPasswords: event.data.allowUsersToCreateAppPasswords, version: event.data.version };
}

export const appPasswordPolicyDecider = { decide, evolve, initialState };
