import { EVENTS_TOPIC, EventRegistry } from '@bulwark/contracts';
import { EventConsumer, EventStore, SubscriptionState } from '@bulwark/event-store';
import { Consumer, Kafka } from 'kafkajs';
import { decodeEvent } from './kafka-codec';
import { EventFeed, FeedSubscription } from './event-feed';
import { ensureTopic } from './kafka-relay';

/**
 * The distributed delivery: each consumer is its own Kafka consumer group on the events topic. Offsets are
 * committed only after the consumer handled the batch; redelivered events are dropped by the consumer by eventId.
 */
export class KafkaEventFeed implements EventFeed {
  readonly kind = 'kafka' as const;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly groupPrefix: string,
    private readonly topic: string = EVENTS_TOPIC,
    private readonly onFailure?: (name: string, error: Error) => void,
  ) {}

  async start(consumer: EventConsumer): Promise<FeedSubscription> {
    await ensureTopic(this.kafka, this.topic, 3);
    const kafkaConsumer = this.kafka.consumer({ groupId: `${this.groupPrefix}.${consumer.name}`, allowAutoTopicCreation: false });
    const subscription = new KafkaSubscription(consumer, kafkaConsumer, this.topic, this.store, this.registry, this.onFailure);
    await subscription.start();
    return subscription;
  }
}

class KafkaSubscription implements FeedSubscription {
  private state: SubscriptionState;
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();

  constructor(
    private readonly consumer: EventConsumer,
    private readonly kafkaConsumer: Consumer,
    private readonly topic: string,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly onFailure?: (name: string, error: Error) => void,
  ) {
    this.state = { name: consumer.name, status: 'starting', position: 0 };
  }

  async start(): Promise<void> {
    this.state.position = await this.consumer.loadCheckpoint();
    await this.kafkaConsumer.connect();
    await this.kafkaConsumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.kafkaConsumer.on(this.kafkaConsumer.events.CRASH, ({ payload }) => this.fail(payload.error));
    await this.kafkaConsumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        try {
          const events = batch.messages.map((message) => decodeEvent(this.registry, message.value));
          await this.consumer.handle(events);
          for (const message of batch.messages) resolveOffset(message.offset);
          await commitOffsetsIfNecessary({
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }],
          });
          await heartbeat();
          this.state.status = 'live';
          this.advance(Math.max(this.state.position, ...events.map((event) => event.position)));
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
      },
    });
  }

  status(): SubscriptionState {
    return { ...this.state };
  }

  async catchUp(timeoutMs = 10_000): Promise<void> {
    const head = await this.store.headPosition();
    if (this.state.position >= head) return;
    if (this.state.status === 'failed') throw new Error(`${this.consumer.name} failed: ${this.state.error}`);
    await new Promise<void>((resolve, reject) => {
      const waiter = { position: head, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.consumer.name} did not reach position ${head} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    await this.kafkaConsumer.disconnect();
    if (this.state.status !== 'failed') this.state.status = 'stopped';
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

  private fail(error: Error): void {
    if (this.state.status === 'failed') return;
    this.state = { ...this.state, status: 'failed', error: error.message };
    (this.onFailure ?? ((name, e) => console.error(`[bulwark] consumer ${name} stopped: ${e.message}`)))(this.consumer.name, error);
  }
}
