import { ChallengeChannel, DomainError, MfaTenantSettingsChanged, VerificationMethod } from '@bulwark/contracts';

/** The tenant's MFA service settings (stream `mfa_settings-tenant`): verification methods, trusted IPs, remembered devices. */
export type TenantSettings = {
  enabledMethods: VerificationMethod[];
  trustedIpRanges: string[];
  rememberDeviceDays: number | null;
  version: number;
};

export const defaultTenantSettings: TenantSettings = {
  enabledMethods: ['call', 'sms', 'appNotification', 'appCode'],
  trustedIpRanges: [],
  rememberDeviceDays: null,
  version: 0,
};

export const MAX_TRUSTED_RANGES = 50;

/** Entra's verification method names, and the channels each one opens. */
const channelsByMethod: Record<VerificationMethod, ChallengeChannel[]> = {
  call: ['voice'],
  sms: ['sms'],
  appNotification: ['appNotification'],
  appCode: ['appCode'],
};

/** App passwords are not a verification method of the settings page: they stay on for the clients that need them. */
export const enabledChannelsOf = (settings: TenantSettings): ChallengeChannel[] => [...settings.enabledMethods.flatMap((method) => channelsByMethod[method]), 'appPassword'];

export type ChangeTenantSettings = {
  type: 'ChangeTenantSettings';
  /** trusted ranges arrive already parsed and normalised by the adapter */
  data: Omit<TenantSettings, 'version'> & { now: string };
};

export const initialState = (): TenantSettings => defaultTenantSettings;

export function decide(command: ChangeTenantSettings, state: TenantSettings): MfaTenantSettingsChanged[] {
  const { enabledMethods, trustedIpRanges, rememberDeviceDays, now } = command.data;
  if (!enabledMethods.length) throw new DomainError('NO_METHOD_ENABLED', 'invalid', 'at least one verification method must stay enabled');
  if (trustedIpRanges.length > MAX_TRUSTED_RANGES) throw new DomainError('TOO_MANY_RANGES', 'invalid', `at most ${MAX_TRUSTED_RANGES} trusted IP ranges`);
  const next = { enabledMethods: [...new Set(enabledMethods)].sort(), trustedIpRanges: [...new Set(trustedIpRanges)], rememberDeviceDays };
  const same = JSON.stringify(next) === JSON.stringify({ enabledMethods: [...state.enabledMethods].sort(), trustedIpRanges: state.trustedIpRanges, rememberDeviceDays: state.rememberDeviceDays });
  if (same && state.version > 0) return [];
  return [{ type: 'MfaTenantSettingsChanged', data: { ...next, version: state.version + 1, at: now } }];
}

export function evolve(_: TenantSettings, event: MfaTenantSettingsChanged): TenantSettings {
  const { enabledMethods, trustedIpRanges, rememberDeviceDays, version } = event.data;
  return { enabledMethods, trustedIpRanges, rememberDeviceDays, version };
}

export const tenantSettingsDecider = { decide, evolve, initialState };
