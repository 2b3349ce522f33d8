import { Kafka, logLevel } from 'kafkajs';
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
