import { Actor } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { challengeRoutesProjection, userOfChallenge } from './challenge-routes.projection';

const app: Actor = { type: 'app', id: 'key:app' };
const event = committedEvents({ actor: app });

const issued = (userId: string, challengeId: string) =>
  event('MfaChallengeIssued', {
    userId, challengeId, methodId: 'm-1', clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0', appId: 'portal',
    methodType: 'softwareOath', channel: 'appCode', codeHash: null, expiresAt: '2026-03-01T11:00:00.000Z',
  });

describe('the challenge routes projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, challengeRoutesProjection, true);
  });
  afterEach(() => db.close());

  const rows = () => db.prepare('SELECT challenge_id, user_id FROM mfa_challenge_routes ORDER BY challenge_id').all();

  it('given a challenge issued, then a challenge never issued routes to nobody', () => {
    runner.applyBatch([issued('alice', 'c-1')]);
    expect(userOfChallenge(db, 'c-unknown')).toBeNull();
  });

  it('given a challenge issued, then it routes to its user', () => {
    runner.applyBatch([issued('alice', 'c-1')]);
    expect(userOfChallenge(db, 'c-1')).toBe('alice');
  });

  it('given challenges issued to two users, then each routes to its own user', () => {
    runner.applyBatch([issued('alice', 'c-1'), issued('bob', 'c-2')]);
    expect(userOfChallenge(db, 'c-1')).toBe('alice');
    expect(userOfChallenge(db, 'c-2')).toBe('bob');
  });

  it('given events applied again after the checkpoint was rewound, then the same routes', () => {
    const batch = [issued('alice', 'c-1'), issued('bob', 'c-2')];
    runner.applyBatch(batch);
    const before = rows();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch(batch);

    expect(rows()).toEqual(before);
    expect(rows()).toEqual([{ challenge_id: 'c-1', user_id: 'alice' }, { challenge_id: 'c-2', user_id: 'bob' }]);
  });
});
