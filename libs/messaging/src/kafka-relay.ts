import { EVENTS_TOPIC, EventRegistry, RecordedEvent } from '@bulwark/contracts';
import { EventConsumer, EventStore, StoreSubscription } from '@bulwark/event-store';
import { Kafka, Producer } from 'kafkajs';
import { encodeEvent } from './kafka-codec';
import { fastKafkaEncodingProblem, useFastKafkaEncoding } from './kafka-encoding';
import { JavaCompatiblePartitioner } from './partitioner';

export const RELAY_CHECKPOINT = 'kafka-relay';

/**
 * Publishes every committed event to `bulwark.events.v1`, keyed by user so each user's events keep their order.
 * It reads only committed events, and saves its checkpoint only after Kafka acknowledged the batch (acks=all,
 * idempotent producer): a crash re-sends at most the unacknowledged tail, which consumers drop by eventId.
 */
export class KafkaRelay implements EventConsumer {
  readonly name = RELAY_CHECKPOINT;
  private producer: Producer | null = null;
  private subscription: StoreSubscription | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly registry: EventRegistry,
    private readonly options: { topic?: string; partitions?: number; onFailure?: (error: Error) => void } = {},
  ) {}

  get topic(): string {
    return this.options.topic ?? EVENTS_TOPIC;
  }

  async start(): Promise<StoreSubscription> {
    await ensureTopic(this.kafka, this.topic, this.options.partitions ?? 3);
    this.producer = durableProducer(this.kafka);
    await this.producer.connect();
    this.subscription = new StoreSubscription(this.store, this, { batchSize: 1000, onFailure: this.options.onFailure }).start();
    return this.subscription;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    await this.producer?.disconnect();
    this.producer = null;
  }

  async loadCheckpoint(): Promise<number> {
    return (await this.store.checkpoints.load(this.name)) ?? 0;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    if (!this.producer) throw new Error('the Kafka relay is not started');
    await this.producer.send({ topic: this.topic, acks: -1, messages: batch.map((event) => encodeEvent(this.registry, event)) });
    await this.store.checkpoints.save(this.name, batch[batch.length - 1]!.position);
  }
}

/**
 * The producer every export uses: idempotent, one batch in flight, retried until acknowledged, and encoding its
 * requests with kafka-encoding.ts (the same bytes, less CPU).
 */
export function durableProducer(kafka: Kafka): Producer {
  useFastKafkaEncoding();
  // the bytes are the same either way, but a lost swap costs CPU on every record: say so, here and in /health
  const problem = fastKafkaEncodingProblem();
  if (problem) kafka.logger().warn(`Kafka produce requests use kafkajs's own (slower) encoding: ${problem}`);
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // the Java client's murmur2 partitioning, so keys land where other Kafka clients expect them
    createPartitioner: JavaCompatiblePartitioner,
    // an unacknowledged batch is retried, never skipped: the checkpoint waits for it
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
  });
}

export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    }
  } finally {
    await admin.disconnect();
  }
}
