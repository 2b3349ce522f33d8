import { SessionsService } from '../apps/sessions/src/user-sessions/sessions.service';
import { Embedded, enrol, startEmbedded, totpAt } from './support/embedded';

/**
 * Issue 13 §5: when a block, a revocation or a risk remediation answers, every check after it already sees it,
 * even while the service is busy. Each case checks right after the command's answer, with no catch-up between.
 */
describe('blocks and revocations take effect before the answer, under parallel load', () => {
  let bulwark: Embedded;
  let stopLoad = async () => {};

  beforeAll(async () => {
    bulwark = await startEmbedded();
    // 50 concurrent callers keep checking a session and starting challenges (each challenge is an append)
    const { sessionId: loadSession } = await signIn('load-user');
    let running = true;
    const worker = async (n: number) => {
      while (running) {
        if (n % 2) await bulwark.as('app').get(`/v1/sessions/${loadSession}`);
        else await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'load-user', clientIp: '203.0.113.50' });
      }
    };
    const workers = Array.from({ length: 50 }, (_, n) => worker(n));
    stopLoad = async () => {
      running = false;
      await Promise.all(workers);
    };
  });

  afterAll(async () => {
    await stopLoad();
    await bulwark.close();
  });

  const app = () => bulwark.as('app');
  /** The check the moment the answer arrives: in the process, with no HTTP round trip for a reaction to slip into. */
  const checkNow = (sessionId: string) => bulwark.app.get(SessionsService).check(sessionId);
  const admin = () => bulwark.as('admin');

  async function signIn(userId: string, extra: Record<string, unknown> = {}): Promise<{ sessionId: string; deviceToken?: string }> {
    const { secret } = await enrolled(userId);
    const pending = (await app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.9' })).body;
    bulwark.clock.advance({ seconds: 30 });
    const approval = (await app().post(`/v1/mfa/challenges/${pending.id}/verify`, { code: totpAt(secret, bulwark.clock), ...extra })).body;
    expect({ userId, approval }).toMatchObject({ approval: { status: 'approved', sessionId: expect.any(String) } });
    return approval;
  }

  const secrets = new Map<string, string>();
  async function enrolled(userId: string) {
    if (!secrets.has(userId)) secrets.set(userId, (await enrol(bulwark, userId)).secret);
    return { secret: secrets.get(userId)! };
  }

  it('a block: the next session check, challenge and remembered device see it', async () => {
    await admin().put('/v1/settings/mfa', { enabledMethods: ['call', 'sms', 'appNotification', 'appCode'], trustedIpRanges: [], rememberDeviceDays: 30 });
    const [a, b, c] = [await signIn('blocked-a', { rememberDevice: true }), await signIn('blocked-b', { rememberDevice: true }), await signIn('blocked-c', { rememberDevice: true })];
    for (const [userId, session] of [['blocked-a', a!], ['blocked-b', b!], ['blocked-c', c!]] as const) {
      expect((await app().get(`/v1/sessions/${session.sessionId}`)).body).toMatchObject({ valid: true });
      expect((await admin().post(`/v1/users/${userId}/block`, { reason: 'suspected takeover' })).status).toBe(200);
      expect(await checkNow(session.sessionId)).toEqual({ valid: false, reason: 'revoked' });
      expect((await app().get(`/v1/sessions/${session.sessionId}`)).body).toEqual({ valid: false, reason: 'revoked' });
      expect((await app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.9', deviceToken: session.deviceToken })).body).toMatchObject({ status: 'denied', reason: 'userBlocked' });
    }
    await admin().put('/v1/settings/mfa', { enabledMethods: ['call', 'sms', 'appNotification', 'appCode'], trustedIpRanges: [], rememberDeviceDays: null });
  });

  it("revokeSignInSessions: the next session check is not valid", async () => {
    for (let i = 0; i < 3; i++) {
      const { sessionId } = await signIn('revoked-user');
      expect((await app().get(`/v1/sessions/${sessionId}`)).body).toMatchObject({ valid: true });
      expect((await admin().post('/v1.0/users/revoked-user/revokeSignInSessions', { reason: 'phone lost' })).status).toBe(200);
      expect(await checkNow(sessionId)).toEqual({ valid: false, reason: 'revoked' });
      expect((await app().get(`/v1/sessions/${sessionId}`)).body).toEqual({ valid: false, reason: 'revoked' });
    }
  });

  it.each([[['revokeSessions']], [['block']]])('a risk remediation (%j): the report of suspicious activity answers only once sessions are revoked', async (actions) => {
    expect((await admin().put('/v1/settings/riskPolicy', { mode: 'enabled', medium: [], high: actions })).status).toBe(200);
    const userId = `reported-${actions[0]}`;
    const { sessionId } = await signIn(userId);
    const pending = (await app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.9' })).body;
    expect((await app().post(`/v1/mfa/challenges/${pending.id}/reportSuspiciousActivity`)).status).toBe(200);
    expect(await checkNow(sessionId)).toEqual({ valid: false, reason: 'revoked' });
    expect((await app().get(`/v1/sessions/${sessionId}`)).body).toEqual({ valid: false, reason: 'revoked' });
    expect((await admin().put('/v1/settings/riskPolicy', { mode: 'disabled', medium: [], high: [] })).status).toBe(200);
  });
});
