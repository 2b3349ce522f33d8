import { RiskDetected, RiskLevel, RiskRemediationRequested, UserRiskEvent } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { RiskPolicy } from '../risk-settings/risk-policy-settings.decider';
import { riskOf, UserRiskCommand, userRiskDecider, UserRiskState } from './user-risk.decider';

const spec = deciderSpecification<UserRiskCommand, UserRiskEvent, UserRiskState>(userRiskDecider);
const userId = 'alice';
const t = (time: string) => `2026-11-21T${time}.000Z`;
const eventId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const detection = (detectionId: string, riskLevel: RiskLevel, at: string, riskEventType = 'mfaFatigue'): RiskDetected['data'] => ({
  detectionId,
  userId,
  riskEventType,
  riskLevel,
  detectionTimingType: 'nearRealtime',
  source: 'IdentityProtection',
  activity: 'signin',
  eventIds: [eventId(1)],
  at: t(at),
});
const detected = (detectionId: string, riskLevel: RiskLevel, at: string, riskEventType?: string): RiskDetected => ({ type: 'RiskDetected', data: detection(detectionId, riskLevel, at, riskEventType) });
const record = (detectionId: string, riskLevel: RiskLevel, at: string, riskEventType?: string): UserRiskCommand => ({ type: 'RecordDetection', data: detection(detectionId, riskLevel, at, riskEventType) });
const dismissed = (at: string): UserRiskEvent => ({ type: 'RiskyUserDismissed', data: { userId, at: t(at) } });
const compromised = (at: string): UserRiskEvent => ({ type: 'RiskyUserConfirmedCompromised', data: { userId, at: t(at) } });
const safe = (at: string): UserRiskEvent => ({ type: 'RiskyUserConfirmedSafe', data: { userId, at: t(at) } });
const triage = (type: 'ConfirmCompromised' | 'ConfirmSafe' | 'DismissRisk', at: string): UserRiskCommand => ({ type, data: { userId, now: t(at) } });

const policy = (mode: RiskPolicy['mode'], medium: RiskPolicy['medium'], high: RiskPolicy['high']): RiskPolicy => ({ mode, medium, high, version: 3 });
const evaluate = (trigger: number, p: RiskPolicy, at: string): UserRiskCommand => ({ type: 'EvaluateRiskPolicy', data: { userId, triggerEventId: eventId(trigger), policy: p, now: t(at) } });
const remediation = (data: Partial<RiskRemediationRequested['data']> & Pick<RiskRemediationRequested['data'], 'actions' | 'riskLevel' | 'detectionId'>, trigger: number, at: string): RiskRemediationRequested => ({
  type: 'RiskRemediationRequested',
  data: { userId, reportOnly: false, triggerEventId: eventId(trigger), policyVersion: 3, at: t(at), ...data },
});

describe('user risk', () => {
  describe('for a user with no detection', () => {
    const given = spec.given([]);

    it('has no risk, in Graph terms', () => {
      expect(riskOf(given.state)).toEqual({ riskLevel: 'none', riskState: 'none', riskDetail: 'none', riskLastUpdatedDateTime: null });
    });

    it('records a first detection, which puts the user at risk at its level', () => {
      given.when(record('d1', 'medium', '10:00:00')).then([detected('d1', 'medium', '10:00:00')]);
      expect(riskOf(spec.given([detected('d1', 'medium', '10:00:00')]).state)).toEqual({ riskLevel: 'medium', riskState: 'atRisk', riskDetail: 'none', riskLastUpdatedDateTime: t('10:00:00') });
    });

    it.each(['ConfirmCompromised', 'ConfirmSafe', 'DismissRisk'] as const)('refuses %s: there is no risky user to triage', (type) => {
      given.when(triage(type, '10:00:00')).thenThrows('RISKY_USER_NOT_FOUND');
    });

    it('asks the policy for nothing', () => {
      given.when(evaluate(1, policy('enabled', ['block'], ['block']), '10:00:00')).then([]);
    });
  });

  describe('at medium risk', () => {
    const history = [detected('d1', 'medium', '10:00:00', 'mfaSpray')];
    const given = spec.given(history);

    it('ignores a detection it has already recorded (a reaction that ran twice)', () => {
      given.when(record('d1', 'medium', '10:05:00', 'mfaSpray')).then([]);
    });

    it('rises to high with a high detection, and never falls with a low one', () => {
      expect(riskOf(spec.given([...history, detected('d2', 'high', '10:01:00')]).state).riskLevel).toBe('high');
      expect(riskOf(spec.given([...history, detected('d2', 'low', '10:01:00')]).state).riskLevel).toBe('medium');
    });

    it('is confirmed compromised: high, confirmedCompromised, adminConfirmedUserCompromised', () => {
      given.when(triage('ConfirmCompromised', '10:10:00')).then([compromised('10:10:00')]);
      expect(riskOf(spec.given([...history, compromised('10:10:00')]).state)).toEqual({
        riskLevel: 'high', riskState: 'confirmedCompromised', riskDetail: 'adminConfirmedUserCompromised', riskLastUpdatedDateTime: t('10:10:00'),
      });
    });

    it('is confirmed safe: none, confirmedSafe, adminConfirmedAccountSafe', () => {
      given.when(triage('ConfirmSafe', '10:10:00')).then([safe('10:10:00')]);
      expect(riskOf(spec.given([...history, safe('10:10:00')]).state)).toEqual({
        riskLevel: 'none', riskState: 'confirmedSafe', riskDetail: 'adminConfirmedAccountSafe', riskLastUpdatedDateTime: t('10:10:00'),
      });
    });

    it('is dismissed: none, dismissed, adminDismissedAllRiskForUser', () => {
      given.when(triage('DismissRisk', '10:10:00')).then([dismissed('10:10:00')]);
      expect(riskOf(spec.given([...history, dismissed('10:10:00')]).state)).toEqual({
        riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser', riskLastUpdatedDateTime: t('10:10:00'),
      });
    });

    it('asks for the medium actions of an enabled policy, citing the latest detection and the trigger', () => {
      given.when(evaluate(7, policy('enabled', ['revokeSessions', 'requireReregistration'], ['block']), '10:00:01')).then([
        remediation({ actions: ['revokeSessions', 'requireReregistration'], riskLevel: 'medium', detectionId: 'd1' }, 7, '10:00:01'),
      ]);
    });

    it('records what a report-only policy would do', () => {
      given.when(evaluate(7, policy('reportOnly', ['revokeSessions'], []), '10:00:01')).then([
        remediation({ actions: ['revokeSessions'], riskLevel: 'medium', detectionId: 'd1', reportOnly: true }, 7, '10:00:01'),
      ]);
    });

    it('asks for nothing when the policy is disabled or has no action for medium', () => {
      given.when(evaluate(7, policy('disabled', ['block'], ['block']), '10:00:01')).then([]);
      given.when(evaluate(7, policy('enabled', [], ['block']), '10:00:01')).then([]);
    });

    it('evaluates the policy once per triggering event', () => {
      const once = remediation({ actions: ['block'], riskLevel: 'medium', detectionId: 'd1' }, 7, '10:00:01');
      spec.given([...history, once]).when(evaluate(7, policy('enabled', ['block'], ['block']), '10:00:02')).then([]);
    });
  });

  describe('at low risk', () => {
    it('asks the policy for nothing: it acts on medium and high only', () => {
      spec.given([detected('d1', 'low', '10:00:00')]).when(evaluate(1, policy('enabled', ['block'], ['block']), '10:00:01')).then([]);
    });
  });

  describe('once dismissed', () => {
    const history = [detected('d1', 'high', '10:00:00'), dismissed('10:10:00')];
    const given = spec.given(history);

    it('stays dismissed: dismissing again records nothing', () => {
      given.when(triage('DismissRisk', '10:20:00')).then([]);
    });

    it('is not remediated by a policy evaluated late on the old detection', () => {
      given.when(evaluate(1, policy('enabled', ['block'], ['block']), '10:11:00')).then([]);
    });

    it('is at risk again after a new detection, at the new level only, with only the new riskEventTypes', () => {
      const after = spec.given([...history, detected('d2', 'medium', '11:00:00', 'repeatedLockouts')]).state;
      expect(riskOf(after)).toMatchObject({ riskLevel: 'medium', riskState: 'atRisk', riskDetail: 'none' });
      expect(after.status === 'AtRisk' && after.openRiskEventTypes).toEqual(['repeatedLockouts']);
    });

    it('can still be confirmed compromised', () => {
      given.when(triage('ConfirmCompromised', '10:20:00')).then([compromised('10:20:00')]);
    });
  });

  describe('once confirmed compromised', () => {
    const history = [detected('d1', 'medium', '10:00:00'), compromised('10:10:00')];
    const given = spec.given(history);

    it('stays confirmed compromised at high risk when a new detection arrives', () => {
      expect(riskOf(spec.given([...history, detected('d2', 'low', '10:20:00')]).state)).toMatchObject({ riskLevel: 'high', riskState: 'confirmedCompromised' });
    });

    it('asks for the high actions', () => {
      given.when(evaluate(9, policy('enabled', ['requireReregistration'], ['block', 'revokeSessions']), '10:10:01')).then([
        remediation({ actions: ['block', 'revokeSessions'], riskLevel: 'high', detectionId: 'd1' }, 9, '10:10:01'),
      ]);
    });

    it('records nothing when confirmed again, and can be dismissed', () => {
      given.when(triage('ConfirmCompromised', '10:20:00')).then([]);
      given.when(triage('DismissRisk', '10:20:00')).then([dismissed('10:20:00')]);
    });
  });

  describe('once confirmed safe', () => {
    const given = spec.given([detected('d1', 'high', '10:00:00'), safe('10:10:00')]);

    it('records nothing when confirmed safe again', () => {
      given.when(triage('ConfirmSafe', '10:20:00')).then([]);
    });

    it('is at risk again after a new detection', () => {
      given.when(record('d2', 'low', '10:30:00')).then([detected('d2', 'low', '10:30:00')]);
    });
  });
});
