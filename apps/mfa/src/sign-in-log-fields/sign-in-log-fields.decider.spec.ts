import { SignInLogFieldsChanged } from '@bulwark/contracts';
import { deciderSpecification } from '@bulwark/testing';
import { ChangeSignInLogFields, recordedFields, SignInLogFields, signInLogFieldsDecider } from './sign-in-log-fields.decider';

const spec = deciderSpecification<ChangeSignInLogFields, SignInLogFieldsChanged, SignInLogFields>(signInLogFieldsDecider);
const at = '2026-11-21T10:00:00.000Z';
const fields = (firstName: boolean, lastName: boolean, email: boolean) => ({ firstName, lastName, email });
const user = { firstName: 'Alice', lastName: 'Martin', email: 'alice@example.com' };

describe('sign-in log fields', () => {
  it('records none of the optional fields until an admin chooses them', () => {
    const state = spec.given([]).state;
    expect(state).toEqual({ ...fields(false, false, false), version: 0 });
    expect(recordedFields(state, user)).toEqual({});
  });

  it('records a choice as the next version, and nothing when it is already in force', () => {
    spec.given([]).when({ type: 'ChangeSignInLogFields', data: { ...fields(true, false, true), now: at } }).then([
      { type: 'SignInLogFieldsChanged', data: { ...fields(true, false, true), version: 1, at } },
    ]);
    spec.given([{ type: 'SignInLogFieldsChanged', data: { ...fields(true, false, true), version: 1, at } }]).when({ type: 'ChangeSignInLogFields', data: { ...fields(true, false, true), now: at } }).then([]);
  });

  it('keeps only the chosen fields the sign-in carried', () => {
    const state = spec.given([{ type: 'SignInLogFieldsChanged', data: { ...fields(true, false, true), version: 1, at } }]).state;
    expect(recordedFields(state, user)).toEqual({ userFirstName: 'Alice', userEmail: 'alice@example.com' });
    expect(recordedFields(state, { lastName: 'Martin' })).toEqual({});
  });
});
