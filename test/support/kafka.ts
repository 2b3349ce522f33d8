import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { missingServer } from './required-server';

/**
 * The Kafka tests run against a real broker: `.ci/run` starts one (tools/kafka/start.sh) and sets KAFKA_BROKERS.
 * In CI a missing broker is a failure, never a silent skip; on a developer's machine the suite says how to run it.
 */
export function kafkaBrokers(): string[] | null {
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
  if (brokers.length) return brokers;
  return missingServer(
    'a Kafka broker (KAFKA_BROKERS is not set)',
    'run `tools/kafka/start.sh`, then `KAFKA_BROKERS=127.0.0.1:9092 npm run test:kafka` (tools/kafka/stop.sh stops the broker)',
  );
}

export const testKafka = (brokers: string[]) => new Kafka({ clientId: 'bulwark-test', brokers, logLevel: logLevel.NOTHING });

/**
 * Reads a topic from the beginning with a fresh consumer group, mapping each message, until `done` says so (or
 * the time runs out, which fails with how much was read).
 */
export async function readTopicUntil<T>(
  brokers: string[],
  topic: string,
  map: (message: KafkaMessage, partition: number) => T,
  done: (read: T[]) => boolean,
  timeoutMs = 30_000,
): Promise<T[]> {
  const consumer = testKafka(brokers).consumer({ groupId: `bulwark-test-reader-${randomUUID()}` });
  const read: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out on ${topic} with ${read.length} messages read`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          read.push(map(message, partition));
          if (done(read)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}
