import { streams } from '@bulwark/contracts';
import { UserRiskStreams } from '../apps/identity-protection/src/user-risk/user-risk.streams';
import { ChallengeExpiry } from '../apps/mfa/src/user-mfa/expire-challenges/challenge-expiry.service';
import { Embedded, enrol, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';
import { eventually, smtpReceiver } from './support/notification-receivers';

const RISKY_USERS = '/v1.0/identityProtection/riskyUsers';

const expectError = (reply: { status: number; body: any }, status: number, message: RegExp) => {
  expect(reply.status).toBe(status);
  expect(reply.body.error.message).toMatch(message);
};

async function expectNothingAppended(bulwark: Embedded, action: () => Promise<unknown>) {
  await bulwark.consumers.catchUp();
  const before = await bulwark.store.headPosition();
  await action();
  await bulwark.consumers.catchUp();
  // a refused command route is recorded (AuthorizationDenied, issue 13 §6); nothing else may be appended
  const appended = await bulwark.store.readAll({ after: before, maxCount: 10_000 });
  expect(appended.filter((event) => event.type !== 'AuthorizationDenied').map((event) => `${event.type} in ${event.streamId}`)).toEqual([]);
}

async function challenge(bulwark: Embedded, userId: string, extra: Record<string, unknown> = {}) {
  const reply = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.9', ...extra });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; status: string; reason?: string; numberToShow?: string };
}

/** A user reports an MFA request they did not start: a userReportedSuspiciousActivity detection. */
async function reportFraud(bulwark: Embedded, userId: string) {
  const pending = await challenge(bulwark, userId);
  expect((await bulwark.as('app').post(`/v1/mfa/challenges/${pending.id}/reportSuspiciousActivity`)).status).toBe(200);
  await bulwark.consumers.catchUp();
}

async function enrolPush(bulwark: Embedded, userId: string) {
  const registered = await bulwark.as('app').post(`/v1/users/${userId}/authentication/authenticatorApps`, { pushEnabled: true });
  expect(registered.status).toBe(201);
  const code = totpAt(registered.body.secret, bulwark.clock);
  expect((await bulwark.as('app').post(`/v1/users/${userId}/authentication/authenticatorApps/${registered.body.id}/activate`, { code })).status).toBe(200);
  bulwark.clock.advance({ seconds: 30 });
}

async function signInWithPush(bulwark: Embedded, userId: string): Promise<string> {
  const push = await challenge(bulwark, userId, { channel: 'appNotification' });
  expect(push.status).toBe('pending');
  const answer = await bulwark.as('app').post(`/v1/mfa/challenges/${push.id}/pushResponse`, { response: 'approve', number: push.numberToShow });
  expect(answer.body).toMatchObject({ status: 'approved', sessionId: expect.any(String) });
  return answer.body.sessionId;
}

const riskEvents = async (bulwark: Embedded, userId: string) => bulwark.store.readStream(streams.userRisk(userId));

describe('user risk over HTTP', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const analyst = () => bulwark.as('analyst');
  const admin = () => bulwark.as('admin');

  describe('a fraud report', () => {
    it('becomes a high, offline, endUserReported detection in the user risk stream, derived from the report', async () => {
      await enrol(bulwark, 'reporter');
      await reportFraud(bulwark, 'reporter');
      const report = (await bulwark.store.readStream(streams.userMfa('reporter'))).find((event) => event.type === 'SuspiciousActivityReported')!;
      const [detected] = await riskEvents(bulwark, 'reporter');
      expect(detected).toMatchObject({
        type: 'RiskDetected',
        data: {
          userId: 'reporter',
          riskEventType: 'userReportedSuspiciousActivity',
          riskLevel: 'high',
          detectionTimingType: 'offline',
          source: 'endUserReported',
          activity: 'signin',
          eventIds: [report.eventId],
        },
        metadata: { correlationId: report.metadata.correlationId, causationId: report.eventId, actor: { type: 'system', id: 'identity-protection' } },
      });
      const detections = await analyst().get('/v1.0/identityProtection/riskDetections');
      const shown = detections.body.value.find((row: { userId: string }) => row.userId === 'reporter');
      expect(shown).toMatchObject({ id: detected!.data.detectionId, riskState: 'atRisk', correlationId: report.metadata.correlationId });
      expect(JSON.parse(shown.additionalInfo)).toEqual(expect.arrayContaining([{ Key: 'eventIds', Value: [report.eventId] }]));
      expect(await analyst().get(`${RISKY_USERS}/reporter`)).toMatchObject({
        status: 200,
        body: { id: 'reporter', riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none', isDeleted: false, isProcessing: false, userPrincipalName: 'reporter' },
      });
    });

    it('is recorded once even when the reaction runs again on the same report', async () => {
      // what a repeated reaction does: the same command, with the id derived from the same report
      const first = (await riskEvents(bulwark, 'reporter'))[0]!;
      const repeated = await bulwark.app.get(UserRiskStreams).execute('reporter', { type: 'RecordDetection', data: first.data as never }, {
        correlationId: 'again', actor: { type: 'system', id: 'identity-protection' }, now: bulwark.clock.now(),
      });
      expect(repeated.events).toEqual([]);
      expect((await riskEvents(bulwark, 'reporter')).filter((event) => event.type === 'RiskDetected')).toHaveLength(1);
    });
  });

  describe('triage', () => {
    beforeAll(async () => {
      for (const userId of ['triage-a', 'triage-b', 'triage-c']) {
        await enrol(bulwark, userId);
        await reportFraud(bulwark, userId);
      }
    });

    it('confirms compromised: high, confirmedCompromised, adminConfirmedUserCompromised, with the analyst in the history', async () => {
      expect(await analyst().post(`${RISKY_USERS}/confirmCompromised`, { userIds: ['triage-a'] })).toEqual({ status: 204, body: undefined });
      await bulwark.consumers.catchUp();
      expect((await analyst().get(`${RISKY_USERS}/triage-a`)).body).toMatchObject({ riskLevel: 'high', riskState: 'confirmedCompromised', riskDetail: 'adminConfirmedUserCompromised' });
      const history = (await analyst().get(`${RISKY_USERS}/triage-a/history`)).body.value;
      expect(history.at(-1)).toMatchObject({
        userId: 'triage-a',
        initiatedBy: 'key:analyst',
        riskLevel: 'high',
        riskState: 'confirmedCompromised',
        activity: { detail: 'adminConfirmedUserCompromised', riskEventTypes: ['userReportedSuspiciousActivity'] },
      });
      const detection = (await analyst().get('/v1.0/identityProtection/riskDetections')).body.value.find((row: { userId: string }) => row.userId === 'triage-a');
      expect(detection).toMatchObject({ riskState: 'confirmedCompromised', riskDetail: 'adminConfirmedUserCompromised' });
    });

    it('confirms safe: none, confirmedSafe, and adminConfirmedAccountSafe only for clients that accept evolved enum members', async () => {
      expect((await admin().post(`${RISKY_USERS}/confirmSafe`, { userIds: ['triage-b'] })).status).toBe(204);
      expect((await analyst().get(`${RISKY_USERS}/triage-b`)).body).toMatchObject({ riskLevel: 'none', riskState: 'confirmedSafe', riskDetail: 'unknownFutureValue' });
      const preferred = await analyst().get(`${RISKY_USERS}/triage-b`, { prefer: 'include-unknown-enum-members' });
      expect(preferred.body).toMatchObject({ riskState: 'confirmedSafe', riskDetail: 'adminConfirmedAccountSafe' });
      await bulwark.consumers.catchUp();
      const history = (await analyst().get(`${RISKY_USERS}/triage-b/history`, { prefer: 'include-unknown-enum-members' })).body.value;
      expect(history.at(-1)).toMatchObject({ initiatedBy: 'key:admin', riskState: 'confirmedSafe', activity: { detail: 'adminConfirmedAccountSafe' } });
    });

    it('dismisses several users at once: none, dismissed, adminDismissedAllRiskForUser; and it sticks until a new detection', async () => {
      expect((await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: ['triage-a', 'triage-c'] })).status).toBe(204);
      await bulwark.consumers.catchUp();
      for (const userId of ['triage-a', 'triage-c']) {
        expect((await analyst().get(`${RISKY_USERS}/${userId}`)).body).toMatchObject({ riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser' });
      }
      const listed = (await analyst().get(RISKY_USERS)).body.value.find((user: { id: string }) => user.id === 'triage-c');
      expect(listed).toMatchObject({ riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser' });
      // dismissing again changes nothing, time passing changes nothing
      await expectNothingAppended(bulwark, async () => {
        expect((await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: ['triage-c'] })).status).toBe(204);
      });
      bulwark.clock.advance({ minutes: 300 });
      expect((await analyst().get(`${RISKY_USERS}/triage-c`)).body.riskState).toBe('dismissed');
      // a new detection puts the user at risk again
      await reportFraud(bulwark, 'triage-c');
      expect((await analyst().get(`${RISKY_USERS}/triage-c`)).body).toMatchObject({ riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none' });
      const types = (await analyst().get(`${RISKY_USERS}/triage-c/history`)).body.value.map((item: Record<string, string>) => item['@bulwark.eventType']);
      expect(types).toEqual(['RiskDetected', 'RiskyUserDismissed', 'RiskDetected']);
    });

    it('refuses an unknown user with 404 and changes nobody, not even the known users named with it', async () => {
      await expectNothingAppended(bulwark, async () => {
        for (const action of ['confirmCompromised', 'confirmSafe', 'dismiss']) {
          expectError(await analyst().post(`${RISKY_USERS}/${action}`, { userIds: ['triage-c', 'nobody-at-risk'] }), 404, /nobody-at-risk.*nothing was changed/);
        }
        expectError(await analyst().get(`${RISKY_USERS}/nobody-at-risk`), 404, /no risk detections/);
        expectError(await analyst().get(`${RISKY_USERS}/nobody-at-risk/history`), 404, /no risk detections/);
      });
    });

    it('refuses bad bodies with 400, naming the problem', async () => {
      await expectNothingAppended(bulwark, async () => {
        expectError(await analyst().post(`${RISKY_USERS}/dismiss`, {}), 400, /userIds/);
        expectError(await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: [] }), 400, /at least one/);
        expectError(await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: 'triage-c' }), 400, /userIds/);
        expectError(await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: ['bad id/..'] }), 400, /user id/);
        expectError(await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: ['triage-c'], force: true }), 400, /unknown field.*force/);
        expectError(await analyst().post(`${RISKY_USERS}/confirmCompromised`, { userIds: Array.from({ length: 61 }, (_, i) => `u${i}`) }), 400, /at most 60/);
        expectError(await analyst().raw('POST', `${RISKY_USERS}/confirmSafe`, '{"userIds": ['), 400, /not valid JSON/);
        expectError(await analyst().post(`${RISKY_USERS}/confirmSafe`), 400, /body is required/);
      });
    });

    it('answers 401 without a key and 403 to the app and siem roles', async () => {
      await expectNothingAppended(bulwark, async () => {
        for (const [method, route] of [
          ['GET', RISKY_USERS],
          ['GET', `${RISKY_USERS}/triage-c`],
          ['GET', `${RISKY_USERS}/triage-c/history`],
          ['POST', `${RISKY_USERS}/confirmCompromised`],
          ['POST', `${RISKY_USERS}/confirmSafe`],
          ['POST', `${RISKY_USERS}/dismiss`],
        ] as const) {
          const body = method === 'POST' ? '{"userIds":["triage-c"]}' : undefined;
          expectError(await bulwark.as(null).raw(method, route, body), 401, /missing bearer key/);
          expectError(await bulwark.as('app').raw(method, route, body), 403, /needs the role/);
          expectError(await bulwark.as('siem').raw(method, route, body), 403, /needs the role/);
        }
      });
    });
  });

  describe('point in time', () => {
    it('answers with the state at an instant, folded from the events up to it; refuses a bad asOf with 400', async () => {
      await enrol(bulwark, 'timeline');
      const beforeAnything = bulwark.clock.now().toISOString();
      bulwark.clock.advance({ minutes: 1 });
      await reportFraud(bulwark, 'timeline');
      bulwark.clock.advance({ minutes: 1 });
      const atRisk = bulwark.clock.now().toISOString();
      bulwark.clock.advance({ minutes: 1 });
      expect((await analyst().post(`${RISKY_USERS}/dismiss`, { userIds: ['timeline'] })).status).toBe(204);
      bulwark.clock.advance({ minutes: 1 });
      const asOf = (instant: string) => analyst().get(`${RISKY_USERS}/timeline?asOf=${encodeURIComponent(instant)}`);
      expect((await asOf(atRisk)).body).toMatchObject({ riskLevel: 'high', riskState: 'atRisk' });
      expect((await asOf(bulwark.clock.now().toISOString())).body).toMatchObject({ riskLevel: 'none', riskState: 'dismissed' });
      // an offset is the same instant
      const shifted = new Date(Date.parse(atRisk)).toISOString().replace('Z', '+00:00');
      expect((await asOf(shifted)).body).toMatchObject({ riskState: 'atRisk' });
      expectError(await asOf(beforeAnything), 404, /had no risk detections at/);
      expectError(await asOf('yesterday'), 400, /asOf/);
      expectError(await analyst().get(`${RISKY_USERS}/timeline?asOf=2026-13-45T99:00:00Z`), 400, /asOf/);
      expectError(await analyst().get(`${RISKY_USERS}/timeline?since=2026-01-01T00:00:00Z`), 400, /since/);
    });
  });

  describe('settings', () => {
    it('serves and changes the detection thresholds (admin only), refusing bad ones with 400', async () => {
      const initial = await admin().get('/v1/settings/riskDetection');
      expect(initial).toMatchObject({ status: 200, body: { mfaFatigue: { enabled: true, threshold: 5, windowMinutes: 10, riskLevel: 'high' }, version: 0 } });
      const { version: _, ...settings } = initial.body;
      const changed = await admin().put('/v1/settings/riskDetection', { ...settings, repeatedLockouts: { ...settings.repeatedLockouts, threshold: 4 } });
      expect(changed).toMatchObject({ status: 200, body: { repeatedLockouts: { threshold: 4 }, version: 1 } });
      await expectNothingAppended(bulwark, async () => {
        expectError(await admin().put('/v1/settings/riskDetection', { ...settings, mfaFatigue: { ...settings.mfaFatigue, threshold: 1 } }), 400, /mfaFatigue\.threshold/);
        expectError(await admin().put('/v1/settings/riskDetection', { ...settings, mfaSpray: { ...settings.mfaSpray, riskLevel: 'severe' } }), 400, /mfaSpray\.riskLevel/);
        expectError(await admin().put('/v1/settings/riskDetection', { mfaFatigue: settings.mfaFatigue }), 400, /mfaSpray/);
        expectError(await admin().put('/v1/settings/riskDetection', { ...settings, extra: 1 }), 400, /unknown field.*extra/);
        expectError(await analyst().get('/v1/settings/riskDetection'), 403, /needs the role/);
        expectError(await analyst().put('/v1/settings/riskDetection', settings), 403, /needs the role/);
        expectError(await bulwark.as(null).get('/v1/settings/riskDetection'), 401, /missing bearer key/);
      });
      expect((await admin().put('/v1/settings/riskDetection', settings)).body.version).toBe(2);
    });

    it('serves and changes the risk policy (admin only), refusing bad ones with 400', async () => {
      expect(await admin().get('/v1/settings/riskPolicy')).toEqual({ status: 200, body: { mode: 'disabled', medium: [], high: [], version: 0 } });
      await expectNothingAppended(bulwark, async () => {
        expectError(await admin().put('/v1/settings/riskPolicy', { mode: 'on', medium: [], high: [] }), 400, /mode/);
        expectError(await admin().put('/v1/settings/riskPolicy', { mode: 'enabled', medium: ['lock'], high: [] }), 400, /medium/);
        expectError(await admin().put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [], high: ['block', 'block'] }), 400, /at most once/);
        expectError(await admin().put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [] }), 400, /high/);
        expectError(await analyst().put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [], high: [] }), 403, /needs the role/);
        expectError(await bulwark.as('app').get('/v1/settings/riskPolicy'), 403, /needs the role/);
        expectError(await bulwark.as(null).put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [], high: [] }), 401, /missing bearer key/);
      });
      expect(await admin().put('/v1/settings/riskPolicy', { mode: 'reportOnly', medium: [], high: ['revokeSessions', 'block'] })).toEqual({
        status: 200,
        body: { mode: 'reportOnly', medium: [], high: ['block', 'revokeSessions'], version: 1 },
      });
    });

    it('in report-only mode records what the policy would do, and does nothing', async () => {
      await enrol(bulwark, 'report-only');
      await reportFraud(bulwark, 'report-only');
      const events = await riskEvents(bulwark, 'report-only');
      expect(events.map((event) => event.type)).toEqual(['RiskDetected', 'RiskRemediationRequested']);
      expect(events[1]).toMatchObject({ data: { actions: ['block', 'revokeSessions'], reportOnly: true, riskLevel: 'high', detectionId: events[0]!.data.detectionId }, metadata: { causationId: events[0]!.eventId } });
      expect(await bulwark.store.readStream(streams.userProtection('report-only'))).toEqual([]);
      expect(await bulwark.store.readStream(streams.userSessions('report-only'))).toEqual([]);
      expect((await admin().put('/v1/settings/riskPolicy', { mode: 'disabled', medium: [], high: [] })).status).toBe(200);
    });

    it('requires MFA re-registration through the mfa service when the policy says so', async () => {
      expect((await admin().put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [], high: ['requireReregistration'] })).status).toBe(200);
      await enrol(bulwark, 'rereg');
      await reportFraud(bulwark, 'rereg');
      const remediation = (await riskEvents(bulwark, 'rereg')).find((event) => event.type === 'RiskRemediationRequested')!;
      expect(remediation.data).toMatchObject({ actions: ['requireReregistration'], reportOnly: false });
      const required = (await bulwark.store.readStream(streams.userMfa('rereg'))).find((event) => event.type === 'MfaReregistrationRequired');
      expect(required).toMatchObject({ metadata: { causationId: remediation.eventId, actor: { type: 'system', id: 'mfa' } } });
      expect(await bulwark.store.readStream(streams.userProtection('rereg'))).toEqual([]);
      // the user's next sign-in must register again, and may not postpone it
      expect(await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'rereg', clientIp: '203.0.113.9' })).toMatchObject({
        status: 201,
        body: { status: 'registrationRequired', registration: { required: true, canPostpone: false } },
      });
      expect((await admin().put('/v1/settings/riskPolicy', { mode: 'disabled', medium: [], high: [] })).status).toBe(200);
    });
  });
});

describe('detections from the event stream', () => {
  let bulwark: Embedded;

  beforeEach(async () => {
    bulwark = await startEmbedded();
    // keep lockouts out of the way unless a test wants them
    expect((await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 50, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
  });

  afterEach(async () => {
    await bulwark.close();
  });

  const detectionsOf = async (userId: string) => (await riskEvents(bulwark, userId)).filter((event) => event.type === 'RiskDetected');

  it('mfaSpray: denials for many users from one IP raise a detection for each of them, naming every denial', async () => {
    const settings = (await bulwark.as('admin').get('/v1/settings/riskDetection')).body;
    const { version: _, ...thresholds } = settings;
    expect((await bulwark.as('admin').put('/v1/settings/riskDetection', { ...thresholds, mfaSpray: { ...thresholds.mfaSpray, distinctUsers: 3, windowMinutes: 5 } })).status).toBe(200);
    const users = ['spray-1', 'spray-2', 'spray-3', 'spray-4'];
    const secrets: Record<string, string> = {};
    for (const userId of users) secrets[userId] = (await enrol(bulwark, userId)).secret;
    const deny = async (userId: string, clientIp: string, correlationId: string) => {
      const pending = await challenge(bulwark, userId, { clientIp });
      const reply = await bulwark.as('app').post(`/v1/mfa/challenges/${pending.id}/verify`, { code: wrongCodeAt(secrets[userId]!, bulwark.clock) }, { 'client-request-id': correlationId });
      // a first wrong code leaves the challenge open: four answers left
      expect(reply.body).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 });
    };
    // two users from the attacker's address, one from elsewhere: no spray yet
    await deny('spray-1', '198.51.100.66', 'spray-a');
    await deny('spray-2', '198.51.100.66', 'spray-b');
    await deny('spray-4', '192.0.2.10', 'elsewhere');
    await bulwark.consumers.catchUp();
    expect(await detectionsOf('spray-1')).toEqual([]);
    await deny('spray-3', '198.51.100.66', 'spray-c');
    await bulwark.consumers.catchUp();
    const denials = (
      await Promise.all(['spray-1', 'spray-2', 'spray-3'].map((userId) => bulwark.store.readStream(streams.userMfa(userId))))
    ).flatMap((events) => events.filter((event) => event.type === 'MfaDenied').map((event) => event.eventId));
    for (const userId of ['spray-1', 'spray-2', 'spray-3']) {
      const [detection] = await detectionsOf(userId);
      expect(detection).toMatchObject({
        data: { riskEventType: 'mfaSpray', riskLevel: 'medium', ipAddress: '198.51.100.66', detectionTimingType: 'nearRealtime', additionalInfo: { distinctUsers: 3, correlationId: 'spray-c' } },
        metadata: { correlationId: 'spray-c' },
      });
      expect([...(detection!.data.eventIds as string[])].sort()).toEqual([...denials].sort());
    }
    expect(await detectionsOf('spray-4')).toEqual([]);
    // the spray was reported: one more denial from the same address starts a new window, it does not repeat the detection
    await deny('spray-1', '198.51.100.66', 'spray-d');
    await bulwark.consumers.catchUp();
    expect(await detectionsOf('spray-1')).toHaveLength(1);
    const shown = (await bulwark.as('analyst').get('/v1.0/identityProtection/riskDetections')).body.value.filter((row: { riskEventType: string }) => row.riskEventType === 'mfaSpray');
    expect(shown).toHaveLength(3);
    expect(JSON.parse(shown[0].additionalInfo)).toEqual(expect.arrayContaining([{ Key: 'correlationId', Value: 'spray-c' }, { Key: 'eventIds', Value: expect.any(Array) }]));
  });

  it('repeatedLockouts: lockouts of one user within the window raise a detection naming them', async () => {
    expect((await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 1, counterResetMinutes: 10, autoUnlockMinutes: 1 })).status).toBe(200);
    const { version: _, ...thresholds } = (await bulwark.as('admin').get('/v1/settings/riskDetection')).body;
    expect((await bulwark.as('admin').put('/v1/settings/riskDetection', { ...thresholds, repeatedLockouts: { ...thresholds.repeatedLockouts, threshold: 2, windowMinutes: 30 } })).status).toBe(200);
    const { secret } = await enrol(bulwark, 'locked-twice');
    for (let round = 0; round < 2; round++) {
      const pending = await challenge(bulwark, 'locked-twice');
      // the one denial locks the account: no retry
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${pending.id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) })).body).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: false });
      await bulwark.consumers.catchUp();
      if (round === 0) expect(await detectionsOf('locked-twice')).toEqual([]);
      bulwark.clock.advance({ minutes: 2 });
    }
    const lockouts = (await bulwark.store.readStream(streams.userMfa('locked-twice'))).filter((event) => event.type === 'AccountLockedOut');
    expect(lockouts).toHaveLength(2);
    const [detection] = await detectionsOf('locked-twice');
    expect(detection).toMatchObject({
      data: { riskEventType: 'repeatedLockouts', riskLevel: 'medium', eventIds: lockouts.map((event) => event.eventId), additionalInfo: { lockouts: 2 } },
      metadata: { correlationId: lockouts[1]!.metadata.correlationId, causationId: lockouts[1]!.eventId },
    });
  });

  it('a disabled detection detects nothing', async () => {
    const { version: _, ...thresholds } = (await bulwark.as('admin').get('/v1/settings/riskDetection')).body;
    expect((await bulwark.as('admin').put('/v1/settings/riskDetection', { ...thresholds, mfaFatigue: { ...thresholds.mfaFatigue, enabled: false, threshold: 2 } })).status).toBe(200);
    await enrolPush(bulwark, 'quiet-push');
    for (let i = 0; i < 3; i++) {
      const push = await challenge(bulwark, 'quiet-push', { channel: 'appNotification' });
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${push.id}/pushResponse`, { response: 'deny' })).body).toEqual({ status: 'denied', reason: 'userDeclined', retryAllowed: false });
    }
    await bulwark.consumers.catchUp();
    expect(await detectionsOf('quiet-push')).toEqual([]);
  });
});

describe('end to end: a push-bombing burst', () => {
  let bulwark: Embedded;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;

  beforeAll(async () => {
    smtp = await smtpReceiver();
    bulwark = await startEmbedded({ env: { BULWARK_SMTP_URL: smtp.url, BULWARK_SMTP_FROM: 'bulwark@example.com', BULWARK_NOTIFY_RETRY_BASE_MS: '20' } });
  });

  afterAll(async () => {
    await bulwark.close();
    await smtp.close();
  });

  it('is detected as MFA fatigue, the high-risk policy blocks the user and revokes the session, the analyst dismisses, the admin unblocks, the user signs in again, and the history shows who did each step', async () => {
    const admin = bulwark.as('admin');
    const analyst = bulwark.as('analyst');
    const app = bulwark.as('app');
    const userId = 'bombed';
    expect((await admin.put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [], high: ['block', 'revokeSessions'] })).status).toBe(200);
    expect((await admin.put('/v1/settings/notifications', { emails: ['soc@example.com'], webhooks: [] })).status).toBe(200);

    // the user signs in with a push: a session
    await enrolPush(bulwark, userId);
    const session = await signInWithPush(bulwark, userId);
    expect(await app.get(`/v1/sessions/${session}`)).toMatchObject({ status: 200, body: { valid: true } });

    // the attacker has the password and keeps pushing: the user denies three, ignores the fourth
    for (let i = 1; i <= 3; i++) {
      const push = await challenge(bulwark, userId, { channel: 'appNotification', clientIp: '198.51.100.23' });
      expect((await app.post(`/v1/mfa/challenges/${push.id}/pushResponse`, { response: 'deny' }, { 'client-request-id': `bomb-${i}` })).body).toEqual({ status: 'denied', reason: 'userDeclined', retryAllowed: false });
      bulwark.clock.advance({ seconds: 20 });
    }
    await bulwark.consumers.catchUp();
    expect(await riskEvents(bulwark, userId)).toEqual([]);
    await challenge(bulwark, userId, { channel: 'appNotification', clientIp: '198.51.100.23' });
    bulwark.clock.advance({ seconds: 10 });
    // the next pushes meet the per-user limit (5 pushes in 10 minutes, the user's own sign-in among them): 429 with
    // Retry-After until the first push leaves the window (600 s after it, 70 s ago), one MfaThrottled for the episode
    for (let i = 1; i <= 2; i++) {
      const refused = await fetch(`${bulwark.url}/v1/mfa/challenges`, {
        method: 'POST',
        headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.app}`, 'content-type': 'application/json', 'client-request-id': `bomb-throttled-${i}` },
        body: JSON.stringify({ userId, clientIp: '198.51.100.23', channel: 'appNotification' }),
      });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('530');
      expect(await refused.json()).toMatchObject({ error: { code: 'tooManyRequests', message: expect.stringMatching(/pushesPerWindow/) } });
    }
    const episodes = (await bulwark.store.readStream(streams.userMfa(userId))).filter((event) => event.type === 'MfaThrottled');
    expect(episodes.map((event) => event.data)).toEqual([expect.objectContaining({ limit: 'pushesPerWindow', clientIp: '198.51.100.23', challengeId: null })]);
    bulwark.clock.advance({ seconds: 61 });
    await bulwark.consumers.catchUp();
    expect(await bulwark.app.get(ChallengeExpiry).sweep()).toBeGreaterThanOrEqual(1);
    await bulwark.consumers.catchUp();

    // the unanswered push, timed out, makes it a burst of five signals: mfaFatigue, high, naming the three denials, the throttled episode and the timeout
    const burst = (await bulwark.store.readStream(streams.userMfa(userId))).filter(
      (event) => (event.type === 'MfaDenied' && ['userDeclined', 'timeout'].includes(event.data.reason as string)) || event.type === 'MfaThrottled',
    );
    expect(burst.map((event) => event.data.reason ?? event.type)).toEqual(['userDeclined', 'userDeclined', 'userDeclined', 'MfaThrottled', 'timeout']);
    const [detected, remediation, ...rest] = await riskEvents(bulwark, userId);
    expect(rest).toEqual([]);
    expect(detected).toMatchObject({
      type: 'RiskDetected',
      data: {
        riskEventType: 'mfaFatigue',
        riskLevel: 'high',
        ipAddress: '198.51.100.23',
        eventIds: burst.map((event) => event.eventId),
        additionalInfo: { pushDenied: 3, pushTimedOut: 1, pushThrottled: 1 },
      },
      metadata: { correlationId: burst[4]!.metadata.correlationId, causationId: burst[4]!.eventId },
    });
    const detections = (await analyst.get('/v1.0/identityProtection/riskDetections')).body.value;
    expect(detections).toEqual([expect.objectContaining({ userId, riskEventType: 'mfaFatigue', riskLevel: 'high', riskState: 'atRisk', correlationId: burst[4]!.metadata.correlationId })]);

    // the policy asks for block and revokeSessions, caused by the detection
    expect(remediation).toMatchObject({
      type: 'RiskRemediationRequested',
      data: { actions: ['block', 'revokeSessions'], reportOnly: false, riskLevel: 'high', detectionId: detected!.data.detectionId, triggerEventId: detected!.eventId },
      metadata: { causationId: detected!.eventId, correlationId: detected!.metadata.correlationId },
    });
    const [blocked] = await bulwark.store.readStream(streams.userProtection(userId));
    expect(blocked).toMatchObject({ type: 'UserBlocked', metadata: { causationId: remediation!.eventId, actor: { type: 'system', id: 'identity-protection:riskPolicy' } } });
    const revocations = await bulwark.store.readStream(streams.userSessions(userId));
    expect(revocations.map((event) => event.metadata.causationId)).toEqual(expect.arrayContaining([remediation!.eventId, blocked!.eventId]));
    expect(await app.get(`/v1/sessions/${session}`)).toEqual({ status: 200, body: { valid: false, reason: 'revoked' } });
    // the attacker's pushes still meet the limit first while the episode lasts (nothing more recorded); any other sign-in is denied, blocked
    expect((await app.post('/v1/mfa/challenges', { userId, clientIp: '198.51.100.23', channel: 'appNotification' })).status).toBe(429);
    expect((await bulwark.store.readStream(streams.userMfa(userId))).filter((event) => event.type === 'MfaThrottled')).toHaveLength(1);
    expect(await challenge(bulwark, userId, { channel: 'appCode' })).toMatchObject({ status: 'denied', reason: 'userBlocked' });
    expect((await analyst.get(`${RISKY_USERS}/${userId}`)).body).toMatchObject({ riskLevel: 'high', riskState: 'atRisk' });

    // the admin hears of it by email, from a real SMTP server's point of view
    const mail = await eventually(
      () => smtp.mails.find((received) => received.rcptTo.includes('soc@example.com') && received.headers.subject === `[Bulwark] High user risk detected: ${userId}`),
      10_000,
      'the high-risk email',
    );
    expect(mail.text).toContain('mfaFatigue');
    expect(mail.text).toContain(detected!.metadata.correlationId);

    // the analyst dismisses, the admin unblocks, the user signs in again
    bulwark.clock.advance({ minutes: 5 });
    const beforeDismissal = bulwark.clock.now().toISOString();
    bulwark.clock.advance({ seconds: 1 });
    expect((await analyst.post(`${RISKY_USERS}/dismiss`, { userIds: [userId] })).status).toBe(204);
    bulwark.clock.advance({ seconds: 1 });
    const afterDismissal = bulwark.clock.now().toISOString();
    expect((await admin.post(`/v1/users/${userId}/unblock`, { reason: 'analyst dismissed the risk: push bombing, password reset done' })).status).toBe(200);
    // the user signs in with a push once the throttling episode is over and the burst's first pushes have left the window
    bulwark.clock.set(episodes[0]!.data.until as string);
    const again = await signInWithPush(bulwark, userId);
    expect(await app.get(`/v1/sessions/${again}`)).toMatchObject({ status: 200, body: { valid: true, userId } });
    await bulwark.consumers.catchUp();

    // point in time: at risk before the dismissal, dismissed after
    expect((await analyst.get(`${RISKY_USERS}/${userId}?asOf=${beforeDismissal}`)).body).toMatchObject({ riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none' });
    expect((await analyst.get(`${RISKY_USERS}/${userId}?asOf=${afterDismissal}`)).body).toMatchObject({ riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser' });
    // still dismissed after the user signed in again
    expect((await analyst.get(`${RISKY_USERS}/${userId}`)).body).toMatchObject({ riskState: 'dismissed' });

    // the history: every step, with who did it
    const history: Array<Record<string, any>> = (await analyst.get(`${RISKY_USERS}/${userId}/history`)).body.value;
    const steps = history.map((item) => [item['@bulwark.eventType'], item.initiatedBy]);
    expect(steps[0]).toEqual(['RiskDetected', 'system:identity-protection']);
    expect(steps[1]).toEqual(['RiskRemediationRequested', 'system:identity-protection:riskPolicy']);
    // the block (by the policy) and the revocations (by the sessions service, for the policy and for the block) follow in the order they committed
    expect(steps.slice(2, 5)).toEqual(
      expect.arrayContaining([
        ['UserBlocked', 'system:identity-protection:riskPolicy'],
        ['SessionsRevoked', 'system:sessions'],
        ['SessionsRevoked', 'system:sessions'],
      ]),
    );
    expect(steps.slice(5)).toEqual([
      ['RiskyUserDismissed', 'key:analyst'],
      ['UserUnblocked', 'key:admin'],
      ['MfaApproved', 'key:app'],
    ]);
    expect(history[0]).toMatchObject({ userId, riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none', activity: { detail: 'none', riskEventTypes: ['mfaFatigue'] } });
    expect(history[5]).toMatchObject({ riskLevel: 'none', riskState: 'dismissed', activity: { detail: 'adminDismissedAllRiskForUser', riskEventTypes: ['mfaFatigue'] } });
    expect(history.map((item) => item.id)).toEqual([...new Set(history.map((item) => item.id))]);
    // the audit log names who did each admin step: the policy's block, the analyst's dismissal, the admin's unblock
    const audits: Array<Record<string, any>> = (await analyst.get('/v1.0/auditLogs/directoryAudits')).body.value;
    const about = audits
      .filter((row) => row.targetResources.some((target: { id: string }) => target.id === userId))
      .map((row) => [row.activityDisplayName, row.initiatedBy.app?.displayName ?? row.initiatedBy.user?.id]);
    expect(about).toEqual(expect.arrayContaining([
      ['Remediate user', expect.stringContaining('identity-protection')],
      ['Add blocked user', expect.stringContaining('identity-protection')],
      ['DismissUser', expect.stringMatching(/analyst/i)],
      ['Clear block on user', expect.stringMatching(/admin/i)],
    ]));
    const log = (await analyst.get('/v1.0/auditLogs/signIns')).body.value.filter((row: { userId: string }) => row.userId === userId);
    expect(log.filter((row: { status: { errorCode: number } }) => row.status.errorCode === 0)).toHaveLength(2);
  });
});
