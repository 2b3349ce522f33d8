/**
 * npm run bench -- --siem (npm run bench:siem): the SIEM export to one real Kafka broker.
 *
 *   1. a fresh SQLite event store under bench/ filled with N domain events of a realistic mix (event-mix.ts);
 *   2. backlog: the service's own SiemKafkaService (one idempotent producer, a StoreSubscription of 1,000 events
 *      per exporter, checkpoint after the acknowledgement) started on that store, from position 0 to the head,
 *      once with one format and once with all three; events/s, records/s, CPU, and each topic's end offsets
 *      checked against N (every event exported once);
 *   3. live: appends at a steady rate through the store while the exporters run, and for each event the time
 *      from its commit (its append resolving) to Kafka acknowledging the batch that carried it, in every topic.
 *
 * Numbers are recorded, not asserted: bench/results/siem-<timestamp>.{json,md} and siem-latest.*.
 */
import 'reflect-metadata';
import { eventRegistry } from '@bulwark/contracts';
import { SqliteEventStore } from '@bulwark/event-store';
import { ensureTopic } from '@bulwark/messaging';
import { kafkaClient, loadConfig, systemClock } from '@bulwark/platform';
import { Kafka } from 'kafkajs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ExportFormat } from '../../../apps/siem-export/src/formats';
import { SiemKafkaService } from '../../../apps/siem-export/src/kafka/siem-kafka.service';
import { loadSiemSettings } from '../../../apps/siem-export/src/siem-settings';
import { codeVersion, machineFacts, speedProbeMs } from '../machine';
import { cpuSecondsOf, machineCpuSeconds, ROOT, sleep } from '../server';
import { exactlyOnce, LagRecorder, recordsAdded } from './accounting';
import { Broker, BrokerUnavailable, useOrStartBroker } from './broker';
import { eventMix, MixedEvent, takeEvents } from './event-mix';
import { BacklogRun, LiveRun, SiemBenchReport, siemTargets, writeSiemReport } from './report';
import { measureStageCosts } from './stage-costs';

const EVENTS = Number(process.env.BENCH_SIEM_EVENTS ?? 300_000);
const USERS = 10_000;
const LIVE_RATES = [2_000, 10_000];
const LIVE_SECONDS = 6;
const ALL: ExportFormat[] = ['ocsf', 'ecs', 'cef'];
const GIVE_UP_AFTER_MS = 8 * 60_000;
/** formats and threads per topic of each backlog run: one format on one thread, on two, then all three */
const BACKLOG_RUNS: Array<[ExportFormat[], number]> = [
  [['ocsf'], 1],
  [['ocsf'], 2],
  [ALL, 1],
];
const backlogTopicPrefix = (formats: ExportFormat[], threads: number) => `bench-backlog-${formats.join('-')}${threads > 1 ? `-t${threads}` : ''}`;

const log = (message: string) => console.error(`[bench:siem] ${message}`);

type AckListener = (topic: string, positions: number[], chars: number, atMs: number) => void;

export async function runSiemBench(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  const code = codeVersion(ROOT);
  // under bench/ rather than the OS temp dir: /tmp is tmpfs on some systems, where fsync costs nothing
  mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
  const dataDir = mkdtempSync(path.join(ROOT, 'bench', '.run-siem-'));
  const machine = machineFacts(dataDir);
  log(`${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}, data in ${dataDir} on ${machine.dataDirFilesystem}`);
  const watchdog = setTimeout(() => {
    log(`still running after ${GIVE_UP_AFTER_MS / 60_000} minutes: giving up`);
    process.exit(1);
  }, GIVE_UP_AFTER_MS);
  watchdog.unref();

  let broker: Broker | null = null;
  try {
    const speedBefore = speedProbeMs();
    const quiet = await otherLoad(2);
    if (quiet !== null && quiet > 0.25) log(`the machine is busy before the bench (${quiet} cores in use): the numbers will be lower than on a quiet machine`);
    try {
      broker = await useOrStartBroker(path.join(dataDir, 'kafka'), log);
    } catch (error) {
      if (!(error instanceof BrokerUnavailable)) throw error;
      log(`skipped: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    log(`broker ${broker.brokers.join(',')}${broker.pid ? ` (pid ${broker.pid})` : ''}`);

    const file = path.join(dataDir, 'events.db');
    const fill = await fillStore(file, EVENTS);
    log(`store filled: ${fill.events} events in ${fill.seconds} s (${fill.perSecond}/s), ${fill.fileMb} MB`);

    const stages = await measureStageCosts(file, benchSettings(dataDir, broker, ALL, 'bench-stages'), ALL);
    log(`per event: read ${stages.readMicros} µs, map ${JSON.stringify(stages.mapMicros)} µs, encode ${JSON.stringify(stages.encodeMicros)} µs: one thread could export ${stages.oneThreadCeiling.oneFormat}/s (one format), ${stages.oneThreadCeiling.allFormats}/s (three)`);

    const backlog: BacklogRun[] = [];
    for (const [formats, threads] of BACKLOG_RUNS) {
      const run = await measureBacklog(file, dataDir, broker, formats, threads, fill.events);
      backlog.push(run);
      log(`backlog ${formats.join('+')} (${threads} thread${threads > 1 ? 's' : ''} per topic): ${run.eventsPerSecond} events/s, ${run.recordsPerSecond} records/s in ${run.seconds} s; exporter ${run.cpu.exporterCores} cores (${run.exporterCpuMicrosPerRecord} µs per record), broker ${run.cpu.brokerCores ?? '–'}; ${run.topics.every((topic) => topic.exactlyOnce) ? 'every topic holds N records' : 'RECORD COUNT MISMATCH'}`);
    }

    // BENCH_SIEM_LIVE=0: the backlog runs only (to compare two versions of the exporter quickly)
    const live = process.env.BENCH_SIEM_LIVE === '0' ? [] : await measureLive(file, dataDir, broker, ALL);
    for (const run of live) log(`live ${run.targetRate}/s (${run.appendedPerSecond}/s appended): commit → ack p50 ${run.lag.lagMs.p50} ms, p99 ${run.lag.lagMs.p99} ms, max ${run.lag.lagMs.max} ms`);

    const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const partial: Omit<SiemBenchReport, 'targets'> = {
      startedAt: startedAt.toISOString(),
      wallClockSeconds: Math.round((performance.now() - started) / 1000),
      machine,
      sharedMachine: 'a shared 2-core VM: other agents ran their work on the same cores during the runs (see "other processes" CPU)',
      busyBeforeStartCores: quiet,
      speedProbe: { beforeMs: speedBefore, afterMs: speedProbeMs() },
      code,
      broker: { brokers: broker.brokers, description: broker.description, partitionsPerTopic: 3 },
      setup: { events: fill.events, users: USERS, exporterBatchSize: 1000, fill },
      stages,
      backlog,
      live,
    };
    const report: SiemBenchReport = { ...partial, targets: siemTargets(partial) };
    const written = writeSiemReport(path.join(ROOT, 'bench', 'results'), stamp, report);
    console.log(readFileSync(written.md, 'utf8'));
    log(`wrote ${path.relative(ROOT, written.json)} and ${path.relative(ROOT, written.md)} (and siem-latest.*) in ${report.wallClockSeconds} s`);
  } finally {
    if (broker) {
      log('stopping the broker');
      await broker.stop();
    }
    if (!process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    else log(`kept the data directory ${dataDir}`);
  }
}

/** Appends the mix as the services would (one append per event, to its stream), many appends per group commit. */
async function fillStore(file: string, count: number) {
  const store = new SqliteEventStore(file, eventRegistry);
  // the backlog is the last few hours: events 50 ms apart, ending now
  let clock = Date.now() - count * 50;
  const mix = eventMix({ users: USERS, seed: 20261122, now: () => new Date((clock += 25)) });
  const startedAt = performance.now();
  try {
    for (let done = 0; done < count; ) {
      const chunk = takeEvents(mix, Math.min(2000, count - done));
      await Promise.all(chunk.map(({ streamId, event }) => store.append(streamId, [event], { expectedRevision: 'any' })));
      done += chunk.length;
    }
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const fileMb = Number(((statSync(file).size + sizeOr(`${file}-wal`)) / 1e6).toFixed(1));
  return { events: count, seconds: Number(seconds.toFixed(1)), perSecond: Math.round(count / seconds), fileMb };
}

const sizeOr = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/** The service's configuration as main.ts loads it, with the bench's broker and its own topic names per run. */
function benchConfig(dataDir: string, broker: Broker, formats: ExportFormat[], topicPrefix: string, threads = 1) {
  const serviceDir = path.join(dataDir, `service-${topicPrefix}`);
  mkdirSync(serviceDir, { recursive: true });
  const topicOf = (format: ExportFormat) => `${topicPrefix}.${format}.v1`;
  return loadConfig(
    {
      BULWARK_DATA_DIR: serviceDir,
      KAFKA_BROKERS: broker.brokers.join(','),
      BULWARK_SIEM_TOPICS: formats.join(','),
      BULWARK_SIEM_TOPIC_OCSF: topicOf('ocsf'),
      BULWARK_SIEM_TOPIC_ECS: topicOf('ecs'),
      BULWARK_SIEM_TOPIC_CEF: topicOf('cef'),
      BULWARK_SIEM_HOSTNAME: 'bulwark-bench',
      BULWARK_SIEM_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789',
      BULWARK_SIEM_THREADS_PER_TOPIC: String(threads),
    },
    'siem-export',
  );
}

const benchSettings = (dataDir: string, broker: Broker, formats: ExportFormat[], topicPrefix: string) => loadSiemSettings(benchConfig(dataDir, broker, formats, topicPrefix));

/** The service as main.ts wires it, on the bench's store and broker; `onAck` hears each acknowledged send. */
async function startService(file: string, dataDir: string, broker: Broker, formats: ExportFormat[], threads: number, topicPrefix: string, onAck: AckListener) {
  const config = benchConfig(dataDir, broker, formats, topicPrefix, threads);
  const settings = loadSiemSettings(config);
  const kafka = kafkaClient(config)!;
  const store = new SqliteEventStore(file, eventRegistry);
  const service = new SiemKafkaService(store, config, settings, systemClock, kafka);
  // the exporters' threads post when Kafka acknowledged a send, on the wall clock: turned into this thread's performance.now()
  service.onAcknowledged(({ topic, positions, chars, atEpochMs }) => onAck(topic, positions, chars, atEpochMs - performance.timeOrigin));
  return { store, service, kafka, topics: formats.map((format) => settings.topicNames[format]) };
}

async function endOffsets(kafka: Kafka, topics: string[]): Promise<Record<string, Array<{ partition: number; high: string }>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const entries = await Promise.all(topics.map(async (topic) => [topic, await admin.fetchTopicOffsets(topic)] as const));
    return Object.fromEntries(entries);
  } finally {
    await admin.disconnect();
  }
}

async function measureBacklog(file: string, dataDir: string, broker: Broker, formats: ExportFormat[], threads: number, events: number): Promise<BacklogRun> {
  let records = 0;
  let chars = 0;
  const perSecond: number[] = [];
  let t0 = 0;
  let firstAck: { at: number; records: number } | null = null;
  let lastAckAt = 0;
  const { store, service, kafka, topics } = await startService(file, dataDir, broker, formats, threads, backlogTopicPrefix(formats, threads), (_topic, positions, size, at) => {
    firstAck ??= { at, records: positions.length };
    lastAckAt = at;
    records += positions.length;
    chars += size;
    const second = Math.floor((at - t0) / 1000);
    perSecond[second] = (perSecond[second] ?? 0) + positions.length;
  });
  for (const topic of topics) await ensureTopic(kafka, topic, 3);
  const before = await endOffsets(kafka, topics);
  const cpu = cpuWindow(broker.pid);
  t0 = performance.now();
  try {
    await service.onApplicationBootstrap();
    const startedMs = performance.now() - t0;
    await service.catchUp(180_000);
    const seconds = (performance.now() - t0) / 1000;
    const usage = cpu();
    const after = await endOffsets(kafka, topics);
    const written = Object.fromEntries(topics.map((topic) => [topic, recordsAdded(before[topic]!, after[topic]!)]));
    return {
      formats,
      threadsPerTopic: threads,
      events,
      records,
      seconds: Number(seconds.toFixed(2)),
      startMs: Math.round(startedMs),
      eventsPerSecond: Math.round(events / seconds),
      recordsPerSecond: Math.round(records / seconds),
      sustained: sustainedRate(firstAck, lastAckAt, records, formats.length, t0),
      meanRecordBytes: Math.round(chars / Math.max(1, records)),
      recordsPerSecondTimeline: Array.from({ length: Math.floor(seconds) }, (_, second) => perSecond[second] ?? 0),
      cpu: usage,
      exporterCpuMicrosPerRecord: Math.round((usage.exporterCores * seconds * 1e6) / Math.max(1, records)),
      topics: exactlyOnce(events, written),
    };
  } finally {
    await service.beforeApplicationShutdown();
    service.onApplicationShutdown();
    await store.close();
  }
}

/** The rate from the first acknowledgement to the last (the first one's records not counted: they came before it). */
function sustainedRate(firstAck: { at: number; records: number } | null, lastAckAt: number, records: number, formats: number, t0: number) {
  if (!firstAck || lastAckAt <= firstAck.at) return { firstAckMs: firstAck ? Math.round(firstAck.at - t0) : 0, eventsPerSecond: 0, recordsPerSecond: 0 };
  const recordsPerSecond = (records - firstAck.records) / ((lastAckAt - firstAck.at) / 1000);
  return { firstAckMs: Math.round(firstAck.at - t0), eventsPerSecond: Math.round(recordsPerSecond / formats), recordsPerSecond: Math.round(recordsPerSecond) };
}

async function measureLive(file: string, dataDir: string, broker: Broker, formats: ExportFormat[]): Promise<LiveRun[]> {
  let recorder: LagRecorder | null = null;
  // the three-format backlog run's topics and checkpoints: the exporters resume at the head
  const { store, service, kafka, topics } = await startService(file, dataDir, broker, formats, 1, backlogTopicPrefix(formats, 1), (topic, positions, _size, at) =>
    recorder?.acked(topic, positions, at),
  );
  const before = await endOffsets(kafka, topics);
  const runs: LiveRun[] = [];
  let appendedTotal = 0;
  try {
    await service.onApplicationBootstrap();
    await service.catchUp(30_000);
    const mix = eventMix({ users: USERS, seed: 7, now: () => new Date() });
    for (const rate of LIVE_RATES) {
      const lag = new LagRecorder(topics);
      recorder = lag;
      const cpu = cpuWindow(broker.pid);
      const { appended, seconds } = await appendAtRate(store, mix, rate, LIVE_SECONDS, (position, at) => lag.committed(position, at));
      const appendSeconds = seconds;
      const drainStarted = performance.now();
      await service.catchUp(120_000);
      const drainedAfterMs = Math.round(performance.now() - drainStarted);
      const usage = cpu();
      appendedTotal += appended;
      runs.push({ formats, targetRate: rate, seconds: Number(appendSeconds.toFixed(2)), appended, appendedPerSecond: Math.round(appended / appendSeconds), lag: lag.summary(), cpu: usage, drainedAfterMs });
      recorder = null;
      await sleep(500);
    }
    const after = await endOffsets(kafka, topics);
    const written = Object.fromEntries(topics.map((topic) => [topic, recordsAdded(before[topic]!, after[topic]!)]));
    const counts = exactlyOnce(appendedTotal, written);
    for (const run of runs) run.topicsAfterAllLiveRuns = counts;
    return runs;
  } finally {
    await service.beforeApplicationShutdown();
    service.onApplicationShutdown();
    await store.close();
  }
}

/**
 * Appends `rate` events a second for `seconds`, one append per event as commands do; the appends due in one
 * turn of the event loop share a group commit. `committed` gets each event's position and when its append resolved.
 */
async function appendAtRate(store: SqliteEventStore, mix: Iterator<MixedEvent>, rate: number, seconds: number, committed: (position: number, atMs: number) => void) {
  const pending = new Set<Promise<unknown>>();
  const startedAt = performance.now();
  const until = startedAt + seconds * 1000;
  let appended = 0;
  while (performance.now() < until) {
    const due = Math.floor(((performance.now() - startedAt) * rate) / 1000) - appended;
    for (let i = 0; i < due; i++) {
      const { streamId, event } = mix.next().value as MixedEvent;
      const append = store.append(streamId, [event], { expectedRevision: 'any' }).then((result) => committed(result.position, performance.now()));
      pending.add(append);
      void append.finally(() => pending.delete(append));
      appended += 1;
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { appended, seconds: (performance.now() - startedAt) / 1000 };
}

/** CPU over a window: this process (store reads, mapping, kafkajs), the broker's JVM, everything else on the machine. */
function cpuWindow(brokerPid: number | null) {
  const own = process.cpuUsage();
  const brokerBefore = brokerPid ? cpuSecondsOf(brokerPid) : null;
  const machineBefore = machineCpuSeconds();
  const startedAt = performance.now();
  return () => {
    const seconds = (performance.now() - startedAt) / 1000;
    const used = process.cpuUsage(own);
    const exporter = (used.user + used.system) / 1e6;
    const brokerAfter = brokerPid ? cpuSecondsOf(brokerPid) : null;
    const broker = brokerBefore !== null && brokerAfter !== null ? brokerAfter - brokerBefore : null;
    const machineAfter = machineCpuSeconds();
    const other = machineBefore && machineAfter ? Math.max(0, machineAfter.busy - machineBefore.busy - exporter - (broker ?? 0)) : null;
    const cores = (value: number | null) => (value === null ? null : Number((value / seconds).toFixed(2)));
    return { exporterCores: cores(exporter)!, brokerCores: cores(broker), otherCores: cores(other) };
  };
}

async function otherLoad(seconds: number): Promise<number | null> {
  const before = machineCpuSeconds();
  await sleep(seconds * 1000);
  const after = machineCpuSeconds();
  return before && after ? Number(((after.busy - before.busy) / seconds).toFixed(2)) : null;
}
