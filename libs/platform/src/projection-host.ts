import { Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { EVENT_FEED, EventFeed, FeedSubscription } from '@bulwark/messaging';
import {
  EVENT_STORE,
  EventConsumer,
  EventStore,
  Projection,
  ProjectionGroup,
  ProjectionRunner,
  ConsumerThread,
  ProjectionThreadData,
  reportFailuresWith,
  StoppedAt,
  SubscriptionState,
  ThreadEntry,
  UnreadableEventError,
} from '@bulwark/event-store';
import Database from 'better-sqlite3';
import path from 'node:path';
import { BulwarkConfig } from './config';
import { BULWARK_CONFIG } from './tokens';
import { logger } from './observability/logging';
import { tracedConsumer, tracingEnabled } from './observability/tracing';
import { Reaction } from './reaction';

export const READ_DB = Symbol('READ_DB');

/** Where the projection thread's entry file is: the composition root that knows every projection provides it. */
export type ProjectionThreadEntry = ThreadEntry;
export const PROJECTION_THREAD = Symbol('PROJECTION_THREAD');

/** The read database of a service: its projections' rows and checkpoints. */
export const readDatabaseFile = (config: BulwarkConfig) => path.join(config.dataDir, `${config.serviceName}.read.db`);

/**
 * Runs the consumers of this process (projections and reactions) on the configured feed. Services register
 * theirs while their module initialises; all start together once the application has bootstrapped.
 */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap {
  private readonly consumers = new Map<string, EventConsumer>();
  private readonly projections: ProjectionRunner[] = [];
  private readonly running = new Map<string, FeedSubscription>();
  /** subscriptions run elsewhere (the Kafka relay, the SIEM exporters) that /health reports with these */
  private readonly others = new Map<string, { status(): SubscriptionState }>();
  private started = false;

  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(EVENT_FEED) private readonly feed: EventFeed,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BULWARK_CONFIG) private readonly config: BulwarkConfig,
    @Optional() @Inject(PROJECTION_THREAD) private readonly thread: ProjectionThreadEntry | null,
  ) {
    // every subscription of the process, on this thread or reported from another, stops and goes on in the log
    reportFailuresWith(logConsumerFailure, logConsumerRecovery);
  }

  /** Projections share one consumer: a batch is read once and applied to all of them in one transaction. */
  registerProjection(projection: Projection): ProjectionRunner {
    if (this.started) throw new Error(`projection ${projection.name} registered after start`);
    const runner = new ProjectionRunner(this.db, projection, this.feed.kind === 'in-process');
    if (this.projections.some((other) => other.name === runner.name) || this.consumers.has(runner.name)) throw new Error(`${runner.name} registered twice`);
    this.projections.push(runner);
    return runner;
  }

  register(consumer: EventConsumer): void {
    if (this.consumers.has(consumer.name)) throw new Error(`consumer ${consumer.name} registered twice`);
    if (this.started) throw new Error(`consumer ${consumer.name} registered after start`);
    this.consumers.set(consumer.name, consumer);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    if (this.projections.length) {
      // a few milliseconds of coalescing turn many one-event transactions under load into a few larger ones
      const group = this.onThread()
        ? ConsumerThread.start(
            'projections',
            this.thread!,
            {
              eventsFile: path.join(this.config.dataDir, 'events.db'),
              readFile: readDatabaseFile(this.config),
              projections: this.projections.map((runner) => runner.projection.name),
              coalesceMs: 20,
              pollMs: 5,
            } satisfies ProjectionThreadData,
            () => this.store.headPosition(),
          )
        : await this.feed.start(this.traced(new ProjectionGroup('projections', this.db, this.projections)), { coalesceMs: 20 });
      for (const runner of this.projections) this.running.set(runner.name, group);
    }
    for (const [name, consumer] of this.consumers) this.running.set(name, await this.feed.start(this.traced(consumer), { coalesceMs: 20 }));
  }

  /** With tracing on, a batch consumer's events get spans in their traces; a reaction traces each event itself. */
  private traced(consumer: EventConsumer): EventConsumer {
    return tracingEnabled() && !(consumer instanceof Reaction) ? tracedConsumer(consumer) : consumer;
  }

  /** The embedded store's projections run on their own thread when the composition root says where its entry is. */
  private onThread(): boolean {
    return Boolean(this.thread) && this.feed.kind === 'in-process' && this.store.kind === 'sqlite';
  }

  /**
   * Waits until every consumer (or the named one) has handled all events committed before the call. Without a
   * name it waits until the consumers are quiet: what reactions append while it waits (a detection, then the risk
   * policy, then a block, then a revocation) is caught up too.
   */
  async catchUp(name?: string, timeoutMs = 20_000): Promise<void> {
    const targets = name ? [this.running.get(name)] : [...new Set(this.running.values())];
    const positions = () => targets.map((subscription) => subscription?.status().position ?? 0).join();
    for (let round = 0; round < 20; round++) {
      await Promise.all(targets.map((subscription) => subscription?.catchUp(timeoutMs)));
      if (name) return;
      const reached = positions();
      await Promise.all(targets.map((subscription) => subscription?.catchUp(timeoutMs)));
      if (positions() === reached) return;
    }
  }

  /** Reports a subscription this host does not run (the Kafka relay, an exporter) in /health with its own. */
  watch(name: string, subscription: { status(): SubscriptionState }): void {
    this.others.set(name, subscription);
  }

  statuses(): SubscriptionState[] {
    return [...new Set(this.running.values()), ...this.others.values()].map((subscription) => subscription.status());
  }

  /** Each running subscription once, with its kind: the projections share one, each reaction has its own. */
  watched(): Array<SubscriptionState & { kind: 'projection' | 'reaction' }> {
    const kinds = new Map<FeedSubscription, 'projection' | 'reaction'>();
    for (const [name, subscription] of this.running) kinds.set(subscription, this.consumers.has(name) ? 'reaction' : 'projection');
    return [...kinds].map(([subscription, kind]) => ({ ...subscription.status(), kind }));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...new Set(this.running.values())].map((subscription) => subscription.stop()));
    this.running.clear();
  }
}

/** One error line when a consumer stops: which, and for an unreadable event, which event and how to park it. */
export function logConsumerFailure(name: string, error: Error): void {
  if (error instanceof UnreadableEventError) {
    const stoppedAt: StoppedAt = { ...error.event, reason: error.reason };
    logger().error(
      { kind: 'consumerStopped', consumer: name, stoppedAt },
      `consumer ${name} stopped on the event at position ${stoppedAt.position} (${stoppedAt.eventType} ${stoppedAt.eventId} in ${stoppedAt.streamId}): ${stoppedAt.reason}; ` +
        `to go on past it: npm run events:park -- --position ${stoppedAt.position} --reason "<why>" --by <who>`,
    );
  } else {
    logger().error({ kind: 'consumerStopped', consumer: name, err: error }, `consumer ${name} stopped: ${error.message}`);
  }
}

export function logConsumerRecovery(name: string, parked: StoppedAt): void {
  logger().warn({ kind: 'consumerResumed', consumer: name, parked }, `consumer ${name} goes on past the parked event at position ${parked.position} (${parked.eventType} ${parked.eventId})`);
}
