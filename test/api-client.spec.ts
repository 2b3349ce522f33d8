import { createClient } from './generated/bulwark-api/client';
import {
  activateAuthenticatorAppControllerActivate,
  issueChallengeControllerIssue,
  registerAuthenticatorAppControllerRegister,
  signInsControllerList,
  verifyChallengeControllerVerify,
} from './generated/bulwark-api';
import { Embedded, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

/** The main scenario through the client generated from docs/openapi.json, over HTTP: what a relying party would write. */
describe('the generated client', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  // no keep-alive: a closed app leaves no client sockets behind to hold Jest open
  const clientAs = (role: 'app' | 'analyst') => createClient({ baseUrl: bulwark.url, auth: bulwark.keys[role], headers: { connection: 'close' } });

  it('enrols an authenticator app, denies a wrong code, approves the right one, and finds both in the sign-in log', async () => {
    const app = clientAs('app');
    const userId = 'alice';

    const registered = await registerAuthenticatorAppControllerRegister({ client: app, path: { userId }, body: { displayName: 'Alice’s phone' }, throwOnError: true });
    expect(registered.response.status).toBe(201);
    const { id: methodId, secret } = registered.data;
    const activated = await activateAuthenticatorAppControllerActivate({
      client: app,
      path: { userId, methodId },
      body: { code: totpAt(secret, bulwark.clock) },
      throwOnError: true,
    });
    expect(activated.data).toEqual({ id: methodId, status: 'active', methodType: 'softwareOath' });
    // the activation code's time step is spent
    bulwark.clock.advance({ seconds: 30 });

    const signIn = { userId, clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', appId: 'portal' };
    const first = await issueChallengeControllerIssue({ client: app, body: signIn, throwOnError: true });
    expect(first.data).toMatchObject({ status: 'pending', method: 'softwareOath', methodId, channel: 'appCode' });
    const denied = await verifyChallengeControllerVerify({
      client: app,
      path: { challengeId: first.data.id },
      body: { code: wrongCodeAt(secret, bulwark.clock) },
      throwOnError: true,
    });
    expect(denied.data).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 });

    const second = await issueChallengeControllerIssue({ client: app, body: signIn, throwOnError: true });
    const approved = await verifyChallengeControllerVerify({ client: app, path: { challengeId: second.data.id }, body: { code: totpAt(secret, bulwark.clock) }, throwOnError: true });
    expect(approved.data).toEqual({ status: 'approved', sessionId: expect.any(String), retryAllowed: false });

    await bulwark.consumers.catchUp();
    const log = await signInsControllerList({ client: clientAs('analyst'), throwOnError: true });
    const mine = log.data.value.filter((entry) => entry.userId === userId);
    expect(mine.map((entry) => [entry.correlationId === null ? null : 'set', entry.status?.errorCode, entry.ipAddress])).toEqual([
      ['set', 0, '203.0.113.7'],
      ['set', 500121, '203.0.113.7'],
    ]);
  });

  it('reads refusals as Graph’s error body', async () => {
    const refused = await issueChallengeControllerIssue({ client: clientAs('analyst'), body: { userId: 'alice', clientIp: '203.0.113.7' } });
    expect(refused.response?.status).toBe(403);
    expect(refused.error).toMatchObject({ error: { code: 'accessDenied', innerError: { 'request-id': expect.any(String) } } });
  });
});
