import { DomainError, RiskPolicySettings, RiskPolicySettingsChanged } from '@bulwark/contracts';

/** The risk policy (stream `risk_settings-policy`): off until an admin sets it, as in Entra. */
export type RiskPolicy = RiskPolicySettings & { version: number };

export const defaultRiskPolicy: RiskPolicy = { mode: 'disabled', medium: [], high: [], version: 0 };

export type ChangeRiskPolicy = { type: 'ChangeRiskPolicy'; data: RiskPolicySettings & { now: string } };

export const initialState = (): RiskPolicy => defaultRiskPolicy;

const normalised = (actions: string[]) => [...new Set(actions)].sort();

export function decide(command: ChangeRiskPolicy, state: RiskPolicy): RiskPolicySettingsChanged[] {
  const { now, mode } = command.data;
  for (const level of ['medium', 'high'] as const) {
    if (new Set(command.data[level]).size !== command.data[level].length) {
      throw new DomainError('DUPLICATE_ACTION', 'invalid', `${level}: each action at most once`);
    }
  }
  const medium = normalised(command.data.medium) as RiskPolicySettings['medium'];
  const high = normalised(command.data.high) as RiskPolicySettings['high'];
  const unchanged = state.mode === mode && JSON.stringify(normalised(state.medium)) === JSON.stringify(medium) && JSON.stringify(normalised(state.high)) === JSON.stringify(high);
  if (unchanged && state.version > 0) return [];
  return [{ type: 'RiskPolicySettingsChanged', data: { mode, medium, high, version: state.version + 1, at: now } }];
}

export function evolve(_: RiskPolicy, event: RiskPolicySettingsChanged): RiskPolicy {
  const { mode, medium, high, version } = event.data;
  return { mode, medium, high, version };
}

export const riskPolicySettingsDecider = { decide, evolve, initialState };
