import { streams } from '@bulwark/contracts';
import { AUTHORIZATION_AUDITS_PER_MINUTE } from '@bulwark/platform';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Embedded, startEmbedded } from './support/embedded';

/** Issue 13 §6: a refused command route leaves a trace (an audit row, a log line, a counter), never the key. */
describe('failed authorisation on command routes', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const day = () => bulwark.clock.now().toISOString().slice(0, 10);
  const recorded = async () => (await bulwark.store.readStream(streams.securityAudit(day()))).filter((event) => event.type === 'AuthorizationDenied');
  const failures = async () => {
    await bulwark.consumers.catchUp();
    const reply = await bulwark.as('admin').get(`/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("result eq 'failure'")}`);
    expect(reply.status).toBe(200);
    return (reply.body.value as Array<Record<string, any>>).filter((audit) => audit.activityDisplayName === 'Access denied');
  };

  it("records an analyst's 403 on POST block as a failed directory audit with the reason, and no key", async () => {
    const refused = await bulwark.as('analyst').post('/v1/users/alice/block', { reason: 'not mine to do' });
    expect(refused.status).toBe(403);
    const [audit, ...others] = await failures();
    expect(others).toEqual([]);
    expect(audit).toMatchObject({
      category: 'Authorization',
      result: 'failure',
      resultReason: 'this route needs the role admin; the key has the role analyst',
      targetResources: [expect.objectContaining({ id: 'POST /v1/users/:userId/block' })],
      initiatedBy: { app: expect.objectContaining({ servicePrincipalId: 'key:analyst' }), user: null },
    });
    expect(audit!.additionalDetails).toEqual(expect.arrayContaining([{ key: 'Status', value: '403' }, { key: 'Role', value: 'analyst' }, { key: 'SuppressedCount', value: '0' }]));
    expect(JSON.stringify(audit)).not.toContain(bulwark.keys.analyst);
    const metrics = await (await fetch(`${bulwark.url}/metrics`, { headers: { authorization: `Bearer ${bulwark.keys.admin}` } })).text();
    expect(metrics).toMatch(/bulwark_authorization_failures_total\{[^}]*route="\/v1\/users\/:userId\/block"[^}]*status="403"[^}]*role="analyst"[^}]*\} 1/);
  });

  it('records a 401 without a valid key, with no role', async () => {
    const forged = 'forged-key-' + 'x'.repeat(20);
    expect((await bulwark.as(null).raw('POST', '/v1.0/users/alice/revokeSignInSessions', '{}', { authorization: `Bearer ${forged}`, 'content-type': 'application/json' })).status).toBe(401);
    const audit = (await failures()).find((row) => row.targetResources[0].id === 'POST /v1.0/users/:userId/revokeSignInSessions');
    expect(audit).toMatchObject({ resultReason: 'the bearer key is not valid', result: 'failure' });
    expect(JSON.stringify(await recorded())).not.toContain(forged);
  });

  it('does not record refused reads (a GET 403 is logged and answered, not audited)', async () => {
    const before = (await recorded()).length;
    expect((await bulwark.as('analyst').get('/v1/settings/fraudAlert')).status).toBe(403);
    expect((await recorded()).length).toBe(before);
  });

  it('records at most the limit per minute under a flood of 500, and the next one says how many were left out', async () => {
    const kindOf = (event: { data: Record<string, unknown> }) => event.data.route === '/v1/users/:userId/block' && event.data.role === 'analyst';
    const before = (await recorded()).filter(kindOf).length;
    const replies = [];
    for (let wave = 0; wave < 10; wave++) {
      replies.push(...(await Promise.all(Array.from({ length: 50 }, () => bulwark.as('analyst').post('/v1/users/alice/block', { reason: 'flood' })))));
    }
    expect(replies.every((reply) => reply.status === 403)).toBe(true);
    const inMinute = (await recorded()).filter(kindOf);
    expect(inMinute.length).toBe(AUTHORIZATION_AUDITS_PER_MINUTE);
    bulwark.clock.advance({ seconds: 60 });
    expect((await bulwark.as('analyst').post('/v1/users/alice/block', { reason: 'after the flood' })).status).toBe(403);
    const next = (await recorded()).filter(kindOf).at(-1)!;
    expect(next.data.suppressedCount).toBe(before + 500 - AUTHORIZATION_AUDITS_PER_MINUTE);
    const audit = (await failures()).find((row) => row.id === next.eventId);
    expect(audit!.additionalDetails).toEqual(expect.arrayContaining([{ key: 'SuppressedCount', value: String(next.data.suppressedCount) }]));
  });

  it('keeps neither a key nor its hash anywhere in the store files', async () => {
    await bulwark.consumers.catchUp();
    const files = readdirSync(bulwark.dataDir).map((name) => path.join(bulwark.dataDir, name)).filter((file) => /\.db(-wal)?$/.test(file));
    expect(files.length).toBeGreaterThan(0);
    for (const key of Object.values(bulwark.keys)) {
      const digest = createHash('sha256').update(key).digest();
      for (const file of files) {
        const bytes = readFileSync(file);
        expect({ file, key: bytes.includes(key) }).toEqual({ file, key: false });
        expect({ file, hex: bytes.includes(digest.toString('hex')), base64: bytes.includes(digest.toString('base64')), raw: bytes.includes(digest) }).toEqual({ file, hex: false, base64: false, raw: false });
      }
    }
  });
});
