/**
 * The cold fold of one user's MFA stream after a restart (issue 15): 100,000 sign-ins (a challenge issued, a wrong
 * code, an approval: 300,002 events) appended straight to a SQLite store, then the sign-in write model loaded by a
 * fresh store (no cache) with its snapshot, and again after deleting every snapshot. `npm run bench:fold`.
 * BENCH_SIGN_INS changes the number of sign-ins.
 */
import 'reflect-metadata';
import { eventRegistry } from '@bulwark/contracts';
import { envelope, loadState, SqliteEventStore } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { signInDecider } from '../../apps/mfa/src/user-mfa/sign-in.decider';
import { signInHistory } from '../../apps/mfa/src/user-mfa/sign-in-history';

const signIns = Number(process.env.BENCH_SIGN_INS ?? 100_000);
const stream = 'user_mfa-bench';
const context = { correlationId: 'bench', actor: { type: 'system' as const, id: 'bench' }, now: new Date(0) };

async function coldLoad(file: string): Promise<{ ms: number; revision: number }> {
  const store = new SqliteEventStore(file, eventRegistry);
  const started = performance.now();
  const { revision } = await loadState(store, stream, signInDecider);
  const ms = performance.now() - started;
  await store.close();
  return { ms, revision };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-cold-fold-')), 'events.db');
  const store = new SqliteEventStore(file, eventRegistry);
  const appendStarted = performance.now();
  let batch = [];
  let revision = -1;
  for (const event of signInHistory('bench', signIns)) {
    batch.push(event);
    if (batch.length === 1_000) {
      revision = (await store.append(stream, envelope(batch, context), { expectedRevision: revision < 0 ? 'no_stream' : revision })).nextExpectedRevision;
      batch = [];
    }
  }
  if (batch.length) revision = (await store.append(stream, envelope(batch, context), { expectedRevision: revision < 0 ? 'no_stream' : revision })).nextExpectedRevision;
  await store.close();
  console.log(`appended ${revision + 1} events (${signIns} sign-ins) in ${((performance.now() - appendStarted) / 1000).toFixed(1)} s`);

  const withoutSnapshot = async () => {
    const db = new Database(file);
    db.prepare('DELETE FROM stream_snapshots').run();
    db.close();
    return coldLoad(file);
  };
  // the first load without a snapshot writes one, as a cold load past SNAPSHOT_EVERY revisions does
  const rebuilt = [await withoutSnapshot(), await withoutSnapshot(), await withoutSnapshot()];
  await coldLoad(file);
  // the worst case: a snapshot SNAPSHOT_EVERY - 1 revisions behind (166 sign-ins more, 498 events, none saved a new one)
  const late = new SqliteEventStore(file, eventRegistry);
  const more = [...signInHistory('bench', 166, Date.parse('2030-01-01T00:00:00.000Z'))].slice(2);
  await late.append(stream, envelope(more, context), { expectedRevision: revision });
  await late.close();
  const resumed = [];
  for (let run = 0; run < 7; run++) resumed.push(await coldLoad(file));
  console.log(`cold fold without snapshot: ${median(rebuilt.map((run) => run.ms)).toFixed(0)} ms (median of 3; revision ${rebuilt[0]!.revision})`);
  console.log(`cold fold with snapshot:    ${median(resumed.map((run) => run.ms)).toFixed(1)} ms (median of 7; max ${Math.max(...resumed.map((run) => run.ms)).toFixed(1)} ms; ${more.length} events after the snapshot)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
