import { RiskDetectionSettingsChanged, RiskPolicySettingsChanged } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { ChangeRiskDetectionSettings, defaultDetectionSettings, DetectionSettings, riskDetectionSettingsDecider } from './risk-detection-settings.decider';
import { ChangeRiskPolicy, defaultRiskPolicy, RiskPolicy, riskPolicySettingsDecider } from './risk-policy-settings.decider';

const at = '2026-11-21T10:00:00.000Z';

describe('risk detection settings', () => {
  const spec = deciderSpecification<ChangeRiskDetectionSettings, RiskDetectionSettingsChanged, DetectionSettings>(riskDetectionSettingsDecider);
  const { version: _, ...defaults } = defaultDetectionSettings;
  const change = (fatigueThreshold: number): ChangeRiskDetectionSettings => ({
    type: 'ChangeRiskDetectionSettings',
    data: { ...defaults, mfaFatigue: { ...defaults.mfaFatigue, threshold: fatigueThreshold }, now: at },
  });
  const changed = (version: number, fatigueThreshold: number): RiskDetectionSettingsChanged => ({
    type: 'RiskDetectionSettingsChanged',
    data: { ...defaults, mfaFatigue: { ...defaults.mfaFatigue, threshold: fatigueThreshold }, version, at },
  });

  it('starts from defaults at version 0: fatigue 5 pushes in 10 min (high), spray 5 users in 10 min, 3 lockouts in an hour', () => {
    expect(spec.given([]).state).toEqual({
      mfaFatigue: { enabled: true, threshold: 5, windowMinutes: 10, riskLevel: 'high' },
      mfaSpray: { enabled: true, distinctUsers: 5, windowMinutes: 10, riskLevel: 'medium' },
      repeatedLockouts: { enabled: true, threshold: 3, windowMinutes: 60, riskLevel: 'medium' },
      version: 0,
    });
  });

  it('records the defaults explicitly the first time they are set', () => {
    spec.given([]).when(change(5)).then([changed(1, 5)]);
  });

  it('records a change as the next version', () => {
    spec.given([changed(1, 5)]).when(change(3)).then([changed(2, 3)]);
  });

  it('records nothing when the settings are already in force', () => {
    spec.given([changed(1, 3)]).when(change(3)).then([]);
  });
});

describe('risk policy', () => {
  const spec = deciderSpecification<ChangeRiskPolicy, RiskPolicySettingsChanged, RiskPolicy>(riskPolicySettingsDecider);
  const change = (mode: RiskPolicy['mode'], medium: RiskPolicy['medium'], high: RiskPolicy['high']): ChangeRiskPolicy => ({ type: 'ChangeRiskPolicy', data: { mode, medium, high, now: at } });
  const changed = (version: number, mode: RiskPolicy['mode'], medium: RiskPolicy['medium'], high: RiskPolicy['high']): RiskPolicySettingsChanged => ({
    type: 'RiskPolicySettingsChanged',
    data: { mode, medium, high, version, at },
  });

  it('is disabled, with no action, until an admin sets it', () => {
    expect(spec.given([]).state).toEqual(defaultRiskPolicy);
    expect(defaultRiskPolicy).toEqual({ mode: 'disabled', medium: [], high: [], version: 0 });
  });

  it('records a policy as the next version, its actions in a stable order', () => {
    spec.given([]).when(change('enabled', ['revokeSessions'], ['revokeSessions', 'block'])).then([changed(1, 'enabled', ['revokeSessions'], ['block', 'revokeSessions'])]);
  });

  it('records nothing when the same policy is set again, in any order', () => {
    spec.given([changed(1, 'enabled', [], ['block', 'revokeSessions'])]).when(change('enabled', [], ['revokeSessions', 'block'])).then([]);
  });

  it('records a switch to report-only', () => {
    spec.given([changed(1, 'enabled', [], ['block'])]).when(change('reportOnly', [], ['block'])).then([changed(2, 'reportOnly', [], ['block'])]);
  });

  it('refuses an action named twice', () => {
    spec.given([]).when(change('enabled', [], ['block', 'block'])).thenThrows('DUPLICATE_ACTION');
  });
});
