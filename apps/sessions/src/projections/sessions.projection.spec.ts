import { Actor, RecordedEvent } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { findSession, isKnownUser, sessionsProjection } from './sessions.projection';

const app: Actor = { type: 'app', id: 'key:app' };
const event = committedEvents({ actor: app });

const attempt = (userId: string, challengeId: string) => ({ userId, challengeId, methodId: 'm-1', clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0', appId: 'portal' });
const approved = (userId: string, challengeId: string, sessionId: string) =>
  event('MfaApproved', { ...attempt(userId, challengeId), timeStep: 59_000_000, channel: 'appCode', sessionId });
const bypassed = (userId: string, challengeId: string, sessionId: string) =>
  event('MfaBypassed', { ...attempt(userId, challengeId), reason: 'trustedIp', sessionId, settingsVersion: 2 });
const registered = (userId: string) =>
  event('MethodRegistered', { userId, methodId: 'm-1', methodType: 'softwareOath', displayName: 'Pixel', timeStep: 59_000_000 });
const at = (event: RecordedEvent) => (event.data as { at: string }).at;

describe('the sessions projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, sessionsProjection, true);
  });
  afterEach(() => db.close());

  const rows = () => ({
    sessions: db.prepare('SELECT * FROM sessions ORDER BY session_id').all(),
    users: db.prepare('SELECT user_id FROM session_users ORDER BY user_id').all(),
  });

  it('given an approval, then its session exists at the approval\'s time and position, and its user is known', () => {
    const approval = approved('alice', 'c-1', 's-1');
    runner.applyBatch([approval]);
    expect(findSession(db, 's-1')).toEqual({ session_id: 's-1', user_id: 'alice', created_at: at(approval), position: approval.position });
    expect(db.prepare('SELECT challenge_id FROM sessions WHERE session_id = ?').get('s-1')).toEqual({ challenge_id: 'c-1' });
    expect(isKnownUser(db, 'alice')).toBe(true);
    expect(findSession(db, 's-unknown')).toBeNull();
  });

  it('given a sign-in that needed no second factor, then its session exists too', () => {
    const bypass = bypassed('bob', 'c-2', 's-2');
    runner.applyBatch([bypass]);
    expect(findSession(db, 's-2')).toEqual({ session_id: 's-2', user_id: 'bob', created_at: at(bypass), position: bypass.position });
    expect(isKnownUser(db, 'bob')).toBe(true);
  });

  it('given a method registered, then its user is known with no session', () => {
    runner.applyBatch([registered('carol')]);
    expect(isKnownUser(db, 'carol')).toBe(true);
    expect(isKnownUser(db, 'dave')).toBe(false);
    expect(rows().sessions).toEqual([]);
  });

  it('given events applied again after the checkpoint was rewound, then the same sessions and users', () => {
    const batch = [registered('alice'), approved('alice', 'c-1', 's-1'), bypassed('bob', 'c-2', 's-2'), approved('alice', 'c-3', 's-3')];
    runner.applyBatch(batch);
    const before = rows();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch(batch);

    expect(rows()).toEqual(before);
    expect(rows().sessions.map((row) => (row as { session_id: string }).session_id)).toEqual(['s-1', 's-2', 's-3']);
    expect(rows().users).toEqual([{ user_id: 'alice' }, { user_id: 'bob' }]);
  });
});
