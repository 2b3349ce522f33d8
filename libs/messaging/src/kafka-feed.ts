import { EVENTS_TOPIC, EventRegistry } from '@bulwark/contracts';
import { ConsumerProgress, EventConsumer, EventStore, reportFailure, SubscriptionState } from '@bulwark/event-store';
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
  private readonly progress: ConsumerProgress;

  constructor(
    private readonly consumer: EventConsumer,
    private readonly kafkaConsumer: Consumer,
    private readonly topic: string,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly onFailure?: (name: string, error: Error) => void,
  ) {
    this.progress = new ConsumerProgress(consumer.name);
  }

  async start(): Promise<void> {
    this.progress.advance(await this.consumer.loadCheckpoint());
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
          this.progress.mark('live');
          this.progress.advance(Math.max(0, ...events.map((event) => event.position)));
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
      },
    });
  }

  status(): SubscriptionState {
    return this.progress.snapshot();
  }

  /**
   * Partitions interleave, so "caught up" here means the highest position handled has reached the store's head:
   * good enough to read one's own writes, which is all it is used for.
   */
  async catchUp(timeoutMs = 10_000): Promise<void> {
    await this.progress.reached(await this.store.headPosition(), timeoutMs);
  }

  async stop(): Promise<void> {
    await this.kafkaConsumer.disconnect();
    this.progress.mark('stopped');
  }

  private fail(error: Error): void {
    if (!this.progress.fail(error)) return;
    if (this.onFailure) this.onFailure(this.consumer.name, error);
    else reportFailure(this.consumer.name)(error);
  }
}
