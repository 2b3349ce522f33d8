import { Actor, RecordedEvent } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { reportsProjection } from './reports.projection';

const mfa: Actor = { type: 'system', id: 'mfa' };
const admin: Actor = { type: 'admin', id: 'key:admin' };
const analyst: Actor = { type: 'analyst', id: 'key:analyst' };
const event = committedEvents({ actor: mfa });
const at = (event: RecordedEvent) => (event.data as { at: string }).at;

const registered = (userId: string, methodId: string, methodType = 'softwareOath') =>
  event('MethodRegistered', { userId, methodId, methodType, displayName: null, timeStep: methodType === 'phone' ? null : 59_000_000 });
const removed = (userId: string, methodId: string) => event('MethodRemoved', { userId, methodId, methodType: 'softwareOath', reason: 'lost phone' }, admin);
const reregistration = (userId: string, removedMethodIds: string[]) => event('MfaReregistrationRequired', { userId, removedMethodIds }, admin);
const mfaState = (userId: string, state: string) => event('UserMfaStateChanged', { userId, state }, admin);
const lockedOut = (userId: string, lockedUntil: string | null, factor: 'oneTimeCode' | 'push' | null = 'oneTimeCode') =>
  event('AccountLockedOut', { userId, lockedUntil, causedBy: ['c-1', 'c-2'], ...(factor ? { factor } : {}), settingsVersion: 3 });
const unlocked = (userId: string, reason = 'verified by phone') => event('AccountUnlocked', { userId, reason }, admin);
const blocked = (userId: string, reason = 'fraud reported') => event('UserBlocked', { userId, reason, blockedUntil: '2026-03-02T10:00:00.000Z' }, analyst);
const unblocked = (userId: string) => event('UserUnblocked', { userId, reason: 'false alarm' }, analyst);

describe('the reports projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, reportsProjection, true);
  });
  afterEach(() => db.close());

  const all = (table: string, order: string) => db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
  const methods = () => all('report_methods', 'user_id, method_id');
  const lockouts = () => all('report_lockouts', 'locked_at');
  const rows = () => ({ methods: methods(), states: all('report_mfa_states', 'user_id'), lockouts: lockouts(), blocks: all('report_blocks', 'user_id') });

  describe('methods', () => {
    it('given methods registered, then each is counted with its type and time', () => {
      const app = registered('alice', 'm-1');
      const phone = registered('alice', 'm-2', 'phone');
      runner.applyBatch([app, phone]);
      expect(methods()).toEqual([
        { user_id: 'alice', method_id: 'm-1', method_type: 'softwareOath', registered_at: at(app) },
        { user_id: 'alice', method_id: 'm-2', method_type: 'phone', registered_at: at(phone) },
      ]);
    });

    it('given a method registered then removed, then only the other methods count', () => {
      runner.applyBatch([registered('alice', 'm-1'), registered('alice', 'm-2', 'phone'), removed('alice', 'm-1')]);
      expect(methods()).toEqual([expect.objectContaining({ user_id: 'alice', method_id: 'm-2' })]);
    });

    it('given re-registration required, then none of that user\'s methods count, and other users\' still do', () => {
      runner.applyBatch([registered('alice', 'm-1'), registered('alice', 'm-2', 'phone'), registered('bob', 'm-3'), reregistration('alice', ['m-1', 'm-2'])]);
      expect(methods()).toEqual([expect.objectContaining({ user_id: 'bob', method_id: 'm-3' })]);
    });
  });

  it('given per-user MFA enabled then enforced, then the user\'s state is the latest, since its change', () => {
    const enforced = mfaState('alice', 'enforced');
    runner.applyBatch([mfaState('alice', 'enabled'), enforced]);
    expect(all('report_mfa_states', 'user_id')).toEqual([{ user_id: 'alice', state: 'enforced', changed_at: at(enforced) }]);
  });

  describe('lockouts', () => {
    it('given a lockout, then it is listed open with its end, factor and number of denials', () => {
      const lock = lockedOut('alice', '2026-03-01T10:30:00.000Z');
      runner.applyBatch([lock]);
      expect(lockouts()).toEqual([{
        event_id: lock.eventId, user_id: 'alice', locked_at: at(lock), locked_until: '2026-03-01T10:30:00.000Z', factor: 'oneTimeCode', denials: 2,
        unlocked_at: null, unlocked_by: null, unlock_reason: null,
      }]);
    });

    it('given a lockout then an unlock, then the lockout ends with who lifted it and why', () => {
      const lock = lockedOut('alice', null, null);
      const unlock = unlocked('alice');
      runner.applyBatch([lock, unlock]);
      expect(lockouts()).toEqual([expect.objectContaining({ factor: null, unlocked_at: at(unlock), unlocked_by: 'admin:key:admin', unlock_reason: 'verified by phone' })]);
    });

    it('given two lockouts then an unlock, then only the latest open one is lifted', () => {
      const first = lockedOut('alice', '2026-03-01T10:30:00.000Z');
      const second = lockedOut('alice', null, 'push');
      runner.applyBatch([first, second, unlocked('alice')]);
      expect(lockouts()).toEqual([
        expect.objectContaining({ event_id: first.eventId, unlocked_at: null }),
        expect.objectContaining({ event_id: second.eventId, unlock_reason: 'verified by phone' }),
      ]);
    });
  });

  describe('blocks', () => {
    it('given a user blocked, then the block lists who blocked them, why, until when, under which correlation', () => {
      const block = blocked('alice');
      runner.applyBatch([block]);
      expect(all('report_blocks', 'user_id')).toEqual([{
        user_id: 'alice', blocked_at: at(block), blocked_until: '2026-03-02T10:00:00.000Z', reason: 'fraud reported', blocked_by: 'analyst:key:analyst', correlation_id: 'corr-UserBlocked',
      }]);
    });

    it('given a user blocked then unblocked, then only other users\' blocks are listed', () => {
      runner.applyBatch([blocked('alice'), blocked('bob'), unblocked('alice')]);
      expect(all('report_blocks', 'user_id')).toEqual([expect.objectContaining({ user_id: 'bob' })]);
    });
  });

  it('given a lockout lifted and a second one still open, applied again after the checkpoint was rewound, then the second stays open', () => {
    const batch = [lockedOut('dana', null), unlocked('dana', 'first'), lockedOut('dana', null)];
    runner.applyBatch(batch);
    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch(batch);
    expect(lockouts().map((row) => (row as { unlock_reason: string | null }).unlock_reason)).toEqual(['first', null]);
  });

  it('given events applied again after the checkpoint was rewound, then the same rows', () => {
    const batch = [
      registered('alice', 'm-1'), registered('alice', 'm-2', 'phone'), removed('alice', 'm-1'), registered('bob', 'm-3'), reregistration('bob', ['m-3']),
      mfaState('alice', 'enabled'), mfaState('alice', 'enforced'),
      lockedOut('alice', null), unlocked('alice', 'first'), lockedOut('alice', null, 'push'), unlocked('alice', 'second'),
      blocked('alice'), blocked('bob'), unblocked('bob'),
    ];
    runner.applyBatch(batch);
    const before = rows();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    runner.applyBatch(batch);

    expect(rows()).toEqual(before);
    expect(before.methods).toEqual([expect.objectContaining({ user_id: 'alice', method_id: 'm-2' })]);
    expect(before.states).toEqual([expect.objectContaining({ user_id: 'alice', state: 'enforced' })]);
    expect(before.lockouts).toEqual([expect.objectContaining({ unlock_reason: 'first' }), expect.objectContaining({ unlock_reason: 'second' })]);
    expect(before.blocks).toEqual([expect.objectContaining({ user_id: 'alice' })]);
  });
});
