import { DomainError, RiskDetected, RiskLevel, RiskRemediationRequested, UserRiskEvent } from '@bulwark/contracts';
import { RiskPolicy } from '../risk-settings/risk-policy-settings.decider';

/**
 * A user's risk (stream `user_risk-<userId>`): detections raise it, an analyst's triage settles it, and the risk
 * policy asks for remediation while it is medium or high. Graph's riskLevel/riskState/riskDetail are read off the
 * lifecycle stage by `riskOf`.
 */
type Known = {
  /** every detection recorded, so a reaction that runs twice records a detection once */
  detectionIds: string[];
  lastDetectionId: string;
  /** the riskEventTypes of the detections since the last triage */
  openRiskEventTypes: string[];
  /** the events the risk policy has been evaluated on */
  evaluatedEventIds: string[];
  lastUpdatedAt: string;
};
export type UserRiskState =
  | { status: 'Unknown' }
  | ({ status: 'AtRisk'; riskLevel: RiskLevel } & Known)
  | ({ status: 'ConfirmedCompromised' } & Known)
  | ({ status: 'ConfirmedSafe' } & Known)
  | ({ status: 'Dismissed' } & Known);

export type RecordDetection = { type: 'RecordDetection'; data: RiskDetected['data'] };
export type ConfirmCompromised = { type: 'ConfirmCompromised'; data: { userId: string; now: string } };
export type ConfirmSafe = { type: 'ConfirmSafe'; data: { userId: string; now: string } };
export type DismissRisk = { type: 'DismissRisk'; data: { userId: string; now: string } };
/** The risk policy, evaluated on the user's risk as it is now, because of one event (a detection or a confirmation). */
export type EvaluateRiskPolicy = { type: 'EvaluateRiskPolicy'; data: { userId: string; triggerEventId: string; policy: RiskPolicy; now: string } };
export type UserRiskCommand = RecordDetection | ConfirmCompromised | ConfirmSafe | DismissRisk | EvaluateRiskPolicy;

export const initialState = (): UserRiskState => ({ status: 'Unknown' });

const levels: RiskLevel[] = ['low', 'medium', 'high'];
const higher = (a: RiskLevel, b: RiskLevel): RiskLevel => (levels.indexOf(a) >= levels.indexOf(b) ? a : b);

/** Graph's view of the stage: riskLevel, riskState and riskDetail as riskyuser-confirmcompromised/confirmsafe/dismiss document them. */
export function riskOf(state: UserRiskState): { riskLevel: RiskLevel | 'none'; riskState: string; riskDetail: string; riskLastUpdatedDateTime: string | null } {
  switch (state.status) {
    case 'Unknown':
      return { riskLevel: 'none', riskState: 'none', riskDetail: 'none', riskLastUpdatedDateTime: null };
    case 'AtRisk':
      return { riskLevel: state.riskLevel, riskState: 'atRisk', riskDetail: 'none', riskLastUpdatedDateTime: state.lastUpdatedAt };
    case 'ConfirmedCompromised':
      return { riskLevel: 'high', riskState: 'confirmedCompromised', riskDetail: 'adminConfirmedUserCompromised', riskLastUpdatedDateTime: state.lastUpdatedAt };
    case 'ConfirmedSafe':
      return { riskLevel: 'none', riskState: 'confirmedSafe', riskDetail: 'adminConfirmedAccountSafe', riskLastUpdatedDateTime: state.lastUpdatedAt };
    case 'Dismissed':
      return { riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser', riskLastUpdatedDateTime: state.lastUpdatedAt };
  }
}

function known(state: UserRiskState, userId: string): Exclude<UserRiskState, { status: 'Unknown' }> {
  if (state.status === 'Unknown') throw new DomainError('RISKY_USER_NOT_FOUND', 'notFound', `user ${userId} has no risk detections`);
  return state;
}

export function decide(command: UserRiskCommand, state: UserRiskState): UserRiskEvent[] {
  switch (command.type) {
    case 'RecordDetection': {
      if (state.status !== 'Unknown' && state.detectionIds.includes(command.data.detectionId)) return [];
      return [{ type: 'RiskDetected', data: command.data }];
    }
    case 'ConfirmCompromised': {
      const { userId, now } = command.data;
      return known(state, userId).status === 'ConfirmedCompromised' ? [] : [{ type: 'RiskyUserConfirmedCompromised', data: { userId, at: now } }];
    }
    case 'ConfirmSafe': {
      const { userId, now } = command.data;
      return known(state, userId).status === 'ConfirmedSafe' ? [] : [{ type: 'RiskyUserConfirmedSafe', data: { userId, at: now } }];
    }
    case 'DismissRisk': {
      const { userId, now } = command.data;
      return known(state, userId).status === 'Dismissed' ? [] : [{ type: 'RiskyUserDismissed', data: { userId, at: now } }];
    }
    case 'EvaluateRiskPolicy': {
      const { userId, triggerEventId, policy, now } = command.data;
      if (state.status === 'Unknown' || state.evaluatedEventIds.includes(triggerEventId) || policy.mode === 'disabled') return [];
      // triage since the trigger may have settled the risk: the policy acts on the risk as it is now
      const level = state.status === 'ConfirmedCompromised' ? 'high' : state.status === 'AtRisk' ? state.riskLevel : null;
      if (level !== 'medium' && level !== 'high') return [];
      const actions = [...new Set(policy[level])];
      if (!actions.length) return [];
      const requested: RiskRemediationRequested = {
        type: 'RiskRemediationRequested',
        data: { userId, actions, reportOnly: policy.mode === 'reportOnly', detectionId: state.lastDetectionId, riskLevel: level, triggerEventId, policyVersion: policy.version, at: now },
      };
      return [requested];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

export function evolve(state: UserRiskState, event: UserRiskEvent): UserRiskState {
  switch (event.type) {
    case 'RiskDetected': {
      const { detectionId, riskEventType, riskLevel, at } = event.data;
      const before: Known =
        state.status === 'Unknown' ? { detectionIds: [], lastDetectionId: detectionId, openRiskEventTypes: [], evaluatedEventIds: [], lastUpdatedAt: at } : state;
      // a detection after a triage starts a new episode; during one, the types add up
      const settled = state.status === 'Dismissed' || state.status === 'ConfirmedSafe';
      const open = settled ? [] : before.openRiskEventTypes;
      const common: Known = {
        ...before,
        detectionIds: [...before.detectionIds, detectionId],
        lastDetectionId: detectionId,
        openRiskEventTypes: open.includes(riskEventType) ? open : [...open, riskEventType],
        lastUpdatedAt: at,
      };
      if (state.status === 'ConfirmedCompromised') return { ...common, status: 'ConfirmedCompromised' };
      if (state.status === 'AtRisk') return { ...common, status: 'AtRisk', riskLevel: higher(state.riskLevel, riskLevel) };
      return { ...common, status: 'AtRisk', riskLevel };
    }
    case 'RiskyUserConfirmedCompromised':
      return state.status === 'Unknown' ? state : { ...withoutLevel(state), status: 'ConfirmedCompromised', lastUpdatedAt: event.data.at };
    case 'RiskyUserConfirmedSafe':
      return state.status === 'Unknown' ? state : { ...withoutLevel(state), status: 'ConfirmedSafe', lastUpdatedAt: event.data.at };
    case 'RiskyUserDismissed':
      return state.status === 'Unknown' ? state : { ...withoutLevel(state), status: 'Dismissed', lastUpdatedAt: event.data.at };
    case 'RiskRemediationRequested':
      return state.status === 'Unknown' ? state : { ...state, evaluatedEventIds: [...state.evaluatedEventIds, event.data.triggerEventId] };
  }
}

function withoutLevel(state: Exclude<UserRiskState, { status: 'Unknown' }>): Known {
  const { detectionIds, lastDetectionId, openRiskEventTypes, evaluatedEventIds, lastUpdatedAt } = state;
  return { detectionIds, lastDetectionId, openRiskEventTypes, evaluatedEventIds, lastUpdatedAt };
}

export const userRiskDecider = { decide, evolve, initialState };
