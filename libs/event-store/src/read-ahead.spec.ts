import { eventRegistry } from '@bulwark/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { envelope } from './command-handler';
import { openReadDatabase, Projection, rebuildProjection } from './projection';
import { ReadAheadReader } from './read-ahead';
import { SqliteEventStore } from './sqlite-event-store';

const revocations: Projection = {
  name: 'revocations',
  version: 1,
  eventTypes: ['SessionsRevoked'],
  setup: (db) => db.exec('CREATE TABLE IF NOT EXISTS revocations (user_id TEXT NOT NULL, position INTEGER PRIMARY KEY)'),
  indexes: ['CREATE INDEX IF NOT EXISTS revocations_by_user ON revocations (user_id)'],
  reset: (db) => db.exec('DELETE FROM revocations'),
  apply: (db, event) => db.prepare('INSERT INTO revocations VALUES (?, ?)').run((event.data as { userId: string }).userId, event.position),
};

describe('a read-ahead reader of the embedded store', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-read-ahead-')), 'events.db');
  let store: SqliteEventStore;

  beforeAll(async () => {
    store = new SqliteEventStore(file, eventRegistry);
    const context = { correlationId: 'c', actor: { type: 'admin' as const, id: 'a' }, now: new Date('2026-11-21T10:00:00.000Z') };
    for (let user = 0; user < 25; user++) {
      const events = Array.from({ length: 10 }, () => ({ type: 'SessionsRevoked', data: { userId: `u${user}`, reason: null, at: '2026-11-21T10:00:00.000Z' } }));
      await store.append(`user_sessions-u${user}`, envelope(events, context), { expectedRevision: 'no_stream' });
    }
  });

  afterAll(() => store.close());

  it('gives the same batches, in commit order, as the store itself, reading each next batch on its own thread', async () => {
    const reader = ReadAheadReader.open(file);
    try {
      const fromReader: number[] = [];
      const fromStore: number[] = [];
      for (let after = 0; ; ) {
        const [ahead, direct] = [await reader.readAll({ after, maxCount: 7 }), await store.readAll({ after, maxCount: 7 })];
        expect(ahead).toEqual(direct);
        if (!ahead.length) break;
        fromReader.push(...ahead.map((event) => event.position));
        fromStore.push(...direct.map((event) => event.position));
        after = ahead[ahead.length - 1]!.position;
      }
      expect(fromReader).toHaveLength(250);
      expect(fromReader).toEqual(fromStore);
    } finally {
      await reader.close();
    }
  });

  it('feeds a rebuild that rebuilds the rows and their deferred index', async () => {
    const db = openReadDatabase(':memory:');
    const reader = ReadAheadReader.open(file);
    try {
      expect(await rebuildProjection(reader, db, revocations, 40)).toEqual({ events: 250, position: 250 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM revocations WHERE user_id = ?').get('u3')).toEqual({ n: 10 });
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'revocations_by_user'").get()).toEqual({ name: 'revocations_by_user' });
    } finally {
      await reader.close();
      db.close();
    }
  });

  it('carries any text across threads: quotes, backslashes, line breaks and non-ASCII in stream ids and data', async () => {
    const hostile = 'u"\\\n\u2028é😀';
    const context = { correlationId: 'c"\\', actor: { type: 'admin' as const, id: 'a' }, now: new Date('2026-11-21T10:00:00.000Z') };
    const other = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-read-ahead-text-')), 'events.db');
    const written = new SqliteEventStore(other, eventRegistry);
    await written.append(`user_sessions-${hostile}`, envelope([{ type: 'SessionsRevoked', data: { userId: hostile, reason: `${hostile}]},[`, at: '2026-11-21T10:00:00.000Z' } }], context), {
      expectedRevision: 'no_stream',
    });
    const reader = ReadAheadReader.open(other);
    try {
      const [event] = await reader.readAll({ after: 0, maxCount: 10 });
      expect(event).toEqual((await written.readAll({ after: 0, maxCount: 10 }))[0]);
      expect(event!.streamId).toBe(`user_sessions-${hostile}`);
      expect(event!.data).toMatchObject({ userId: hostile, reason: `${hostile}]},[` });
    } finally {
      await reader.close();
      await written.close();
    }
  });

  it('refuses reads once closed', async () => {
    const reader = ReadAheadReader.open(file);
    await reader.close();
    await expect(reader.readAll({ after: 0, maxCount: 10 })).rejects.toThrow();
  });
});
