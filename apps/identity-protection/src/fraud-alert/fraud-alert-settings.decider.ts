import { FraudAlertSettings, fraudAlertSettingsFold, FraudAlertSettingsChanged } from '@bulwark/contracts';

export type ChangeFraudAlertSettings = { type: 'ChangeFraudAlertSettings'; data: Omit<FraudAlertSettings, 'version'> & { now: string } };

export function decide(command: ChangeFraudAlertSettings, state: FraudAlertSettings): FraudAlertSettingsChanged[] {
  const { now, ...settings } = command.data;
  const same =
    state.reportSuspiciousActivity === settings.reportSuspiciousActivity &&
    state.voiceReportingCode === settings.voiceReportingCode &&
    state.autoBlockOnFraud === settings.autoBlockOnFraud;
  if (same && state.version > 0) return [];
  return [{ type: 'FraudAlertSettingsChanged', data: { ...settings, version: state.version + 1, at: now } }];
}

/** The fraud alert settings (stream `protection_settings-fraud`), folded as every service folds them. */
export const fraudAlertSettingsDecider = { decide, ...fraudAlertSettingsFold };
