import { streams } from '@bulwark/contracts';
import { Embedded, enrol, startEmbedded, wrongCodeAt } from './support/embedded';

/** Issue 13 §1 and §8 through HTTP on the embedded default: per-user limits in the stream, buckets per IP and app key. */

async function post(bulwark: Embedded, route: string, body: unknown): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const response = await fetch(bulwark.url + route, {
    method: 'POST',
    headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.app}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

const throttledIn = async (bulwark: Embedded, userId: string) =>
  (await bulwark.store.readStream(streams.userMfa(userId))).filter((event) => event.type === 'MfaThrottled');

describe('rate limits', () => {
  let bulwark: Embedded;
  beforeEach(async () => {
    bulwark = await startEmbedded();
  });
  afterEach(() => bulwark.close());

  it('refuses the sixth push in ten minutes with 429, Retry-After and Graph body, recording one MfaThrottled for the episode', async () => {
    await enrol(bulwark, 'alice', { pushEnabled: true });
    const replies = [];
    for (let i = 0; i < 12; i++) {
      replies.push(await post(bulwark, '/v1/mfa/challenges', { userId: 'alice', clientIp: '203.0.113.7', channel: 'appNotification' }));
      bulwark.clock.advance({ seconds: 10 });
    }
    expect(replies.slice(0, 5).map((reply) => reply.status)).toEqual([201, 201, 201, 201, 201]);
    expect(replies.slice(5).map((reply) => reply.status)).toEqual([429, 429, 429, 429, 429, 429, 429]);
    // the first push was 50 s before the sixth: its slot frees 550 s later
    expect(replies[5]!.retryAfter).toBe('550');
    expect(replies[6]!.retryAfter).toBe('540');
    expect(replies[5]!.body).toEqual({
      error: { code: 'tooManyRequests', message: expect.stringMatching(/pushesPerWindow.*5 push notifications per 10 minutes/), innerError: expect.any(Object) },
    });
    const throttled = await throttledIn(bulwark, 'alice');
    expect(throttled.map((event) => event.data)).toEqual([expect.objectContaining({ userId: 'alice', limit: 'pushesPerWindow', challengeId: null, clientIp: '203.0.113.7' })]);
  });

  it('issues exactly the per-minute limit of 200 parallel challenges for one user', async () => {
    await enrol(bulwark, 'bob');
    const replies = await Promise.all(Array.from({ length: 200 }, () => post(bulwark, '/v1/mfa/challenges', { userId: 'bob', clientIp: '198.51.100.4' })));
    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(10);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(190);
    const issued = (await bulwark.store.readStream(streams.userMfa('bob'))).filter((event) => event.type === 'MfaChallengeIssued');
    expect(issued).toHaveLength(10);
    expect((await throttledIn(bulwark, 'bob')).map((event) => event.data.limit)).toEqual(['challengesPerMinute']);
  });

  it('holds the per-minute limit for a user with no method too: a loop of registration prompts cannot grow the stream', async () => {
    const replies = await Promise.all(Array.from({ length: 100 }, () => post(bulwark, '/v1/mfa/challenges', { userId: 'nomad', clientIp: '198.51.100.5' })));
    expect(replies.filter((reply) => reply.status === 201).map((reply) => reply.body.status)).toEqual(Array(10).fill('registrationRequired'));
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(90);
    expect((await bulwark.store.readStream(streams.userMfa('nomad'))).map((event) => event.type)).toEqual([...Array(10).fill('RegistrationRequiredAtSignIn'), 'MfaThrottled']);
  });

  it('ends a challenge with its fifth wrong code (retryAllowed false) and refuses the sixth', async () => {
    const { secret } = await enrol(bulwark, 'carol');
    const challenge = await post(bulwark, '/v1/mfa/challenges', { userId: 'carol', clientIp: '203.0.113.8' });
    const wrong = wrongCodeAt(secret, bulwark.clock);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await post(bulwark, `/v1/mfa/challenges/${challenge.body.id}/verify`, { code: wrong }));
    expect(answers.slice(0, 4).map((reply) => reply.body)).toEqual([4, 3, 2, 1].map((attemptsLeft) => ({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft })));
    expect(answers[4]!.body).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: false });
    expect(answers[5]).toMatchObject({ status: 409, body: { error: { code: 'challengeFinished' } } });
    expect((await throttledIn(bulwark, 'carol')).map((event) => event.data)).toEqual([expect.objectContaining({ limit: 'attemptsPerChallenge', challengeId: challenge.body.id })]);
  });

  it('counts a throttled push episode as an MFA fatigue signal', async () => {
    await enrol(bulwark, 'dave', { pushEnabled: true });
    const risk = bulwark.as('admin');
    const { version: _, ...detection } = (await risk.get('/v1/settings/riskDetection')).body;
    expect((await risk.put('/v1/settings/riskDetection', { ...detection, mfaFatigue: { ...detection.mfaFatigue, threshold: 2 } })).status).toBe(200);
    expect((await risk.put('/v1/settings/rateLimits', { challengesPerMinute: 10, pushesPerWindow: 1, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 1, attemptsPerChallenge: 5 })).status).toBe(200);
    // two episodes of refused pushes, a minute apart: each its own signal
    for (let episode = 0; episode < 2; episode++) {
      expect((await post(bulwark, '/v1/mfa/challenges', { userId: 'dave', clientIp: '198.51.100.23', channel: 'appNotification' })).status).toBe(201);
      expect((await post(bulwark, '/v1/mfa/challenges', { userId: 'dave', clientIp: '198.51.100.23', channel: 'appNotification' })).status).toBe(429);
      expect((await post(bulwark, '/v1/mfa/challenges', { userId: 'dave', clientIp: '198.51.100.23', channel: 'appNotification' })).status).toBe(429);
      bulwark.clock.advance({ seconds: 61 });
    }
    await bulwark.consumers.catchUp();
    const detected = (await bulwark.store.readStream(streams.userRisk('dave'))).filter((event) => event.type === 'RiskDetected');
    expect(detected.map((event) => event.data)).toEqual([
      expect.objectContaining({ riskEventType: 'mfaFatigue', ipAddress: '198.51.100.23', additionalInfo: expect.objectContaining({ pushThrottled: 2 }) }),
    ]);
  });

  it('GET/PUT /v1/settings/rateLimits: admin only, validated, versioned and audited', async () => {
    const settings = { challengesPerMinute: 20, pushesPerWindow: 3, smsPerWindow: 4, callsPerWindow: 2, windowMinutes: 15, attemptsPerChallenge: 3 };
    expect(await bulwark.as('admin').get('/v1/settings/rateLimits')).toMatchObject({
      status: 200,
      body: { challengesPerMinute: 10, pushesPerWindow: 5, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5, version: 0 },
    });
    expect((await bulwark.as('analyst').get('/v1/settings/rateLimits')).status).toBe(403);
    expect((await bulwark.as('app').put('/v1/settings/rateLimits', settings)).status).toBe(403);
    for (const bad of [{ ...settings, pushesPerWindow: 0 }, { ...settings, challengesPerMinute: -1 }, { ...settings, windowMinutes: 61 }]) {
      const reply = await bulwark.as('admin').put('/v1/settings/rateLimits', bad);
      expect(reply.status).toBe(400);
      expect(reply.body.error.message).toMatch(/pushesPerWindow|challengesPerMinute|windowMinutes/);
    }
    expect(await bulwark.as('admin').put('/v1/settings/rateLimits', settings)).toMatchObject({ status: 200, body: { ...settings, version: 1 } });
    expect(await bulwark.as('admin').get('/v1/settings/rateLimits')).toMatchObject({ status: 200, body: { ...settings, version: 1 } });
    await bulwark.consumers.catchUp();
    const audits = (await bulwark.as('analyst').get('/v1.0/auditLogs/directoryAudits')).body.value as Array<{ activityDisplayName: string }>;
    expect(audits.map((audit) => audit.activityDisplayName)).toContain('Update MFA rate limit settings');
  });
});

describe('rate limits per client IP (in-process bucket)', () => {
  let bulwark: Embedded;
  beforeAll(async () => {
    bulwark = await startEmbedded({ env: { BULWARK_RATE_LIMIT_IP_BURST: '20', BULWARK_RATE_LIMIT_IP_PER_MINUTE: '60' } });
  });
  afterAll(() => bulwark.close());

  it('refuses challenges for many users from one IP after the burst, with Retry-After, and lets other IPs through', async () => {
    const users = Array.from({ length: 25 }, (_, index) => `user-${index}`);
    const replies = [];
    for (const userId of users) replies.push(await post(bulwark, '/v1/mfa/challenges', { userId, clientIp: '192.0.2.50' }));
    // no user is registered: each gets registrationRequired until the bucket is empty
    expect(replies.slice(0, 20).every((reply) => reply.status === 201)).toBe(true);
    expect(replies.slice(20).map((reply) => reply.status)).toEqual([429, 429, 429, 429, 429]);
    expect(replies[20]).toMatchObject({ retryAfter: '1', body: { error: { code: 'tooManyRequests', message: expect.stringMatching(/perClientIp/) } } });
    expect((await post(bulwark, '/v1/mfa/challenges', { userId: 'user-0', clientIp: '192.0.2.51' })).status).toBe(201);
    bulwark.clock.advance({ seconds: 1 });
    expect((await post(bulwark, '/v1/mfa/challenges', { userId: 'user-0', clientIp: '192.0.2.50' })).status).toBe(201);
  });
});
