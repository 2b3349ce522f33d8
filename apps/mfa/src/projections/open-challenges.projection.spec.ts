import { Actor } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { expiredChallenges, openChallengesProjection } from './open-challenges.projection';

const app: Actor = { type: 'app', id: 'key:app' };
const event = committedEvents({ actor: app });

const attempt = (userId: string, challengeId: string) => ({ userId, challengeId, methodId: 'm-1', clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0', appId: 'portal' });
const issued = (userId: string, challengeId: string, expiresAt: string) =>
  event('MfaChallengeIssued', { ...attempt(userId, challengeId), methodType: 'softwareOath', channel: 'appCode', codeHash: null, expiresAt });
const approved = (userId: string, challengeId: string) =>
  event('MfaApproved', { ...attempt(userId, challengeId), timeStep: 59_000_000, channel: 'appCode', sessionId: `s-${challengeId}` });
const denied = (userId: string, challengeId: string, reason: string, endsChallenge: boolean) =>
  event('MfaDenied', { ...attempt(userId, challengeId), reason, endsChallenge });

const T1 = '2026-03-01T10:05:00.000Z';
const T2 = '2026-03-01T10:06:00.000Z';
const LATER = '2026-03-01T11:00:00.000Z';

describe('the open challenges projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, openChallengesProjection, true);
  });
  afterEach(() => db.close());

  const rows = () => db.prepare('SELECT * FROM mfa_open_challenges ORDER BY challenge_id').all();

  it('given a challenge issued, then it is open until its expiry and due once that passes', () => {
    runner.applyBatch([issued('alice', 'c-1', T1)]);
    expect(rows()).toEqual([{ challenge_id: 'c-1', user_id: 'alice', expires_at: T1 }]);
    expect(expiredChallenges(db, '2026-03-01T10:04:59.999Z', 10)).toEqual([]);
    expect(expiredChallenges(db, T1, 10)).toEqual([{ challenge_id: 'c-1', user_id: 'alice' }]);
  });

  it('given two challenges, then the expired ones come earliest expiry first, up to the limit', () => {
    runner.applyBatch([issued('bob', 'c-2', T2), issued('alice', 'c-1', T1)]);
    expect(expiredChallenges(db, LATER, 10)).toEqual([{ challenge_id: 'c-1', user_id: 'alice' }, { challenge_id: 'c-2', user_id: 'bob' }]);
    expect(expiredChallenges(db, LATER, 1)).toEqual([{ challenge_id: 'c-1', user_id: 'alice' }]);
  });

  it('given a challenge issued then approved, then it is no longer open', () => {
    runner.applyBatch([issued('alice', 'c-1', T1), issued('bob', 'c-2', T2), approved('alice', 'c-1')]);
    expect(expiredChallenges(db, LATER, 10)).toEqual([{ challenge_id: 'c-2', user_id: 'bob' }]);
  });

  it('given a challenge issued then a wrong code that leaves it open, then it is still open', () => {
    runner.applyBatch([issued('alice', 'c-1', T1), denied('alice', 'c-1', 'wrongCode', false)]);
    expect(rows()).toEqual([{ challenge_id: 'c-1', user_id: 'alice', expires_at: T1 }]);
  });

  it('given a challenge issued then a denial that ends it, then it is no longer open', () => {
    runner.applyBatch([issued('alice', 'c-1', T1), denied('alice', 'c-1', 'fraudReported', true)]);
    expect(rows()).toEqual([]);
  });

  it('given events applied again after the checkpoint was rewound, then the same challenges are open', () => {
    const batch = [issued('alice', 'c-1', T1), issued('bob', 'c-2', T2), issued('carol', 'c-3', T2), approved('alice', 'c-1'), denied('bob', 'c-2', 'wrongCode', false), denied('carol', 'c-3', 'expired', true)];
    runner.applyBatch(batch);
    const before = rows();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch(batch);

    expect(rows()).toEqual(before);
    expect(rows()).toEqual([{ challenge_id: 'c-2', user_id: 'bob', expires_at: T2 }]);
  });
});
