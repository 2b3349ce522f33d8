/**
 * The floor under every command: durable appends to the server's own events.db through SqliteEventStore,
 * in this process, after the server has been stopped (SQLite allows one writer at a time).
 */
import 'reflect-metadata';
import { eventRegistry, NewEvent } from '@bulwark/contracts';
import { SqliteEventStore } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { machineCpuSeconds } from './server';
import { LatencySummary, round, Samples } from './stats';

export type AppendResult = {
  name: string;
  writers: number;
  seconds: number;
  appends: number;
  perSecond: number;
  latencyMs: LatencySummary;
  /** CPU used meanwhile by other processes: the append rate is sensitive to it */
  otherCpuCores: number | null;
  /** read back from the store's own connection: WAL, and synchronous 2 (FULL) means a commit fsyncs the WAL */
  pragmas: { journalMode: string; synchronous: number };
};

export type StoreFacts = {
  events: number;
  fileMb: number;
  /** events per user_mfa stream when the HTTP runs ended: every command reads and folds its whole stream */
  userMfaStreams: { streams: number; meanEvents: number; maxEvents: number };
  /** approvals answered over HTTP (by session id) that are not in the store: must be 0 */
  approvalsAnswered: number;
  approvalsMissing: number;
};

/** What the HTTP runs left in the store, and whether every approval the server answered is in it. */
export function inspectStore(dataDir: string, approvedSessionIds: string[]): StoreFacts {
  const file = path.join(dataDir, 'events.db');
  // opened read-write: after a SIGKILL the first connection recovers the WAL
  const db = new Database(file);
  try {
    const events = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()!.n;
    const perStream = db
      .prepare<[], { streams: number; mean: number; max: number }>(
        `SELECT COUNT(*) AS streams, AVG(n) AS mean, MAX(n) AS max
         FROM (SELECT COUNT(*) AS n FROM events WHERE stream_id LIKE 'user_mfa-%' GROUP BY stream_id)`,
      )
      .get()!;
    const stored = new Set(
      db
        .prepare<[], { sessionId: string }>(`SELECT json_extract(data, '$.sessionId') AS sessionId FROM events WHERE type = 'MfaApproved'`)
        .all()
        .map((row) => row.sessionId),
    );
    return {
      events,
      fileMb: Number(((statSync(file).size + walSize(file)) / 1e6).toFixed(1)),
      userMfaStreams: { streams: perStream.streams, meanEvents: Math.round(perStream.mean), maxEvents: perStream.max },
      approvalsAnswered: approvedSessionIds.length,
      approvalsMissing: approvedSessionIds.filter((id) => !stored.has(id)).length,
    };
  } finally {
    db.close();
  }
}

const walSize = (file: string) => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

/**
 * Appends one event per call for `seconds` from `writers` concurrent loops, each to its own stream. The event
 * is a copy of the last verify outcome the server stored, so the rows have the size the verify path writes.
 */
export async function measureAppends(dataDir: string, writers: number, seconds: number): Promise<AppendResult> {
  const store = new SqliteEventStore(path.join(dataDir, 'events.db'), eventRegistry);
  try {
    const template = await lastVerifyOutcome(store);
    // the connection is private to the store; the bench looks at it only to report how it commits
    const connection = store['db'];
    const pragmas = { journalMode: String(connection.pragma('journal_mode', { simple: true })), synchronous: Number(connection.pragma('synchronous', { simple: true })) };
    const samples = new Samples();
    const machineBefore = machineCpuSeconds();
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const streamId = `user_mfa-bench-raw-append-${writer}`;
        while (performance.now() < until) {
          const event: NewEvent = {
            ...template,
            eventId: randomUUID(),
            metadata: { ...template.metadata, occurredAt: new Date().toISOString() },
          };
          const sent = performance.now();
          await store.append(streamId, [event], { expectedRevision: 'any' });
          samples.record(performance.now() - sent);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const own = process.cpuUsage(ownBefore);
    const machineAfter = machineCpuSeconds();
    const latency = samples.summary();
    return {
      name: writers === 1 ? 'raw append, 1 writer (one commit each)' : `raw append, ${writers} writers (group commit)`,
      writers,
      seconds: Number(elapsed.toFixed(2)),
      appends: samples.count,
      perSecond: Math.round(samples.count / elapsed),
      latencyMs: { count: latency.count, p50: round(latency.p50, 2), p90: round(latency.p90, 2), p99: round(latency.p99, 2), max: round(latency.max, 1) },
      pragmas,
      otherCpuCores:
        machineBefore && machineAfter ? round(Math.max(0, (machineAfter.busy - machineBefore.busy - (own.user + own.system) / 1e6) / elapsed), 2) : null,
    };
  } finally {
    await store.close();
  }
}

async function lastVerifyOutcome(store: SqliteEventStore): Promise<NewEvent> {
  const head = await store.headPosition();
  const recent = await store.readAll({ after: Math.max(0, head - 500), maxCount: 500 });
  const outcome = [...recent].reverse().find((event) => event.type === 'MfaDenied' || event.type === 'MfaApproved');
  if (!outcome) throw new Error('the store holds no verify outcome to copy: did the HTTP runs verify anything?');
  return { type: outcome.type, data: outcome.data, metadata: outcome.metadata, eventId: outcome.eventId };
}
