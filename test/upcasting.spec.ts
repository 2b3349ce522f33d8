import { eventRegistry, UserMfaEvent } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner, ReadAheadReader, rebuildProjection, SqliteEventStore } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evolve, initialState, signInEventTypes } from '../apps/mfa/src/user-mfa/sign-in.decider';
import { signInsProjection } from '../apps/sign-in-logs/src/projections/sign-ins.projection';

/**
 * Issue 15 §5, one real history end to end: a user's stream written before channels (MfaChallengeIssued and
 * MfaApproved at version 1, naming no channel) folds in the sign-in decider, and projects into the sign-in log, as the
 * same history written today does. Two files hold the two: the old rows, and the same events in the current shape.
 */
const stream = 'user_mfa-ada';
const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, second)).toISOString();
const attempt = (challengeId: string, second: number) => ({
  userId: 'ada', challengeId, methodId: 'm-app', clientIp: '10.0.0.7', userAgent: 'Mozilla/5.0', appId: 'contoso-portal', at: at(second),
});
const id = (n: number) => `6f1c2a4e-1b7d-4c1e-9a51-3f0b1c2d4e${String(n).padStart(2, '0')}`;

/** The history as the old build wrote it, and the fields version 2 adds to each event (none for unchanged types). */
const history: Array<{ type: string; data: Record<string, unknown>; added?: Record<string, unknown> }> = [
  { type: 'AuthenticatorAppAdded', data: { userId: 'ada', methodId: 'm-app', secret: { keyId: 'k1', iv: 'aXY=', tag: 'dGFn', ciphertext: 'Y3Q=' }, algorithm: 'SHA1', digits: 6, period: 30, displayName: null, at: at(0) } },
  { type: 'MethodRegistered', data: { userId: 'ada', methodId: 'm-app', methodType: 'softwareOath', displayName: null, timeStep: 1, at: at(1) } },
  { type: 'MfaChallengeIssued', data: { ...attempt('ch-1', 2), methodType: 'softwareOath', expiresAt: at(300) }, added: { channel: 'appCode', codeHash: null } },
  { type: 'MfaDenied', data: { ...attempt('ch-1', 3), reason: 'wrongCode', endsChallenge: false } },
  { type: 'MfaDenied', data: { ...attempt('ch-1', 4), reason: 'wrongCode', endsChallenge: false } },
  { type: 'MfaApproved', data: { ...attempt('ch-1', 5), timeStep: 40, sessionId: 's-1' }, added: { channel: 'appCode' } },
  { type: 'MfaChallengeIssued', data: { ...attempt('ch-2', 6), methodType: 'softwareOath', expiresAt: at(306) }, added: { channel: 'appCode', codeHash: null } },
  { type: 'MfaDenied', data: { ...attempt('ch-2', 7), reason: 'wrongCode', endsChallenge: false } },
];

function writeRaw(file: string, version: 'old' | 'current'): void {
  new SqliteEventStore(file, eventRegistry).close();
  const raw = new Database(file);
  const insert = raw.prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
  history.forEach((event, revision) => {
    const schemaVersion = version === 'old' ? 1 : eventRegistry.contractOf(event.type).schemaVersion;
    const data = version === 'old' ? event.data : { ...event.data, ...event.added };
    const metadata = { correlationId: `corr-${revision}`, causationId: null, actor: { type: 'app', id: 'key:app' }, occurredAt: event.data.at, schemaVersion };
    insert.run(id(revision), stream, revision, event.type, JSON.stringify(data), JSON.stringify(metadata));
  });
  raw.close();
}

const TABLES = ['sign_ins', 'sign_in_challenges', 'sign_in_methods'] as const;
const tables = (db: Database.Database) => Object.fromEntries(TABLES.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()]));

describe('a history written before channels, read today', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-upcasting-'));
  const oldFile = path.join(dir, 'old.db');
  const currentFile = path.join(dir, 'current.db');
  let old: SqliteEventStore;
  let current: SqliteEventStore;

  beforeAll(() => {
    writeRaw(oldFile, 'old');
    writeRaw(currentFile, 'current');
    old = new SqliteEventStore(oldFile, eventRegistry);
    current = new SqliteEventStore(currentFile, eventRegistry);
  });

  afterAll(async () => {
    await old.close();
    await current.close();
  });

  const fold = async (store: SqliteEventStore) =>
    (await store.readStream(stream, { types: [...signInEventTypes] })).reduce((state, event) => evolve(state, event as unknown as UserMfaEvent), initialState());

  it('folds in the sign-in decider to the state the current shape folds to', async () => {
    const state = await fold(old);
    expect(state).toEqual(await fold(current));
    // the approval named appCode cleared the one-time-code counter, as the nameless one cleared every counter
    expect(state.signIn.lock).toEqual({ status: 'Open', recentDenials: [{ challengeId: 'ch-2', at: at(7), factor: 'oneTimeCode' }] });
    expect(state.signIn.ended).toEqual([{ challengeId: 'ch-1', status: 'approved' }]);
    expect(state.signIn.challenges['ch-2']).toMatchObject({ channel: 'appCode', codeHash: null });
  });

  it('projects into the sign-in log as the current shape does, live and through the read-ahead rebuild', async () => {
    const fromOld = openReadDatabase(':memory:');
    const fromCurrent = openReadDatabase(':memory:');
    const live = openReadDatabase(':memory:');
    const oldReader = ReadAheadReader.open(oldFile);
    const currentReader = ReadAheadReader.open(currentFile);
    try {
      expect(await rebuildProjection(oldReader, fromOld, signInsProjection, 3)).toEqual({ events: history.length, position: history.length });
      await rebuildProjection(currentReader, fromCurrent, signInsProjection, 3);
      const runner = new ProjectionRunner(live, signInsProjection, true);
      runner.applyBatch(await old.readAll({ after: 0, maxCount: 100 }));

      expect(tables(fromOld)).toEqual(tables(fromCurrent));
      expect(tables(live)).toEqual(tables(fromOld));
      const channels = fromOld.prepare<[], { channel: string | null }>('SELECT channel FROM sign_ins').all();
      expect(channels.length).toBeGreaterThan(0);
      expect(channels.every((row) => row.channel === 'appCode')).toBe(true);
    } finally {
      await oldReader.close();
      await currentReader.close();
      [fromOld, fromCurrent, live].forEach((db) => db.close());
    }
  });
});
