/**
 * `npm run bench:query`: the analyst API at scale (issue 5). It fills a fresh SQLite event store with the events of
 * 1,000,000 MFA attempts (a challenge and its answer each), builds the sign-in log from them with the real
 * projection (`rebuildProjection`, as `npm run projections:rebuild` does), compares that with a raw ordered scan of
 * the same store, then times filtered, paged queries through the same code the HTTP route runs (OData parse,
 * compile to SQL, keyset page, Graph shape, JSON), without the HTTP stack (about 0.3 ms a request, see the main bench).
 * Numbers are recorded, not asserted: bench/results/query-<timestamp>.{json,md} and docs/BENCHMARKS.md.
 */
import { eventRegistry, NewEvent } from '@bulwark/contracts';
import { openReadDatabase, ReadAheadReader, rebuildProjection, SqliteEventStore } from '@bulwark/event-store';
import { queryCollection, queryOptions, SkipTokens } from '@bulwark/odata';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { signInsProjection } from '../../apps/sign-in-logs/src/projections/sign-ins.projection';
import { SignInRow, signInsResource, toGraphSignIn } from '../../apps/sign-in-logs/src/queries/sign-ins.controller';
import { codeVersion, machineFacts, speedProbeMs } from './machine';
import { ROOT } from './server';
import { percentile, round } from './stats';

const ATTEMPTS = Number(process.env.BENCH_SIGN_INS ?? 1_000_000);
const USERS = 10_000;
const PER_APPEND = 50;
const START = Date.parse('2026-10-01T00:00:00.000Z');
/** one attempt every 2.6 s: a million attempts cover about a month */
const STEP_MS = 2_592;

type QueryResult = { name: string; filter: string; pages: number; rows: number; firstPage: Stats; nextPages: Stats };
type Stats = { n: number; p50: number | null; p95: number | null; max: number | null };

const userOf = (n: number) => `user${n % USERS}@contoso.com`;
const ipOf = (n: number) => `10.${(n % USERS) >> 8}.${(n % USERS) & 255}.${1 + ((n >> 4) % 200)}`;

/** The events of attempt `n`: a challenge, then an approval (80%) or a denial with a realistic reason. */
function attempt(n: number): NewEvent[] {
  const at = new Date(START + n * STEP_MS).toISOString();
  const userId = userOf(n);
  const challengeId = randomUUID();
  const common = { userId, challengeId, methodId: `m-${n % USERS}`, clientIp: ipOf(n), userAgent: 'Mozilla/5.0 (Windows NT 10.0)', appId: 'contoso-portal', at };
  const metadata = (offsetMs: number, type: string) => ({
    correlationId: randomUUID(),
    causationId: null,
    actor: { type: 'app' as const, id: 'key:app' },
    occurredAt: new Date(START + n * STEP_MS + offsetMs).toISOString(),
    schemaVersion: eventRegistry.contractOf(type).schemaVersion,
  });
  const channel = n % 5 === 0 ? 'appNotification' : 'appCode';
  const issued: NewEvent = {
    eventId: randomUUID(),
    type: 'MfaChallengeIssued',
    data: { ...common, methodType: 'softwareOath', channel, codeHash: null, expiresAt: new Date(START + n * STEP_MS + 300_000).toISOString() },
    metadata: metadata(0, 'MfaChallengeIssued'),
  };
  const roll = n % 10;
  const answer: NewEvent =
    roll < 8
      ? { eventId: randomUUID(), type: 'MfaApproved', data: { ...common, timeStep: null, channel, sessionId: randomUUID() }, metadata: metadata(5_000, 'MfaApproved') }
      : {
          eventId: randomUUID(),
          type: 'MfaDenied',
          data: { ...common, reason: roll === 8 ? 'wrongCode' : channel === 'appNotification' ? 'userDeclined' : 'replayedCode', endsChallenge: false },
          metadata: metadata(5_000, 'MfaDenied'),
        };
  return [issued, answer];
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50), 2), p95: round(percentile(sorted, 95), 2), max: round(sorted[sorted.length - 1] ?? null, 2) };
}

async function main(): Promise<void> {
  const began = Date.now();
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  const dataDir = mkdtempSync(path.join(ROOT, 'bench', '.query-'));
  const probeBefore = speedProbeMs();
  try {
    // 1. the store, filled in large appends (one stream per user, group-committed)
    const filling = new SqliteEventStore(path.join(dataDir, 'events.db'), eventRegistry);
    const fillStarted = Date.now();
    for (let first = 0; first < ATTEMPTS; first += PER_APPEND * 64) {
      const appends: Promise<unknown>[] = [];
      for (let chunk = first; chunk < Math.min(first + PER_APPEND * 64, ATTEMPTS); chunk += PER_APPEND) {
        const events: NewEvent[] = [];
        for (let n = chunk; n < Math.min(chunk + PER_APPEND, ATTEMPTS); n++) events.push(...attempt(n));
        appends.push(filling.append(`bench_signins-${chunk}`, events, { expectedRevision: 'no_stream' }));
      }
      await Promise.all(appends);
    }
    const fillMs = Date.now() - fillStarted;
    // a fresh connection: the writer keeps its recent events decoded in memory, and a rebuild after a restart has none
    await filling.close();
    // closing checkpointed the WAL into the file: wait until the kernel has written those pages, or its writeback runs
    // during the scan (seen as scans of 16–24 s of the same store), and the scan and the rebuild read a store at rest
    const settle = openSync(path.join(dataDir, 'events.db'), 'r');
    fsyncSync(settle);
    closeSync(settle);
    const store = new SqliteEventStore(path.join(dataDir, 'events.db'), eventRegistry);
    const events = await store.headPosition();
    console.error(`[bench:query] ${events.toLocaleString('en')} events stored in ${(fillMs / 1000).toFixed(1)} s`);

    // 2. a raw ordered scan of the store, in the batches a rebuild reads (each event decoded and validated as a rebuild does)
    const scanStarted = process.hrtime.bigint();
    let scanned = 0;
    for (let after = 0; ; ) {
      const batch = await store.readAll({ after, maxCount: 1000 });
      if (!batch.length) break;
      scanned += batch.length;
      after = batch[batch.length - 1]!.position;
    }
    const scanMs = Number(process.hrtime.bigint() - scanStarted) / 1e6;

    // 3. the sign-in log rebuilt from position 0 by the real projection
    const db = openReadDatabase(path.join(dataDir, 'bulwark.read.db'));
    const rebuildStarted = process.hrtime.bigint();
    // as `npm run projections:rebuild` does on the embedded store: the next batch is read on another thread meanwhile
    const reader = ReadAheadReader.open(path.join(dataDir, 'events.db'));
    const rebuilt = await rebuildProjection(reader, db, signInsProjection).finally(() => reader.close());
    const rebuildMs = Number(process.hrtime.bigint() - rebuildStarted) / 1e6;
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM sign_ins').get() as { n: number }).n;
    console.error(`[bench:query] scan ${(scanMs / 1000).toFixed(1)} s, rebuild ${(rebuildMs / 1000).toFixed(1)} s, ${rows.toLocaleString('en')} sign-in rows`);

    // 4. filtered, paged queries: the first page, then up to 4 more through the skiptoken, each timed
    const tokens = new SkipTokens(randomBytes(32));
    const mid = new Date(START + (ATTEMPTS / 2) * STEP_MS);
    const hourLater = new Date(mid.getTime() + 3_600_000);
    const queries: Array<{ name: string; filter: (i: number) => string; top: number }> = [
      { name: 'by user', filter: (i) => `userId eq '${userOf(i * 37)}'`, top: 50 },
      { name: 'by time range (one hour)', filter: (i) => `createdDateTime ge ${new Date(mid.getTime() + i * 60_000).toISOString()} and createdDateTime lt ${new Date(hourLater.getTime() + i * 60_000).toISOString()}`, top: 100 },
      { name: 'by errorCode', filter: () => 'status/errorCode eq 500121', top: 100 },
      { name: 'by errorCode and user', filter: (i) => `status/errorCode ne 0 and userId eq '${userOf(i * 53)}'`, top: 50 },
      { name: 'by IP prefix', filter: (i) => `startswith(ipAddress, '10.${(i * 7) % 39}.')`, top: 100 },
      { name: 'newest, no filter', filter: () => '', top: 100 },
    ];
    const results: QueryResult[] = [];
    for (const query of queries) {
      const first: number[] = [];
      const next: number[] = [];
      let totalRows = 0;
      let pages = 0;
      for (let i = 0; i < 60; i++) {
        const text = query.filter(i);
        let skiptoken: string | null = null;
        for (let page = 0; page < 5; page++) {
          const started = process.hrtime.bigint();
          const request: Record<string, string> = { $top: String(query.top), ...(text ? { $filter: text } : {}), ...(skiptoken ? { $skiptoken: skiptoken } : {}) };
          const options = queryOptions(request, signInsResource, tokens);
          const result = queryCollection<SignInRow>(db, signInsResource, options);
          const body = JSON.stringify({ value: result.rows.map((row) => toGraphSignIn(row)) });
          skiptoken = result.next ? tokens.encode(result.next, options.scope) : null;
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          (page === 0 ? first : next).push(ms);
          totalRows += result.rows.length;
          pages += 1;
          if (body.length < 2 || !skiptoken) break;
        }
      }
      results.push({ name: query.name, filter: query.filter(1) || '(none)', pages, rows: totalRows, firstPage: stats(first), nextPages: stats(next) });
    }
    db.close();
    await store.close();

    const all = results.flatMap((result) => [result.firstPage.p95, result.nextPages.p95]).filter((value): value is number => value !== null);
    const worstP95 = Math.max(...all);
    const report = {
      at: new Date().toISOString(),
      code: codeVersion(ROOT),
      machine: machineFacts(dataDir),
      speedProbeMs: { before: probeBefore, after: speedProbeMs() },
      attempts: ATTEMPTS,
      events,
      fill: { ms: fillMs, eventsPerSecond: Math.round(events / (fillMs / 1000)) },
      rawScan: { ms: Math.round(scanMs), events: scanned, eventsPerSecond: Math.round(scanned / (scanMs / 1000)) },
      rebuild: { ms: Math.round(rebuildMs), events: rebuilt.events, eventsPerSecond: Math.round(rebuilt.events / (rebuildMs / 1000)), rows, ratioToScan: round(rebuildMs / scanMs, 2) },
      queries: results,
      targets: { p95Ms: 50, worstP95Ms: worstP95, p95Met: worstP95 <= 50, rebuildRatio: 1.5, rebuildMet: rebuildMs / scanMs <= 1.5 },
      wholeRunSeconds: Math.round((Date.now() - began) / 1000),
    };
    const stamp = report.at.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
    const markdown = render(report);
    writeFileSync(path.join(ROOT, 'bench', 'results', `query-${stamp}.json`), JSON.stringify(report, null, 2));
    writeFileSync(path.join(ROOT, 'bench', 'results', `query-${stamp}.md`), markdown);
    copyFileSync(path.join(ROOT, 'bench', 'results', `query-${stamp}.md`), path.join(ROOT, 'bench', 'results', 'query-latest.md'));
    console.log(markdown);
  } finally {
    if (!process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  }
}

function render(report: {
  at: string; code: { commit: string; changedOutsideBench: string[] }; machine: ReturnType<typeof machineFacts>; speedProbeMs: { before: number; after: number };
  attempts: number; events: number; fill: { ms: number; eventsPerSecond: number }; rawScan: { ms: number; events: number; eventsPerSecond: number };
  rebuild: { ms: number; events: number; eventsPerSecond: number; rows: number; ratioToScan: number | null }; queries: QueryResult[];
  targets: { p95Ms: number; worstP95Ms: number; p95Met: boolean; rebuildRatio: number; rebuildMet: boolean }; wholeRunSeconds: number;
}): string {
  const m = report.machine;
  const n = (value: number | null) => (value === null ? '–' : value.toLocaleString('en'));
  return [
    `# Analyst API at scale, ${report.at}`,
    '',
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.os}; data directory on ${m.dataDirFilesystem}. Speed probe ${report.speedProbeMs.before} ms before, ${report.speedProbeMs.after} ms after.`,
    `Code: ${report.code.commit}${report.code.changedOutsideBench.length ? ' with uncommitted changes' : ''}. Whole run: ${report.wholeRunSeconds} s.`,
    '',
    `${n(report.attempts)} MFA attempts = ${n(report.events)} events (a challenge and its answer each), stored in ${n(Math.round(report.fill.ms / 1000))} s (${n(report.fill.eventsPerSecond)} events/s, durable group commits of 64 appends of ${PER_APPEND * 2} events).`,
    '',
    '| pass over the store | events | seconds | events/s |',
    '|---|---:|---:|---:|',
    `| raw ordered scan (read, decode, validate; batches of 1,000) | ${n(report.rawScan.events)} | ${(report.rawScan.ms / 1000).toFixed(1)} | ${n(report.rawScan.eventsPerSecond)} |`,
    `| sign-in projection rebuilt from position 0 (${n(report.rebuild.rows)} rows) | ${n(report.rebuild.events)} | ${(report.rebuild.ms / 1000).toFixed(1)} | ${n(report.rebuild.eventsPerSecond)} |`,
    '',
    `Rebuild / raw scan = **${report.rebuild.ratioToScan}** (target ≤ ${report.targets.rebuildRatio}: ${report.targets.rebuildMet ? 'met' : '**not met**'}).`,
    '',
    'Queries: 60 different filters of each kind; for each, the first page and up to four more through `$skiptoken`. Each time covers',
    'parsing the OData options, compiling to SQL, the keyset page, the Graph `signIn` shape and JSON; not the HTTP stack.',
    '',
    '| query | example `$filter` | pages | rows | first page p50 / p95 ms | next pages p50 / p95 ms |',
    '|---|---|---:|---:|---:|---:|',
    ...report.queries.map(
      (q) => `| ${q.name} | \`${q.filter}\` | ${q.pages} | ${n(q.rows)} | ${q.firstPage.p50} / ${q.firstPage.p95} | ${q.nextPages.p50 ?? '–'} / ${q.nextPages.p95 ?? '–'} |`,
    ),
    '',
    `Worst p95: **${report.targets.worstP95Ms} ms** (target ≤ ${report.targets.p95Ms} ms: ${report.targets.p95Met ? 'met' : '**not met**'}).`,
    '',
  ].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
