import {
  AccountUnlocked,
  Actor,
  AppPasswordCreated,
  AppPasswordPolicyChanged,
  AppPasswordsDeleted,
  AuthenticatorAppAdded,
  DefaultMethodChanged,
  DomainEvent,
  eventRegistry,
  HardwareTokenActivationFailed,
  HardwareTokenResynchronized,
  MethodRegistered,
  MethodRemoved,
  MethodType,
  MfaReregistrationRequired,
  OathImportCompleted,
  OathImportFailed,
  OathImportStarted,
  EventParked,
  AuthorizationDenied,
  OathTokenAssigned,
  OathTokenImported,
  OathTokenUnassigned,
  RecordedEvent,
  RememberedDevicesForgotten,
  SessionsRevoked,
  SuspiciousActivityReported,
  UnknownEventTypeError,
  UserBlocked,
  UserMfaStateChanged,
  UserUnblocked,
  VoiceGreetingAdded,
  VoiceGreetingDeleted,
} from '@bulwark/contracts';
import { prepared, Projection } from '@bulwark/event-store';
import { DATETIME, graphEnum, GraphResource, scalar, STRING } from '@bulwark/odata';
import Database from 'better-sqlite3';

/** Graph's directoryAudit and the complex types it reaches (CSDL: auditActivityInitiator, targetResource, modifiedProperty, keyValue). */
export type ModifiedProperty = { displayName: string; oldValue: string | null; newValue: string | null };
export type TargetResource = {
  id: string;
  displayName: string | null;
  type: 'User' | 'Device' | 'Policy' | 'Other';
  userPrincipalName: string | null;
  groupType: null;
  modifiedProperties: ModifiedProperty[];
};
export type KeyValue = { key: string; value: string };
export type AuditActivityInitiator = {
  user: { id: string; displayName: string | null; userPrincipalName: string; ipAddress: string | null } | null;
  app: { appId: string | null; displayName: string; servicePrincipalId: string; servicePrincipalName: string | null } | null;
};
export type DirectoryAudit = {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure';
  resultReason: string | null;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign';
  initiatedBy: AuditActivityInitiator;
  targetResources: TargetResource[];
  additionalDetails: KeyValue[];
};

/** What one event says about itself; the envelope (id, time, correlation, actor) fills in the rest. */
type Entry = Pick<DirectoryAudit, 'category' | 'loggedByService' | 'activityDisplayName' | 'operationType' | 'targetResources'> &
  Partial<Pick<DirectoryAudit, 'result' | 'resultReason' | 'initiatedBy' | 'additionalDetails'>>;

/** Values an audit row shows as "old": the last one seen per key, kept in the projection's own table. */
type Remembered = { get<T>(key: string): T | undefined; set(key: string, value: unknown): void };

type Mapping = (event: RecordedEvent, remembered: Remembered) => Entry;

// Entra's service and activity names, from its audit activity reference, where Entra has the activity;
// names Entra has no counterpart for are marked "ours".
const AUTHENTICATION_METHODS = 'Authentication Methods';
const AZURE_MFA = 'Azure MFA';
const CORE_DIRECTORY = 'Core Directory';
const IDENTITY_PROTECTION = 'Identity Protection';
export const FRAUD_NO_ACTION = 'Fraud reported - no action taken';
export const FRAUD_BLOCKED = 'Fraud reported - user is blocked for MFA';

const methodNames: Record<MethodType, string> = {
  softwareOath: 'Authenticator app',
  hardwareOath: 'Hardware OATH token',
  phone: 'Phone',
  appPassword: 'App password',
};

/** Graph writes old and new values as JSON text. */
const json = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
const changed = (displayName: string, oldValue: unknown, newValue: unknown): ModifiedProperty => ({ displayName, oldValue: json(oldValue), newValue: json(newValue) });
const details = (entries: Record<string, unknown>): KeyValue[] =>
  Object.entries(entries)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
const userTarget = (userId: string, modifiedProperties: ModifiedProperty[] = []): TargetResource => ({
  id: userId,
  displayName: null,
  type: 'User',
  userPrincipalName: userId,
  groupType: null,
  modifiedProperties,
});
const target = (type: TargetResource['type'], id: string, displayName: string | null, modifiedProperties: ModifiedProperty[] = []): TargetResource => ({
  id,
  displayName,
  type,
  userPrincipalName: null,
  groupType: null,
  modifiedProperties,
});

/** The user acted (through the relying party that manages their MFA), or someone else acted on them. */
const bySelf = (actor: Actor) => actor.type === 'app' || actor.type === 'user';

/**
 * Who did it, from the event's actor: a user as `user`; the relying party's key as the user it acts for (Entra's
 * "User registered security info" is initiated by the user); an admin or analyst key, or a service's own
 * reaction, as `app`.
 */
export function initiatorOf(actor: Actor, subjectUserId: string | null, ipAddress: string | null): AuditActivityInitiator {
  const user = (id: string) => ({ user: { id, displayName: null, userPrincipalName: id, ipAddress }, app: null });
  if (actor.type === 'user') return user(actor.id);
  if (actor.type === 'app' && subjectUserId) return user(subjectUserId);
  if (actor.type === 'system') return { user: null, app: { appId: null, displayName: actor.id, servicePrincipalId: actor.id, servicePrincipalName: null } };
  return { user: null, app: { appId: null, displayName: `Bulwark ${actor.type} API key`, servicePrincipalId: actor.id, servicePrincipalName: null } };
}

const SECRET_NAME = /secret|password|passphrase|hash|token|apikey|api_key|privatekey|credential|signingkey/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Settings and events this service does not know field by field are copied into rows generically: without the
 * contract's private fields, and without anything named like a secret or carried in a URL's credentials or query.
 */
export function withoutSecrets(value: unknown, name = ''): unknown {
  if (SECRET_NAME.test(name)) return '[redacted]';
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutSecrets(item, key)]));
  if (typeof value === 'string' && URL_SCHEME.test(value)) {
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/i, '$1[redacted]@').replace(/([?&][^=&#]+=)[^&#]*/g, '$1[redacted]');
  }
  return value;
}

function publicDataOf(event: RecordedEvent): Record<string, unknown> {
  try {
    return withoutSecrets(eventRegistry.publicData(event.type, event.data)) as Record<string, unknown>;
  } catch (error) {
    // a type another branch is still adding: nothing private is known about it, the name rule still applies
    if (error instanceof UnknownEventTypeError) return withoutSecrets(event.data) as Record<string, unknown>;
    throw error;
  }
}

const on =
  <E extends DomainEvent>(map: (data: E['data'], event: RecordedEvent<E>, remembered: Remembered) => Entry): Mapping =>
  (event, remembered) =>
    map(event.data as E['data'], event as unknown as RecordedEvent<E>, remembered);

/** A settings stream's new settings, each changed field with the value the previous settings event had. */
const settingsChange =
  (activityDisplayName: string, category: string, loggedByService: string, policyName: string): Mapping =>
  (event, remembered) => {
    const { at: _at, version, ...settings } = publicDataOf(event);
    const key = `settings:${event.streamId}`;
    const previous = remembered.get<Record<string, unknown>>(key);
    remembered.set(key, settings);
    const names = [...new Set([...Object.keys(previous ?? {}), ...Object.keys(settings)])];
    const modified = names.filter((name) => !previous || json(previous[name]) !== json(settings[name])).map((name) => changed(name, previous?.[name], settings[name]));
    return {
      category,
      loggedByService,
      activityDisplayName,
      operationType: 'Update',
      targetResources: [target('Policy', event.streamId, policyName, modified)],
      additionalDetails: details({ SettingsVersion: version }),
    };
  };

/** An action on one user, by a type this service knows only by name: the user from `data.userId`, the rest as details. */
const userAction =
  (activityDisplayName: string, category: string, loggedByService: string): Mapping =>
  (event) => {
    const { userId, at: _at, ...rest } = publicDataOf(event);
    return {
      category,
      loggedByService,
      activityDisplayName,
      operationType: 'Update',
      targetResources: typeof userId === 'string' ? [userTarget(userId)] : [],
      additionalDetails: details(rest),
    };
  };

/** A value per user kept to show as the old value next time: returns the previous one. */
const swap = (remembered: Remembered, key: string, value: unknown) => {
  const previous = remembered.get(key);
  remembered.set(key, value);
  return previous;
};

export const mappings: Record<string, Mapping> = {
  // security info: Entra's "Authentication Methods" activities
  AuthenticatorAppAdded: on<AuthenticatorAppAdded>(({ userId, methodId, displayName, pushEnabled }) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'User started security info registration',
    operationType: 'Add',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Method: methodNames.softwareOath, MethodId: methodId, DisplayName: displayName, PushEnabled: pushEnabled }),
  })),
  MethodRegistered: on<MethodRegistered>(({ userId, methodId, methodType, displayName, phoneType }, event) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: bySelf(event.metadata.actor) ? 'User registered security info' : 'Admin registered security info',
    operationType: 'Add',
    // the phone number is a private field of the mfa service: never here
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Method: methodNames[methodType], MethodId: methodId, DisplayName: displayName, PhoneType: phoneType }),
  })),
  HardwareTokenActivationFailed: on<HardwareTokenActivationFailed>(({ userId, methodId }, event) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: bySelf(event.metadata.actor) ? 'User registered security info' : 'Admin registered security info',
    operationType: 'Add',
    result: 'failure',
    resultReason: 'The verification code did not match the hardware token',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Method: methodNames.hardwareOath, MethodId: methodId }),
  })),
  HardwareTokenResynchronized: on<HardwareTokenResynchronized>(({ userId, methodId }, event) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: bySelf(event.metadata.actor) ? 'User updated security info' : 'Admin updated security info',
    operationType: 'Update',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Method: methodNames.hardwareOath, MethodId: methodId, Resynchronized: true }),
  })),
  MethodRemoved: on<MethodRemoved>(({ userId, methodId, methodType, reason }, event) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: bySelf(event.metadata.actor) ? 'User deleted security info' : 'Admin deleted security info',
    operationType: 'Delete',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Method: methodNames[methodType], MethodId: methodId, Reason: reason }),
  })),
  DefaultMethodChanged: on<DefaultMethodChanged>(({ userId, methodId }, event, remembered) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: bySelf(event.metadata.actor) ? 'User changed default security info' : 'Admin updated security info',
    operationType: 'Update',
    targetResources: [userTarget(userId, [changed('DefaultMethod', swap(remembered, `default-method:${userId}`, methodId), methodId)])],
  })),
  // the admin's "require re-registration": every method goes at once
  MfaReregistrationRequired: on<MfaReregistrationRequired>(({ userId, removedMethodIds }, event) => ({
    category: 'UserManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: bySelf(event.metadata.actor) ? 'User deleted security info' : 'Admin deleted security info',
    operationType: 'Delete',
    targetResources: [userTarget(userId, [changed('StrongAuthenticationMethod', removedMethodIds, [])])],
    additionalDetails: details({ RequireReregistration: true }),
  })),

  // per-user MFA and app passwords: Entra's "Core Directory" activities
  UserMfaStateChanged: on<UserMfaStateChanged>(({ userId, state }, _event, remembered) => ({
    category: 'UserManagement',
    loggedByService: CORE_DIRECTORY,
    activityDisplayName: state === 'disabled' ? 'Disable Strong Authentication' : 'Enable Strong Authentication',
    operationType: 'Update',
    targetResources: [userTarget(userId, [changed('StrongAuthenticationRequirement', swap(remembered, `mfa-state:${userId}`, state), state)])],
  })),
  AppPasswordCreated: on<AppPasswordCreated>(({ userId, appPasswordId, displayName }) => ({
    category: 'UserManagement',
    loggedByService: CORE_DIRECTORY,
    activityDisplayName: 'Create application password for user',
    operationType: 'Add',
    // the password's hash is a private field: only its id and name
    targetResources: [userTarget(userId)],
    additionalDetails: details({ AppPasswordId: appPasswordId, DisplayName: displayName }),
  })),
  AppPasswordsDeleted: on<AppPasswordsDeleted>(({ userId, appPasswordIds, reason }) => ({
    category: 'UserManagement',
    loggedByService: CORE_DIRECTORY,
    activityDisplayName: 'Delete application password for user',
    operationType: 'Delete',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ AppPasswordIds: appPasswordIds, Reason: reason }),
  })),
  // revoking sign-in sessions moves the user's refresh-token "valid from" time, as Entra records it
  SessionsRevoked: on<SessionsRevoked>(({ userId, reason, at }, _event, remembered) => ({
    category: 'UserManagement',
    loggedByService: CORE_DIRECTORY,
    activityDisplayName: 'Update StsRefreshTokenValidFrom Timestamp',
    operationType: 'Update',
    targetResources: [userTarget(userId, [changed('StsRefreshTokensValidFrom', swap(remembered, `sessions-valid-from:${userId}`, at), at)])],
    additionalDetails: details({ Reason: reason }),
  })),

  // the MFA service's own actions: Entra's "Azure MFA"
  SuspiciousActivityReported: on<SuspiciousActivityReported>(({ userId, clientIp, challengeId, appId, userAgent }, event, remembered) => ({
    category: 'UserManagement',
    loggedByService: AZURE_MFA,
    // the auto-block reaction may already have been applied (a feed that reorders): then this report blocked the user
    activityDisplayName: remembered.get(`blocked-by-report:${event.eventId}`) ? FRAUD_BLOCKED : FRAUD_NO_ACTION,
    operationType: 'Update',
    result: 'success',
    resultReason: 'Successfully reported fraud',
    // whoever relayed it (the app, a push answer, a call), the user reported it
    initiatedBy: { user: { id: userId, displayName: null, userPrincipalName: userId, ipAddress: clientIp }, app: null },
    targetResources: [userTarget(userId)],
    additionalDetails: details({ ChallengeId: challengeId, AppId: appId, UserAgent: userAgent }),
  })),
  // ours: Entra has no MFA unlock or remembered-device activity
  AccountUnlocked: on<AccountUnlocked>(({ userId, reason }) => ({
    category: 'UserManagement',
    loggedByService: AZURE_MFA,
    activityDisplayName: 'Unlock user',
    operationType: 'Update',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Reason: reason }),
  })),
  RememberedDevicesForgotten: on<RememberedDevicesForgotten>(({ userId, reason }) => ({
    category: 'UserManagement',
    loggedByService: AZURE_MFA,
    activityDisplayName: 'Revoke remembered MFA devices',
    operationType: 'Update',
    targetResources: [userTarget(userId)],
    additionalDetails: details({ Reason: reason }),
  })),
  // the MFA blocked-users list: Entra's Policy activities
  UserBlocked: on<UserBlocked>(({ userId, reason, blockedUntil }, event, remembered) => ({
    category: 'Policy',
    loggedByService: AZURE_MFA,
    activityDisplayName: 'Add blocked user',
    operationType: 'Add',
    targetResources: [userTarget(userId, [changed('BlockedUntil', swap(remembered, `blocked-until:${userId}`, blockedUntil), blockedUntil)])],
    additionalDetails: details({ Reason: reason, TriggeredBy: event.metadata.actor.type === 'system' ? event.metadata.causationId : null }),
  })),
  UserUnblocked: on<UserUnblocked>(({ userId, reason }, _event, remembered) => ({
    category: 'Policy',
    loggedByService: AZURE_MFA,
    activityDisplayName: 'Clear block on user',
    operationType: 'Delete',
    targetResources: [userTarget(userId, [changed('BlockedUntil', swap(remembered, `blocked-until:${userId}`, null), null)])],
    additionalDetails: details({ Reason: reason }),
  })),

  // settings: the previous settings event gives the old values
  FraudAlertSettingsChanged: settingsChange('Update fraud alert settings', 'Policy', AZURE_MFA, 'Fraud alert'), // ours
  LockoutSettingsChanged: settingsChange('Update account lockout settings', 'Policy', AZURE_MFA, 'Account lockout'), // ours
  RateLimitSettingsChanged: settingsChange('Update MFA rate limit settings', 'Policy', AZURE_MFA, 'MFA rate limits'), // ours
  MfaTenantSettingsChanged: settingsChange('Authentication Methods Policy Update', 'ApplicationManagement', AUTHENTICATION_METHODS, 'Multifactor authentication service settings'),
  RiskPolicySettingsChanged: settingsChange('Update IdentityProtectionPolicy', 'IdentityProtection', IDENTITY_PROTECTION, 'User risk policy'),
  RiskDetectionSettingsChanged: settingsChange('Update IdentityProtectionPolicy', 'IdentityProtection', IDENTITY_PROTECTION, 'Risk detection settings'),
  NotificationSettingsChanged: settingsChange('Update NotificationSettings', 'IdentityProtection', IDENTITY_PROTECTION, 'Notification settings'),
  PhoneCallSettingsChanged: settingsChange('Update phone call settings', 'Policy', AZURE_MFA, 'Phone call settings'), // ours
  RegistrationPolicyChanged: settingsChange('Authentication Methods Policy Update', 'ApplicationManagement', AUTHENTICATION_METHODS, 'MFA registration policy'),
  // known field by field: the generic copy would redact the setting's name, which contains "password"
  AppPasswordPolicyChanged: on<AppPasswordPolicyChanged>(({ allowUsersToCreateAppPasswords, version }, event, remembered) => ({
    category: 'ApplicationManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'Authentication Methods Policy Update',
    operationType: 'Update',
    targetResources: [
      target('Policy', event.streamId, 'App passwords', [
        changed('allowUsersToCreateAppPasswords', swap(remembered, `settings:${event.streamId}`, allowUsersToCreateAppPasswords), allowUsersToCreateAppPasswords),
      ]),
    ],
    additionalDetails: details({ SettingsVersion: version }),
  })),
  SignInLogFieldsChanged: settingsChange('Update sign-in log fields', 'Policy', AZURE_MFA, 'Two-step verification record fields'), // ours
  // custom voice messages: what was uploaded (never the audio), and on deletion what went
  VoiceGreetingAdded: on<VoiceGreetingAdded>((data, event, remembered) => {
    const { greetingId, at: _at, ...greeting } = data;
    remembered.set(`voice-greeting:${greetingId}`, greeting);
    return {
      category: 'Policy',
      loggedByService: AZURE_MFA,
      activityDisplayName: 'Add custom voice message', // ours
      operationType: 'Add',
      targetResources: [target('Policy', event.streamId, 'Phone call settings', [changed(`CustomVoiceMessage/${greetingId}`, null, greeting)])],
      additionalDetails: details({ GreetingId: greetingId, MessageType: greeting.messageType, Language: greeting.language, DurationMs: greeting.durationMs, Sha256: greeting.sha256 }),
    };
  }),
  VoiceGreetingDeleted: on<VoiceGreetingDeleted>(({ greetingId, messageType, language }, event, remembered) => ({
    category: 'Policy',
    loggedByService: AZURE_MFA,
    activityDisplayName: 'Delete custom voice message', // ours
    operationType: 'Delete',
    targetResources: [
      target('Policy', event.streamId, 'Phone call settings', [changed(`CustomVoiceMessage/${greetingId}`, remembered.get(`voice-greeting:${greetingId}`) ?? { messageType, language }, null)]),
    ],
    additionalDetails: details({ GreetingId: greetingId, MessageType: messageType, Language: language }),
  })),

  // risk triage and remediation, known here only by type string: Entra's Identity Protection activities
  RiskyUserConfirmedCompromised: userAction('ConfirmCompromised', 'Other', IDENTITY_PROTECTION),
  RiskyUserConfirmedSafe: userAction('ConfirmSafe', 'Other', IDENTITY_PROTECTION),
  RiskyUserDismissed: userAction('DismissUser', 'Other', IDENTITY_PROTECTION),
  RiskRemediationRequested: userAction('Remediate user', 'IdentityProtection', IDENTITY_PROTECTION),

  // the hardware token inventory: Entra's "Authentication Methods" ApplicationManagement activities
  OathImportStarted: on<OathImportStarted>(({ importId, format, fileName }) => ({
    category: 'ApplicationManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'Bulk upload Hardware Oath Token',
    operationType: 'Add',
    targetResources: [target('Other', importId, fileName)],
    additionalDetails: details({ Format: format }),
  })),
  OathImportCompleted: on<OathImportCompleted>(({ importId, imported, assigned, rejected }) => ({
    category: 'DeviceManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'Bulk add authentication devices - finished (bulk)',
    operationType: 'Add',
    // the rejected rows' reasons stay with the import job (GET …/imports/{id}/errors.csv)
    targetResources: [target('Other', importId, null)],
    additionalDetails: details({ Imported: imported, Assigned: assigned, Rejected: rejected }),
  })),
  OathImportFailed: on<OathImportFailed>(({ importId, reason }) => ({
    category: 'DeviceManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'Bulk add authentication devices - finished (bulk)',
    operationType: 'Add',
    result: 'failure',
    resultReason: reason,
    targetResources: [target('Other', importId, null)],
  })),
  OathTokenImported: on<OathTokenImported>(({ tokenId, serialNumber, manufacturer, model, oathType, hashFunction, digits, period, importId }, _event, remembered) => {
    remembered.set(`token-serial:${tokenId}`, serialNumber);
    const created = { SerialNumber: serialNumber, Manufacturer: manufacturer, Model: model, OathType: oathType, HashFunction: hashFunction, Digits: digits, TimeIntervalInSeconds: period };
    return {
      category: 'ApplicationManagement',
      loggedByService: AUTHENTICATION_METHODS,
      activityDisplayName: 'Create Hardware Oath Token',
      operationType: 'Add',
      // the secret is a private field of the inventory: never here
      targetResources: [target('Device', tokenId, serialNumber, Object.entries(created).map(([name, value]) => changed(name, null, value)))],
      additionalDetails: details({ ImportId: importId }),
    };
  }),
  OathTokenAssigned: on<OathTokenAssigned>(({ tokenId, userId }, _event, remembered) => ({
    category: 'ApplicationManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'Assign Hardware Oath Token',
    operationType: 'Assign',
    targetResources: [
      target('Device', tokenId, remembered.get<string>(`token-serial:${tokenId}`) ?? null, [changed('AssignedTo', swap(remembered, `token-user:${tokenId}`, userId), userId)]),
      userTarget(userId),
    ],
  })),
  OathTokenUnassigned: on<OathTokenUnassigned>(({ tokenId, userId, reason }, _event, remembered) => ({
    category: 'ApplicationManagement',
    loggedByService: AUTHENTICATION_METHODS,
    activityDisplayName: 'Update Hardware Oath Token',
    operationType: 'Unassign',
    targetResources: [
      target('Device', tokenId, remembered.get<string>(`token-serial:${tokenId}`) ?? null, [changed('AssignedTo', swap(remembered, `token-user:${tokenId}`, null) ?? userId, null)]),
      userTarget(userId),
    ],
    additionalDetails: details({ Reason: reason }),
  })),

  // an operator set aside a stored event the consumers cannot read (npm run events:park): who, which and why
  EventParked: on<EventParked>(({ position, eventId, eventType, streamId, problem, reason, by }) => ({
    category: 'Other',
    loggedByService: CORE_DIRECTORY,
    activityDisplayName: 'Park unreadable event', // ours
    operationType: 'Update',
    targetResources: [target('Other', eventId, `${eventType} at position ${position}`)],
    additionalDetails: details({ Reason: reason, ParkedBy: by, StreamId: streamId, Position: position, Problem: problem }),
  })),

  // a command route refused for want of a valid key or of the role (rate-limited when recorded, see auth.ts)
  AuthorizationDenied: on<AuthorizationDenied>(({ method, route, status, role, reason, suppressedCount }) => ({
    category: 'Authorization',
    loggedByService: CORE_DIRECTORY,
    activityDisplayName: 'Access denied', // ours
    operationType: 'Update',
    result: 'failure',
    resultReason: reason,
    targetResources: [target('Other', `${method} ${route}`, `${method} ${route}`)],
    additionalDetails: details({ Method: method, Route: route, Status: status, Role: role ?? 'none', SuppressedCount: suppressedCount }),
  })),
};

/** Registered event types that are deliberately not audit rows, and why. */
export const notAudited: Record<string, string> = {
  MfaChallengeIssued: 'a step of a sign-in: /auditLogs/signIns',
  MfaApproved: 'a sign-in: /auditLogs/signIns',
  MfaDenied: 'a sign-in: /auditLogs/signIns',
  MfaBypassed: 'a sign-in: /auditLogs/signIns',
  MfaThrottled: 'a sign-in refused by a rate limit: /auditLogs/signIns',
  RegistrationRequiredAtSignIn: 'a sign-in interrupted for MFA registration: /auditLogs/signIns',
  DeviceRemembered: 'part of an approved sign-in (the user asked to be remembered): /auditLogs/signIns',
  AccountLockedOut: 'decided by the denied sign-in that reached the threshold: the sign-in logs and /v1/lockouts show it',
  HardwareTokenAssigned: "the user's half of an assignment, audited once from the inventory as OathTokenAssigned",
  AdminNotificationSent: "the outcome of an alert to admins, kept as evidence in its own stream (admin_notifications-*), not an admin action",
  AdminNotificationFailed: "the outcome of an alert to admins, kept as evidence in its own stream (admin_notifications-*), not an admin action",
  RiskDetected: 'a detection, not an action: /identityProtection/riskDetections (what it causes, a remediation, is audited)',
};

type AuditRow = {
  id: string; activity_date_time: string; activity_display_name: string; category: string; correlation_id: string; logged_by_service: string;
  operation_type: DirectoryAudit['operationType']; result: DirectoryAudit['result']; result_reason: string | null; initiated_by: string;
  target_resources: string; additional_details: string; position: number;
};

function rememberedIn(db: Database.Database): Remembered {
  return {
    get: <T>(key: string) => {
      const row = prepared<[string], { value: string }>(db, 'SELECT value FROM directory_audit_memory WHERE key = ?').get(key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    set: (key, value) => {
      prepared(db, 'INSERT INTO directory_audit_memory (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value ?? null));
    },
  };
}

/**
 * Every admin command, settings change, method registration and fraud report as Graph's directoryAudit, one row
 * per event (its id is the event's id). A fraud report reads "no action taken" until the block it caused arrives.
 */
export const directoryAuditsProjection: Projection = {
  name: 'directory_audits',
  version: 1,
  eventTypes: Object.keys(mappings),
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS directory_audits (
        id TEXT PRIMARY KEY, activity_date_time TEXT NOT NULL, activity_display_name TEXT NOT NULL, category TEXT NOT NULL,
        correlation_id TEXT NOT NULL, logged_by_service TEXT NOT NULL, operation_type TEXT NOT NULL, result TEXT NOT NULL, result_reason TEXT,
        initiated_by TEXT NOT NULL, target_resources TEXT NOT NULL, additional_details TEXT NOT NULL, position INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS directory_audits_by_time ON directory_audits (activity_date_time DESC, id DESC);
      CREATE INDEX IF NOT EXISTS directory_audits_by_activity ON directory_audits (activity_display_name, activity_date_time DESC);
      CREATE INDEX IF NOT EXISTS directory_audits_by_category ON directory_audits (category, activity_date_time DESC);
      CREATE INDEX IF NOT EXISTS directory_audits_by_correlation ON directory_audits (correlation_id);
      CREATE TABLE IF NOT EXISTS directory_audit_memory (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`);
  },
  reset(db) {
    db.exec('DELETE FROM directory_audits; DELETE FROM directory_audit_memory;');
  },
  apply(db, event) {
    const map = mappings[event.type];
    if (!map) return;
    const remembered = rememberedIn(db);
    const entry = map(event, remembered);
    const subject = typeof event.data.userId === 'string' ? event.data.userId : null;
    const ipAddress = typeof event.data.clientIp === 'string' ? event.data.clientIp : null;
    prepared(db, 'INSERT OR IGNORE INTO directory_audits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      event.eventId,
      new Date(event.metadata.occurredAt).toISOString(),
      entry.activityDisplayName,
      entry.category,
      event.metadata.correlationId,
      entry.loggedByService,
      entry.operationType,
      entry.result ?? 'success',
      entry.resultReason ?? null,
      JSON.stringify(entry.initiatedBy ?? initiatorOf(event.metadata.actor, subject, ipAddress)),
      JSON.stringify(entry.targetResources),
      JSON.stringify(entry.additionalDetails ?? []),
      event.position,
    );
    const report = event.metadata.causationId;
    if (event.type === 'UserBlocked' && report && event.metadata.actor.type === 'system') {
      // the auto-block reaction names the report it answers as its cause: that report did block the user
      const upgraded = prepared(db, 'UPDATE directory_audits SET activity_display_name = ? WHERE id = ? AND activity_display_name = ?').run(FRAUD_BLOCKED, report, FRAUD_NO_ACTION);
      if (!upgraded.changes) remembered.set(`blocked-by-report:${report}`, event.eventId);
    }
  },
};

export function toGraphDirectoryAudit(row: AuditRow): DirectoryAudit {
  return {
    id: row.id,
    category: row.category,
    correlationId: row.correlation_id,
    result: row.result,
    resultReason: row.result_reason,
    activityDisplayName: row.activity_display_name,
    activityDateTime: row.activity_date_time,
    loggedByService: row.logged_by_service,
    operationType: row.operation_type,
    initiatedBy: JSON.parse(row.initiated_by),
    targetResources: JSON.parse(row.target_resources),
    additionalDetails: JSON.parse(row.additional_details),
  };
}

const COLUMNS = 'id, activity_date_time, activity_display_name, category, correlation_id, logged_by_service, operation_type, result, result_reason, initiated_by, target_resources, additional_details, position';

const operationResult = graphEnum('operationResult');
const initiator = (path: string) => scalar(`json_extract(initiated_by, '${path}')`, STRING, ['eq']);
/** What Graph lets a client filter directoryAudits on (directoryAudit's documented $filter support), and where each is in our rows. */
export const directoryAuditsResource: GraphResource = {
  entitySet: 'auditLogs/directoryAudits',
  from: 'directory_audits',
  columns: COLUMNS,
  key: 'id',
  filterable: {
    id: scalar('id', STRING, ['eq', 'in']),
    activityDateTime: scalar('activity_date_time', DATETIME),
    activityDisplayName: scalar('activity_display_name', STRING, ['eq', 'ne', 'in', 'startswith']),
    category: scalar('category', STRING, ['eq', 'ne', 'in']),
    correlationId: scalar('correlation_id', STRING, ['eq', 'in']),
    loggedByService: scalar('logged_by_service', STRING, ['eq', 'ne', 'in']),
    operationType: scalar('operation_type', STRING, ['eq', 'ne', 'in']),
    result: scalar('result', operationResult),
    'initiatedBy/user/id': initiator('$.user.id'),
    'initiatedBy/user/displayName': initiator('$.user.displayName'),
    'initiatedBy/user/userPrincipalName': scalar("json_extract(initiated_by, '$.user.userPrincipalName')", STRING, ['eq', 'startswith']),
    'initiatedBy/user/ipAddress': scalar("json_extract(initiated_by, '$.user.ipAddress')", STRING, ['eq', 'startswith']),
    'initiatedBy/app/appId': initiator('$.app.appId'),
    'initiatedBy/app/displayName': initiator('$.app.displayName'),
    'initiatedBy/app/servicePrincipalId': initiator('$.app.servicePrincipalId'),
    targetResources: {
      kind: 'collection',
      sql: 'target_resources',
      element: {
        properties: {
          id: { json: '$.id', type: STRING, operators: ['eq', 'in'] },
          displayName: { json: '$.displayName', type: STRING, operators: ['eq', 'startswith'] },
          type: { json: '$.type', type: STRING, operators: ['eq'] },
          userPrincipalName: { json: '$.userPrincipalName', type: STRING, operators: ['eq', 'startswith'] },
        },
      },
    },
  },
  selectable: ['id', 'category', 'correlationId', 'result', 'resultReason', 'activityDisplayName', 'activityDateTime', 'loggedByService', 'operationType', 'initiatedBy', 'targetResources', 'additionalDetails'],
  sortable: { activityDateTime: { sql: 'activity_date_time', type: 'datetime' } },
  defaultOrder: { property: 'activityDateTime', key: { sql: 'activity_date_time', type: 'datetime' }, direction: 'desc' },
  top: { default: 1000, max: 1000 },
  countable: true,
  skip: true,
};

export type { AuditRow };

/** A page, newest first, by keyset on (activityDateTime, id), without OData options (what the projection's own tests read). */
export function directoryAuditsPage(db: Database.Database, limit: number, after: { at: string; id: string } | null): DirectoryAudit[] {
  const rows = after
    ? prepared<[string, string, number], AuditRow>(db, `SELECT ${COLUMNS} FROM directory_audits WHERE (activity_date_time, id) < (?, ?) ORDER BY activity_date_time DESC, id DESC LIMIT ?`).all(after.at, after.id, limit)
    : prepared<[number], AuditRow>(db, `SELECT ${COLUMNS} FROM directory_audits ORDER BY activity_date_time DESC, id DESC LIMIT ?`).all(limit);
  return rows.map(toGraphDirectoryAudit);
}

export function directoryAudit(db: Database.Database, id: string): DirectoryAudit | null {
  const row = prepared<[string], AuditRow>(db, `SELECT ${COLUMNS} FROM directory_audits WHERE id = ?`).get(id);
  return row ? toGraphDirectoryAudit(row) : null;
}
