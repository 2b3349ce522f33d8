import { Projection, prepared } from '@bulwark/event-store';

/** Lockouts as the mfa service decided them; whether one is still in force is judged at read time. */
export const lockoutsProjection: Projection<'AccountLockedOut' | 'AccountUnlocked'> = {
  name: 'identity_protection_lockouts',
  version: 3,
  eventTypes: ['AccountLockedOut', 'AccountUnlocked'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS lockouts (
      user_id TEXT PRIMARY KEY, locked_at TEXT NOT NULL, locked_until TEXT, caused_by TEXT NOT NULL, factor TEXT, settings_version INTEGER NOT NULL, event_id TEXT NOT NULL
    ) WITHOUT ROWID`);
  },
  reset(db) {
    // dropped, not emptied: a new version may add columns
    db.exec('DROP TABLE IF EXISTS lockouts');
    lockoutsProjection.setup(db);
  },
  apply(db, event) {
    if (event.type === 'AccountUnlocked') {
      prepared(db, 'DELETE FROM lockouts WHERE user_id = ?').run(event.data.userId);
      return;
    }
    const { userId, at, lockedUntil, causedBy, factor, settingsVersion } = event.data;
    prepared(db, 
      `INSERT INTO lockouts VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET locked_at = excluded.locked_at,
       locked_until = excluded.locked_until, caused_by = excluded.caused_by, factor = excluded.factor, settings_version = excluded.settings_version, event_id = excluded.event_id`,
    ).run(userId, at, lockedUntil, JSON.stringify(causedBy), factor ?? null, settingsVersion, event.eventId);
  },
};
