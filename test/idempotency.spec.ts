import { streams } from '@bulwark/contracts';
import { idempotencyDatabaseFile, loadConfig, Role } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { Embedded, startEmbedded, streamTypes } from './support/embedded';

type Answer = { status: number; body: any; headers: Headers };

/** A retry with the same Idempotency-Key gets the first answer and appends nothing (issue 13 §2). */
describe('Idempotency-Key', () => {
  let bulwark: Embedded;

  beforeEach(async () => {
    bulwark = await startEmbedded();
  });

  afterEach(async () => {
    await bulwark?.close();
  });

  const send = async (role: Role, method: string, route: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(bulwark.url + route, {
      method,
      headers: { connection: 'close', authorization: `Bearer ${bulwark.keys[role]}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const registerApp = (userId: string, key?: string, body: unknown = { displayName: 'phone' }) =>
    send('app', 'POST', `/v1/users/${userId}/authentication/authenticatorApps`, body, key === undefined ? {} : { 'idempotency-key': key });
  const block = (userId: string, key: string, reason = 'suspected takeover') => send('admin', 'POST', `/v1/users/${userId}/block`, { reason, days: 1 }, { 'idempotency-key': key });
  const mfaEvents = (userId: string) => streamTypes(bulwark.store, streams.userMfa(userId));
  const storedFiles = () => [idempotencyFileOf(bulwark), `${idempotencyFileOf(bulwark)}-wal`].filter(existsSync);

  it('answers a repeated authenticator-app registration with the first answer, the same secret, and appends one method', async () => {
    const first = await registerApp('idem-alice', 'b0a1c6a2-8f3e-4f0e-9a55-000000000001', { displayName: 'phone' });
    expect(first.status).toBe(201);
    const events = await mfaEvents('idem-alice');
    expect(events.length).toBeGreaterThan(0);

    const retry = await registerApp('idem-alice', 'b0a1c6a2-8f3e-4f0e-9a55-000000000001', { displayName: 'phone' });
    expect(retry).toMatchObject({ status: 201, body: first.body });
    expect(retry.body.secret).toBe(first.body.secret);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(await mfaEvents('idem-alice')).toEqual(events);

    // without a key, the same request is a second registration
    expect((await registerApp('idem-alice')).status).toBe(201);
    expect((await mfaEvents('idem-alice')).length).toBeGreaterThan(events.length);
  });

  it('blocks a user once for two blocks with one key', async () => {
    expect((await block('idem-bob', 'block-idem-bob')).status).toBe(200);
    const second = await block('idem-bob', 'block-idem-bob');
    expect(second.status).toBe(200);
    expect((await streamTypes(bulwark.store, streams.userProtection('idem-bob'))).filter((type) => type === 'UserBlocked')).toHaveLength(1);
  });

  it('refuses the key with another body or path (422) and appends nothing; another role has keys of its own', async () => {
    const first = await registerApp('idem-carol', 'reused-key', { displayName: 'phone' });
    expect(first.status).toBe(201);
    const before = await bulwark.store.headPosition();
    const otherBody = await registerApp('idem-carol', 'reused-key', { displayName: 'tablet' });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.error).toMatchObject({ code: 'idempotencyKeyReused', message: expect.stringMatching(/another request/) });
    expect((await registerApp('idem-dave', 'reused-key', { displayName: 'phone' })).status).toBe(422);
    expect(await bulwark.store.headPosition()).toBe(before);
    // the admin's key space is not the app's: the same key is a first request, not a reuse (nor the app's answer)
    expect((await block('idem-carol', 'reused-key')).status).toBe(200);
  });

  it('recognises a retry after a restart', async () => {
    const first = await registerApp('idem-erin', 'across-restarts', { displayName: 'phone' });
    expect(first.status).toBe(201);
    const events = await mfaEvents('idem-erin');
    const { dataDir, clock } = bulwark;
    await bulwark.close();
    bulwark = await startEmbedded({ dataDir, clock });

    const retry = await registerApp('idem-erin', 'across-restarts', { displayName: 'phone' });
    expect(retry).toMatchObject({ status: 201, body: first.body });
    expect(await mfaEvents('idem-erin')).toEqual(events);
  });

  it('runs one of 10 parallel requests with one key; the others get its answer or 409 while it runs', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => registerApp('idem-frank', 'parallel-key', { displayName: 'phone' })));
    const done = answers.filter((answer) => answer.status === 201);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const answer of done) expect(answer.body).toEqual(done[0]!.body);
    for (const answer of answers.filter((answer) => answer.status !== 201)) {
      expect(answer).toMatchObject({ status: 409, body: { error: { code: 'idempotencyKeyInProgress' } } });
    }
    const after = await registerApp('idem-frank', 'parallel-key', { displayName: 'phone' });
    expect(after).toMatchObject({ status: 201, body: done[0]!.body });

    // one method: the stream is what one registration without a key appends to a new user
    await registerApp('idem-grace');
    expect(await mfaEvents('idem-frank')).toEqual(await mfaEvents('idem-grace'));
  });

  it('keeps the answers sealed: neither the TOTP secret nor its otpauth URI is in the file', async () => {
    const first = await registerApp('idem-heidi', 'sealed-answer', { displayName: 'phone' });
    expect(first.status).toBe(201);
    const db = new Database(idempotencyFileOf(bulwark), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM idempotency_keys WHERE key = ?').all('sealed-answer')).toEqual([{ status: 201 }]);
    } finally {
      db.close();
    }
    const bytes = Buffer.concat(storedFiles().map((file) => readFileSync(file)));
    expect(bytes.length).toBeGreaterThan(0);
    for (const secret of [first.body.secret, first.body.otpauthUri, encodeURIComponent(first.body.secret)]) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
  });

  it('replays a refusal (4xx) too, and forgets a key after 24 hours', async () => {
    const refused = await registerApp('idem-ivan', 'refused-once', { displayName: 'phone', algorithm: 'md5' });
    expect(refused.status).toBe(400);
    const again = await registerApp('idem-ivan', 'refused-once', { displayName: 'phone', algorithm: 'md5' });
    expect(again).toMatchObject({ status: 400, body: refused.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    expect((await registerApp('idem-ivan', 'day-old', { displayName: 'phone' })).status).toBe(201);
    bulwark.clock.advance({ minutes: 24 * 60 + 1 });
    // a day later the key is free again: another body is a new request, not a reuse
    expect((await registerApp('idem-ivan', 'day-old', { displayName: 'tablet' })).status).toBe(201);
  });

  it.each([
    ['too long', 'k'.repeat(256)],
    ['not ASCII', 'clé-1'],
    ['empty', '""'],
  ])('refuses a key that is %s (400) and appends nothing', async (_, key) => {
    const before = await bulwark.store.headPosition();
    const reply = await registerApp('idem-judy', key);
    expect(reply.status).toBe(400);
    expect(reply.body.error.details).toEqual([expect.objectContaining({ code: 'invalidIdempotencyKey', target: 'Idempotency-Key' })]);
    expect(await bulwark.store.headPosition()).toBe(before);
  });

  it("echoes the client's client-request-id, which is not an Idempotency-Key", async () => {
    const first = await registerApp('idem-kim', undefined);
    const reply = await send('app', 'POST', '/v1/users/idem-kim/authentication/authenticatorApps', {}, { 'client-request-id': 'req-42' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('client-request-id')).toBe('req-42');
    expect(reply.body.id).not.toBe(first.body.id);
  });
});

const idempotencyFileOf = (bulwark: Embedded) => idempotencyDatabaseFile(loadConfig({ BULWARK_DATA_DIR: bulwark.dataDir }, 'bulwark'));
