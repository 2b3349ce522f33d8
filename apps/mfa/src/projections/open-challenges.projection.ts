import { Projection, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

/** Challenges still open, by expiry: what the expiry sweep looks at. The decision to expire is the stream's. */
export const openChallengesProjection: Projection<'MfaChallengeIssued' | 'MfaApproved' | 'MfaDenied'> = {
  name: 'mfa_open_challenges',
  version: 1,
  eventTypes: ['MfaChallengeIssued', 'MfaApproved', 'MfaDenied'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS mfa_open_challenges (challenge_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS mfa_open_challenges_by_expiry ON mfa_open_challenges (expires_at);`);
  },
  reset(db) {
    db.exec('DELETE FROM mfa_open_challenges');
  },
  apply(db, event) {
    if (event.type === 'MfaChallengeIssued') {
      const { challengeId, userId, expiresAt } = event.data;
      prepared(db, 'INSERT OR IGNORE INTO mfa_open_challenges VALUES (?, ?, ?)').run(challengeId, userId, expiresAt);
      return;
    }
    const attempt = event;
    if (attempt.type === 'MfaDenied' && !attempt.data.endsChallenge) return;
    prepared(db, 'DELETE FROM mfa_open_challenges WHERE challenge_id = ?').run(attempt.data.challengeId);
  },
};

export const expiredChallenges = (db: Database.Database, now: string, limit: number) =>
  prepared<[string, number], { challenge_id: string; user_id: string }>(db, 
      'SELECT challenge_id, user_id FROM mfa_open_challenges WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
    )
    .all(now, limit);
