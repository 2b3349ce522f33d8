import { Projection, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

/** Sessions created by approved MFA, and the users the sessions service knows. */
export const sessionsProjection: Projection<'MfaApproved' | 'MfaBypassed' | 'MethodRegistered'> = {
  name: 'sessions',
  version: 2,
  eventTypes: ['MfaApproved', 'MfaBypassed', 'MethodRegistered'],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, position INTEGER NOT NULL, challenge_id TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
      CREATE TABLE IF NOT EXISTS session_users (user_id TEXT PRIMARY KEY) WITHOUT ROWID;`);
  },
  reset(db) {
    db.exec('DELETE FROM sessions; DELETE FROM session_users;');
  },
  apply(db, event) {
    if (event.type === 'MethodRegistered') {
      const { userId } = event.data;
      prepared(db, 'INSERT OR IGNORE INTO session_users (user_id) VALUES (?)').run(userId);
      return;
    }
    // an approval, or a sign-in that needed no second factor, opens a session
    const { sessionId, userId, at, challengeId } = event.data;
    prepared(db, 'INSERT OR IGNORE INTO sessions (session_id, user_id, created_at, position, challenge_id) VALUES (?, ?, ?, ?, ?)').run(
      sessionId,
      userId,
      at,
      event.position,
      challengeId,
    );
    prepared(db, 'INSERT OR IGNORE INTO session_users (user_id) VALUES (?)').run(userId);
  },
};

export type SessionRow = { session_id: string; user_id: string; created_at: string; position: number };

export const findSession = (db: Database.Database, sessionId: string) =>
  prepared<[string], SessionRow>(db, 'SELECT session_id, user_id, created_at, position FROM sessions WHERE session_id = ?').get(sessionId) ?? null;

export const isKnownUser = (db: Database.Database, userId: string) =>
  prepared<[string], { user_id: string }>(db, 'SELECT user_id FROM session_users WHERE user_id = ?').get(userId) !== undefined;
