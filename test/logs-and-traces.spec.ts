import { streams } from '@bulwark/contracts';
import { configureLogging, defaultLogLevel, stopTracing, startTracing } from '@bulwark/platform';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { Embedded, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

type Line = Record<string, unknown> & { kind?: string; event?: string; msg?: string };

/** Registers and activates an authenticator app; returns its secret and the code the activation sent. */
async function enrolled(bulwark: Embedded, userId: string): Promise<{ secret: string; codes: string[] }> {
  const app = bulwark.as('app');
  const registered = await app.post(`/v1/users/${userId}/authentication/authenticatorApps`, {});
  expect(registered.status).toBe(201);
  const { id, secret } = registered.body as { id: string; secret: string };
  const code = totpAt(secret, bulwark.clock);
  expect((await app.post(`/v1/users/${userId}/authentication/authenticatorApps/${id}/activate`, { code })).status).toBe(200);
  bulwark.clock.advance({ seconds: 30 });
  return { secret, codes: [code] };
}

const challenge = async (bulwark: Embedded, userId: string) => {
  const reply = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7', userAgent: 'logs/1.0', appId: 'portal' });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; status: string };
};

describe('logs', () => {
  const raw: string[] = [];
  const lines: Line[] = [];
  let bulwark: Embedded;

  beforeAll(async () => {
    // the test reads what the server writes: pino's destination is this array
    configureLogging({ level: 'info', pretty: false }, { write: (chunk: string) => void (raw.push(chunk), lines.push(JSON.parse(chunk) as Line)) });
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark?.close();
    configureLogging({ level: defaultLogLevel(), pretty: false });
  });

  it('writes an access line per request and a line per lockout, block and refusal, and never a key, secret or code', async () => {
    const admin = bulwark.as('admin');
    const { secret, codes } = await enrolled(bulwark, 'alice');
    expect((await admin.put('/v1/settings/lockout', { denialsBeforeLockout: 2, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { id } = await challenge(bulwark, 'alice');
      const code = wrongCodeAt(secret, bulwark.clock);
      codes.push(code);
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${id}/verify`, { code })).body).toMatchObject({ status: 'denied' });
      bulwark.clock.advance({ seconds: 5 });
    }
    // tracing is off here: a caller's valid traceparent still reaches the event, as it came
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    expect((await admin.post('/v1/users/alice/block', { reason: 'suspected takeover', days: 1 }, { traceparent })).status).toBe(200);
    expect((await admin.post('/v1/users/alice/unblock', { reason: 'identity confirmed' })).status).toBe(200);
    expect((await bulwark.as('app').get('/v1/settings/lockout')).status).toBe(403);
    expect((await bulwark.as(null).get('/v1/settings/lockout', { authorization: 'Bearer not-a-key-at-all-0123456789' })).status).toBe(401);
    await bulwark.consumers.catchUp();

    const [blocked] = (await bulwark.store.readStream(streams.userProtection('alice'))).filter((event) => event.type === 'UserBlocked');
    expect(blocked!.metadata.traceparent).toBe(traceparent);

    const access = lines.filter((line) => line.kind === 'access');
    const verify = access.find((line) => line.route === '/v1/mfa/challenges/:challengeId/verify');
    expect(verify).toMatchObject({ method: 'POST', status: 200, role: 'app', level: 30, msg: 'request' });
    expect(verify!.path).toMatch(/^\/v1\/mfa\/challenges\/[^/?]+\/verify$/);
    expect(typeof verify!.requestId).toBe('string');
    expect(typeof verify!.ms).toBe('number');
    expect(access.find((line) => line.status === 403)).toMatchObject({ route: '/v1/settings/lockout', role: 'app', method: 'GET' });
    expect(access.find((line) => line.status === 401)).toMatchObject({ route: '/v1/settings/lockout', role: null });
    expect(access.find((line) => line.route === '/v1/users/:userId/block')).toMatchObject({ traceId: traceparent.slice(3, 35) });

    const security = lines.filter((line) => line.kind === 'security');
    expect(security.filter((line) => line.event === 'lockout')).toEqual([
      expect.objectContaining({ type: 'AccountLockedOut', userId: 'alice', level: 40, actor: 'app', msg: 'account locked out' }),
    ]);
    expect(security.filter((line) => line.event === 'block')).toEqual([expect.objectContaining({ userId: 'alice', reason: 'suspected takeover', actor: 'admin', traceId: traceparent.slice(3, 35) })]);
    expect(security.filter((line) => line.event === 'unblock')).toEqual([expect.objectContaining({ userId: 'alice', level: 30 })]);
    expect(security.find((line) => line.event === 'accessDenied' && line.status === 403)).toMatchObject({
      route: '/v1/settings/lockout',
      role: 'app',
      code: 'accessDenied',
      reason: expect.stringContaining('admin'),
    });
    expect(security.find((line) => line.event === 'accessDenied' && line.status === 401)).toMatchObject({ role: null, code: 'unauthenticated' });

    const everything = raw.join('');
    for (const key of Object.values(bulwark.keys)) expect(everything).not.toContain(key);
    expect(everything).not.toContain('not-a-key-at-all');
    expect(everything).not.toContain(secret);
    for (const code of codes) expect(everything).not.toContain(`"${code}"`);
    expect(everything.toLowerCase()).not.toContain('authorization');
  });
});

describe('traces', () => {
  const exporter = new InMemorySpanExporter();
  let bulwark: Embedded;

  beforeAll(async () => {
    startTracing('off', 'test', exporter);
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark?.close();
    await stopTracing();
  });

  it('follows a request into the events it appends and the reactions in their trace', async () => {
    await enrolled(bulwark, 'bob');
    expect((await bulwark.as('admin').put('/v1/settings/fraudAlert', { reportSuspiciousActivity: 'enabled', autoBlockOnFraud: true })).status).toBe(200);
    const { id } = await challenge(bulwark, 'bob');
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const reported = await bulwark.as('app').post(`/v1/mfa/challenges/${id}/reportSuspiciousActivity`, undefined, { traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(reported.status).toBe(200);
    await bulwark.consumers.catchUp();

    const spans = exporter.getFinishedSpans();
    const inTrace = (span: ReadableSpan) => span.spanContext().traceId === traceId;
    const server = spans.find((span) => inTrace(span) && span.kind === SpanKind.SERVER);
    expect(server).toBeDefined();
    expect(server!.name).toBe('POST /v1/mfa/challenges/:challengeId/reportSuspiciousActivity');
    expect(server!.parentSpanContext?.spanId).toBe(callerSpan);
    expect(server!.attributes['http.response.status_code']).toBe(200);

    // the event names the server span as its parent
    const [report] = (await bulwark.store.readStream(streams.userMfa('bob'))).filter((event) => event.type === 'SuspiciousActivityReported');
    expect(report!.metadata.traceparent).toBe(`00-${traceId}-${server!.spanContext().spanId}-01`);

    // the reaction that blocks on a fraud report runs in a span of the same trace, the child of the event's
    const reaction = spans.find((span) => inTrace(span) && span.name === 'reaction:block-on-fraud-report SuspiciousActivityReported');
    expect(reaction).toMatchObject({ kind: SpanKind.CONSUMER });
    expect(reaction!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);

    // and what it appends carries its span on
    const [blocked] = await bulwark.store.readStream(streams.userProtection('bob'));
    expect(blocked).toMatchObject({ type: 'UserBlocked', metadata: { traceparent: `00-${traceId}-${reaction!.spanContext().spanId}-01` } });
  });

  it('starts a trace for a request that brings none, and ignores a malformed traceparent', async () => {
    exporter.reset();
    const reply = await bulwark.as('admin').get('/v1/settings/lockout', { traceparent: '00-not-a-trace-01' });
    expect(reply.status).toBe(200);
    const [server] = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(server).toMatchObject({ name: 'GET /v1/settings/lockout' });
    expect(server!.parentSpanContext).toBeUndefined();
  });
});
