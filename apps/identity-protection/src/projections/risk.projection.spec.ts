import { Actor } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { riskProjection } from './risk.projection';

const system: Actor = { type: 'system', id: 'identity-protection' };
const analyst: Actor = { type: 'analyst', id: 'key:analyst' };
const event = committedEvents({ actor: system, streamOf: (_type, data) => `user_risk-${String(data.userId)}` });

const detected = (userId: string, detectionId = randomUUID()) =>
  event('RiskDetected', {
    detectionId, userId, riskEventType: 'userReportedSuspiciousActivity', riskLevel: 'high', detectionTimingType: 'realtime',
    source: 'endUserReported', activity: 'signin', eventIds: [randomUUID()],
  });

describe('the risk projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, riskProjection, true);
  });
  afterEach(() => db.close());

  const stateOf = (userId: string) =>
    JSON.parse((db.prepare('SELECT state FROM user_risk_states WHERE user_id = ?').get(userId) as { state: string }).state) as { detectionIds: string[] };
  const count = (table: string, userId: string) => (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`).get(userId) as { n: number }).n;

  it('given a detection, the user is at high risk with that detection and one history item', () => {
    const detection = detected('alice');
    runner.applyBatch([detection]);
    expect(db.prepare('SELECT risk_level, risk_state FROM risky_users WHERE user_id = ?').get('alice')).toEqual({ risk_level: 'high', risk_state: 'atRisk' });
    expect(stateOf('alice').detectionIds).toEqual([(detection.data as { detectionId: string }).detectionId]);
    expect(count('risky_user_history', 'alice')).toBe(1);
  });

  it('given events applied again after the checkpoint was rewound, each counts once', () => {
    const first = detected('bob');
    const second = detected('bob');
    const dismissed = event('RiskyUserDismissed', { userId: 'bob' }, analyst);
    runner.applyBatch([first, second, dismissed]);
    const before = db.prepare('SELECT * FROM user_risk_states').all();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch([first, second]);
    runner.applyBatch([dismissed]);

    expect(stateOf('bob').detectionIds).toHaveLength(2);
    expect(db.prepare('SELECT * FROM user_risk_states').all()).toEqual(before);
    expect(count('risky_user_history', 'bob')).toBe(3);
    expect(db.prepare('SELECT risk_level, risk_state FROM risky_users WHERE user_id = ?').get('bob')).toEqual({ risk_level: 'none', risk_state: 'dismissed' });
  });
});
