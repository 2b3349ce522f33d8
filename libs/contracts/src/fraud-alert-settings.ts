import { FraudAlertSettingsChanged } from './protection.events';

/** The fraud alert settings as any service folds them from their stream: Entra's defaults until an admin sets them. */
export type FraudAlertSettings = Omit<FraudAlertSettingsChanged['data'], 'at'>;

export const defaultFraudAlertSettings: FraudAlertSettings = { reportSuspiciousActivity: 'enabled', voiceReportingCode: '0', autoBlockOnFraud: false, version: 0 };

export const fraudAlertSettingsFold = {
  initialState: (): FraudAlertSettings => defaultFraudAlertSettings,
  evolve: (_: FraudAlertSettings, event: FraudAlertSettingsChanged): FraudAlertSettings => {
    const { at: _at, ...settings } = event.data;
    return settings;
  },
};
