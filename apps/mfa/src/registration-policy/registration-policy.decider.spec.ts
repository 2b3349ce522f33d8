import { RegistrationPolicyChanged } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { ChangeRegistrationPolicy, defaultRegistrationPolicy, mustRegister, RegistrationPolicy, registrationPolicyDecider } from './registration-policy.decider';

const spec = deciderSpecification<ChangeRegistrationPolicy, RegistrationPolicyChanged, RegistrationPolicy>(registrationPolicyDecider);
const at = '2026-11-21T10:00:00.000Z';
const change = (policy: Omit<ChangeRegistrationPolicy['data'], 'now'>): ChangeRegistrationPolicy => ({ type: 'ChangeRegistrationPolicy', data: { ...policy, now: at } });

describe('registration policy', () => {
  it('requires every user to register at once until an admin says otherwise', () => {
    expect(spec.given([]).state).toEqual(defaultRegistrationPolicy);
    expect(mustRegister(defaultRegistrationPolicy, 'anyone', [])).toBe(true);
    expect(defaultRegistrationPolicy.postponeDays).toBe(0);
  });

  it('records selected users and groups, sorted and without repeats, as the next version', () => {
    spec.given([]).when(change({ requiredFor: 'selected', userIds: ['bob', 'alice', 'bob'], groupIds: ['sales'], postponeDays: 14 })).then([
      { type: 'RegistrationPolicyChanged', data: { requiredFor: 'selected', userIds: ['alice', 'bob'], groupIds: ['sales'], postponeDays: 14, version: 1, at } },
    ]);
  });

  it('records nothing when the policy in force is set again', () => {
    const given: RegistrationPolicyChanged[] = [{ type: 'RegistrationPolicyChanged', data: { requiredFor: 'all', userIds: [], groupIds: [], postponeDays: 3, version: 1, at } }];
    spec.given(given).when(change({ requiredFor: 'all', userIds: [], groupIds: [], postponeDays: 3 })).then([]);
  });

  it('names a user directly or through a group the sign-in says they are in', () => {
    const policy: RegistrationPolicy = { requiredFor: 'selected', userIds: ['alice'], groupIds: ['sales'], postponeDays: 0, version: 1 };
    expect(mustRegister(policy, 'alice', [])).toBe(true);
    expect(mustRegister(policy, 'bob', ['sales'])).toBe(true);
    expect(mustRegister(policy, 'bob', ['engineering'])).toBe(false);
  });
});
