import { eventRegistry, RecordedEvent, streams } from '@bulwark/contracts';
import { ManualClock } from '@bulwark/testing';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readNotificationOutbox } from '../apps/identity-protection/src/notifications/delivery/email-sender';
import { Embedded, enrol, startEmbedded, wrongCodeAt } from './support/embedded';
import { eventually, ReceivedHook, smtpReceiver, webhookReceiver } from './support/notification-receivers';

jest.setTimeout(60_000);

const PATH = '/v1/settings/notifications';
const SECRETS = {
  good: 'good-receiver-secret-0123456789',
  flaky: 'flaky-receiver-secret-012345678',
  hanging: 'hanging-receiver-secret-0123456',
  switchable: 'switchable-receiver-secret-0123',
};
const TIMEOUT_MS = 1500;

/** The receiver's side: recompute the HMAC over "<timestamp>.<raw body>" and compare, and check the timestamp is fresh. */
function signedBy(secret: string, hook: ReceivedHook, now: Date): boolean {
  const timestamp = hook.headers['x-bulwark-timestamp'] as string;
  const expected = 'v1=' + createHmac('sha256', secret).update(`${timestamp}.${hook.body}`).digest('hex');
  return hook.headers['x-bulwark-signature'] === expected && Math.abs(Number(timestamp) - now.getTime() / 1000) <= 300;
}

describe('admin notifications', () => {
  const clock = new ManualClock();
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  let good: Awaited<ReturnType<typeof webhookReceiver>>;
  let flaky: Awaited<ReturnType<typeof webhookReceiver>>;
  let hanging: Awaited<ReturnType<typeof webhookReceiver>>;
  let switchable: Awaited<ReturnType<typeof webhookReceiver>>;
  let switchMode: 'hang' | 'ok' = 'hang';
  let bulwark: Embedded;
  const env = () => ({
    BULWARK_SMTP_URL: smtp.url,
    BULWARK_SMTP_FROM: 'Bulwark Alerts <alerts@bulwark.test>',
    BULWARK_NOTIFY_RETRY_BASE_MS: '20',
    BULWARK_NOTIFY_MAX_ATTEMPTS: '3',
    BULWARK_NOTIFY_TIMEOUT_MS: String(TIMEOUT_MS),
  });

  beforeAll(async () => {
    smtp = await smtpReceiver({ refuse: ['bounce@example.com'] });
    good = await webhookReceiver(() => ({ status: 200 }));
    flaky = await webhookReceiver((n) => (n < 2 ? { status: 500 } : { status: 204 }));
    hanging = await webhookReceiver(() => 'hang');
    switchable = await webhookReceiver(() => (switchMode === 'hang' ? 'hang' : { status: 200 }));
    bulwark = await startEmbedded({ clock, env: env() });
  });

  afterAll(async () => {
    await bulwark?.close();
    await Promise.all([smtp, good, flaky, hanging, switchable].map((receiver) => receiver?.close()));
  });

  const all = () => bulwark.store.readAll({ after: 0, maxCount: 100_000 });
  const outcomes = async () => (await all()).filter((event) => event.type === 'AdminNotificationSent' || event.type === 'AdminNotificationFailed');
  const outcomeOf = async (trigger: RecordedEvent, receiver: string) =>
    (await outcomes()).find((event) => event.data.triggerEventId === trigger.eventId && event.data.receiver === receiver);
  const triggerOf = async (userId: string, type: string) => (await bulwark.store.readStream(streams.userMfa(userId))).find((event) => event.type === type)!;
  const mailTo = (address: string, subject: string) => smtp.mails.find((mail) => mail.rcptTo.includes(address) && mail.headers.subject === subject);
  const hooksFor = (receiver: { received: ReceivedHook[] }, trigger: RecordedEvent) =>
    receiver.received.filter((hook) => JSON.parse(hook.body).triggerEventId === trigger.eventId);

  const challenge = async (userId: string) => {
    const reply = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7', appId: 'portal' });
    expect(reply.status).toBe(201);
    return reply.body.id as string;
  };
  const reportFraud = async (userId: string, correlationId: string) => {
    const challengeId = await challenge(userId);
    const reply = await bulwark.as('app').post(`/v1/mfa/challenges/${challengeId}/reportSuspiciousActivity`, undefined, { 'client-request-id': correlationId });
    expect(reply.status).toBe(200);
    return triggerOf(userId, 'SuspiciousActivityReported');
  };

  it('lets only an admin read or change the settings', async () => {
    for (const [role, status] of [
      [null, 401],
      ['analyst', 403],
      ['app', 403],
      ['siem', 403],
    ] as const) {
      expect((await bulwark.as(role).get(PATH)).status).toBe(status);
      expect((await bulwark.as(role).put(PATH, { emails: ['intruder@example.com'] })).status).toBe(status);
    }
    expect(await bulwark.store.readStream(streams.notificationSettings)).toEqual([]);
    expect(await bulwark.as('admin').get(PATH)).toEqual({ status: 200, body: { emails: [], webhooks: [], version: 0, emailDelivery: 'smtp' } });
  });

  it.each([
    ['an address that is not one', { emails: ['not-an-email'] }, 'emails.0'],
    ['more than 20 addresses', { emails: Array.from({ length: 21 }, (_, i) => `admin${i}@example.com`) }, 'emails'],
    ['an address listed twice, in another case', { emails: ['soc@example.com', 'SOC@example.com'] }, 'emails.1'],
    ['emails that are not a list', { emails: 'soc@example.com' }, 'emails'],
    ['a URL that is not one', { webhooks: [{ url: 'not a url', secret: SECRETS.good }] }, 'webhooks.0.url'],
    ['an ftp URL', { webhooks: [{ url: 'ftp://hooks.example.com/in', secret: SECRETS.good }] }, 'webhooks.0.url'],
    ['a javascript: URL', { webhooks: [{ url: 'javascript:alert(1)', secret: SECRETS.good }] }, 'webhooks.0.url'],
    ['a URL carrying credentials', { webhooks: [{ url: 'https://user:pass@hooks.example.com/in', secret: SECRETS.good }] }, 'webhooks.0.url'],
    ['a secret shorter than 16 characters', { webhooks: [{ url: 'https://hooks.example.com/in', secret: 'fifteen-chars!!' }] }, 'webhooks.0.secret'],
    ['a webhook listed twice', { webhooks: [{ url: 'https://hooks.example.com/in', secret: SECRETS.good }, { url: 'https://HOOKS.example.com/in', secret: SECRETS.flaky }] }, 'webhooks.1.url'],
    ['more than 20 webhooks', { webhooks: Array.from({ length: 21 }, (_, i) => ({ url: `https://hooks.example.com/${i}`, secret: SECRETS.good })) }, 'webhooks'],
    ['an unknown field', { emails: [], sms: ['+447700900123'] }, 'unknown field(s): sms'],
    ['an unknown field in a webhook', { webhooks: [{ url: 'https://hooks.example.com/in', secret: SECRETS.good, events: ['all'] }] }, 'unknown field(s): events'],
    ['a new webhook without its secret', { webhooks: [{ url: 'https://hooks.example.com/in' }] }, 'webhooks[0].secret'],
  ])('refuses %s with 400 and a reason, storing nothing', async (_case, body, reason) => {
    const reply = await bulwark.as('admin').put(PATH, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toContain(reason);
    expect(await bulwark.store.readStream(streams.notificationSettings)).toEqual([]);
  });

  it('stores the receivers with each webhook secret sealed, and never shows a secret', async () => {
    const admin = bulwark.as('admin');
    const settings = {
      emails: ['soc@example.com', 'bounce@example.com'],
      webhooks: [
        { url: good.url, secret: SECRETS.good },
        { url: flaky.url, secret: SECRETS.flaky },
      ],
    };
    const expected = {
      emails: settings.emails,
      webhooks: [
        { url: good.url, secretSet: true },
        { url: flaky.url, secretSet: true },
      ],
      version: 1,
      emailDelivery: 'smtp',
    };
    expect(await admin.put(PATH, settings)).toEqual({ status: 200, body: expected });
    expect(await admin.get(PATH)).toEqual({ status: 200, body: expected });
    // the same again, or without the secrets it cannot read back, changes nothing
    expect(await admin.put(PATH, settings)).toEqual({ status: 200, body: expected });
    expect(await admin.put(PATH, { emails: settings.emails, webhooks: settings.webhooks.map(({ url }) => ({ url })) })).toEqual({ status: 200, body: expected });

    const stored = await bulwark.store.readStream(streams.notificationSettings);
    expect(stored.map((event) => event.type)).toEqual(['NotificationSettingsChanged']);
    expect((stored[0]!.data.webhookSecrets as Record<string, unknown>)[good.url]).toEqual({ keyId: expect.any(String), iv: expect.any(String), tag: expect.any(String), ciphertext: expect.any(String) });
    expect(eventRegistry.publicData('NotificationSettingsChanged', stored[0]!.data)).not.toHaveProperty('webhookSecrets');
    const files = Buffer.concat(
      readdirSync(bulwark.dataDir)
        .filter((file) => statSync(path.join(bulwark.dataDir, file)).isFile() && !['data.key', 'credentials.json'].includes(file))
        .map((file) => readFileSync(path.join(bulwark.dataDir, file))),
    ).toString('latin1');
    expect(files).toContain('NotificationSettingsChanged');
    for (const secret of Object.values(SECRETS)) expect(files).not.toContain(secret);
  });

  it('emails the admins and calls the signed webhooks on a fraud report, retrying a failing receiver', async () => {
    await enrol(bulwark, 'alice');
    const trigger = await reportFraud('alice', 'fraud-alice-1');

    const mail = await eventually(() => mailTo('soc@example.com', '[Bulwark] Fraud reported: alice'), 10_000, 'the email');
    expect(mail.rcptTo).toEqual(['soc@example.com']);
    expect(mail.mailFrom).toBe('alerts@bulwark.test');
    expect(mail.headers.to).toBe('soc@example.com');
    expect(mail.text).toContain('User alice reported an MFA request they did not start (fraud report).');
    expect(mail.text).toContain('User: alice\n');
    expect(mail.text).toContain(`Event: SuspiciousActivityReported ${trigger.eventId}\n`);
    expect(mail.text).toContain('Correlation id: fraud-alice-1\n');
    expect(mail.text).toContain('clientIp: 203.0.113.7\n');

    const [hook] = await eventually(() => hooksFor(good, trigger).length === 1 && hooksFor(good, trigger), 10_000, 'the webhook');
    expect(signedBy(SECRETS.good, hook!, bulwark.clock.now())).toBe(true);
    expect(signedBy(SECRETS.flaky, hook!, bulwark.clock.now())).toBe(false);
    const payload = JSON.parse(hook!.body);
    expect(payload).toMatchObject({ schemaVersion: 1, type: 'fraudReported', userId: 'alice', triggerEventId: trigger.eventId, correlationId: 'fraud-alice-1' });
    expect(payload.deliveryId).toBe(hook!.headers['idempotency-key']);

    // 500, 500, then accepted: three attempts of one delivery, each signed, then recorded as sent once
    const sentToFlaky = await eventually(() => outcomeOf(trigger, flaky.origin), 10_000, 'the flaky receiver');
    expect(sentToFlaky).toMatchObject({ type: 'AdminNotificationSent', data: { channel: 'webhook', attempts: 3, transport: 'webhook', userId: 'alice' } });
    const flakyHooks = hooksFor(flaky, trigger);
    expect(flakyHooks).toHaveLength(3);
    expect(new Set(flakyHooks.map((received) => received.headers['idempotency-key']))).toEqual(new Set([sentToFlaky!.data.deliveryId]));
    for (const received of flakyHooks) expect(signedBy(SECRETS.flaky, received, bulwark.clock.now())).toBe(true);

    // a 550 is final: one attempt, recorded as failed; the other admin was emailed all the same
    const bounced = await eventually(() => outcomeOf(trigger, 'bounce@example.com'), 10_000, 'the bounce');
    expect(bounced).toMatchObject({ type: 'AdminNotificationFailed', data: { channel: 'email', attempts: 1, reason: expect.stringMatching(/^SMTP 550/) } });
    expect(smtp.mails.filter((received) => received.rcptTo.includes('bounce@example.com'))).toEqual([]);

    await eventually(async () => (await bulwark.store.readStream(streams.adminNotifications(trigger.eventId))).length === 4, 10_000, 'all four outcomes');
    const evidence = await bulwark.store.readStream(streams.adminNotifications(trigger.eventId));
    expect(evidence.map((event) => [event.type, event.data.receiver, event.data.attempts]).sort()).toEqual(
      [
        ['AdminNotificationFailed', 'bounce@example.com', 1],
        ['AdminNotificationSent', 'soc@example.com', 1],
        ['AdminNotificationSent', good.origin, 1],
        ['AdminNotificationSent', flaky.origin, 3],
      ].sort(),
    );
    for (const event of evidence) expect(event.metadata).toMatchObject({ causationId: trigger.eventId, correlationId: 'fraud-alice-1', actor: { type: 'system' } });
    const everything = JSON.stringify([...smtp.mails, ...good.received, ...flaky.received, ...evidence]);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    // no path: a webhook URL's path may carry a token
    expect(JSON.stringify(evidence)).not.toContain('/hooks/bulwark');
  });

  it('never holds up a sign-in: verifications answer while a receiver hangs, and the lockout is notified', async () => {
    const admin = bulwark.as('admin');
    expect((await admin.put('/v1/settings/lockout', { denialsBeforeLockout: 3, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
    const changed = await admin.put(PATH, {
      emails: ['soc@example.com'],
      webhooks: [{ url: good.url }, { url: hanging.url, secret: SECRETS.hanging }],
    });
    expect(changed.body).toMatchObject({ version: 2, webhooks: [{ url: good.url, secretSet: true }, { url: hanging.url, secretSet: true }] });
    const { secret } = await enrol(bulwark, 'carol');
    await enrol(bulwark, 'bob');

    // bob's report gets a request to the hanging receiver under way
    const bobsReport = await reportFraud('bob', 'fraud-bob-1');
    await eventually(() => hooksFor(hanging, bobsReport).length >= 1, 10_000, 'a hanging request');

    const answers: Array<{ status: number; body: unknown; at: number }> = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const challengeId = await challenge('carol');
      const reply = await bulwark.as('app').post(`/v1/mfa/challenges/${challengeId}/verify`, { code: wrongCodeAt(secret, clock) });
      answers.push({ ...reply, at: Date.now() });
      clock.advance({ seconds: 5 });
    }
    const denied = { status: 200, body: { status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 } };
    // the third denial locks carol out: her challenge may not be answered again
    expect(answers.map(({ status, body }) => ({ status, body }))).toEqual([denied, denied, { status: 200, body: { status: 'denied', reason: 'wrongCode', retryAllowed: false } }]);
    // each answer came while a request to the hanging receiver was still open
    for (const { at } of answers) {
      expect(hanging.received.some((hook) => hook.at <= at && (hook.closedAt === null || hook.closedAt > at))).toBe(true);
    }

    const lockout = await triggerOf('carol', 'AccountLockedOut');
    expect(lockout).toBeDefined();
    const mail = await eventually(() => mailTo('soc@example.com', '[Bulwark] Account locked out: carol'), 10_000, 'the lockout email');
    expect(mail.text).toContain(`Event: AccountLockedOut ${lockout.eventId}\n`);
    expect(mail.text).toContain(`until ${lockout.data.lockedUntil}`);
    const [hook] = await eventually(() => hooksFor(good, lockout).length === 1 && hooksFor(good, lockout), 10_000, 'the lockout webhook');
    expect(signedBy(SECRETS.good, hook!, bulwark.clock.now())).toBe(true);
    expect(JSON.parse(hook!.body)).toMatchObject({ type: 'accountLockedOut', userId: 'carol', details: { failedChallenges: 3, lockedUntil: lockout.data.lockedUntil } });

    // the hanging receiver times out on every attempt and is recorded as failed, for both triggers
    for (const trigger of [bobsReport, lockout]) {
      const failed = await eventually(() => outcomeOf(trigger, hanging.origin), 15_000, 'the hanging receiver to fail');
      expect(failed).toMatchObject({ type: 'AdminNotificationFailed', data: { attempts: 3, reason: `no response within ${TIMEOUT_MS} ms` } });
      expect(hooksFor(hanging, trigger)).toHaveLength(3);
    }
  });

  it('takes up pending deliveries after a restart, and a replayed reaction delivers nothing twice', async () => {
    const admin = bulwark.as('admin');
    expect((await admin.put(PATH, { emails: ['soc@example.com'], webhooks: [{ url: switchable.url, secret: SECRETS.switchable }] })).body.version).toBe(3);
    await enrol(bulwark, 'dave');
    const davesReport = await reportFraud('dave', 'fraud-dave-1');
    await eventually(() => mailTo('soc@example.com', '[Bulwark] Fraud reported: dave'), 10_000, "dave's email");
    await eventually(() => hooksFor(switchable, davesReport).length === 1, 10_000, 'a request under way');

    // the email's outcome is appended once its send returned, which may come just after the receiver has the mail
    await eventually(() => outcomeOf(davesReport, 'soc@example.com'), 10_000, "dave's email evidence");
    // stop while the webhook request is under way, with the reaction's checkpoint lost: it replays everything
    await bulwark.consumers.catchUp();
    await bulwark.store.checkpoints.reset('reaction:admin-notifications');
    const before = { mails: smtp.mails.length, good: good.received.length, flaky: flaky.received.length, hanging: hanging.received.length };
    const outcomesBefore = (await outcomes()).length;
    // only the email's outcome so far
    expect((await bulwark.store.readStream(streams.adminNotifications(davesReport.eventId))).map((event) => event.data.receiver)).toEqual(['soc@example.com']);
    const dataDir = bulwark.dataDir;
    await bulwark.close();
    await eventually(() => hooksFor(switchable, davesReport)[0]!.closedAt !== null, 5_000, 'the cut-short request to close');

    switchMode = 'ok';
    bulwark = await startEmbedded({ dataDir, clock, env: env() });
    const sent = await eventually(() => outcomeOf(davesReport, switchable.origin), 10_000, 'the resumed delivery');
    // the attempt cut short by the shutdown does not count; both requests carry the same idempotency key
    expect(sent).toMatchObject({ type: 'AdminNotificationSent', data: { attempts: 1 } });
    const hooks = hooksFor(switchable, davesReport);
    expect(hooks).toHaveLength(2);
    expect(hooks.map((hook) => hook.headers['idempotency-key'])).toEqual([sent!.data.deliveryId, sent!.data.deliveryId]);

    // the replay has run; a new report is delivered, and it is the only thing delivered since the restart
    await bulwark.consumers.catchUp();
    await enrol(bulwark, 'erin');
    const erinsReport = await reportFraud('erin', 'fraud-erin-1');
    await eventually(() => mailTo('soc@example.com', '[Bulwark] Fraud reported: erin'), 10_000, "erin's email");
    await eventually(() => outcomeOf(erinsReport, switchable.origin), 10_000, "erin's webhook");
    await eventually(() => outcomeOf(erinsReport, 'soc@example.com'), 10_000, "erin's email evidence");
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(smtp.mails.length).toBe(before.mails + 1);
    expect({ good: good.received.length, flaky: flaky.received.length, hanging: hanging.received.length }).toEqual({
      good: before.good,
      flaky: before.flaky,
      hanging: before.hanging,
    });
    expect(switchable.received).toHaveLength(3);
    const recorded = await outcomes();
    expect(recorded).toHaveLength(outcomesBefore + 3);
    const deliveryIds = recorded.map((event) => event.data.deliveryId);
    expect(new Set(deliveryIds).size).toBe(deliveryIds.length);
  });

  it('sends a test notification on request, one attempt to every receiver, saying which got it', async () => {
    for (const [role, status] of [
      [null, 401],
      ['analyst', 403],
      ['app', 403],
    ] as const) {
      expect((await bulwark.as(role).post(`${PATH}/test`)).status).toBe(status);
    }
    const admin = bulwark.as('admin');
    expect((await admin.put(PATH, { emails: ['soc@example.com', 'bounce@example.com'], webhooks: [{ url: switchable.url }] })).body.version).toBe(4);
    const outcomesBefore = (await outcomes()).length;
    const hooksBefore = switchable.received.length;

    const reply = await admin.post(`${PATH}/test`, undefined, { 'client-request-id': 'notification-test-1' });
    expect(reply).toEqual({
      status: 200,
      body: {
        value: [
          { channel: 'email', receiver: 'soc@example.com', delivered: true, reason: null },
          { channel: 'email', receiver: 'bounce@example.com', delivered: false, reason: expect.stringMatching(/^SMTP 550/) },
          { channel: 'webhook', receiver: switchable.origin, delivered: true, reason: null },
        ],
      },
    });
    const mail = mailTo('soc@example.com', '[Bulwark] Test notification');
    expect(mail?.text).toContain('Correlation id: notification-test-1\n');
    expect(switchable.received).toHaveLength(hooksBefore + 1);
    const hook = switchable.received[hooksBefore]!;
    expect(signedBy(SECRETS.switchable, hook, bulwark.clock.now())).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'test', userId: null, correlationId: 'notification-test-1' });
    // a test is answered, not recorded as a delivery
    expect(await outcomes()).toHaveLength(outcomesBefore);
  });
});

describe('admin notification emails without SMTP, in the embedded development default', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded({ env: { BULWARK_NOTIFY_RETRY_BASE_MS: '20' } });
  });

  afterAll(async () => {
    await bulwark.close();
  });

  it('go to a private file under the data dir, and the evidence says so', async () => {
    const put = await bulwark.as('admin').put(PATH, { emails: ['soc@example.com'] });
    expect(put).toEqual({ status: 200, body: { emails: ['soc@example.com'], webhooks: [], version: 1, emailDelivery: 'developmentFile' } });
    await enrol(bulwark, 'frank');
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'frank', clientIp: '198.51.100.4' });
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/reportSuspiciousActivity`)).status).toBe(200);

    const outbox = path.join(bulwark.dataDir, 'outbox');
    const [entry] = await eventually(async () => {
      const entries = await readNotificationOutbox(outbox);
      return entries.length > 0 && entries;
    }, 10_000, 'the development outbox');
    expect(entry).toMatchObject({ to: 'soc@example.com', subject: '[Bulwark] Fraud reported: frank', text: expect.stringContaining('User: frank\n') });
    expect(statSync(path.join(outbox, 'admin-notifications.ndjson')).mode & 0o777).toBe(0o600);
    const sent = await eventually(
      async () => (await bulwark.store.readAll({ after: 0, maxCount: 10_000 })).find((event) => event.type === 'AdminNotificationSent'),
      10_000,
      'the evidence',
    );
    expect(sent.data).toMatchObject({ receiver: 'soc@example.com', transport: 'developmentFile', userId: 'frank' });
  });
});
