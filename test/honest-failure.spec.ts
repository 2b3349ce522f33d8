import { eventRegistry, streams } from '@bulwark/contracts';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parkEventCli } from '../tools/events/park';
import { Embedded, enrol, Reply, startEmbedded } from './support/embedded';

/** Issue 13 §7: an unavailable store and an unreadable event are answered and reported honestly, and can be operated. */
describe('honest failure and health', () => {
  let bulwark: Embedded;

  afterEach(async () => {
    await bulwark?.close();
  });

  const health = async (): Promise<Reply> => {
    const response = await fetch(`${bulwark.url}/health`, { headers: { connection: 'close' } });
    return { status: response.status, body: await response.json() };
  };

  async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('answers 503 with Retry-After while another process holds the store, and /health names the store; both recover on release', async () => {
    bulwark = await startEmbedded();
    await enrol(bulwark, 'locked-user');
    expect((await health()).status).toBe(200);

    // another process (here: another connection) holds the store's write lock
    const other = new Database(path.join(bulwark.dataDir, 'events.db'));
    other.exec('BEGIN EXCLUSIVE');
    try {
      const degraded = await health();
      expect(degraded.status).toBe(503);
      expect(degraded.body).toMatchObject({ status: 'degraded', store: { status: 'down', error: expect.stringMatching(/cannot be written: database is locked \(SQLITE_BUSY\)/) } });

      const refused = await fetch(`${bulwark.url}/v1/mfa/challenges`, {
        method: 'POST',
        headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.app}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'locked-user', clientIp: '203.0.113.20' }),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(((await refused.json()) as Reply['body']).error).toMatchObject({ code: 'serviceUnavailable', message: expect.stringContaining('the event store is unavailable') });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', store: { status: 'up' } } });
    const issued = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'locked-user', clientIp: '203.0.113.20' });
    expect(issued.status).toBe(201);
  }, 30_000);

  it('stops the consumers on an unreadable event, names it in /health, and goes on once an operator parks it', async () => {
    bulwark = await startEmbedded();
    await enrol(bulwark, 'broken-user');
    await bulwark.consumers.catchUp();

    // a row no build of ours would write: an MfaDenied whose data fails its contract, written beside the server
    const eventId = randomUUID();
    const raw = new Database(path.join(bulwark.dataDir, 'events.db'));
    const stream = streams.userMfa('broken-user');
    const revision = raw.prepare<[string], { next: number }>('SELECT COUNT(*) AS next FROM events WHERE stream_id = ?').get(stream)!.next;
    const metadata = { correlationId: randomUUID(), causationId: null, actor: { type: 'app', id: 'test' }, occurredAt: new Date().toISOString(), schemaVersion: eventRegistry.contractOf('MfaDenied').schemaVersion };
    const position = Number(
      raw
        .prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)')
        .run(eventId, stream, revision, 'MfaDenied', JSON.stringify({ userId: 'broken-user', reason: 42 }), JSON.stringify(metadata)).lastInsertRowid,
    );
    raw.close();

    const stoppedAt = { position, eventId, eventType: 'MfaDenied', streamId: stream, reason: expect.stringContaining('invalid MfaDenied event') };
    const degraded = await until(health, ({ body }) => body.consumers.some((consumer: { name: string; status: string }) => consumer.name === 'projections' && consumer.status === 'failed'));
    expect(degraded.status).toBe(503);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.store.status).toBe('up');
    expect(degraded.body.consumers).toContainEqual(expect.objectContaining({ name: 'projections', status: 'failed', position: position - 1, stoppedAt }));

    // the user's own stream cannot be folded: a clear refusal naming the event, not a bare 500
    const challenge = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'broken-user', clientIp: '203.0.113.21' });
    expect(challenge.status).toBe(503);
    expect(challenge.body.error).toMatchObject({ code: 'unreadableEvent', message: expect.stringContaining(`event at position ${position} (MfaDenied ${eventId}`) });

    // the documented command, against the same data directory, while the server runs
    const usage = await parkEventCli(['--position', String(position), '--by', 'ops:jane'], { BULWARK_DATA_DIR: bulwark.dataDir });
    expect(usage).toBe(2);
    expect(await parkEventCli(['--position', String(position), '--reason', 'written by a faulty build; kept as evidence', '--by', 'ops:jane'], { BULWARK_DATA_DIR: bulwark.dataDir })).toBe(0);
    expect(await parkEventCli(['--position', String(position), '--reason', 'again', '--by', 'ops:jane'], { BULWARK_DATA_DIR: bulwark.dataDir })).toBe(2);

    const healthy = await until(health, ({ status }) => status === 200);
    expect(healthy.body.status).toBe('ok');
    expect(healthy.body.consumers.filter((consumer: { status: string }) => consumer.status === 'failed')).toEqual([]);

    // the evidence: who parked what and why, and the event itself still stored
    const [parked] = await bulwark.store.readStream(streams.parkedEvents);
    expect(parked).toMatchObject({
      type: 'EventParked',
      data: { position, eventId, eventType: 'MfaDenied', streamId: stream, reason: 'written by a faulty build; kept as evidence', by: 'ops:jane', problem: expect.stringContaining('data.reason') },
      metadata: { actor: { type: 'admin', id: 'ops:jane' } },
    });

    // later events are projected: another user's sign-in, and the park itself in the directory audits
    await enrol(bulwark, 'later-user');
    await bulwark.consumers.catchUp();
    const audits = await bulwark.as('analyst').get('/v1.0/auditLogs/directoryAudits');
    expect(audits.body.value).toContainEqual(expect.objectContaining({ activityDisplayName: 'Park unreadable event' }));
    expect(audits.body.value).toContainEqual(expect.objectContaining({ targetResources: [expect.objectContaining({ id: 'later-user' })] }));
  }, 60_000);
});
