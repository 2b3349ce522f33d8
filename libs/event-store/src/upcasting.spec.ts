import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { envelope } from './command-handler';
import { ReadAheadReader } from './read-ahead';
import { SqliteEventStore } from './sqlite-event-store';

/**
 * Rows written by a build before channels (MfaChallengeIssued and MfaApproved at version 1, naming no channel) sit
 * in the events table beside current ones: every way of reading the embedded store gives the current shape.
 */
describe('old shapes in the embedded store', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-upcasting-')), 'events.db');
  const stream = 'user_mfa-ada';
  const at = '2026-03-01T09:00:00.000Z';
  const attempt = { userId: 'ada', challengeId: 'ch-1', methodId: 'm-app', clientIp: '10.0.0.7', userAgent: 'Mozilla/5.0', appId: 'contoso-portal', at };
  const metadataV1 = { correlationId: 'corr-old', causationId: null, actor: { type: 'app', id: 'key:app' }, occurredAt: at, schemaVersion: 1 };
  const rows = [
    { eventId: randomUUID(), type: 'MfaChallengeIssued', data: { ...attempt, methodType: 'softwareOath', expiresAt: '2026-03-01T09:05:00.000Z' } },
    { eventId: randomUUID(), type: 'MfaApproved', data: { ...attempt, timeStep: 59_000_000, sessionId: 's-1' } },
  ];
  const expected = [
    { ...rows[0]!, data: { ...rows[0]!.data, channel: 'appCode', codeHash: null }, metadata: { ...metadataV1, schemaVersion: 2 }, streamId: stream, revision: 0, position: 1 },
    { ...rows[1]!, data: { ...rows[1]!.data, channel: 'appCode' }, metadata: { ...metadataV1, schemaVersion: 2 }, streamId: stream, revision: 1, position: 2 },
  ];
  let store: SqliteEventStore;

  beforeAll(async () => {
    // the store creates its table; the old rows then go in as the old build's INSERT put them
    new SqliteEventStore(file, eventRegistry).close();
    const raw = new Database(file);
    const insert = raw.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
    rows.forEach((row, revision) => insert.run(row.eventId, stream, revision, row.type, JSON.stringify(row.data), JSON.stringify(metadataV1)));
    raw.close();
    store = new SqliteEventStore(file, eventRegistry);
    // and one written today, at the current version, after them
    const context = { correlationId: 'corr-new', actor: { type: 'app' as const, id: 'key:app' }, now: new Date('2026-11-21T10:00:00.000Z') };
    await store.append(stream, envelope([{ type: 'MfaApproved', data: { ...attempt, challengeId: 'ch-2', at: '2026-11-21T10:00:00.000Z', timeStep: null, channel: 'appNotification', sessionId: 's-2' } }], context), {
      expectedRevision: 1,
    });
  });

  afterAll(() => store.close());

  it('readStream gives the current shape, and metadata.schemaVersion says so', async () => {
    const read = await store.readStream(stream);
    expect(read.slice(0, 2)).toEqual(expected);
    expect(read[2]!.data).toMatchObject({ channel: 'appNotification' });
    expect(await store.readStream(stream, { types: ['MfaApproved'] })).toEqual([expected[1], read[2]]);
  });

  it('readAll gives the current shape too', async () => {
    // a store opened after the rows were written reads them from the file, not from its tail of own appends
    const reopened = new SqliteEventStore(file, eventRegistry);
    try {
      expect((await reopened.readAll({ after: 0, maxCount: 10 })).slice(0, 2)).toEqual(expected);
    } finally {
      await reopened.close();
    }
  });

  it('the read-ahead reader of a rebuild gives the same events as readAll', async () => {
    const reader = ReadAheadReader.open(file);
    try {
      const fromReader: RecordedEvent[] = [];
      for (let after = 0; ; ) {
        const batch = await reader.readAll({ after, maxCount: 2 });
        if (!batch.length) break;
        fromReader.push(...batch);
        after = batch[batch.length - 1]!.position;
      }
      expect(fromReader).toEqual(await store.readAll({ after: 0, maxCount: 10 }));
      expect(fromReader.slice(0, 2)).toEqual(expected);
    } finally {
      await reader.close();
    }
  });

  it('leaves the stored rows as they were written', () => {
    const raw = new Database(file, { readonly: true });
    try {
      const stored = raw.prepare<[], { data: string; metadata: string }>('SELECT data, metadata FROM events ORDER BY position LIMIT 2').all();
      expect(stored.map((row) => JSON.parse(row.data))).toEqual(rows.map((row) => row.data));
      expect(stored.map((row) => JSON.parse(row.metadata).schemaVersion)).toEqual([1, 1]);
    } finally {
      raw.close();
    }
  });
});
