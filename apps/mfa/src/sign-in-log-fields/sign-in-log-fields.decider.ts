import { SignInLogFieldsChanged } from '@bulwark/contracts';

/**
 * Which optional fields of a sign-in are recorded (stream `mfa_settings-sign_in_log_fields`): the user's first and
 * last name and email, as the relying party sends them with a challenge. None until an admin turns them on.
 */
export type SignInLogFields = { firstName: boolean; lastName: boolean; email: boolean; version: number };

export const defaultSignInLogFields: SignInLogFields = { firstName: false, lastName: false, email: false, version: 0 };

export type ChangeSignInLogFields = { type: 'ChangeSignInLogFields'; data: { firstName: boolean; lastName: boolean; email: boolean; now: string } };

export const initialState = (): SignInLogFields => defaultSignInLogFields;

export function decide(command: ChangeSignInLogFields, state: SignInLogFields): SignInLogFieldsChanged[] {
  const { firstName, lastName, email, now } = command.data;
  if (state.firstName === firstName && state.lastName === lastName && state.email === email && state.version > 0) return [];
  return [{ type: 'SignInLogFieldsChanged', data: { firstName, lastName, email, version: state.version + 1, at: now } }];
}

export function evolve(_: SignInLogFields, event: SignInLogFieldsChanged): SignInLogFields {
  const { firstName, lastName, email, version } = event.data;
  return { firstName, lastName, email, version };
}

export type UserFields = { firstName?: string; lastName?: string; email?: string };
export type RecordedUserFields = { userFirstName?: string; userLastName?: string; userEmail?: string; deviceTokenHint?: string };

/** The fields a sign-in records under these settings: the others are dropped before anything is written. */
export function recordedFields(settings: SignInLogFields, fields: UserFields): RecordedUserFields {
  return {
    ...(settings.firstName && fields.firstName ? { userFirstName: fields.firstName } : {}),
    ...(settings.lastName && fields.lastName ? { userLastName: fields.lastName } : {}),
    ...(settings.email && fields.email ? { userEmail: fields.email } : {}),
  };
}

export const signInLogFieldsDecider = { decide, evolve, initialState };
