/**
 * npm run bench: throughput of the embedded event store and of the MFA hot path, on this machine.
 * Numbers are printed, not asserted: targets live here, not in timed tests.
 */
import 'reflect-metadata';
import { eventRegistry, streams } from '@bulwark/contracts';
import { envelope, handleCommand, SqliteEventStore } from '@bulwark/event-store';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { userSessionsDecider } from '../../apps/sessions/src/user-sessions/user-sessions.decider';

const context = () => ({ correlationId: 'bench', actor: { type: 'system' as const, id: 'bench' }, now: new Date() });

/** Runs `work` `total` times from `parallel` concurrent workers on a fresh store; returns operations per second. */
async function throughput(parallel: number, total: number, work: (store: SqliteEventStore, worker: number) => Promise<unknown>): Promise<number> {
  const store = new SqliteEventStore(path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-bench-')), 'events.db'), eventRegistry);
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async (_, worker) => {
      while (next < total) {
        next++;
        await work(store, worker);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  return total / seconds;
}

const appendOne = (store: SqliteEventStore, worker: number) => {
  const userId = `user-${worker}`;
  const [event] = envelope([{ type: 'SessionsRevoked', data: { userId, reason: null, at: new Date().toISOString() } }], context());
  return store.append(streams.userSessions(userId), [event!], { expectedRevision: 'any' });
};

const revokeCommand = (store: SqliteEventStore, worker: number) => {
  const userId = `user-${worker % 50}`;
  const command = { type: 'RevokeSessions' as const, data: { userId, reason: null, now: new Date().toISOString() } };
  return handleCommand(store, streams.userSessions(userId), userSessionsDecider, command, context());
};

async function main() {
  const rows: Array<[string, number]> = [];
  rows.push(['SQLite appends/s, 1 writer (one fsync each)', await throughput(1, 2_000, appendOne)]);
  rows.push(['SQLite appends/s, 200 parallel writers (group commit)', await throughput(200, 20_000, appendOne)]);
  rows.push(['commands/s (read, fold, decide, append), 200 parallel on 50 streams', await throughput(200, 5_000, revokeCommand)]);
  for (const [name, value] of rows) console.log(`${name.padEnd(72)} ${Math.round(value).toLocaleString('en-US').padStart(10)}`);
}

void main();
