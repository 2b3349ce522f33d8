import { RecordedEvent } from '@bulwark/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore } from './event-store.port';
import { ParkedPositions } from './parked-events';
import { ConsumerProgress, StoppedAt, SubscriptionState } from './progress';
import { UnreadableEventError } from './store-errors';

/** A consumer of the global log that keeps its own checkpoint (in the same transaction as its effects). */
export interface EventConsumer {
  readonly name: string;
  /** The position of the last event this consumer has durably handled (0: none). */
  loadCheckpoint(): Promise<number>;
  /** Handles a batch in commit order and saves the checkpoint of its last event; must be idempotent by eventId. */
  handle(batch: RecordedEvent[]): Promise<void>;
}

/**
 * What a subscription reads: the store itself, or a reader of the same store on another thread. With `readStream`, it
 * also reads which events an operator parked, and goes on past them.
 */
export type SubscriptionSource = Pick<EventStore, 'readAll' | 'headPosition' | 'waitForAppend'> & Partial<Pick<EventStore, 'readStream'>>;

/**
 * A durable subscription to every committed event: it resumes after the consumer's checkpoint, so a crash
 * between an append and the consumer loses nothing (at-least-once). A failing batch stops it loudly.
 * An event that cannot be read stops it too, but it waits: once an operator parks that event, it goes on past it.
 */
export class StoreSubscription {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private readonly progress: ConsumerProgress;

  constructor(
    private readonly store: SubscriptionSource,
    private readonly consumer: EventConsumer,
    private readonly options: {
      batchSize?: number;
      idleWaitMs?: number;
      /** once caught up, wait this long after a wake-up so appends arriving together are handled as one batch */
      coalesceMs?: number;
      onFailure?: (error: Error) => void;
      /** the consumer goes on after stopping on an event an operator has since parked */
      onRecovery?: (parked: StoppedAt) => void;
    } = {},
  ) {
    this.progress = new ConsumerProgress(consumer.name);
    this.parked = new ParkedPositions(store);
  }

  private readonly parked: ParkedPositions;

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  status(): SubscriptionState {
    return this.progress.snapshot();
  }

  /** Resolves once the consumer has handled everything committed up to `position`. */
  reached(position: number, timeoutMs = 10_000): Promise<void> {
    return this.progress.reached(position, timeoutMs);
  }

  /** Resolves once the consumer has handled everything committed before this call. */
  async catchUp(timeoutMs = 10_000): Promise<void> {
    await this.reached(await this.store.headPosition(), timeoutMs);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.progress.mark('stopped');
  }

  private async loop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const idleWaitMs = this.options.idleWaitMs ?? 500;
    try {
      let position = await this.consumer.loadCheckpoint();
      this.progress.advance(position);
      await this.parked.load();
      while (!this.abort.signal.aborted) {
        const read = await this.read(position, batchSize, idleWaitMs);
        if (read === 'stopped') continue;
        this.parked.note(read.events);
        const batch = read.events.filter((event) => !this.parked.has(event.position));
        if (batch.length) await this.consumer.handle(batch);
        if (read.through > position) {
          position = read.through;
          this.progress.advance(position);
          continue;
        }
        this.progress.mark('live');
        await this.store.waitForAppend(position, idleWaitMs, this.abort.signal);
        if (this.options.coalesceMs) await new Promise((resolve) => setTimeout(resolve, this.options.coalesceMs));
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (this.progress.fail(failure)) (this.options.onFailure ?? reportFailure(this.consumer.name))(failure);
    }
  }

  /**
   * The next events after `after`, and the position they take the consumer to. On an event that cannot be read, the
   * events before it, one at a time (positions need not be dense); then, at that event, a parked one is passed over,
   * and one that is not stops the consumer, which waits and looks again for an operator to park it.
   */
  private async read(after: number, maxCount: number, idleWaitMs: number): Promise<{ events: RecordedEvent[]; through: number } | 'stopped'> {
    try {
      const events = await this.store.readAll({ after, maxCount });
      return { events, through: events[events.length - 1]?.position ?? after };
    } catch (error) {
      if (!(error instanceof UnreadableEventError) || error.event.position <= after) throw error;
      const next = await this.store.readAll({ after, maxCount: 1 }).catch((again: unknown) => {
        if (again instanceof UnreadableEventError) return again;
        throw again;
      });
      if (Array.isArray(next)) return { events: next, through: next[next.length - 1]?.position ?? after };
      const stoppedAt = { ...next.event, reason: next.reason };
      if (this.parked.has(stoppedAt.position) || (await this.parked.load()).has(stoppedAt.position)) {
        if (this.progress.failed) {
          this.progress.recover();
          (this.options.onRecovery ?? ((parked) => recoveryReporter(this.consumer.name, parked)))(stoppedAt);
        }
        return { events: [], through: stoppedAt.position };
      }
      if (this.progress.fail(next, stoppedAt)) (this.options.onFailure ?? reportFailure(this.consumer.name))(next);
      await sleep(idleWaitMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
      return 'stopped';
    }
  }
}

/** Stopping loudly: a consumer that cannot handle an event must not skip it. */
export const reportFailure = (name: string) => (error: Error) => failureReporter(name, error);

let failureReporter = (name: string, error: Error): void => {
  console.error(`[bulwark] consumer ${name} stopped: ${error.message}`);
};
let recoveryReporter = (name: string, parked: StoppedAt): void => {
  console.error(`[bulwark] consumer ${name} goes on past parked event ${parked.position}`);
};

/**
 * Where every consumer's failure, and its going on past a parked event, are reported: the platform sends them to its
 * logger (the default writes to stderr).
 */
export function reportFailuresWith(failed: (name: string, error: Error) => void, recovered: (name: string, parked: StoppedAt) => void): void {
  failureReporter = failed;
  recoveryReporter = recovered;
}

/** Reports that the consumer `name` went on past the event it had stopped on, now parked. */
export const reportRecovery = (name: string) => (parked: StoppedAt) => recoveryReporter(name, parked);
