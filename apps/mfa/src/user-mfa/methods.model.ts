import { ChallengeChannel, DomainError, MethodType, PasswordHash, PerUserMfaState, PhoneType, SealedSecret } from '@bulwark/contracts';
import { Counter } from './hotp-counter';

/** The methods write model's state, and the pure rules on it that both the methods and the sign-in deciders use. */

export type OathMethod = {
  kind: 'softwareOath';
  methodId: string;
  status: 'pending' | 'active';
  secret: SealedSecret;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: 6 | 8;
  period: 30 | 60;
  displayName: string | null;
  pushEnabled: boolean;
  createdAt: string;
  /** the last time step that approved (or activated): a code at or before it is a replay */
  lastTimeStep: number;
};

export type HardwareOathMethod = {
  kind: 'hardwareOath';
  methodId: string;
  status: 'pending' | 'active' | 'failedActivation';
  secret: SealedSecret;
  oathType: 'totp' | 'hotp';
  hashFunction: 'hmacsha1' | 'hmacsha256' | 'hmacsha512';
  digits: 6 | 8;
  period: 30 | 60 | null;
  serialNumber: string;
  manufacturer: string | null;
  model: string | null;
  createdAt: string;
  /** TOTP: the last time step used; HOTP: the last counter used, of 64 bits (a code at or before it is a replay) */
  lastTimeStep: Counter;
};

export type PhoneMethod = { kind: 'phone'; methodId: string; status: 'active'; phoneNumber: string; phoneType: PhoneType; createdAt: string };

export type Method = OathMethod | HardwareOathMethod | PhoneMethod;

export type AppPassword = { appPasswordId: string; displayName: string | null; hash: PasswordHash; createdAt: string };

export type MethodsState = {
  exists: boolean;
  /** per-user MFA: disabled skips MFA, enabled and enforced require it */
  mfaState: PerUserMfaState;
  /** after "require re-registration", until a method is registered again */
  reregistrationRequired: boolean;
  /** when a sign-in first told this user they must register (the postponement counts from it), until they do */
  registrationAskedSince: string | null;
  methods: Record<string, Method>;
  appPasswords: Record<string, AppPassword>;
  defaultMethodId: string | null;
};

export const MAX_OATH_METHODS = 5;
/** Entra's limit of app passwords per user */
export const MAX_APP_PASSWORDS = 40;

export const activeMethods = (state: MethodsState) => Object.values(state.methods).filter((method) => method.status === 'active');

/** The method a sign-in uses when none is asked for: the default, else the first active one. */
export function defaultMethodOf(state: MethodsState): Method | null {
  const chosen = state.defaultMethodId ? state.methods[state.defaultMethodId] : undefined;
  return chosen?.status === 'active' ? chosen : (activeMethods(state)[0] ?? null);
}

/** The channels a method can be answered on, the natural one first. */
export function channelsOf(method: Method): ChallengeChannel[] {
  if (method.kind === 'phone') return method.phoneType === 'office' ? ['voice'] : ['sms', 'voice'];
  if (method.kind === 'hardwareOath') return ['appCode'];
  return method.pushEnabled ? ['appCode', 'appNotification'] : ['appCode'];
}

export const methodTypeOf = (method: Method): MethodType => method.kind;

export function methodOf(state: MethodsState, userId: string, methodId: string): Method {
  const method = state.methods[methodId];
  if (!method) throw new DomainError('METHOD_NOT_FOUND', 'notFound', `user ${userId} has no method ${methodId}`);
  return method;
}
