import { Embedded, enrol, startEmbedded } from './support/embedded';

/** Every bad request gets a 4xx with a reason in Graph's error shape, and appends nothing. */
describe('the HTTP edge', () => {
  let bulwark: Embedded;
  let routes: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    bulwark = await startEmbedded();
    const document = (await (await fetch(`${bulwark.url}/docs/openapi.json`, { headers: { connection: "close" } })).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: route.replace(/\{[^}]+\}/g, 'x1') })),
    );
  });

  afterAll(async () => {
    await bulwark.close();
  });

  /** Nothing but the record of a refused command route (AuthorizationDenied, issue 13 §6: see authorization-audit.spec.ts). */
  const expectNothingAppended = async (action: () => Promise<unknown>) => {
    const before = await bulwark.store.headPosition();
    await action();
    const appended = await bulwark.store.readAll({ after: before, maxCount: 10_000 });
    expect(appended.filter((event) => event.type !== 'AuthorizationDenied').map((event) => `${event.type} in ${event.streamId}`)).toEqual([]);
  };

  const expectError = (reply: { status: number; body: any }, status: number, message: RegExp) => {
    expect(reply.status).toBe(status);
    expect(reply.body.error.message).toMatch(message);
    expect(reply.body.error.innerError['request-id']).toEqual(expect.any(String));
  };

  it('documents the API at /docs without a key, and answers /health without a key', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const health = await bulwark.as(null).get('/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', store: { status: 'up', kind: 'sqlite' } } });
    const docs = await fetch(`${bulwark.url}/docs`, { headers: { connection: 'close' } });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('refuses every other route without a key (401) or with a bad key (401), appending nothing', async () => {
    const open = routes.filter((route) => route.path !== '/health');
    expect(open.length).toBeGreaterThan(10);
    await expectNothingAppended(async () => {
      for (const route of open) {
        expectError(await bulwark.as(null).raw(route.method, route.path, '{}'), 401, /missing bearer key/);
        const bad = await bulwark.as(null).raw(route.method, route.path, '{}', { authorization: 'Bearer not-a-key' });
        expectError(bad, 401, /not valid/);
      }
    });
  });

  it.each([
    ['POST', '/v1/users/alice/authentication/authenticatorApps', 'analyst'],
    ['POST', '/v1/mfa/challenges', 'admin'],
    ['POST', '/v1/mfa/challenges/x1/verify', 'siem'],
    ['PUT', '/v1/settings/lockout', 'app'],
    ['POST', '/v1.0/users/alice/revokeSignInSessions', 'analyst'],
    ['GET', '/v1.0/identityProtection/riskDetections', 'app'],
    ['GET', '/v1.0/identityProtection/riskyUsers', 'siem'],
    ['GET', '/v1.0/identityProtection/riskyUsers/alice', 'app'],
    ['GET', '/v1.0/identityProtection/riskyUsers/alice/history', 'siem'],
    ['POST', '/v1.0/identityProtection/riskyUsers/dismiss', 'app'],
    ['PUT', '/v1/settings/riskPolicy', 'analyst'],
    ['PUT', '/v1/settings/riskDetection', 'analyst'],
    ['GET', '/v1.0/auditLogs/signIns', 'app'],
    ['GET', '/v1/sessions/2b0c6a52-5d8f-4a57-9d2f-0d5ad0a1d1a1', 'analyst'],
  ] as const)('refuses %s %s to the %s role (403)', async (method, route, role) => {
    await expectNothingAppended(async () => {
      expectError(await bulwark.as(role).raw(method, route, '{}'), 403, /needs the role/);
    });
  });

  it('refuses malformed JSON, unknown fields, wrong types, missing fields and oversize bodies with 4xx naming the problem', async () => {
    const app = bulwark.as('app');
    await expectNothingAppended(async () => {
      expectError(await app.raw('POST', '/v1/mfa/challenges', '{"userId": "alice",'), 400, /not valid JSON/);
      expectError(await app.post('/v1/mfa/challenges', { userId: 'alice', clientIp: '203.0.113.7', admin: true }), 400, /unknown field.*admin/);
      expectError(await app.post('/v1/mfa/challenges', { userId: 'alice', clientIp: 42 }), 400, /clientIp/);
      expectError(await app.post('/v1/mfa/challenges', { userId: 'alice', clientIp: 'not-an-ip' }), 400, /clientIp/);
      expectError(await app.post('/v1/mfa/challenges', { clientIp: '203.0.113.7' }), 400, /userId/);
      expectError(await app.post('/v1/mfa/challenges'), 400, /body is required/);
      expectError(await app.post('/v1/mfa/challenges', { userId: 'a'.repeat(70_000), clientIp: '203.0.113.7' }), 413, /64 KiB/);
      expectError(await app.post('/v1/mfa/challenges/x1/verify', { code: 'abc' }), 400, /code/);
      expectError(await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 0, counterResetMinutes: 10, autoUnlockMinutes: 15 }), 400, /denialsBeforeLockout/);
      expectError(await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: '3', counterResetMinutes: 10, autoUnlockMinutes: 15 }), 400, /denialsBeforeLockout/);
      expectError(await app.post('/v1/users/alice/authentication/authenticatorApps', { digits: 7 }), 400, /digits/);
      expectError(await app.get('/v1/sessions/not-a-uuid'), 400, /session id/);
    });
  });

  it('answers unknown users, methods, challenges and sessions with 404, and conflicts with 409', async () => {
    const app = bulwark.as('app');
    const { methodId, secret } = await enrol(bulwark, 'edge-user');
    await expectNothingAppended(async () => {
      expectError(await app.post('/v1/users/nobody/authentication/appPasswords/verify', { password: 'x', clientIp: '203.0.113.7' }), 404, /nobody/);
      expectError(await app.post('/v1/users/edge-user/authentication/authenticatorApps/00000000-0000-0000-0000-000000000000/activate', { code: '123456' }), 404, /has no method/);
      expectError(await app.post('/v1/mfa/challenges/3f1f8a2e-4c59-4a8e-9a57-2d7e1d3b0c11/verify', { code: '123456' }), 404, /no challenge/);
      expectError(await app.get('/v1/sessions/3f1f8a2e-4c59-4a8e-9a57-2d7e1d3b0c11'), 404, /no session/);
      expectError(await bulwark.as('admin').post('/v1.0/users/nobody/revokeSignInSessions'), 404, /nobody/);
      expectError(await app.post(`/v1/users/edge-user/authentication/authenticatorApps/${methodId}/activate`, { code: '123456' }), 409, /already active/);
      expectError(await app.get('/v1/no-such-route'), 404, /no route/);
    });
    // a user the service has never seen is one with no method: the registration policy applies (test/settings.spec.ts)
    expect((await app.post('/v1/mfa/challenges', { userId: 'nobody', clientIp: '203.0.113.7' })).body).toMatchObject({ status: 'registrationRequired', reason: 'noMethods' });
    // a finished challenge cannot be answered again
    const { body: challenge } = await app.post('/v1/mfa/challenges', { userId: 'edge-user', clientIp: '203.0.113.7' });
    expect((await app.post(`/v1/mfa/challenges/${challenge.id}/reportSuspiciousActivity`)).status).toBe(200);
    // the report's reactions (its risk detection) append on their own: let them finish before counting appends
    await bulwark.consumers.catchUp();
    await expectNothingAppended(async () => {
      expectError(await app.post(`/v1/mfa/challenges/${challenge.id}/verify`, { code: '123456' }), 409, /already finished/);
      expectError(await app.post(`/v1/mfa/challenges/${challenge.id}/reportSuspiciousActivity`), 409, /already finished/);
    });
    expect(secret).toHaveLength(32);
  });

  it('refuses a wrong activation code with 422 and appends nothing', async () => {
    const app = bulwark.as('app');
    const { body } = await app.post('/v1/users/pending-user/authentication/authenticatorApps', { algorithm: 'SHA256', digits: 8, period: 60 });
    expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Bulwark:pending-user\?.*algorithm=SHA256.*digits=8.*period=60/);
    await expectNothingAppended(async () => {
      expectError(await app.post(`/v1/users/pending-user/authentication/authenticatorApps/${body.id}/activate`, { code: '00000000' }), 422, /does not match/);
    });
  });
});
