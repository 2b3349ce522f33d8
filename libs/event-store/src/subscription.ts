import { RecordedEvent } from '@bulwark/contracts';
import { EventStore } from './event-store.port';

/** A consumer of the global log that keeps its own checkpoint (in the same transaction as its effects). */
export interface EventConsumer {
  readonly name: string;
  /** The position of the last event this consumer has durably handled (0: none). */
  loadCheckpoint(): Promise<number>;
  /** Handles a batch in commit order and saves the checkpoint of its last event; must be idempotent by eventId. */
  handle(batch: RecordedEvent[]): Promise<void>;
}

export type SubscriptionState = { name: string; status: 'starting' | 'live' | 'stopped' | 'failed'; position: number; error?: string };

/**
 * A durable subscription to every committed event: it resumes after the consumer's checkpoint, so a crash
 * between an append and the consumer loses nothing (at-least-once). A failing batch stops it loudly.
 */
export class StoreSubscription {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private state: SubscriptionState;
  private readonly waiters = new Set<{ position: number; resolve: () => void; reject: (error: Error) => void }>();

  constructor(
    private readonly store: EventStore,
    private readonly consumer: EventConsumer,
    private readonly options: { batchSize?: number; idleWaitMs?: number; onFailure?: (error: Error) => void } = {},
  ) {
    this.state = { name: consumer.name, status: 'starting', position: 0 };
  }

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  status(): SubscriptionState {
    return { ...this.state };
  }

  /** Resolves once the consumer has handled everything committed up to `position`. */
  reached(position: number, timeoutMs = 10_000): Promise<void> {
    if (this.state.position >= position) return Promise.resolve();
    if (this.state.status === 'failed') return Promise.reject(new Error(`${this.consumer.name} failed: ${this.state.error}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.consumer.name} did not reach position ${position} within ${timeoutMs} ms (at ${this.state.position})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves once the consumer has handled everything committed before this call. */
  async catchUp(timeoutMs = 10_000): Promise<void> {
    await this.reached(await this.store.headPosition(), timeoutMs);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.state.status !== 'failed') this.state.status = 'stopped';
  }

  private async loop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const idleWaitMs = this.options.idleWaitMs ?? 500;
    try {
      let position = await this.consumer.loadCheckpoint();
      this.advance(position);
      while (!this.abort.signal.aborted) {
        const batch = await this.store.readAll({ after: position, maxCount: batchSize });
        if (batch.length) {
          await this.consumer.handle(batch);
          position = batch[batch.length - 1]!.position;
          this.advance(position);
          continue;
        }
        this.state.status = 'live';
        await this.store.waitForAppend(position, idleWaitMs, this.abort.signal);
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.state = { ...this.state, status: 'failed', error: failure.message };
      for (const waiter of this.waiters) waiter.reject(failure);
      this.waiters.clear();
      (this.options.onFailure ?? defaultFailure(this.consumer.name))(failure);
    }
  }

  private advance(position: number): void {
    this.state.position = position;
    for (const waiter of this.waiters) {
      if (waiter.position <= position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

const defaultFailure = (name: string) => (error: Error) => {
  // stopping loudly: a consumer that cannot read an event must not skip it
  console.error(`[bulwark] consumer ${name} stopped: ${error.message}`);
};
