import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConsumerThread, EVENT_STORE, EventStore, SqliteEventStore, SubscriptionState } from '@bulwark/event-store';
import { durableProducer, ensureTopic } from '@bulwark/messaging';
import { BULWARK_CONFIG, BulwarkConfig, CLOCK, Clock, KAFKA } from '@bulwark/platform';
import Database from 'better-sqlite3';
import { Kafka, Producer } from 'kafkajs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ExportFormat } from '../formats';
import { ReplayJob, ReplayJobs } from '../replays/replay-jobs';
import { exportOptionsFor, SIEM_SETTINGS, SiemSettings } from '../siem-settings';
import { Acknowledged, ExportThreadData, startExportThread } from './export-thread';
import { lazily, Share, sendInChunks, topicMessage } from './siem-topic-exporter';

/**
 * The SIEM export to Kafka: one exporter per configured format (BULWARK_SIEM_TOPICS), or several each exporting a
 * share of the users (BULWARK_SIEM_THREADS_PER_TOPIC), each a durable subscription to the event log with its own
 * checkpoint and its own idempotent producer, on a worker thread of its own; and the replay jobs, on this thread.
 * In the embedded default there is no Kafka: the pull API serves the same records.
 */
@Injectable()
export class SiemKafkaService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private producer: Producer | null = null;
  private readonly exporters: Array<{ format: ExportFormat; topic: string; share: Share; thread: ConsumerThread }> = [];
  private readonly acknowledgementListeners: Array<(notice: Acknowledged) => void> = [];
  readonly jobs: ReplayJobs;
  private replayLoop: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private wakeReplays: (() => void) | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
    @Inject(SIEM_SETTINGS) private readonly settings: SiemSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(KAFKA) private readonly kafka: Kafka | null,
  ) {
    mkdirSync(config.dataDir, { recursive: true });
    this.jobs = new ReplayJobs(new Database(path.join(config.dataDir, 'siem-replays.db')));
  }

  get configured(): boolean {
    return !!this.kafka;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.kafka) return;
    for (const format of EXPORT_ORDER) {
      await ensureTopic(this.kafka, this.settings.topicNames[format], this.settings.partitions);
    }
    // replays send from this thread
    this.producer = durableProducer(this.kafka);
    await this.producer.connect();
    const count = this.settings.threadsPerTopic;
    for (const format of this.settings.topics) {
      for (let index = 0; index < count; index++) {
        const data: ExportThreadData = {
          store: this.store instanceof SqliteEventStore ? { file: this.store.file } : { connectionString: this.config.eventStoreConnectionString! },
          kafka: { clientId: `bulwark-${this.config.serviceName}-siem-${format}`, brokers: this.config.kafkaBrokers! },
          format,
          topic: this.settings.topicNames[format],
          options: exportOptionsFor(this.settings, format),
          share: { index, count },
          batchSize: 1000,
          pollMs: 5,
          reportAcknowledgements: this.acknowledgementListeners.length > 0,
        };
        const thread = startExportThread(data, () => this.store.headPosition());
        thread.onNotice((notice) => {
          if (notice.type === 'acknowledged') for (const listener of this.acknowledgementListeners) listener(notice as Acknowledged);
        });
        this.exporters.push({ format, topic: data.topic, share: data.share, thread });
      }
    }
    this.replayLoop = this.runReplays();
  }

  /** Before the start: hears every acknowledged send of the exporters (the benchmark measures lag with it). */
  onAcknowledged(listener: (notice: Acknowledged) => void): void {
    this.acknowledgementListeners.push(listener);
  }

  status(): Array<SubscriptionState & { format: ExportFormat; topic: string; share: Share }> | { status: 'notConfigured' } {
    if (!this.kafka) return { status: 'notConfigured' };
    return this.exporters.map(({ format, topic, share, thread }) => ({ ...thread.status(), format, topic, share }));
  }

  /** Resolves once every format's exporter has had Kafka acknowledge everything committed before the call. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.exporters.map(({ thread }) => thread.catchUp(timeoutMs)));
  }

  /** Queues a replay; the loop picks it up at once. */
  requestReplay(job: Omit<ReplayJob, 'status' | 'position' | 'exported' | 'error' | 'updatedAt'>): ReplayJob {
    const created = this.jobs.create(job);
    this.wakeReplays?.();
    return created;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.wakeReplays?.();
    await Promise.all(this.exporters.map(({ thread }) => thread.stop()));
    await this.replayLoop;
    await this.producer?.disconnect();
    this.producer = null;
  }

  onApplicationShutdown(): void {
    this.jobs.close();
  }

  private liveProducer(): Producer {
    if (!this.producer) throw new Error('the SIEM Kafka exporter is not started');
    return this.producer;
  }

  /** One job at a time, oldest first; progress is saved after each acknowledged batch, so a restart resumes it. */
  private async runReplays(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const job = this.jobs.next();
      if (!job) {
        await new Promise<void>((resolve) => {
          // a job queued by another instance on the same data dir is seen within seconds
          const timer = setTimeout(resolve, 5_000);
          timer.unref();
          this.wakeReplays = () => (clearTimeout(timer), resolve());
        });
        continue;
      }
      try {
        await this.replay(job);
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.jobs.finish(job.id, 'failed', error instanceof Error ? error.message : String(error), this.clock.now().toISOString());
      }
    }
  }

  private async replay(job: ReplayJob): Promise<void> {
    const from = Date.parse(job.from);
    const to = Date.parse(job.to);
    const mark = { jobId: job.id, requestedAt: job.requestedAt };
    let position = job.position;
    while (position < job.untilPosition) {
      if (this.stopping.signal.aborted) return;
      const batch = (await this.store.readAll({ after: position, maxCount: 1000 })).filter((event) => event.position <= job.untilPosition);
      if (!batch.length) break;
      // the range is of commit times: the time the event entered the log, which every record carries
      const inRange = batch.filter((event) => {
        const at = Date.parse(event.metadata.occurredAt);
        return at >= from && at < to;
      });
      for (const format of job.topics) {
        if (!inRange.length) break;
        const options = exportOptionsFor(this.settings, format);
        await sendInChunks(this.liveProducer(), this.settings.topicNames[format], lazily(inRange, (event) => topicMessage(format, event, options, mark)));
      }
      position = batch[batch.length - 1]!.position;
      this.jobs.progress(job.id, position, inRange.length * job.topics.length, this.clock.now().toISOString());
    }
    this.jobs.finish(job.id, 'completed', null, this.clock.now().toISOString());
  }
}

const EXPORT_ORDER: ExportFormat[] = ['ocsf', 'ecs', 'cef'];
