import { RecordedEvent } from '@bulwark/contracts';
import { prepared, Projection } from '@bulwark/event-store';

const actorOf = (event: RecordedEvent) => `${event.metadata.actor.type}:${event.metadata.actor.id}`;

type ReportsEventType =
  | 'MethodRegistered'
  | 'MethodRemoved'
  | 'MfaReregistrationRequired'
  | 'UserMfaStateChanged'
  | 'AccountLockedOut'
  | 'AccountUnlocked'
  | 'UserBlocked'
  | 'UserUnblocked';

/**
 * What the reports count besides sign-ins: users' registered methods and per-user MFA state (the per-user billing
 * model counts users, the per-authentication model counts sign-ins), every lockout with its end, and the
 * blocked-users list with who blocked whom and why.
 */
export const reportsProjection: Projection<ReportsEventType> = {
  name: 'analyst_reports',
  version: 1,
  eventTypes: ['MethodRegistered', 'MethodRemoved', 'MfaReregistrationRequired', 'UserMfaStateChanged', 'AccountLockedOut', 'AccountUnlocked', 'UserBlocked', 'UserUnblocked'],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS report_methods (user_id TEXT NOT NULL, method_id TEXT NOT NULL, method_type TEXT NOT NULL, registered_at TEXT NOT NULL,
        PRIMARY KEY (user_id, method_id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS report_mfa_states (user_id TEXT PRIMARY KEY, state TEXT NOT NULL, changed_at TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS report_lockouts (
        event_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, locked_at TEXT NOT NULL, locked_until TEXT, factor TEXT, denials INTEGER NOT NULL,
        unlocked_at TEXT, unlocked_by TEXT, unlock_reason TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS report_lockouts_by_time ON report_lockouts (locked_at);
      CREATE INDEX IF NOT EXISTS report_lockouts_by_user ON report_lockouts (user_id, locked_at);
      CREATE TABLE IF NOT EXISTS report_blocks (
        user_id TEXT PRIMARY KEY, blocked_at TEXT NOT NULL, blocked_until TEXT NOT NULL, reason TEXT NOT NULL, blocked_by TEXT NOT NULL, correlation_id TEXT NOT NULL
      ) WITHOUT ROWID;`);
  },
  reset(db) {
    db.exec('DROP TABLE IF EXISTS report_methods; DROP TABLE IF EXISTS report_mfa_states; DROP TABLE IF EXISTS report_lockouts; DROP TABLE IF EXISTS report_blocks;');
    this.setup(db);
  },
  apply(db, event) {
    switch (event.type) {
      case 'MethodRegistered': {
        const { userId, methodId, methodType, at } = event.data;
        prepared(db, 'INSERT OR REPLACE INTO report_methods VALUES (?, ?, ?, ?)').run(userId, methodId, methodType, at);
        return;
      }
      case 'MethodRemoved': {
        const { userId, methodId } = event.data;
        prepared(db, 'DELETE FROM report_methods WHERE user_id = ? AND method_id = ?').run(userId, methodId);
        return;
      }
      case 'MfaReregistrationRequired': {
        prepared(db, 'DELETE FROM report_methods WHERE user_id = ?').run(event.data.userId);
        return;
      }
      case 'UserMfaStateChanged': {
        const { userId, state, at } = event.data;
        prepared(db, 'INSERT OR REPLACE INTO report_mfa_states VALUES (?, ?, ?)').run(userId, state, at);
        return;
      }
      case 'AccountLockedOut': {
        const { userId, at, lockedUntil, factor, causedBy } = event.data;
        prepared(db, 'INSERT OR IGNORE INTO report_lockouts VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)').run(event.eventId, userId, at, lockedUntil, factor ?? null, causedBy.length);
        return;
      }
      case 'AccountUnlocked': {
        const { userId, at, reason } = event.data;
        // the user's latest lock still open when the unlock happened is the one lifted (not a later one, when events
        // are applied again after a rewound checkpoint)
        prepared(db, `UPDATE report_lockouts SET unlocked_at = ?, unlocked_by = ?, unlock_reason = ? WHERE event_id =
          (SELECT event_id FROM report_lockouts WHERE user_id = ? AND unlocked_at IS NULL AND locked_at <= ? ORDER BY locked_at DESC LIMIT 1)`).run(at, actorOf(event), reason, userId, at);
        return;
      }
      case 'UserBlocked': {
        const { userId, at, blockedUntil, reason } = event.data;
        prepared(db, 'INSERT OR REPLACE INTO report_blocks VALUES (?, ?, ?, ?, ?, ?)').run(userId, at, blockedUntil, reason, actorOf(event), event.metadata.correlationId);
        return;
      }
      case 'UserUnblocked': {
        prepared(db, 'DELETE FROM report_blocks WHERE user_id = ?').run(event.data.userId);
        return;
      }
    }
  },
};
