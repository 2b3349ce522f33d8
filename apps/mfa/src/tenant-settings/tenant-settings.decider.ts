import { ChallengeChannel, DomainError, MfaTenantSettingsChanged, VerificationMethod } from '@bulwark/contracts';

/** The tenant's MFA service settings (stream `mfa_settings-tenant`): verification methods, trusted IPs, remembered devices. */
export type TenantSettings = {
  enabledMethods: VerificationMethod[];
  trustedIpRanges: string[];
  rememberDeviceDays: number | null;
  smsCodeLifetimeSeconds: number;
  voiceCallLifetimeSeconds: number;
  pushTimeoutSeconds: number;
  version: number;
};

export const defaultTenantSettings: TenantSettings = {
  enabledMethods: ['call', 'sms', 'appNotification', 'appCode'],
  trustedIpRanges: [],
  rememberDeviceDays: null,
  // Entra's defaults: a texted code lives 180 s, a call 300 s, a push waits 60 s for an answer
  smsCodeLifetimeSeconds: 180,
  voiceCallLifetimeSeconds: 300,
  pushTimeoutSeconds: 60,
  version: 0,
};

/** How long each kind of challenge stays open under these settings (an app code: 300 s). */
export const lifetimesOf = (settings: TenantSettings) => ({
  appCode: 300,
  sms: settings.smsCodeLifetimeSeconds,
  voice: settings.voiceCallLifetimeSeconds,
  appNotification: settings.pushTimeoutSeconds,
});

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
  const { enabledMethods, trustedIpRanges, rememberDeviceDays, smsCodeLifetimeSeconds, voiceCallLifetimeSeconds, pushTimeoutSeconds, now } = command.data;
  if (!enabledMethods.length) throw new DomainError('NO_METHOD_ENABLED', 'invalid', 'at least one verification method must stay enabled');
  if (trustedIpRanges.length > MAX_TRUSTED_RANGES) throw new DomainError('TOO_MANY_RANGES', 'invalid', `at most ${MAX_TRUSTED_RANGES} trusted IP ranges`);
  const next = {
    enabledMethods: [...new Set(enabledMethods)].sort(),
    trustedIpRanges: [...new Set(trustedIpRanges)],
    rememberDeviceDays,
    smsCodeLifetimeSeconds,
    voiceCallLifetimeSeconds,
    pushTimeoutSeconds,
  };
  if (comparable(next) === comparable(state) && state.version > 0) return [];
  return [{ type: 'MfaTenantSettingsChanged', data: { ...next, version: state.version + 1, at: now } }];
}

const comparable = (settings: Omit<TenantSettings, 'version'>) =>
  JSON.stringify([
    [...settings.enabledMethods].sort(),
    settings.trustedIpRanges,
    settings.rememberDeviceDays,
    settings.smsCodeLifetimeSeconds,
    settings.voiceCallLifetimeSeconds,
    settings.pushTimeoutSeconds,
  ]);

export function evolve(_: TenantSettings, event: MfaTenantSettingsChanged): TenantSettings {
  const { enabledMethods, trustedIpRanges, rememberDeviceDays, version } = event.data;
  return {
    enabledMethods,
    trustedIpRanges,
    rememberDeviceDays,
    smsCodeLifetimeSeconds: event.data.smsCodeLifetimeSeconds ?? defaultTenantSettings.smsCodeLifetimeSeconds,
    voiceCallLifetimeSeconds: event.data.voiceCallLifetimeSeconds ?? defaultTenantSettings.voiceCallLifetimeSeconds,
    pushTimeoutSeconds: event.data.pushTimeoutSeconds ?? defaultTenantSettings.pushTimeoutSeconds,
    version,
  };
}

export const tenantSettingsDecider = { decide, evolve, initialState };
