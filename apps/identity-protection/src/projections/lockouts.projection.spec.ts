import { Actor } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { lockoutsProjection } from './lockouts.projection';

const mfa: Actor = { type: 'system', id: 'mfa' };
const admin: Actor = { type: 'admin', id: 'key:admin' };
const event = committedEvents({ actor: mfa });

const lockedOut = (userId: string, lockedUntil: string | null, factor: 'oneTimeCode' | 'push' | null = 'oneTimeCode', settingsVersion = 3) =>
  event('AccountLockedOut', { userId, lockedUntil, causedBy: ['c-1', 'c-2', 'c-3'], ...(factor ? { factor } : {}), settingsVersion });
const unlocked = (userId: string) => event('AccountUnlocked', { userId, reason: 'verified by phone' }, admin);

type Row = { user_id: string; locked_at: string; locked_until: string | null; caused_by: string; factor: string | null; settings_version: number; event_id: string };

describe('the lockouts projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, lockoutsProjection, true);
  });
  afterEach(() => db.close());

  const rows = () => db.prepare('SELECT * FROM lockouts ORDER BY user_id').all() as Row[];

  it('given a lockout, then the user has one row with when, until when, why and the event', () => {
    const lock = lockedOut('alice', '2026-03-01T10:30:00.000Z');
    runner.applyBatch([lock]);
    expect(rows()).toEqual([{
      user_id: 'alice', locked_at: (lock.data as { at: string }).at, locked_until: '2026-03-01T10:30:00.000Z', caused_by: '["c-1","c-2","c-3"]',
      factor: 'oneTimeCode', settings_version: 3, event_id: lock.eventId,
    }]);
  });

  it('given a lockout recorded before factors were kept, then its factor is null', () => {
    runner.applyBatch([lockedOut('alice', null, null, 1)]);
    expect(rows()).toEqual([expect.objectContaining({ user_id: 'alice', locked_until: null, factor: null, settings_version: 1 })]);
  });

  it('given a lockout then another, then the later one replaces it', () => {
    const second = lockedOut('alice', null, 'push', 4);
    runner.applyBatch([lockedOut('alice', '2026-03-01T10:30:00.000Z'), second]);
    expect(rows()).toEqual([expect.objectContaining({ user_id: 'alice', locked_until: null, factor: 'push', settings_version: 4, event_id: second.eventId })]);
  });

  it('given a lockout then an unlock, then the user has no lockout, and other users keep theirs', () => {
    runner.applyBatch([lockedOut('alice', null), lockedOut('bob', null), unlocked('alice')]);
    expect(rows().map((row) => row.user_id)).toEqual(['bob']);
  });

  it('given events applied again after the checkpoint was rewound, then the same rows', () => {
    const batch = [lockedOut('alice', null), lockedOut('bob', '2026-03-01T10:30:00.000Z'), unlocked('alice'), lockedOut('alice', null, 'push', 4), lockedOut('carol', null), unlocked('carol')];
    runner.applyBatch(batch);
    const before = rows();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch(batch);

    expect(rows()).toEqual(before);
    expect(rows().map((row) => [row.user_id, row.factor, row.event_id])).toEqual([['alice', 'push', batch[3]!.eventId], ['bob', 'oneTimeCode', batch[1]!.eventId]]);
  });
});
