/**
 * npm run bench: the embedded server measured over HTTP against its own ceiling and its own store.
 *
 *   1. the no-op ceiling: GET /v1/ping, authenticated, doing nothing else;
 *   2. MFA verifications end to end: 1,000 users enrolled over HTTP, 64 connections, 10% wrong codes; the
 *      challenge + verify pair, then the verify request alone on challenges issued beforehand;
 *   3. then, with the server killed (SIGKILL under load, to check that every approval answered is stored),
 *      raw durable appends to the same events.db through SqliteEventStore, in this process.
 *
 * CPU profiles of the server are taken under the no-op and the pair load after the measured runs (so the
 * profiler does not slow them). Numbers are recorded, not asserted: bench/results/<timestamp>.{json,md}
 * and latest.*, with the profiles beside them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_LOCKOUT, enrollUsers, setLockoutPolicy } from './enroll';
import { CONNECTIONS, Outcomes, runChallenges, runPairs, runPairsUntilKilled, runPing, runVerifies } from './load';
import { codeVersion, machineFacts, speedProbeMs } from './machine';
import { CpuProfile, summariseProfile } from './profile';
import { inspectStore, measureAppends } from './raw-append';
import { BenchReport, ratiosOf, targetsOf, writeReport } from './report';
import { BenchServer, machineCpuSeconds, ROOT, sleep, startServer } from './server';
import { runSiemBench } from './siem/run';

const USERS = 1000;
const SECONDS = { quiet: 2, warmup: 3, ping: 10, pairs: 15, challenges: 8, pingProfile: 5, profile: 8, crashAfter: 2, appendOne: 3, appendParallel: 5 };
const GIVE_UP_AFTER_MS = 6 * 60_000;

const log = (message: string) => console.error(`[bench] ${message}`);

async function main(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  // before anything runs: the code under test is what `npm run build` just compiled
  const code = codeVersion(ROOT);
  // under bench/ rather than the OS temp dir: /tmp is tmpfs on some systems, where fsync costs nothing
  mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
  const dataDir = mkdtempSync(path.join(ROOT, 'bench', '.run-'));
  const profileDir = path.join(dataDir, 'profile');
  mkdirSync(profileDir);
  const machine = machineFacts(dataDir);
  log(`${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}, data in ${dataDir} on ${machine.dataDirFilesystem}`);

  const speedBefore = speedProbeMs();
  const quiet = await otherLoad(SECONDS.quiet);
  if (quiet !== null && quiet > 0.25) log(`the machine is busy before the bench (${quiet} cores in use): the numbers will be lower than on a quiet machine`);

  let server: BenchServer | null = null;
  try {
    server = await startServer(dataDir, { profile: true });
    log(`server ${server.pid} healthy at ${server.url}`);
    await setLockoutPolicy(server);
    const enrollStarted = performance.now();
    const users = await enrollUsers(server, USERS);
    const enrollSeconds = Number(((performance.now() - enrollStarted) / 1000).toFixed(1));
    log(`enrolled ${users.length} users in ${enrollSeconds} s`);

    const approvals: string[] = [];
    const collect = (outcomes: Outcomes) => (approvals.push(...outcomes.approvedSessionIds), outcomes);

    log('warming up');
    await runPing(server, SECONDS.warmup);
    await runPairs(server, users, SECONDS.warmup, collect(new Outcomes()));

    const ping = await runPing(server, SECONDS.ping);
    log(`no-op: ${ping.kinds.ping?.perSecond}/s`);
    const pairOutcomes = new Outcomes();
    const pairs = await runPairs(server, users, SECONDS.pairs, pairOutcomes);
    collect(pairOutcomes);
    log(`pairs: ${pairs.kinds.pair?.perSecond}/s`);
    const { run: challenges, issued } = await runChallenges(server, users, SECONDS.challenges);
    log(`challenges: ${challenges.kinds.challenge?.perSecond}/s; verifying the ${issued.length} issued`);
    const verifyOutcomes = new Outcomes();
    const verifies = await runVerifies(server, issued, verifyOutcomes);
    collect(verifyOutcomes);
    log(`verifies: ${verifies.kinds.verify?.perSecond}/s`);

    log('profiling the server under the no-op load, then under the pair load');
    const pingProfileFile = path.join(profileDir, 'ping.cpuprofile');
    const pingProfiled = await profileUnderLoad(server, pingProfileFile, () => runPing(server!, SECONDS.pingProfile));
    const profileFile = path.join(profileDir, 'pairs.cpuprofile');
    const profiled = await profileUnderLoad(server, profileFile, () => runPairs(server!, users, SECONDS.profile, collect(new Outcomes()), 'challenge + verify (profiled)'));

    log('killing the server with SIGKILL under load');
    const crashOutcomes = new Outcomes();
    await runPairsUntilKilled(server, users, SECONDS.crashAfter * 1000, crashOutcomes);
    collect(crashOutcomes);
    server = null;

    const store = inspectStore(dataDir, approvals);
    log(`store: ${store.events} events; ${store.approvalsMissing} of ${store.approvalsAnswered} approvals answered are missing`);
    const oneWriter = await measureAppends(dataDir, 1, SECONDS.appendOne);
    const parallel = await measureAppends(dataDir, CONNECTIONS, SECONDS.appendParallel);
    log(`raw appends: ${oneWriter.perSecond}/s (1 writer), ${parallel.perSecond}/s (${CONNECTIONS} writers)`);

    const speedProbe = { beforeMs: speedBefore, afterMs: speedProbeMs() };
    const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const runs = { ping, pairs, challenges, verifies };
    const rawAppends = { oneWriter, parallel, serverStopped: 'in the bench process, server stopped' };
    const partial = {
      startedAt: startedAt.toISOString(),
      wallClockSeconds: 0,
      machine,
      busyBeforeStartCores: quiet,
      speedProbe,
      code,
      setup: { users: USERS, connections: CONNECTIONS, wrongCodeShare: 0.1, enrollSeconds, lockout: BENCH_LOCKOUT },
      runs,
      rawAppends,
      store,
      ratios: ratiosOf(runs, parallel),
      profiles: {
        pairs: profiled.found
          ? {
              ...summariseProfile(JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile, ROOT),
              file: `bench/results/${stamp}.pairs.cpuprofile`,
              window: `${SECONDS.profile} s of the challenge + verify load (${profiled.run.kinds.pair?.perSecond ?? 0} pairs/s under the profiler), after the measured runs`,
            }
          : null,
        ping: pingProfiled.found
          ? {
              ...summariseProfile(JSON.parse(readFileSync(pingProfileFile, 'utf8')) as CpuProfile, ROOT, 10),
              file: `bench/results/${stamp}.ping.cpuprofile`,
              window: `${SECONDS.pingProfile} s of the no-op load (${pingProfiled.run.kinds.ping?.perSecond ?? 0} req/s under the profiler)`,
            }
          : null,
      },
    };
    const report: BenchReport = { ...partial, wallClockSeconds: Math.round((performance.now() - started) / 1000), targets: targetsOf(partial) };
    const profileFiles = { pairs: profiled.found ? profileFile : null, ping: pingProfiled.found ? pingProfileFile : null };
    const written = writeReport(path.join(ROOT, 'bench', 'results'), stamp, report, profileFiles);
    console.log(readFileSync(written.md, 'utf8'));
    log(`wrote ${path.relative(ROOT, written.json)} and ${path.relative(ROOT, written.md)} (and latest.*) in ${report.wallClockSeconds} s`);
  } finally {
    await server?.kill();
    if (!process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    else log(`kept the data directory ${dataDir}`);
  }
}

/** Cores in use on the machine over `seconds` while the bench does nothing: other work skews every number. */
async function otherLoad(seconds: number): Promise<number | null> {
  const before = machineCpuSeconds();
  await sleep(seconds * 1000);
  const after = machineCpuSeconds();
  return before && after ? Number(((after.busy - before.busy) / seconds).toFixed(2)) : null;
}

/** Starts the server's profiler (see cpu-profile.preload.ts), runs the load, stops it into `file`. A failed profile is logged, not fatal. */
async function profileUnderLoad<T>(server: BenchServer, file: string, load: () => Promise<T>): Promise<{ run: T; found: boolean }> {
  const on = await server.profiler!.start().then(
    () => true,
    (error: Error) => (log(`the profiler did not start (${error.message}): the run goes on without a profile`), false),
  );
  const run = await load();
  if (!on) return { run, found: false };
  const found = await server.profiler!.stopInto(file).then(
    () => true,
    (error: Error) => (log(`no profile: ${error.message}`), false),
  );
  return { run, found };
}

// npm run bench -- --siem: the SIEM export to Kafka instead (tools/bench/siem/run.ts, with its own watchdog)
const siem = process.argv.includes('--siem');

// the server is killed by server.ts's exit hook
const watchdog = setTimeout(() => {
  if (siem) return;
  log(`still running after ${GIVE_UP_AFTER_MS / 60_000} minutes: giving up`);
  process.exit(1);
}, GIVE_UP_AFTER_MS);
watchdog.unref();

(siem ? runSiemBench() : main()).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
