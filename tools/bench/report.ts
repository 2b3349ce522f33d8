import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunResult } from './load';
import { CodeVersion, Machine } from './machine';
import { profileSection, ProfiledWindow } from './profile';
import { AppendResult, StoreFacts } from './raw-append';

export type BenchReport = {
  startedAt: string;
  wallClockSeconds: number;
  machine: Machine;
  /** cores busy on the machine just before the bench started (other processes) */
  busyBeforeStartCores: number | null;
  /** the same fixed workload before and after the runs (ms; lower is faster): the machine's speed that day */
  speedProbe: { beforeMs: number; afterMs: number };
  code: CodeVersion;
  setup: { users: number; connections: number; wrongCodeShare: number; enrollSeconds: number; lockout: object };
  runs: { ping: RunResult; pairs: RunResult; challenges: RunResult; verifies: RunResult };
  rawAppends: { oneWriter: AppendResult; parallel: AppendResult; serverStopped: string };
  store: StoreFacts;
  ratios: { verifyToNoop: number; verifyToRawAppend: number; pairsToNoop: number };
  targets: Array<{ target: string; measured: string; met: boolean }>;
  profiles: { pairs: ProfiledWindow | null; ping: ProfiledWindow | null };
};

export type { ProfiledWindow };

export function ratiosOf(runs: BenchReport['runs'], raw: AppendResult): BenchReport['ratios'] {
  const verify = runs.verifies.kinds.verify?.perSecond ?? 0;
  const ping = runs.ping.kinds.ping?.perSecond ?? 1;
  return {
    verifyToNoop: Number((verify / ping).toFixed(2)),
    verifyToRawAppend: Number((verify / Math.max(1, raw.perSecond)).toFixed(2)),
    pairsToNoop: Number(((runs.pairs.kinds.pair?.perSecond ?? 0) / ping).toFixed(2)),
  };
}

export function targetsOf(report: Omit<BenchReport, 'targets'>): BenchReport['targets'] {
  const verify = report.runs.verifies.kinds.verify;
  const ping = report.runs.ping.kinds.ping?.perSecond ?? 0;
  const { approvalsAnswered, approvalsMissing } = report.store;
  return [
    { target: 'verify ≥ 0.5 × no-op', measured: `${report.ratios.verifyToNoop} ×`, met: report.ratios.verifyToNoop >= 0.5 },
    { target: 'verify ≥ 5,000/s', measured: `${fmt(verify?.perSecond ?? 0)}/s (no-op ${fmt(ping)}/s)`, met: (verify?.perSecond ?? 0) >= 5000 },
    { target: 'verify p99 ≤ 20 ms', measured: `${verify?.latencyMs.p99 ?? '–'} ms`, met: (verify?.latencyMs.p99 ?? Infinity) <= 20 },
    {
      target: 'every approval durable before it is returned',
      measured:
        `committed before answered: ${fmt(approvalsAnswered)} approvals answered, ${approvalsMissing} missing from events.db after a SIGKILL under load; ` +
        `fsynced at commit: journal_mode=${report.rawAppends.parallel.pragmas.journalMode}, synchronous=${report.rawAppends.parallel.pragmas.synchronous === 2 ? 'FULL' : report.rawAppends.parallel.pragmas.synchronous} on the store's connection`,
      met: approvalsMissing === 0 && approvalsAnswered > 0 && report.rawAppends.parallel.pragmas.synchronous >= 2,
    },
  ];
}

/** Writes `<stamp>.json` and `<stamp>.md` (and the profile) into `dir`, and copies them to `latest.*`. */
export function writeReport(dir: string, stamp: string, report: BenchReport, profileFiles: Record<string, string | null>): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${stamp}.json`);
  const md = path.join(dir, `${stamp}.md`);
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(md, markdownOf(report));
  copyFileSync(json, path.join(dir, 'latest.json'));
  copyFileSync(md, path.join(dir, 'latest.md'));
  for (const [name, file] of Object.entries(profileFiles)) {
    if (!file) continue;
    copyFileSync(file, path.join(dir, `${stamp}.${name}.cpuprofile`));
    copyFileSync(file, path.join(dir, `latest.${name}.cpuprofile`));
  }
  return { json, md };
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number | null | undefined) => (value === null || value === undefined ? '–' : value.toFixed(value < 10 ? 2 : 1));
const cores = (value: number | null) => (value === null ? '–' : value.toFixed(2));

export function markdownOf(report: BenchReport): string {
  const { machine, runs, rawAppends, store, ratios, setup } = report;
  const row = (name: string, perSecond: number, latency: { p50: number | null; p99: number | null }, count: number, run?: RunResult | AppendResult) => {
    const http = run && 'kinds' in run ? run : null;
    const backlog = http ? `${fmt(http.projections.behind)} / ${http.projections.caughtUpSeconds ?? '> 60'} s` : '–';
    const cpuPerRequest = http?.serverCpuCores ? ms((1000 * http.serverCpuCores) / Math.max(1, perSecond)) : '–';
    return `| ${name} | ${fmt(perSecond)} | ${ms(latency.p50)} | ${ms(latency.p99)} | ${fmt(count)} | ${http ? cores(http.serverCpuCores) : '–'} | ${cpuPerRequest} | ${http ? cores(http.loadGeneratorCpuCores) : '–'} | ${run ? cores(run.otherCpuCores) : '–'} | ${backlog} |`;
  };
  const kind = (run: RunResult, name: string) => run.kinds[name] ?? { perSecond: 0, count: 0, latencyMs: { p50: null, p99: null } };
  const lines = [
    `# Bulwark benchmark, ${report.startedAt}`,
    '',
    `Machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ${machine.os}; data directory on ${machine.dataDirFilesystem}. Speed probe (a fixed single-threaded workload, lower is faster): ${report.speedProbe.beforeMs} ms before the runs, ${report.speedProbe.afterMs} ms after.`,
    ...(report.busyBeforeStartCores !== null && report.busyBeforeStartCores > 0.25
      ? [`**The machine was busy before the bench started: ${report.busyBeforeStartCores} cores in use by other processes.** See the last column.`]
      : []),
    `Code: ${report.code.commit}${report.code.changedOutsideBench.length ? ` with uncommitted changes to ${report.code.changedOutsideBench.join(', ')}` : ', no uncommitted change outside the bench'}.`,
    `Server: the embedded default (\`node dist/apps/bulwark/src/main.js\`, SQLite, in-process delivery) in its own process. Load: autocannon 8 in the bench process on the same machine, ${setup.connections} connections, one request in flight each; ${setup.users} users enrolled over HTTP, round robin, ${setup.wrongCodeShare * 100}% wrong codes. Whole bench: ${report.wallClockSeconds} s.`,
    '',
    '| measurement | req/s | p50 ms | p99 ms | requests | server CPU (cores) | server CPU ms per request | load generator CPU | other processes\' CPU | projection backlog at the end / caught up in |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    row('no-op `GET /v1/ping` (the ceiling)', kind(runs.ping, 'ping').perSecond, kind(runs.ping, 'ping').latencyMs, kind(runs.ping, 'ping').count, runs.ping),
    row('**verify** (`POST …/verify`, challenges issued beforehand)', kind(runs.verifies, 'verify').perSecond, kind(runs.verifies, 'verify').latencyMs, kind(runs.verifies, 'verify').count, runs.verifies),
    row('**challenge + verify pair** (per pair; latency of both requests)', kind(runs.pairs, 'pair').perSecond, kind(runs.pairs, 'pair').latencyMs, kind(runs.pairs, 'pair').count, runs.pairs),
    row('  the pairs\' challenge requests', kind(runs.pairs, 'challenge').perSecond, kind(runs.pairs, 'challenge').latencyMs, kind(runs.pairs, 'challenge').count),
    row('  the pairs\' verify requests', kind(runs.pairs, 'verify').perSecond, kind(runs.pairs, 'verify').latencyMs, kind(runs.pairs, 'verify').count),
    row('challenge only (`POST /v1/mfa/challenges`)', kind(runs.challenges, 'challenge').perSecond, kind(runs.challenges, 'challenge').latencyMs, kind(runs.challenges, 'challenge').count, runs.challenges),
    row(`raw durable append, 1 writer (${rawAppends.serverStopped})`, rawAppends.oneWriter.perSecond, rawAppends.oneWriter.latencyMs, rawAppends.oneWriter.appends, rawAppends.oneWriter),
    row(`raw durable append, ${rawAppends.parallel.writers} writers (group commit)`, rawAppends.parallel.perSecond, rawAppends.parallel.latencyMs, rawAppends.parallel.appends, rawAppends.parallel),
    '',
    `Ratios: verify / no-op = **${ratios.verifyToNoop}**; verify / raw append (${rawAppends.parallel.writers} writers) = **${ratios.verifyToRawAppend}**; pairs / no-op = ${ratios.pairsToNoop}.`,
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...report.targets.map((target) => `| ${target.target} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`),
    '',
    '## Verify outcomes',
    '',
    'A TOTP code approves once per user and 30 s time step; with 1,000 users a correct code is mostly a replay of one already used in that step, denied `replayedCode`. Both outcomes take the same path (route, policies, stream, TOTP check, one durable append); an approval also opens a session in the projections. The approvals come in a burst after each step boundary: see below.',
    '',
    '| run | ' + outcomeKeys(runs).join(' | ') + ' |',
    '|---|' + outcomeKeys(runs).map(() => '---:').join('|') + '|',
    ...[runs.pairs, runs.verifies].map((run) => `| ${run.name} | ${outcomeKeys(runs).map((key) => fmt(run.outcomes?.[key] ?? 0)).join(' | ')} |`),
    '',
    `Non-2xx answers: ${describeStatuses(runs)}.`,
    '',
    '## Over time',
    '',
    `Verify completions per second in the pair run: ${runs.pairs.timeline.map(fmt).join(', ')}; of which approvals: ${(runs.pairs.approvalsTimeline ?? []).map(fmt).join(', ')}.`,
    `When the HTTP runs ended the store held ${fmt(store.events)} events (${store.fileMb} MB with its WAL); a user's MFA stream had ${store.userMfaStreams.meanEvents} events on average (max ${store.userMfaStreams.maxEvents}), all read and folded by every command on it.`,
    '',
  ];
  for (const [title, profile] of [
    ['Where the time goes: server CPU profile under challenge + verify', report.profiles.pairs],
    ['The ceiling: server CPU profile under the no-op route', report.profiles.ping],
  ] as const) {
    if (profile) lines.push(...profileSection(title, profile, ' (Chrome DevTools, Performance, load profile)'));
  }
  return lines.join('\n');
}

function outcomeKeys(runs: BenchReport['runs']): string[] {
  const keys = new Set<string>();
  for (const run of [runs.pairs, runs.verifies]) Object.keys(run.outcomes ?? {}).forEach((key) => keys.add(key));
  return [...keys].sort();
}

function describeStatuses(runs: BenchReport['runs']): string {
  const parts = [runs.ping, runs.pairs, runs.challenges, runs.verifies].map((run) => {
    const bad = Object.entries(run.statuses).filter(([status]) => !status.startsWith('2'));
    const extra = [...bad.map(([status, count]) => `${count} × ${status}`), ...(run.errors ? [`${run.errors} connection errors`] : []), ...(run.timeouts ? [`${run.timeouts} timeouts`] : [])];
    return `${run.name}: ${extra.length ? extra.join(', ') : 'none'}`;
  });
  return parts.join('; ');
}
