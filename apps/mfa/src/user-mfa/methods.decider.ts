import { DomainError, HardwareTokenAssigned, PasswordHash, PerUserMfaState, PhoneType, SealedSecret, UserMfaEvent } from '@bulwark/contracts';
import { addToCounter, Counter, isAfter, laterOf } from './hotp-counter';
import { activeMethods, HardwareOathMethod, MAX_APP_PASSWORDS, MAX_OATH_METHODS, Method, MethodsState, methodOf, methodTypeOf, OathMethod } from './methods.model';

/**
 * The methods write model of a user's MFA stream (`user_mfa-<userId>`): apps, tokens, phones, app passwords, the
 * default method and the per-user MFA state. It folds only the event types below, never a challenge, so registering
 * a method costs what the user has registered, not how often they signed in. The sign-in decider shares the stream.
 */

export type AddAuthenticatorApp = {
  type: 'AddAuthenticatorApp';
  data: {
    userId: string;
    methodId: string;
    secret: SealedSecret;
    algorithm: OathMethod['algorithm'];
    digits: 6 | 8;
    period: 30 | 60;
    displayName: string | null;
    pushEnabled: boolean;
    now: string;
  };
};
/** codeMatched: the time step the code matched, or null */
export type ActivateAuthenticatorApp = { type: 'ActivateAuthenticatorApp'; data: { userId: string; methodId: string; codeMatched: number | null; now: string } };
export type AssignHardwareToken = { type: 'AssignHardwareToken'; data: Omit<HardwareTokenAssigned['data'], 'at'> & { now: string } };
/** codeMatched: the time step (TOTP) or counter (HOTP) the code matched, or null */
export type ActivateHardwareToken = { type: 'ActivateHardwareToken'; data: { userId: string; methodId: string; codeMatched: Counter | null; now: string } };
/** lastCounter: the counter of the second of two consecutive codes, or null when none was found */
export type ResyncHardwareToken = { type: 'ResyncHardwareToken'; data: { userId: string; methodId: string; lastCounter: Counter | null; now: string } };
export type RegisterPhone = { type: 'RegisterPhone'; data: { userId: string; methodId: string; phoneNumber: string; phoneType: PhoneType; now: string } };
export type RemoveMethod = { type: 'RemoveMethod'; data: { userId: string; methodId: string; reason: string | null; now: string } };
export type SetDefaultMethod = { type: 'SetDefaultMethod'; data: { userId: string; methodId: string; now: string } };
export type SetUserMfaState = { type: 'SetUserMfaState'; data: { userId: string; state: PerUserMfaState; now: string } };
export type RequireReregistration = { type: 'RequireReregistration'; data: { userId: string; now: string } };
/** allowedByPolicy: the tenant's allowUsersToCreateAppPasswords as the command is made */
export type CreateAppPassword = {
  type: 'CreateAppPassword';
  data: { userId: string; appPasswordId: string; displayName: string | null; hash: PasswordHash; allowedByPolicy: boolean; now: string };
};
export type DeleteAppPasswords = { type: 'DeleteAppPasswords'; data: { userId: string; reason: string | null; now: string } };

export type MethodsCommand =
  | AddAuthenticatorApp
  | ActivateAuthenticatorApp
  | AssignHardwareToken
  | ActivateHardwareToken
  | ResyncHardwareToken
  | RegisterPhone
  | RemoveMethod
  | SetDefaultMethod
  | SetUserMfaState
  | RequireReregistration
  | CreateAppPassword
  | DeleteAppPasswords;

/** The event types this model folds. MfaApproved moves an OATH method's last step; the two sign-in outcomes that can open a stream make it exist. */
export const methodsEventTypes = [
  'AuthenticatorAppAdded',
  'MethodRegistered',
  'MethodRemoved',
  'DefaultMethodChanged',
  'HardwareTokenAssigned',
  'HardwareTokenActivationFailed',
  'HardwareTokenResynchronized',
  'UserMfaStateChanged',
  'MfaReregistrationRequired',
  'AppPasswordCreated',
  'AppPasswordsDeleted',
  'RegistrationRequiredAtSignIn',
  'MfaBypassed',
  'MfaApproved',
] as const satisfies ReadonlyArray<UserMfaEvent['type']>;
export type MethodsEvent = Extract<UserMfaEvent, { type: (typeof methodsEventTypes)[number] }>;

export const initialMethodsState = (): MethodsState => ({
  exists: false,
  mfaState: 'enabled',
  reregistrationRequired: false,
  registrationAskedSince: null,
  methods: {},
  appPasswords: {},
  defaultMethodId: null,
});

/** Software OATH methods count once active; a hardware token counts from assignment, since it is the user's alone. */
const oathCount = (state: MethodsState) =>
  Object.values(state.methods).filter((method) => (method.kind === 'softwareOath' && method.status === 'active') || method.kind === 'hardwareOath').length;
const oathLimit = () =>
  new DomainError('METHOD_LIMIT_REACHED', 'conflict', `a user has at most ${MAX_OATH_METHODS} OATH methods (software and hardware); remove one first`);
const mustExist = (state: MethodsState, userId: string) => {
  if (!state.exists) throw new DomainError('USER_NOT_FOUND', 'notFound', `user ${userId} has no MFA registration`);
};

export function decide(command: MethodsCommand, state: MethodsState): UserMfaEvent[] {
  switch (command.type) {
    case 'AddAuthenticatorApp': {
      const { now, ...app } = command.data;
      if (oathCount(state) >= MAX_OATH_METHODS) throw oathLimit();
      return [{ type: 'AuthenticatorAppAdded', data: { ...app, at: now } }];
    }
    case 'ActivateAuthenticatorApp': {
      const { userId, methodId, codeMatched, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.kind !== 'softwareOath') throw new DomainError('NOT_AN_AUTHENTICATOR_APP', 'conflict', `method ${methodId} is not an authenticator app`);
      if (method.status === 'active') throw new DomainError('METHOD_ALREADY_ACTIVE', 'conflict', `authenticator app ${methodId} is already active`);
      if (codeMatched === null) throw new DomainError('INVALID_CODE', 'unprocessable', 'the code does not match this authenticator app');
      if (oathCount(state) >= MAX_OATH_METHODS) throw oathLimit();
      return [{ type: 'MethodRegistered', data: { userId, methodId, methodType: 'softwareOath', displayName: method.displayName, timeStep: codeMatched, at: now } }];
    }
    case 'AssignHardwareToken': {
      const { now, ...token } = command.data;
      if (state.methods[token.methodId]) throw new DomainError('TOKEN_ALREADY_ASSIGNED', 'conflict', `token ${token.serialNumber} is already assigned to ${token.userId}`);
      if (oathCount(state) >= MAX_OATH_METHODS) throw oathLimit();
      return [{ type: 'HardwareTokenAssigned', data: { ...token, at: now } }];
    }
    case 'ActivateHardwareToken': {
      const { userId, methodId, codeMatched, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.kind !== 'hardwareOath') throw new DomainError('NOT_A_HARDWARE_TOKEN', 'conflict', `method ${methodId} is not a hardware token`);
      if (method.status === 'active') throw new DomainError('METHOD_ALREADY_ACTIVE', 'conflict', `hardware token ${method.serialNumber} is already activated`);
      // a failed activation is an outcome the inventory shows (failedActivation), not a refused request
      if (codeMatched === null || !isAfter(codeMatched, method.lastTimeStep)) return [{ type: 'HardwareTokenActivationFailed', data: { userId, methodId, at: now } }];
      return [{ type: 'MethodRegistered', data: { userId, methodId, methodType: 'hardwareOath', displayName: method.serialNumber, timeStep: codeMatched, at: now } }];
    }
    case 'ResyncHardwareToken': {
      const { userId, methodId, lastCounter, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.kind !== 'hardwareOath' || method.oathType !== 'hotp') throw new DomainError('NOT_AN_HOTP_TOKEN', 'conflict', `method ${methodId} is not an HOTP token`);
      if (lastCounter === null || !isAfter(lastCounter, method.lastTimeStep)) {
        throw new DomainError('INVALID_CODE', 'unprocessable', 'no two consecutive codes of this token match ahead of its counter');
      }
      return [{ type: 'HardwareTokenResynchronized', data: { userId, methodId, lastCounter, at: now } }];
    }
    case 'RegisterPhone': {
      const { userId, methodId, phoneNumber, phoneType, now } = command.data;
      const taken = activeMethods(state).find((method) => method.kind === 'phone' && method.phoneType === phoneType);
      if (taken) throw new DomainError('PHONE_TYPE_TAKEN', 'conflict', `user ${userId} already has a ${phoneType} phone (${taken.methodId}): update or delete it`);
      return [{ type: 'MethodRegistered', data: { userId, methodId, methodType: 'phone', displayName: null, timeStep: null, phoneNumber, phoneType, at: now } }];
    }
    case 'RemoveMethod': {
      const { userId, methodId, reason, now } = command.data;
      const method = methodOf(state, userId, methodId);
      return [{ type: 'MethodRemoved', data: { userId, methodId, methodType: methodTypeOf(method), reason, at: now } }];
    }
    case 'SetDefaultMethod': {
      const { userId, methodId, now } = command.data;
      const method = methodOf(state, userId, methodId);
      if (method.status !== 'active') throw new DomainError('METHOD_NOT_ACTIVE', 'conflict', `method ${methodId} is not activated yet`);
      if (state.defaultMethodId === methodId) return [];
      return [{ type: 'DefaultMethodChanged', data: { userId, methodId, at: now } }];
    }
    case 'SetUserMfaState': {
      const { userId, state: mfaState, now } = command.data;
      mustExist(state, userId);
      return state.mfaState === mfaState ? [] : [{ type: 'UserMfaStateChanged', data: { userId, state: mfaState, at: now } }];
    }
    case 'RequireReregistration': {
      const { userId, now } = command.data;
      mustExist(state, userId);
      return [{ type: 'MfaReregistrationRequired', data: { userId, removedMethodIds: Object.keys(state.methods), at: now } }];
    }
    case 'CreateAppPassword': {
      const { userId, appPasswordId, displayName, hash, allowedByPolicy, now } = command.data;
      if (!allowedByPolicy) {
        throw new DomainError(
          'APP_PASSWORDS_NOT_ALLOWED',
          'conflict',
          'the tenant does not allow users to create app passwords (allowUsersToCreateAppPasswords is off); existing app passwords keep working',
        );
      }
      if (Object.keys(state.appPasswords).length >= MAX_APP_PASSWORDS) {
        throw new DomainError('APP_PASSWORD_LIMIT_REACHED', 'conflict', `a user has at most ${MAX_APP_PASSWORDS} app passwords: delete them and create one again`);
      }
      return [{ type: 'AppPasswordCreated', data: { userId, appPasswordId, displayName, hash, at: now } }];
    }
    case 'DeleteAppPasswords': {
      const { userId, reason, now } = command.data;
      const appPasswordIds = Object.keys(state.appPasswords);
      return appPasswordIds.length ? [{ type: 'AppPasswordsDeleted', data: { userId, appPasswordIds, reason, at: now } }] : [];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as { type: string }).type}`);
    }
  }
}

const folded = new Set<string>(methodsEventTypes);
const isMethodsEvent = (event: UserMfaEvent): event is MethodsEvent => folded.has(event.type);

/** Folds the stream's events; those of other types (which the handler does not read) change nothing here. */
export function evolve(state: MethodsState, event: UserMfaEvent): MethodsState {
  return isMethodsEvent(event) ? fold(state, event) : state;
}

/** An OATH method with its last step moved up to `step`, never back: a TOTP time step, or an HOTP counter of 64 bits. */
function advanced(method: OathMethod | HardwareOathMethod, step: Counter): Method {
  if (method.kind === 'softwareOath') return { ...method, lastTimeStep: Math.max(method.lastTimeStep, Number(step)) };
  return { ...method, lastTimeStep: laterOf(method.lastTimeStep, step) };
}

function fold(state: MethodsState, event: MethodsEvent): MethodsState {
  const next: MethodsState = { ...state, exists: true };
  const withMethod = (method: Method): MethodsState => ({ ...next, methods: { ...state.methods, [method.methodId]: method } });
  switch (event.type) {
    case 'AuthenticatorAppAdded': {
      const { methodId, secret, algorithm, digits, period, displayName, pushEnabled, at } = event.data;
      return withMethod({ kind: 'softwareOath', methodId, status: 'pending', secret, algorithm, digits, period, displayName, pushEnabled: pushEnabled ?? false, createdAt: at, lastTimeStep: -1 });
    }
    case 'MethodRegistered': {
      const { methodId, methodType, timeStep, phoneNumber, phoneType, at } = event.data;
      next.reregistrationRequired = false;
      next.registrationAskedSince = null;
      if (methodType === 'phone' && phoneNumber && phoneType) return withMethod({ kind: 'phone', methodId, status: 'active', phoneNumber, phoneType, createdAt: at });
      const method = state.methods[methodId];
      if (method?.kind !== 'softwareOath' && method?.kind !== 'hardwareOath') return next;
      return withMethod({ ...advanced(method, timeStep ?? -1), status: 'active' });
    }
    case 'MethodRemoved': {
      const { [event.data.methodId]: _, ...methods } = state.methods;
      return { ...next, methods, defaultMethodId: state.defaultMethodId === event.data.methodId ? null : state.defaultMethodId };
    }
    case 'DefaultMethodChanged':
      return { ...next, defaultMethodId: event.data.methodId };
    case 'HardwareTokenAssigned': {
      const { methodId, secret, oathType, hashFunction, digits, period, counter, serialNumber, manufacturer, model, at } = event.data;
      // HOTP: the counter before the next code; TOTP: no step used yet
      const lastTimeStep = oathType === 'hotp' ? addToCounter(counter ?? 0, -1) : -1;
      return withMethod({ kind: 'hardwareOath', methodId, status: 'pending', secret, oathType, hashFunction, digits, period, serialNumber, manufacturer, model, createdAt: at, lastTimeStep });
    }
    case 'HardwareTokenActivationFailed': {
      const method = state.methods[event.data.methodId];
      return method?.kind === 'hardwareOath' ? withMethod({ ...method, status: 'failedActivation' }) : next;
    }
    case 'HardwareTokenResynchronized': {
      const method = state.methods[event.data.methodId];
      return method?.kind === 'hardwareOath' ? withMethod({ ...method, lastTimeStep: event.data.lastCounter }) : next;
    }
    case 'UserMfaStateChanged':
      return { ...next, mfaState: event.data.state };
    case 'MfaReregistrationRequired':
      return { ...next, methods: {}, defaultMethodId: null, reregistrationRequired: true, registrationAskedSince: null };
    case 'AppPasswordCreated': {
      const { appPasswordId, displayName, hash, at } = event.data;
      return { ...next, appPasswords: { ...state.appPasswords, [appPasswordId]: { appPasswordId, displayName, hash, createdAt: at } } };
    }
    case 'AppPasswordsDeleted': {
      const appPasswords = { ...state.appPasswords };
      for (const appPasswordId of event.data.appPasswordIds) delete appPasswords[appPasswordId];
      return { ...next, appPasswords };
    }
    case 'RegistrationRequiredAtSignIn':
      return { ...next, registrationAskedSince: state.registrationAskedSince ?? (event.data.required ? event.data.at : null) };
    case 'MfaBypassed':
      return next;
    case 'MfaApproved': {
      const { methodId, timeStep } = event.data;
      const method = methodId ? state.methods[methodId] : undefined;
      if ((method?.kind !== 'softwareOath' && method?.kind !== 'hardwareOath') || timeStep === null) return next;
      return withMethod(advanced(method, timeStep));
    }
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled event ${(unhandled as { type: string }).type}`);
    }
  }
}

/** Bump `version` whenever the state's shape or the fold changes: snapshots of another version are ignored. */
export const methodsDecider = { decide, evolve, initialState: initialMethodsState, eventTypes: methodsEventTypes, snapshot: { name: 'user-mfa-methods', version: 2 } };
