import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodeVersion, Machine } from '../machine';
import { LagSummary, TopicCount } from './accounting';
import { StageCosts } from './stage-costs';

export type CpuCores = { exporterCores: number; brokerCores: number | null; otherCores: number | null };

export type BacklogRun = {
  formats: string[];
  /** exporter threads per topic (BULWARK_SIEM_THREADS_PER_TOPIC), each with its share of the users */
  threadsPerTopic: number;
  events: number;
  /** records acknowledged by Kafka (events × formats when nothing was sent twice) */
  records: number;
  /** from starting the service (topics checked, producer connected) to every exporter at the head */
  seconds: number;
  startMs: number;
  eventsPerSecond: number;
  recordsPerSecond: number;
  /** from the first acknowledgement to the last: the rate once the threads are up and connected */
  sustained: { firstAckMs: number; eventsPerSecond: number; recordsPerSecond: number };
  meanRecordBytes: number;
  recordsPerSecondTimeline: number[];
  cpu: CpuCores;
  /** CPU of the bench process per record acknowledged: less sensitive to other load than the rates */
  exporterCpuMicrosPerRecord: number;
  /** each topic's end offsets, summed over partitions, against the events exported */
  topics: TopicCount[];
};

export type LiveRun = {
  formats: string[];
  targetRate: number;
  seconds: number;
  appended: number;
  appendedPerSecond: number;
  /** per event: from its append resolving to the acknowledgement of the last of its topics' batches */
  lag: LagSummary;
  cpu: CpuCores;
  /** after the appends stopped, until every exporter was at the head */
  drainedAfterMs: number;
  /** each topic's records added over all live runs, against the events appended */
  topicsAfterAllLiveRuns?: TopicCount[];
};

export type SiemBenchReport = {
  startedAt: string;
  wallClockSeconds: number;
  machine: Machine;
  sharedMachine: string;
  busyBeforeStartCores: number | null;
  speedProbe: { beforeMs: number; afterMs: number };
  code: CodeVersion;
  broker: { brokers: string[]; description: string; partitionsPerTopic: number };
  setup: { events: number; users: number; exporterBatchSize: number; fill: { events: number; seconds: number; perSecond: number; fileMb: number } };
  stages: StageCosts;
  backlog: BacklogRun[];
  live: LiveRun[];
  targets: Array<{ target: string; measured: string; met: boolean }>;
};

export const SIEM_TARGET_EVENTS_PER_SECOND = 20_000;

/** Issue 6: ≥ 20,000 events/s exported to one broker; and every event once in every topic. */
export function siemTargets(report: Omit<SiemBenchReport, 'targets'>): SiemBenchReport['targets'] {
  const targets: SiemBenchReport['targets'] = [];
  for (const run of report.backlog) {
    targets.push({
      target: `≥ ${fmt(SIEM_TARGET_EVENTS_PER_SECOND)} events/s exported (${runName(run)})`,
      measured: `${fmt(run.eventsPerSecond)} events/s over the whole run (${fmt(run.recordsPerSecond)} records/s); ${fmt(run.sustained.eventsPerSecond)} events/s sustained`,
      met: run.eventsPerSecond >= SIEM_TARGET_EVENTS_PER_SECOND,
    });
  }
  const live = (report.live[0]?.topicsAfterAllLiveRuns ?? []).map((count) => ({ ...count, topic: `${count.topic} (live runs)` }));
  const counts = [...report.backlog.flatMap((run) => run.topics), ...live];
  targets.push({
    target: 'every event exported once to every topic (end offsets = events)',
    measured: counts.map((count) => `${count.topic}: ${fmt(count.written)} of ${fmt(count.expected)}`).join('; '),
    met: counts.length > 0 && counts.every((count) => count.exactlyOnce),
  });
  return targets;
}

const runName = (run: BacklogRun) => `${run.formats.join(' + ')}, ${run.threadsPerTopic} thread${run.threadsPerTopic > 1 ? 's' : ''} per topic`;

export function writeSiemReport(dir: string, stamp: string, report: SiemBenchReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `siem-${stamp}.json`);
  const md = path.join(dir, `siem-${stamp}.md`);
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(md, siemMarkdownOf(report));
  copyFileSync(json, path.join(dir, 'siem-latest.json'));
  copyFileSync(md, path.join(dir, 'siem-latest.md'));
  return { json, md };
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
const num = (value: number | null | undefined) => (value === null || value === undefined ? '–' : String(value));

export function siemMarkdownOf(report: SiemBenchReport): string {
  const { machine, setup } = report;
  const lines = [
    `# Bulwark SIEM export benchmark, ${report.startedAt}`,
    '',
    `Machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ${machine.os}; data directory on ${machine.dataDirFilesystem}. **Taken on ${report.sharedMachine}.** Speed probe (a fixed single-threaded workload, lower is faster): ${report.speedProbe.beforeMs} ms before, ${report.speedProbe.afterMs} ms after.`,
    ...(report.busyBeforeStartCores !== null && report.busyBeforeStartCores > 0.25 ? [`**The machine was busy before the bench started: ${report.busyBeforeStartCores} cores in use by other processes.**`] : []),
    `Code: ${report.code.commit}${report.code.changedOutsideBench.length ? ` with uncommitted changes to ${report.code.changedOutsideBench.join(', ')}` : ', no uncommitted change outside the bench'}.`,
    `Broker: ${report.broker.description}; ${report.broker.partitionsPerTopic} partitions per topic, replication 1, acks=all, idempotent producer, one request in flight.`,
    `Store: a fresh SqliteEventStore (WAL, synchronous=FULL) filled with ${fmt(setup.events)} events of ${fmt(setup.users)} users (MFA challenges, approvals, denials, bypasses, lockouts, fraud reports with their risk detection, block and revocation, settings changes) in ${setup.fill.seconds} s (${fmt(setup.fill.perSecond)} appends/s), ${setup.fill.fileMb} MB. Whole SIEM bench: ${report.wallClockSeconds} s.`,
    '',
    '## What one event costs the exporter\'s thread',
    '',
    `Measured in the bench process on ${fmt(report.stages.events)} events of the store, each stage timed ${report.stages.repetitions} times and the fastest kept (the least disturbed by other work). Read: \`SqliteEventStore.readAll\` from disk (SQLite, JSON.parse, the registry's validation). Map: \`topicMessages\` (privacy rules, the format's mapping, serialisation, headers). Encode: kafkajs 2.2.4 encoding those messages into produce requests as its producer does (record batches, CRC-32C, no compression), with the encoder, record and CRC-32C modules of \`libs/messaging/src/kafka-encoding.ts\` that the exporters' producers use, without the network.`,
    '',
    '| stage | µs per event |',
    '|---|---:|',
    `| read | ${report.stages.readMicros} |`,
    ...Object.entries(report.stages.mapMicros).map(([format, micros]) => `| map to ${format} | ${micros} |`),
    ...Object.entries(report.stages.encodeMicros).map(([format, micros]) => `| kafkajs encode ${format} | ${micros} |`),
    '',
    `So one thread could export at most **${fmt(report.stages.oneThreadCeiling.oneFormat)} events/s** in one format and **${fmt(report.stages.oneThreadCeiling.allFormats)} events/s** in all three (each exporter reads the store itself), before the network, the broker, garbage collection outside these stages and checkpoints. ${fmt(SIEM_TARGET_EVENTS_PER_SECOND)} events/s leaves ${Math.round(1e6 / SIEM_TARGET_EVENTS_PER_SECOND)} µs per event.`,
    '',
    '## Backlog: from position 0 to the head',
    '',
    `The service's own \`SiemKafkaService\` started on the filled store (read from disk, as after a restart): one exporter per format, or per share of the users with several threads per topic, each on its own worker thread with its own connection to the store and its own idempotent producer, a \`StoreSubscription\` of ${setup.exporterBatchSize} events sending in slices of at most 512 KiB, checkpoint after the acknowledgement. CPU of the bench process counts all its threads.`,
    '',
    'Events/s and records/s are over the whole run, from starting the service; "sustained" is from the first acknowledgement to the last, once the threads are up and connected.',
    '',
    '| formats | events/s | records/s | sustained events/s | seconds | mean record | exporter CPU (cores) | exporter CPU per record | broker CPU | other processes | records per topic = events |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...report.backlog.map(
      (run) =>
        `| ${runName(run)} | **${fmt(run.eventsPerSecond)}** | ${fmt(run.recordsPerSecond)} | ${fmt(run.sustained.eventsPerSecond)} (first ack at ${fmt(run.sustained.firstAckMs)} ms) | ${run.seconds} (start ${run.startMs} ms) | ${fmt(run.meanRecordBytes)} B | ${run.cpu.exporterCores} | ${run.exporterCpuMicrosPerRecord} µs | ${num(run.cpu.brokerCores)} | ${num(run.cpu.otherCores)} | ${run.topics.every((topic) => topic.exactlyOnce) ? 'yes' : '**no**: ' + run.topics.map((topic) => `${topic.topic} ${fmt(topic.written)}`).join(', ')} |`,
    ),
    '',
    ...report.backlog.map((run) => `Records acknowledged per second (${runName(run)}): ${run.recordsPerSecondTimeline.map(fmt).join(', ')}.`),
    '',
    '## Live: commit → Kafka acknowledgement',
    '',
    'Appends at a steady rate through the same store (one append per event, those due in one event-loop turn share a group commit) while the three exporters (one thread each) run in the same process. Lag per event: from its append resolving (committed and fsynced) to Kafka acknowledging the batch that carried it, the latest of its three topics.',
    '',
    '| target rate | appended/s | events | lag p50 ms | p90 ms | p99 ms | max ms | not acknowledged | drained after the appends stopped | exporter + appender CPU | broker CPU | other processes |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.live.map(
      (run) =>
        `| ${fmt(run.targetRate)}/s | ${fmt(run.appendedPerSecond)} | ${fmt(run.appended)} | ${num(run.lag.lagMs.p50)} | ${num(run.lag.lagMs.p90)} | **${num(run.lag.lagMs.p99)}** | ${num(run.lag.lagMs.max)} | ${run.lag.unacknowledged} | ${fmt(run.drainedAfterMs)} ms | ${run.cpu.exporterCores} | ${num(run.cpu.brokerCores)} | ${num(run.cpu.otherCores)} |`,
    ),
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...report.targets.map((target) => `| ${target.target} | ${target.measured} | ${target.met ? 'yes' : '**no**'} |`),
    '',
  ];
  return lines.join('\n');
}
