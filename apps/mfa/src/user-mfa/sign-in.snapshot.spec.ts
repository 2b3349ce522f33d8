import { eventRegistry, UserMfaEvent } from '@bulwark/contracts';
import { envelope, loadState, SNAPSHOT_EVERY, SqliteEventStore } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { methodsDecider } from './methods.decider';
import { signInDecider } from './sign-in.decider';
import { signInHistory } from './sign-in-history';

const context = { correlationId: 'c', actor: { type: 'system' as const, id: 't' }, now: new Date(0) };
const stream = 'user_mfa-long';

async function appendHistory(store: SqliteEventStore, signIns: number): Promise<void> {
  const events = [...signInHistory('long', signIns)];
  for (let from = 0; from < events.length; from += 300) {
    await store.append(stream, envelope(events.slice(from, from + 300), context), { expectedRevision: from === 0 ? 'no_stream' : from - 1 });
  }
}

describe('the sign-in write model over a long history', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-snapshot-')), 'events.db');

  beforeAll(async () => {
    const store = new SqliteEventStore(file, eventRegistry);
    await appendHistory(store, 1_000);
    await store.close();
  });

  it('holds only what is open: no ended challenge, a bounded list of ended ids', async () => {
    const store = new SqliteEventStore(file, eventRegistry);
    const { state, revision } = await loadState(store, stream, signInDecider);
    expect(revision).toBe(2 + 3 * 1_000 - 1);
    expect(state.signIn.challenges).toEqual({});
    expect(state.signIn.ended.length).toBeLessThanOrEqual(16);
    expect(state.methods.methods.m1).toMatchObject({ lastTimeStep: 2 + 999 * 2 });
    await store.close();
  });

  it('folds to the same state with and without the snapshot, which only saves time', async () => {
    const cold = new SqliteEventStore(file, eventRegistry);
    const first = await loadState(cold, stream, signInDecider);
    await cold.close();
    const db = new Database(file);
    const saved = db.prepare('SELECT decider, version, revision FROM stream_snapshots WHERE stream_id = ?').all(stream) as Array<{ revision: number }>;
    expect(saved).toEqual([expect.objectContaining({ decider: 'user-mfa-sign-in', version: signInDecider.snapshot.version })]);
    expect(first.revision - saved[0]!.revision).toBeLessThan(SNAPSHOT_EVERY);
    db.prepare('DELETE FROM stream_snapshots').run();
    db.close();

    const withoutSnapshot = new SqliteEventStore(file, eventRegistry);
    const rebuilt = await loadState(withoutSnapshot, stream, signInDecider);
    await withoutSnapshot.close();
    const fromSnapshot = new SqliteEventStore(file, eventRegistry);
    const resumed = await loadState(fromSnapshot, stream, signInDecider);
    await fromSnapshot.close();
    expect(rebuilt).toEqual(first);
    expect(resumed).toEqual(first);
  });

  it('ignores a snapshot of another decider version', async () => {
    const store = new SqliteEventStore(file, eventRegistry);
    await store.snapshots.save(stream, 'user-mfa-sign-in', 0, { revision: 3001, state: { bogus: true } });
    const bumped = { ...signInDecider, snapshot: { name: 'user-mfa-sign-in', version: signInDecider.snapshot.version + 1 } };
    const { state } = await loadState(store, stream, bumped);
    expect(state.signIn.challenges).toEqual({});
    await store.close();
  });

  it('reads only its event types, yet expects the stream’s last revision', async () => {
    const store = new SqliteEventStore(path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-types-')), 'events.db'), eventRegistry);
    await appendHistory(store, 2);
    const phone: UserMfaEvent = { type: 'MethodRegistered', data: { userId: 'long', methodId: 'p1', methodType: 'phone', displayName: null, timeStep: null, phoneNumber: '+447700900123', phoneType: 'mobile', at: new Date(0).toISOString() } };
    await store.append(stream, envelope([{ type: 'SuspiciousActivityReported', data: { userId: 'long', challengeId: 'c1', methodId: 'm1', clientIp: '203.0.113.7', userAgent: null, appId: null, at: new Date(0).toISOString(), autoBlockOnFraud: false } }], context), { expectedRevision: 7 });
    await store.append(stream, envelope([phone], context), { expectedRevision: 8 });
    expect((await store.readStream(stream, { types: ['MethodRegistered'] })).map((event) => event.revision)).toEqual([1, 9]);
    expect((await store.readStream(stream, { types: ['MethodRegistered'], toRevision: 8 })).map((event) => event.revision)).toEqual([1]);
    expect((await loadState(store, stream, methodsDecider)).revision).toBe(9);
    await store.close();
  });
});
