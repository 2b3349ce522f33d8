import { RecordedEvent } from '@bulwark/contracts';
import { EventStore } from './event-store.port';
import { ConsumerProgress, SubscriptionState } from './progress';

/** A consumer of the global log that keeps its own checkpoint (in the same transaction as its effects). */
export interface EventConsumer {
  readonly name: string;
  /** The position of the last event this consumer has durably handled (0: none). */
  loadCheckpoint(): Promise<number>;
  /** Handles a batch in commit order and saves the checkpoint of its last event; must be idempotent by eventId. */
  handle(batch: RecordedEvent[]): Promise<void>;
}

/** What a subscription reads: the store itself, or a reader of the same store on another thread. */
export type SubscriptionSource = Pick<EventStore, 'readAll' | 'headPosition' | 'waitForAppend'>;

/**
 * A durable subscription to every committed event: it resumes after the consumer's checkpoint, so a crash
 * between an append and the consumer loses nothing (at-least-once). A failing batch stops it loudly.
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
    } = {},
  ) {
    this.progress = new ConsumerProgress(consumer.name);
  }

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
      while (!this.abort.signal.aborted) {
        const batch = await this.store.readAll({ after: position, maxCount: batchSize });
        if (batch.length) {
          await this.consumer.handle(batch);
          position = batch[batch.length - 1]!.position;
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
}

/** Stopping loudly: a consumer that cannot handle an event must not skip it. */
export const reportFailure = (name: string) => (error: Error) => {
  console.error(`[bulwark] consumer ${name} stopped: ${error.message}`);
};
