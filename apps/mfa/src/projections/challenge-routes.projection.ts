import { Projection, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

/**
 * Which user's stream holds a challenge. It only routes a request to a stream: every decision about the
 * challenge is made inside that stream, so a lagging route can delay an answer but never change it.
 */
export const challengeRoutesProjection: Projection<'MfaChallengeIssued'> = {
  name: 'mfa_challenge_routes',
  version: 1,
  eventTypes: ['MfaChallengeIssued'],
  setup(db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS mfa_challenge_routes (challenge_id TEXT PRIMARY KEY, user_id TEXT NOT NULL) WITHOUT ROWID');
  },
  reset(db: Database.Database) {
    db.exec('DELETE FROM mfa_challenge_routes');
  },
  apply(db: Database.Database, event) {
    const { challengeId, userId } = event.data;
    prepared(db, 'INSERT OR IGNORE INTO mfa_challenge_routes (challenge_id, user_id) VALUES (?, ?)').run(challengeId, userId);
  },
};

export function userOfChallenge(db: Database.Database, challengeId: string): string | null {
  return prepared<[string], { user_id: string }>(db, 'SELECT user_id FROM mfa_challenge_routes WHERE challenge_id = ?').get(challengeId)?.user_id ?? null;
}
