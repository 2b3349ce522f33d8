import { RecordedEvent, streams } from '@bulwark/contracts';
import { envelope } from '@bulwark/event-store';
import { Role } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { parseCef } from '../apps/siem-export/src/formats/fixtures/cef-parser';
import { Embedded, enrol, startEmbedded } from './support/embedded';

/** The embedded SIEM feed over real HTTP: GET /v1/siem/events?format=…&after=…&limit=…&wait=… */

type Page = { status: number; lines: string[]; next: string | null; contentType: string | null; body: string };

async function pull(bulwark: Embedded, query: string, role: Role | null = 'siem'): Promise<Page> {
  const response = await fetch(`${bulwark.url}/v1/siem/events${query}`, {
    headers: { connection: 'close', ...(role ? { authorization: `Bearer ${bulwark.keys[role]}` } : {}) },
  });
  const body = await response.text();
  return {
    status: response.status,
    lines: body.split('\n').filter(Boolean),
    next: response.headers.get('x-bulwark-next-cursor'),
    contentType: response.headers.get('content-type'),
    body,
  };
}

/** Pages through the whole feed from a cursor, as a SIEM would. */
async function pullAll(bulwark: Embedded, format: string, after = '0', limit = 7): Promise<{ lines: string[]; cursor: string }> {
  const lines: string[] = [];
  let cursor = after;
  for (;;) {
    const page = await pull(bulwark, `?format=${format}&after=${cursor}&limit=${limit}`);
    expect(page.status).toBe(200);
    lines.push(...page.lines);
    if (!page.lines.length) return { lines, cursor };
    expect(page.lines.length).toBeLessThanOrEqual(limit);
    cursor = page.next!;
  }
}

async function appendRevoked(bulwark: Embedded, userId: string, reason: string): Promise<RecordedEvent> {
  const [event] = envelope([{ type: 'SessionsRevoked', data: { userId, reason, at: bulwark.clock.now().toISOString() } }], {
    correlationId: randomUUID(),
    actor: { type: 'admin', id: 'key:admin' },
    now: bulwark.clock.now(),
  });
  const { position } = await bulwark.store.append(streams.userSessions(userId), [event!], { expectedRevision: 'any' });
  return { ...event!, streamId: streams.userSessions(userId), revision: 0, position };
}

describe('GET /v1/siem/events (the embedded SIEM feed)', () => {
  let bulwark: Embedded;
  const userId = `alice-${randomUUID().slice(0, 8)}@contoso.com`;

  beforeAll(async () => {
    bulwark = await startEmbedded({ env: { BULWARK_SIEM_USER_NAMES: 'ocsf,ecs' } });
    await enrol(bulwark, userId);
    const blocked = await bulwark.as('admin').post(`/v1/users/${userId}/block`, { reason: 'suspicious | sign-ins\nfrom = abroad' });
    expect(blocked.status).toBeLessThan(300);
    await bulwark.consumers.catchUp();
  }, 60_000);

  afterAll(async () => {
    await bulwark?.close();
  });

  it('pages through every committed event as OCSF NDJSON, in commit order, each once, with the event id', async () => {
    const committed = await bulwark.store.readAll({ after: 0, maxCount: 10_000 });
    const { lines, cursor } = await pullAll(bulwark, 'ocsf');
    const records = lines.map((line) => JSON.parse(line));
    expect(records.map((record) => record.metadata.uid)).toEqual(committed.map((event) => event.eventId));
    expect(cursor).toBe(String(committed[committed.length - 1]!.position));
    const types = records.map((record) => record.metadata.event_code);
    expect(types).toEqual(expect.arrayContaining(['AuthenticatorAppAdded', 'MethodRegistered', 'UserBlocked']));
    const blocked = records.find((record) => record.metadata.event_code === 'UserBlocked');
    expect(blocked).toMatchObject({ class_uid: 3001, activity_id: 5, type_uid: 300105, user: { uid: userId, email_addr: userId } });
    // no secret of the authenticator app leaves
    expect(lines.join('\n')).not.toMatch(/ciphertext|"secret"/);
  });

  it('serves ECS and CEF from the same cursors, and applies each format’s user-name setting', async () => {
    const ocsf = await pull(bulwark, '?format=ocsf&limit=1000');
    const ecs = await pull(bulwark, '?format=ecs&limit=1000');
    const cef = await pull(bulwark, '?format=cef&limit=1000');
    expect(ecs.contentType).toMatch(/^application\/x-ndjson/);
    expect(cef.contentType).toMatch(/^text\/plain/);
    expect([ecs.next, cef.next]).toEqual([ocsf.next, ocsf.next]);
    expect(ecs.lines.map((line) => JSON.parse(line).event.id)).toEqual(ocsf.lines.map((line) => JSON.parse(line).metadata.uid));
    const parsed = cef.lines.map(parseCef);
    expect(parsed.map((line) => line.extension.externalId)).toEqual(ocsf.lines.map((line) => JSON.parse(line).metadata.uid));
    // CEF is configured without user names here: the email-shaped id goes out pseudonymised
    expect(cef.body).not.toContain(userId);
    const block = parsed.find((line) => line.header[4] === '3001')!;
    expect(block.extension.duid).toMatch(/^anon-[0-9a-f]{20}$/);
    // the hostile reason stays inside its value
    expect(block.extension.reason).toBe('suspicious | sign-ins\nfrom = abroad');
    expect(block.extension.act).toBe('block');
  });

  it('returns an empty page and the same cursor when caught up, at once without wait', async () => {
    const head = String(await bulwark.store.headPosition());
    const started = Date.now();
    const page = await pull(bulwark, `?format=ecs&after=${head}`);
    expect(page).toMatchObject({ status: 200, lines: [], next: head });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('long-polls when caught up: answers as soon as an event is committed', async () => {
    const head = String(await bulwark.store.headPosition());
    const waiting = pull(bulwark, `?format=cef&after=${head}&wait=20`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const revoked = await appendRevoked(bulwark, userId, 'long poll');
    const page = await waiting;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(page.lines).toHaveLength(1);
    expect(parseCef(page.lines[0]!).extension).toMatchObject({ externalId: revoked.eventId, act: 'revoke' });
    expect(page.next).toBe(String(revoked.position));
  });

  it('gives up a long poll after `wait` seconds with an empty page', async () => {
    const head = String(await bulwark.store.headPosition());
    const started = Date.now();
    const page = await pull(bulwark, `?format=ocsf&after=${head}&wait=1`);
    expect(page).toMatchObject({ status: 200, lines: [], next: head });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('is for the siem role only: 401 without a key, 403 for the others', async () => {
    expect((await pull(bulwark, '?format=ocsf', null)).status).toBe(401);
    for (const role of ['admin', 'analyst', 'app'] as const) {
      const page = await pull(bulwark, '?format=ocsf', role);
      expect(page.status).toBe(403);
      expect(JSON.parse(page.body).error.code).toBe('accessDenied');
    }
  });

  it.each([
    ['', 'format'],
    ['?format=leef', 'format'],
    ['?format=ocsf&after=-1', 'after'],
    ['?format=ocsf&after=abc', 'after'],
    ['?format=ocsf&after=01', 'after'],
    ['?format=ocsf&limit=0', 'limit'],
    ['?format=ocsf&limit=1001', 'limit'],
    ['?format=ocsf&wait=31', 'wait'],
    ['?format=ocsf&wait=1.5', 'wait'],
    ['?format=ocsf&format=ecs', 'format'],
    ['?format=ocsf&cursor=3', 'unknown field'],
  ])('refuses %s with 400 naming %s', async (query, reason) => {
    const page = await pull(bulwark, query);
    expect(page.status).toBe(400);
    const body = JSON.parse(page.body);
    expect(body.error.code).toBe('badRequest');
    expect(body.error.message).toContain(reason);
  });

  describe('POST /v1/siem/replays', () => {
    const replay = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', topics: ['ocsf', 'cef'] };

    it('needs the Kafka export: 409 in the embedded default, which has none', async () => {
      const reply = await bulwark.as('admin').post('/v1/siem/replays', replay);
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe('siemKafkaNotConfigured');
      expect((await bulwark.as('admin').get('/v1/siem/replays')).body).toEqual({ value: [] });
    });

    it('is for admins: 401 without a key, 403 for the others', async () => {
      expect((await bulwark.as(null).post('/v1/siem/replays', replay)).status).toBe(401);
      for (const role of ['siem', 'analyst', 'app'] as const) expect((await bulwark.as(role).post('/v1/siem/replays', replay)).status).toBe(403);
    });

    it.each([
      [{ ...replay, from: 'yesterday' }, 'from'],
      [{ ...replay, to: '2025-12-31T00:00:00Z' }, 'from must be before to'],
      [{ ...replay, topics: [] }, 'topics'],
      [{ ...replay, topics: ['leef'] }, 'topics'],
      [{ ...replay, topics: ['ocsf', 'ocsf'] }, 'twice'],
      [{ ...replay, extra: 1 }, 'unknown field'],
    ])('refuses %j with 400 naming %s', async (body, reason) => {
      const reply = await bulwark.as('admin').post('/v1/siem/replays', body);
      expect(reply.status).toBe(400);
      expect(reply.body.error.message).toContain(reason);
    });

    it('answers 404 for an unknown job and 400 for a malformed id', async () => {
      expect((await bulwark.as('siem').get(`/v1/siem/replays/${randomUUID()}`)).status).toBe(404);
      expect((await bulwark.as('siem').get('/v1/siem/replays/nope')).status).toBe(400);
    });
  });
});
