import { RiskDetectionSettings, RiskDetectionSettingsChanged } from '@bulwark/contracts';

/** The detections' thresholds (stream `risk_settings-detection`); every detection cites the version that made it. */
export type DetectionSettings = RiskDetectionSettings & { version: number };

export const defaultDetectionSettings: DetectionSettings = {
  mfaFatigue: { enabled: true, threshold: 5, windowMinutes: 10, riskLevel: 'high' },
  mfaSpray: { enabled: true, distinctUsers: 5, windowMinutes: 10, riskLevel: 'medium' },
  repeatedLockouts: { enabled: true, threshold: 3, windowMinutes: 60, riskLevel: 'medium' },
  version: 0,
};

export type ChangeRiskDetectionSettings = { type: 'ChangeRiskDetectionSettings'; data: RiskDetectionSettings & { now: string } };

export const initialState = (): DetectionSettings => defaultDetectionSettings;

const same = (a: RiskDetectionSettings, b: RiskDetectionSettings) =>
  JSON.stringify([a.mfaFatigue, a.mfaSpray, a.repeatedLockouts].map(sorted)) === JSON.stringify([b.mfaFatigue, b.mfaSpray, b.repeatedLockouts].map(sorted));
const sorted = (value: object) => Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));

export function decide(command: ChangeRiskDetectionSettings, state: DetectionSettings): RiskDetectionSettingsChanged[] {
  const { now, mfaFatigue, mfaSpray, repeatedLockouts } = command.data;
  const settings = { mfaFatigue, mfaSpray, repeatedLockouts };
  if (state.version > 0 && same(state, settings)) return [];
  return [{ type: 'RiskDetectionSettingsChanged', data: { ...settings, version: state.version + 1, at: now } }];
}

export function evolve(_: DetectionSettings, event: RiskDetectionSettingsChanged): DetectionSettings {
  const { mfaFatigue, mfaSpray, repeatedLockouts, version } = event.data;
  return { mfaFatigue, mfaSpray, repeatedLockouts, version };
}

export const riskDetectionSettingsDecider = { decide, evolve, initialState };
