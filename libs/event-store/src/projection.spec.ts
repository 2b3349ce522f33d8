import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { openReadDatabase, Projection, ProjectionGroup, ProjectionRunner, rebuildProjection } from './projection';

const revoked = (position: number, userId = 'alice'): RecordedEvent => ({
  eventId: randomUUID(),
  type: 'SessionsRevoked',
  data: { userId, reason: null, at: '2026-11-21T10:00:00.000Z' },
  metadata: { correlationId: 'c', causationId: null, actor: { type: 'admin', id: 'a' }, occurredAt: '2026-11-21T10:00:00.000Z', schemaVersion: 1 },
  streamId: `user_sessions-${userId}`,
  revision: 0,
  position,
});

const counting = (version: number): Projection => ({
  name: 'revocations',
  version,
  eventTypes: ['SessionsRevoked'],
  setup: (db) => db.exec('CREATE TABLE IF NOT EXISTS revocations (user_id TEXT PRIMARY KEY, count INTEGER NOT NULL)'),
  reset: (db) => db.exec('DELETE FROM revocations'),
  apply: (db, event) =>
    db
      .prepare('INSERT INTO revocations VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET count = count + 1')
      .run((event.data as { userId: string }).userId),
});

const rows = (db: Database.Database) => db.prepare('SELECT user_id, count FROM revocations ORDER BY user_id').all();

describe('a projection runner', () => {
  let db: Database.Database;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
  });

  afterEach(() => db.close());

  it('given events, builds its rows and moves its checkpoint in the same transaction', () => {
    const runner = new ProjectionRunner(db, counting(1));
    runner.applyBatch([revoked(1), revoked(2), revoked(3, 'bob')]);
    expect(rows(db)).toEqual([{ user_id: 'alice', count: 2 }, { user_id: 'bob', count: 1 }]);
    expect(runner.checkpoint()).toBe(3);
  });

  it('skips events it has already seen (at-least-once delivery), and never moves its checkpoint back', () => {
    const runner = new ProjectionRunner(db, counting(1));
    const batch = [revoked(1), revoked(2)];
    runner.applyBatch(batch);
    runner.applyBatch([batch[1]!, batch[0]!]);
    expect(rows(db)).toEqual([{ user_id: 'alice', count: 2 }]);
    expect(runner.checkpoint()).toBe(2);
  });

  it('rolls back rows and checkpoint together when applying fails', () => {
    const failing: Projection = { ...counting(1), apply: () => { throw new Error('boom'); } };
    const runner = new ProjectionRunner(db, failing);
    expect(() => runner.applyBatch([revoked(1)])).toThrow('boom');
    expect(runner.checkpoint()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) AS n FROM projection_seen_events').get()).toEqual({ n: 0 });
  });

  it('starts again from position 0 when its version changes', () => {
    new ProjectionRunner(db, counting(1)).applyBatch([revoked(1)]);
    const upgraded = new ProjectionRunner(db, counting(2));
    expect(upgraded.checkpoint()).toBe(0);
    expect(rows(db)).toEqual([]);
  });

  it('rebuilds from the store to the same rows', async () => {
    const events = [revoked(1), revoked(2, 'bob'), revoked(3)];
    const store = { readAll: async ({ after, maxCount }: { after: number; maxCount: number }) => events.filter((e) => e.position > after).slice(0, maxCount) };
    new ProjectionRunner(db, counting(1)).applyBatch(events);
    const built = rows(db);
    db.exec('UPDATE revocations SET count = 99');
    expect(await rebuildProjection(store, db, counting(1), 2)).toEqual({ events: 3, position: 3 });
    expect(rows(db)).toEqual(built);
    expect(eventRegistry.types()).toContain('SessionsRevoked');
  });

  it('in commit order, trusts its checkpoint instead of recording every event id', () => {
    const runner = new ProjectionRunner(db, counting(1), true);
    runner.applyBatch([revoked(1), revoked(2)]);
    runner.applyBatch([revoked(2), revoked(3)]);
    expect(rows(db)).toEqual([{ user_id: 'alice', count: 3 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM projection_seen_events').get()).toEqual({ n: 0 });
  });

  it('as a group, applies each batch once to every projection, each from where it stands', async () => {
    const other: Projection = { ...counting(1), name: 'other_revocations', setup: (d) => d.exec('CREATE TABLE IF NOT EXISTS other (n INTEGER)'), reset: (d) => d.exec('DELETE FROM other'), apply: (d) => d.prepare('INSERT INTO other VALUES (1)').run() };
    const first = new ProjectionRunner(db, counting(1), true);
    first.applyBatch([revoked(1), revoked(2)]);
    const group = new ProjectionGroup('projections', db, [first, new ProjectionRunner(db, other, true)]);
    expect(await group.loadCheckpoint()).toBe(0);
    await group.handle([revoked(1), revoked(2), revoked(3)]);
    expect(rows(db)).toEqual([{ user_id: 'alice', count: 3 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM other').get()).toEqual({ n: 3 });
    expect(await group.loadCheckpoint()).toBe(3);
  });
});
