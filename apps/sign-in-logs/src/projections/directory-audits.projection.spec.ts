import { Actor, eventRegistry, RecordedEvent } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { directoryAudit, directoryAuditsPage, directoryAuditsProjection, FRAUD_BLOCKED, FRAUD_NO_ACTION, mappings, notAudited } from './directory-audits.projection';

const admin: Actor = { type: 'admin', id: 'key:admin' };
const app: Actor = { type: 'app', id: 'key:app' };
const system = (service: string): Actor => ({ type: 'system', id: service });
const sealed = { keyId: 'k1', iv: 'iv-SEALED', tag: 'tag-SEALED', ciphertext: 'CIPHERTEXT-SEALED' };

let clock = Date.parse('2026-03-01T10:00:00.000Z');
let position = 0;

type Options = { actor?: Actor; causationId?: string | null; streamId?: string; eventId?: string };

/** A committed event, one second after the previous one. */
function event(type: string, data: Record<string, unknown>, { actor = admin, causationId = null, streamId = 'stream-1', eventId = randomUUID() }: Options = {}): RecordedEvent {
  clock += 1000;
  const at = new Date(clock).toISOString();
  return {
    eventId,
    type,
    data: { ...data, at: data.at === undefined ? at : data.at },
    metadata: { correlationId: `corr-${type}`, causationId, actor, occurredAt: at, schemaVersion: 1 },
    streamId,
    revision: 0,
    position: ++position,
  };
}

describe('the directory audits projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, directoryAuditsProjection);
  });

  afterEach(() => db.close());

  /** Given these events (applied in batches as given), the rows newest first. */
  const given = (...batches: RecordedEvent[][]) => {
    for (const batch of batches) runner.applyBatch(batch);
    return directoryAuditsPage(db, 1000, null);
  };
  const only = (...batches: RecordedEvent[][]) => {
    const rows = given(...batches);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };

  it('audits every registered event type, or says why not', () => {
    const unaccounted = eventRegistry.types().filter((type) => !(type in mappings) && !(type in notAudited));
    expect(unaccounted).toEqual([]);
    expect(Object.keys(notAudited).filter((type) => type in mappings)).toEqual([]);
    expect(directoryAuditsProjection.eventTypes).toEqual(expect.arrayContaining(['RiskyUserConfirmedCompromised', 'RiskyUserConfirmedSafe', 'RiskyUserDismissed', 'RiskRemediationRequested']));
  });

  describe('security info', () => {
    it('a user registering an authenticator app through the relying party: started, then registered, initiated by the user', () => {
      const added = event('AuthenticatorAppAdded', { userId: 'alice', methodId: 'm-1', secret: sealed, algorithm: 'SHA1', digits: 6, period: 30, displayName: 'Pixel', pushEnabled: true }, { actor: app });
      const registered = event('MethodRegistered', { userId: 'alice', methodId: 'm-1', methodType: 'softwareOath', displayName: 'Pixel', timeStep: 123 }, { actor: app });
      const rows = given([added, registered]);
      expect(rows).toEqual([
        {
          id: registered.eventId,
          category: 'UserManagement',
          correlationId: 'corr-MethodRegistered',
          result: 'success',
          resultReason: null,
          activityDisplayName: 'User registered security info',
          activityDateTime: registered.metadata.occurredAt,
          loggedByService: 'Authentication Methods',
          operationType: 'Add',
          initiatedBy: { user: { id: 'alice', displayName: null, userPrincipalName: 'alice', ipAddress: null }, app: null },
          targetResources: [{ id: 'alice', displayName: null, type: 'User', userPrincipalName: 'alice', groupType: null, modifiedProperties: [] }],
          additionalDetails: [
            { key: 'Method', value: 'Authenticator app' },
            { key: 'MethodId', value: 'm-1' },
            { key: 'DisplayName', value: 'Pixel' },
          ],
        },
        expect.objectContaining({ id: added.eventId, activityDisplayName: 'User started security info registration', operationType: 'Add' }),
      ]);
      expect(JSON.stringify(rows)).not.toContain('SEALED');
    });

    it('an admin registering a phone: "Admin registered security info" by the admin key, without the number', () => {
      const row = only([event('MethodRegistered', { userId: 'bob', methodId: 'p-1', methodType: 'phone', displayName: null, timeStep: null, phoneNumber: '+12065550142', phoneType: 'mobile' })]);
      expect(row).toMatchObject({
        activityDisplayName: 'Admin registered security info',
        initiatedBy: { user: null, app: { appId: null, displayName: 'Bulwark admin API key', servicePrincipalId: 'key:admin', servicePrincipalName: null } },
        additionalDetails: [
          { key: 'Method', value: 'Phone' },
          { key: 'MethodId', value: 'p-1' },
          { key: 'PhoneType', value: 'mobile' },
        ],
      });
      expect(JSON.stringify(row)).not.toContain('5550142');
    });

    it('removals by the user and by an admin, and re-registration required by an admin', () => {
      const rows = given([
        event('MethodRemoved', { userId: 'carol', methodId: 'm-1', methodType: 'softwareOath', reason: null }, { actor: app }),
        event('MethodRemoved', { userId: 'carol', methodId: 'm-2', methodType: 'hardwareOath', reason: 'token lost' }),
        event('MfaReregistrationRequired', { userId: 'carol', removedMethodIds: ['m-3', 'p-1'] }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.operationType])).toEqual([
        ['Admin deleted security info', 'Delete'],
        ['Admin deleted security info', 'Delete'],
        ['User deleted security info', 'Delete'],
      ]);
      expect(rows[1]!.additionalDetails).toContainEqual({ key: 'Reason', value: 'token lost' });
      expect(rows[0]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'StrongAuthenticationMethod', oldValue: '["m-3","p-1"]', newValue: '[]' }]);
    });

    it('a changed default method shows the previous default as the old value', () => {
      const rows = given([
        event('DefaultMethodChanged', { userId: 'dave', methodId: 'm-1' }, { actor: app }),
        event('DefaultMethodChanged', { userId: 'dave', methodId: 'p-1' }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.targetResources[0]!.modifiedProperties])).toEqual([
        ['Admin updated security info', [{ displayName: 'DefaultMethod', oldValue: '"m-1"', newValue: '"p-1"' }]],
        ['User changed default security info', [{ displayName: 'DefaultMethod', oldValue: null, newValue: '"m-1"' }]],
      ]);
    });

    it('app passwords: created and deleted, never their hash', () => {
      const hash = { algorithm: 'scrypt', N: 16384, r: 8, p: 1, salt: 'SALT-VALUE', hash: 'HASH-VALUE' };
      const rows = given([
        event('AppPasswordCreated', { userId: 'erin', appPasswordId: 'ap-1', displayName: 'Outlook', hash }, { actor: app }),
        event('AppPasswordsDeleted', { userId: 'erin', appPasswordIds: ['ap-1'], reason: 'device lost' }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.loggedByService, row.operationType])).toEqual([
        ['Delete application password for user', 'Core Directory', 'Delete'],
        ['Create application password for user', 'Core Directory', 'Add'],
      ]);
      expect(JSON.stringify(rows)).not.toMatch(/SALT-VALUE|HASH-VALUE/);
    });

    it('per-user MFA state: enable then disable, each with the state before', () => {
      const rows = given([event('UserMfaStateChanged', { userId: 'fay', state: 'enforced' }), event('UserMfaStateChanged', { userId: 'fay', state: 'disabled' })]);
      expect(rows.map((row) => [row.activityDisplayName, row.targetResources[0]!.modifiedProperties[0]])).toEqual([
        ['Disable Strong Authentication', { displayName: 'StrongAuthenticationRequirement', oldValue: '"enforced"', newValue: '"disabled"' }],
        ['Enable Strong Authentication', { displayName: 'StrongAuthenticationRequirement', oldValue: null, newValue: '"enforced"' }],
      ]);
    });
  });

  describe('fraud reports', () => {
    const report = () =>
      event('SuspiciousActivityReported', { userId: 'gus', challengeId: 'c-1', methodId: 'm-1', clientIp: '203.0.113.9', userAgent: 'Mozilla/5.0', appId: 'portal' }, { actor: app });
    const autoBlock = (cause: string) =>
      event('UserBlocked', { userId: 'gus', reason: FRAUD_BLOCKED, blockedUntil: '2026-05-30T10:00:00.000Z' }, { actor: system('identity-protection'), causationId: cause });

    it('with no block following: "no action taken", initiated by the user from the sign-in address', () => {
      expect(only([report()])).toMatchObject({
        category: 'UserManagement',
        loggedByService: 'Azure MFA',
        activityDisplayName: FRAUD_NO_ACTION,
        result: 'success',
        resultReason: 'Successfully reported fraud',
        initiatedBy: { user: { id: 'gus', userPrincipalName: 'gus', ipAddress: '203.0.113.9' }, app: null },
        targetResources: [{ id: 'gus', type: 'User' }],
      });
    });

    it('with the auto-block it caused: the report reads "user is blocked for MFA", and the block has its own row by the system', () => {
      const reported = report();
      const blocked = autoBlock(reported.eventId);
      const rows = given([reported], [blocked]);
      expect(rows.map((row) => [row.id, row.activityDisplayName])).toEqual([
        [blocked.eventId, 'Add blocked user'],
        [reported.eventId, FRAUD_BLOCKED],
      ]);
      expect(rows[0]).toMatchObject({
        category: 'Policy',
        operationType: 'Add',
        initiatedBy: { user: null, app: { displayName: 'identity-protection', servicePrincipalId: 'identity-protection' } },
        additionalDetails: [
          { key: 'Reason', value: FRAUD_BLOCKED },
          { key: 'TriggeredBy', value: reported.eventId },
        ],
      });
    });

    it('also when the block is applied before the report (a feed that reorders)', () => {
      const reported = report();
      const blocked = autoBlock(reported.eventId);
      given([blocked], [reported]);
      expect(directoryAudit(db, reported.eventId)?.activityDisplayName).toBe(FRAUD_BLOCKED);
    });

    it("an admin's block in the same request does not upgrade a report", () => {
      const reported = report();
      const adminBlock = event('UserBlocked', { userId: 'gus', reason: 'looks odd', blockedUntil: '2026-05-30T10:00:00.000Z' }, { causationId: reported.eventId });
      given([reported, adminBlock]);
      expect(directoryAudit(db, reported.eventId)?.activityDisplayName).toBe(FRAUD_NO_ACTION);
    });
  });

  describe('blocks, unlocks and sessions', () => {
    it('block then unblock: the blocked-until date before and after', () => {
      const rows = given([
        event('UserBlocked', { userId: 'hal', reason: 'suspected takeover', blockedUntil: '2026-05-30T10:00:00.000Z' }),
        event('UserUnblocked', { userId: 'hal', reason: 'verified by phone' }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.operationType, row.targetResources[0]!.modifiedProperties])).toEqual([
        ['Clear block on user', 'Delete', [{ displayName: 'BlockedUntil', oldValue: '"2026-05-30T10:00:00.000Z"', newValue: null }]],
        ['Add blocked user', 'Add', [{ displayName: 'BlockedUntil', oldValue: null, newValue: '"2026-05-30T10:00:00.000Z"' }]],
      ]);
      expect(rows[1]!.additionalDetails).toEqual([{ key: 'Reason', value: 'suspected takeover' }]);
    });

    it("an unlock, and a block's reactions (sessions revoked, remembered devices forgotten) by the services that ran them", () => {
      const rows = given([
        event('AccountUnlocked', { userId: 'ida', reason: 'called the help desk' }),
        event('SessionsRevoked', { userId: 'ida', reason: 'user blocked: x', at: '2026-03-01T12:00:00.000Z' }, { actor: system('sessions') }),
        event('RememberedDevicesForgotten', { userId: 'ida', reason: 'user blocked: x' }, { actor: system('mfa') }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.initiatedBy.app?.displayName ?? null])).toEqual([
        ['Revoke remembered MFA devices', 'mfa'],
        ['Update StsRefreshTokenValidFrom Timestamp', 'sessions'],
        ['Unlock user', 'Bulwark admin API key'],
      ]);
      expect(rows[1]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'StsRefreshTokensValidFrom', oldValue: null, newValue: '"2026-03-01T12:00:00.000Z"' }]);
    });
  });

  describe('settings', () => {
    const fraud = (settings: Record<string, unknown>, version: number) =>
      event('FraudAlertSettingsChanged', { reportSuspiciousActivity: 'enabled', voiceReportingCode: '0', autoBlockOnFraud: false, ...settings, version }, { streamId: 'protection_settings-fraud' });

    it("the first change has no old values; the next one lists only what changed, with the previous event's values", () => {
      const rows = given([fraud({}, 1)], [fraud({ autoBlockOnFraud: true, voiceReportingCode: '5' }, 2)]);
      expect(rows[1]).toMatchObject({
        activityDisplayName: 'Update fraud alert settings',
        category: 'Policy',
        operationType: 'Update',
        targetResources: [
          {
            id: 'protection_settings-fraud',
            displayName: 'Fraud alert',
            type: 'Policy',
            modifiedProperties: [
              { displayName: 'reportSuspiciousActivity', oldValue: null, newValue: '"enabled"' },
              { displayName: 'voiceReportingCode', oldValue: null, newValue: '"0"' },
              { displayName: 'autoBlockOnFraud', oldValue: null, newValue: 'false' },
            ],
          },
        ],
        additionalDetails: [{ key: 'SettingsVersion', value: '1' }],
      });
      expect(rows[0]!.targetResources[0]!.modifiedProperties).toEqual([
        { displayName: 'voiceReportingCode', oldValue: '"0"', newValue: '"5"' },
        { displayName: 'autoBlockOnFraud', oldValue: 'false', newValue: 'true' },
      ]);
    });

    it('each settings stream remembers its own previous settings', () => {
      const lockout = () => event('LockoutSettingsChanged', { denialsBeforeLockout: 5, counterResetMinutes: 10, autoUnlockMinutes: 15, version: 1 }, { streamId: 'mfa_settings-lockout' });
      const tenant = (rememberDeviceDays: number | null, version: number) =>
        event('MfaTenantSettingsChanged', { enabledMethods: ['appCode'], trustedIpRanges: [], rememberDeviceDays, version }, { streamId: 'mfa_settings-tenant' });
      const rows = given([tenant(null, 1), lockout(), tenant(14, 2)]);
      expect(rows.map((row) => [row.activityDisplayName, row.loggedByService, row.targetResources[0]!.modifiedProperties.length])).toEqual([
        ['Authentication Methods Policy Update', 'Authentication Methods', 1],
        ['Update account lockout settings', 'Azure MFA', 3],
        ['Authentication Methods Policy Update', 'Authentication Methods', 3],
      ]);
      expect(rows[0]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'rememberDeviceDays', oldValue: null, newValue: '14' }]);
    });

    it('custom voice messages: what was uploaded, never the audio, and on deletion what went', () => {
      const greeting = { messageType: 'greeting', language: 'en-US', contentType: 'audio/wav', sha256: 'ab'.repeat(32), sizeBytes: 48_044, durationMs: 3000, fileName: 'hello.wav' };
      const stream = { streamId: 'mfa_settings-phone_call' };
      const rows = given([event('VoiceGreetingAdded', { greetingId: 'g-1', ...greeting }, stream), event('VoiceGreetingDeleted', { greetingId: 'g-1', messageType: 'greeting', language: 'en-US' }, stream)]);
      expect(rows.map((row) => [row.activityDisplayName, row.operationType, row.loggedByService])).toEqual([
        ['Delete custom voice message', 'Delete', 'Azure MFA'],
        ['Add custom voice message', 'Add', 'Azure MFA'],
      ]);
      expect(rows[1]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'CustomVoiceMessage/g-1', oldValue: null, newValue: JSON.stringify(greeting) }]);
      expect(rows[0]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'CustomVoiceMessage/g-1', oldValue: JSON.stringify(greeting), newValue: null }]);
    });

    it('the caller ID, the registration and app-password policies and the recorded fields, each with its previous values', () => {
      const rows = given([
        event('PhoneCallSettingsChanged', { callerId: '+14255550100', version: 1 }, { streamId: 'mfa_settings-phone_call' }),
        event('PhoneCallSettingsChanged', { callerId: '+14255550199', version: 2 }, { streamId: 'mfa_settings-phone_call' }),
        event('RegistrationPolicyChanged', { requiredFor: 'selected', userIds: ['alice'], groupIds: [], postponeDays: 7, version: 1 }, { streamId: 'mfa_settings-registration' }),
        event('AppPasswordPolicyChanged', { allowUsersToCreateAppPasswords: true, version: 1 }, { streamId: 'mfa_settings-app_passwords' }),
        event('SignInLogFieldsChanged', { firstName: true, lastName: false, email: true, version: 1 }, { streamId: 'mfa_settings-sign_in_log_fields' }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.targetResources[0]!.displayName])).toEqual([
        ['Update sign-in log fields', 'Two-step verification record fields'],
        ['Authentication Methods Policy Update', 'App passwords'],
        ['Authentication Methods Policy Update', 'MFA registration policy'],
        ['Update phone call settings', 'Phone call settings'],
        ['Update phone call settings', 'Phone call settings'],
      ]);
      expect(rows[3]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'callerId', oldValue: '"+14255550100"', newValue: '"+14255550199"' }]);
      expect(rows[1]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'allowUsersToCreateAppPasswords', oldValue: null, newValue: 'true' }]);
    });

    it('notification settings (a type added elsewhere) keep neither webhook secrets nor credentials in URLs', () => {
      const row = only([
        event(
          'NotificationSettingsChanged',
          { emails: ['soc@contoso.com'], webhooks: [{ url: 'https://hook-user:hook-pass@hooks.contoso.com/in?token=abc&team=soc', secret: 'WEBHOOK-SECRET' }], version: 1 },
          { streamId: 'protection_settings-notifications' },
        ),
      ]);
      expect(row).toMatchObject({ activityDisplayName: 'Update NotificationSettings', category: 'IdentityProtection', loggedByService: 'Identity Protection' });
      const webhooks = row.targetResources[0]!.modifiedProperties.find((property) => property.displayName === 'webhooks')!;
      expect(JSON.parse(webhooks.newValue!)).toEqual([{ url: 'https://[redacted]@hooks.contoso.com/in?token=[redacted]&team=[redacted]', secret: '[redacted]' }]);
      expect(JSON.stringify(row)).not.toMatch(/WEBHOOK-SECRET|hook-pass|abc/);
    });
  });

  describe('risk triage and remediation (types added elsewhere, mapped by name)', () => {
    it('confirm compromised, confirm safe and dismiss by an analyst; remediation by the system', () => {
      const analyst: Actor = { type: 'analyst', id: 'key:analyst' };
      const rows = given([
        event('RiskyUserConfirmedCompromised', { userId: 'jo' }, { actor: analyst }),
        event('RiskyUserConfirmedSafe', { userId: 'jo' }, { actor: analyst }),
        event('RiskyUserDismissed', { userId: 'jo', riskDetail: 'adminDismissedAllRiskForUser' }, { actor: analyst }),
        event('RiskRemediationRequested', { userId: 'jo', actions: ['block', 'revokeSessions'], reportOnly: false }, { actor: system('identity-protection') }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.category, row.loggedByService, row.initiatedBy.app?.displayName])).toEqual([
        ['Remediate user', 'IdentityProtection', 'Identity Protection', 'identity-protection'],
        ['DismissUser', 'Other', 'Identity Protection', 'Bulwark analyst API key'],
        ['ConfirmSafe', 'Other', 'Identity Protection', 'Bulwark analyst API key'],
        ['ConfirmCompromised', 'Other', 'Identity Protection', 'Bulwark analyst API key'],
      ]);
      expect(rows.every((row) => row.targetResources[0]?.id === 'jo')).toBe(true);
      expect(rows[0]!.additionalDetails).toEqual([
        { key: 'actions', value: '["block","revokeSessions"]' },
        { key: 'reportOnly', value: 'false' },
      ]);
      expect(rows[1]!.additionalDetails).toEqual([{ key: 'riskDetail', value: 'adminDismissedAllRiskForUser' }]);
    });
  });

  describe('hardware tokens', () => {
    it('an import job, each token created without its secret, assigned to a user (named by its serial), then handed back', () => {
      const tokenId = '0f0e0d0c-0b0a-5908-8706-050403020100';
      const importId = randomUUID();
      const rows = given([
        event('OathImportStarted', { importId, format: 'csv', fileName: 'tokens.csv' }, { streamId: `oath_import-${importId}` }),
        event(
          'OathTokenImported',
          { tokenId, serialNumber: 'HW-0001', manufacturer: 'Contoso', model: 'T1', secret: sealed, oathType: 'totp', hashFunction: 'hmacsha1', digits: 6, period: 30, counter: null, importId },
          { streamId: `oath_token-${tokenId}` },
        ),
        event('OathTokenAssigned', { tokenId, userId: 'kim' }, { streamId: `oath_token-${tokenId}` }),
        event('OathTokenUnassigned', { tokenId, userId: 'kim', reason: 'the user could not take it' }, { streamId: `oath_token-${tokenId}` }),
        event('OathImportCompleted', { importId, imported: 1, assigned: 1, rejected: 2, errors: [{ row: 3, serialNumber: 'HW-0002', reason: 'bad secret' }] }, { streamId: `oath_import-${importId}` }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.operationType])).toEqual([
        ['Bulk add authentication devices - finished (bulk)', 'Add'],
        ['Update Hardware Oath Token', 'Unassign'],
        ['Assign Hardware Oath Token', 'Assign'],
        ['Create Hardware Oath Token', 'Add'],
        ['Bulk upload Hardware Oath Token', 'Add'],
      ]);
      expect(rows[3]!.targetResources[0]).toMatchObject({ id: tokenId, displayName: 'HW-0001', type: 'Device' });
      expect(rows[3]!.targetResources[0]!.modifiedProperties).toContainEqual({ displayName: 'SerialNumber', oldValue: null, newValue: '"HW-0001"' });
      expect(rows[2]!.targetResources).toEqual([
        { id: tokenId, displayName: 'HW-0001', type: 'Device', userPrincipalName: null, groupType: null, modifiedProperties: [{ displayName: 'AssignedTo', oldValue: null, newValue: '"kim"' }] },
        { id: 'kim', displayName: null, type: 'User', userPrincipalName: 'kim', groupType: null, modifiedProperties: [] },
      ]);
      expect(rows[1]!.targetResources[0]!.modifiedProperties).toEqual([{ displayName: 'AssignedTo', oldValue: '"kim"', newValue: null }]);
      expect(rows[0]!.additionalDetails).toEqual([
        { key: 'Imported', value: '1' },
        { key: 'Assigned', value: '1' },
        { key: 'Rejected', value: '2' },
      ]);
      expect(JSON.stringify(rows)).not.toMatch(/SEALED|bad secret/);
    });

    it('a failed activation is a failed "registered security info"; a failed import is a failed bulk upload', () => {
      const rows = given([
        event('HardwareTokenActivationFailed', { userId: 'lee', methodId: 't-1' }, { actor: app }),
        event('OathImportFailed', { importId: 'i-1', reason: 'the store refused a row' }),
      ]);
      expect(rows.map((row) => [row.activityDisplayName, row.result, row.resultReason])).toEqual([
        ['Bulk add authentication devices - finished (bulk)', 'failure', 'the store refused a row'],
        ['User registered security info', 'failure', 'The verification code did not match the hardware token'],
      ]);
    });
  });

  describe('as a read model', () => {
    it('applies an event once, and a rebuild gives the same rows', () => {
      const events = [event('UserBlocked', { userId: 'max', reason: 'r', blockedUntil: '2026-05-30T10:00:00.000Z' }), event('UserUnblocked', { userId: 'max', reason: 'r' })];
      const before = given(events, events);
      expect(before).toHaveLength(2);
      runner.reset();
      expect(given(events)).toEqual(before);
    });

    it('pages newest first by (activityDateTime, id); rows that arrive meanwhile do not shift the pages', () => {
      const older = Array.from({ length: 5 }, (_, i) => event('AccountUnlocked', { userId: `u${i}`, reason: 'r' }));
      given(older);
      const first = directoryAuditsPage(db, 2, null);
      expect(first.map((row) => row.targetResources[0]!.id)).toEqual(['u4', 'u3']);
      given([event('AccountUnlocked', { userId: 'newcomer', reason: 'r' })]);
      const last = first[first.length - 1]!;
      const second = directoryAuditsPage(db, 2, { at: last.activityDateTime, id: last.id });
      const third = directoryAuditsPage(db, 2, { at: second[1]!.activityDateTime, id: second[1]!.id });
      expect([...second, ...third].map((row) => row.targetResources[0]!.id)).toEqual(['u2', 'u1', 'u0']);
    });
  });
});
