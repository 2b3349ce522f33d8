import { AppPasswordPolicyChanged } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { AppPasswordPolicy, appPasswordPolicyDecider, ChangeAppPasswordPolicy } from './app-password-policy.decider';

const spec = deciderSpecification<ChangeAppPasswordPolicy, AppPasswordPolicyChanged, AppPasswordPolicy>(appPasswordPolicyDecider);
const at = '2026-11-21T10:00:00.000Z';
const allow = (allowUsersToCreateAppPasswords: boolean): ChangeAppPasswordPolicy => ({ type: 'ChangeAppPasswordPolicy', data: { allowUsersToCreateAppPasswords, now: at } });
const changed = (allowUsersToCreateAppPasswords: boolean, version: number): AppPasswordPolicyChanged => ({ type: 'AppPasswordPolicyChanged', data: { allowUsersToCreateAppPasswords, version, at } });

describe('app password policy', () => {
  it('does not allow app passwords until an admin does', () => {
    expect(spec.given([]).state).toEqual({ allowUsersToCreateAppPasswords: false, version: 0 });
  });

  it('records allowing them, then refusing them again, as successive versions', () => {
    spec.given([]).when(allow(true)).then([changed(true, 1)]);
    spec.given([changed(true, 1)]).when(allow(false)).then([changed(false, 2)]);
  });

  it('records nothing when the setting in force is set again', () => {
    spec.given([changed(true, 1)]).when(allow(true)).then([]);
  });
});
