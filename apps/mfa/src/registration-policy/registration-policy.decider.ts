import { RegistrationPolicyChanged } from '@bulwark/contracts';

/**
 * Who must register MFA methods, and for how long they may postpone it (stream `mfa_settings-registration`).
 * Until an admin says otherwise every user must register at once: a user without a method has nothing to verify.
 */
export type RegistrationPolicy = Omit<RegistrationPolicyChanged['data'], 'at'>;

export const defaultRegistrationPolicy: RegistrationPolicy = { requiredFor: 'all', userIds: [], groupIds: [], postponeDays: 0, version: 0 };

export type ChangeRegistrationPolicy = { type: 'ChangeRegistrationPolicy'; data: Omit<RegistrationPolicy, 'version'> & { now: string } };

export const initialState = (): RegistrationPolicy => defaultRegistrationPolicy;

const sortedUnique = (ids: string[]) => [...new Set(ids)].sort();

export function decide(command: ChangeRegistrationPolicy, state: RegistrationPolicy): RegistrationPolicyChanged[] {
  const { requiredFor, postponeDays, now } = command.data;
  // a policy for everyone names no one: lists kept beside "all" would only mislead the next reader
  const userIds = requiredFor === 'all' ? [] : sortedUnique(command.data.userIds);
  const groupIds = requiredFor === 'all' ? [] : sortedUnique(command.data.groupIds);
  const next = { requiredFor, userIds, groupIds, postponeDays };
  const { version: _, ...current } = state;
  if (JSON.stringify(next) === JSON.stringify(current) && state.version > 0) return [];
  return [{ type: 'RegistrationPolicyChanged', data: { ...next, version: state.version + 1, at: now } }];
}

export function evolve(_: RegistrationPolicy, event: RegistrationPolicyChanged): RegistrationPolicy {
  const { at: _at, ...policy } = event.data;
  return policy;
}

/** Whether the policy names this user, directly or through one of the groups the relying party says they are in. */
export function mustRegister(policy: RegistrationPolicy, userId: string, groupIds: readonly string[]): boolean {
  return policy.requiredFor === 'all' || policy.userIds.includes(userId) || policy.groupIds.some((groupId) => groupIds.includes(groupId));
}

export const registrationPolicyDecider = { decide, evolve, initialState };
