import { EventConsumer, EventStore, StoreSubscription, SubscriptionState } from '@bulwark/event-store';

/** A running feed of committed events into one consumer. */
export interface FeedSubscription {
  status(): SubscriptionState;
  /** Resolves once the consumer has handled everything committed before the call. */
  catchUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Delivers committed events to consumers: in-process from the store, or from Kafka with consumer groups. */
export interface EventFeed {
  readonly kind: 'in-process' | 'kafka';
  /** coalesceMs: a consumer that prefers fewer, larger batches (projections) to the lowest latency */
  start(consumer: EventConsumer, options?: { coalesceMs?: number }): Promise<FeedSubscription>;
}

export const EVENT_FEED = Symbol('EVENT_FEED');

/** The embedded default: every consumer is a durable subscription to the store, resuming from its checkpoint. */
export class InProcessEventFeed implements EventFeed {
  readonly kind = 'in-process' as const;

  constructor(private readonly store: EventStore, private readonly onFailure?: (name: string, error: Error) => void) {}

  async start(consumer: EventConsumer, options: { coalesceMs?: number } = {}): Promise<FeedSubscription> {
    return new StoreSubscription(this.store, consumer, {
      coalesceMs: options.coalesceMs,
      onFailure: this.onFailure ? (error) => this.onFailure!(consumer.name, error) : undefined,
    }).start();
  }
}
