import { EVENTS_TOPIC } from '@bulwark/contracts';
import path from 'node:path';

export const ROLES = ['admin', 'analyst', 'siem', 'app'] as const;
export type Role = (typeof ROLES)[number];

export type BulwarkConfig = {
  port: number;
  host: string;
  dataDir: string;
  /** set: EventStoreDB; unset: the embedded SQLite store under dataDir */
  eventStoreConnectionString: string | null;
  /** set: the Kafka relay runs, and consumers read from Kafka when delivery is 'kafka' */
  kafkaBrokers: string[] | null;
  delivery: 'in-process' | 'kafka';
  /** the topic of committed domain events (one per event store) */
  eventsTopic: string;
  /** keys given in the environment; missing roles come from credentials.json */
  keysFromEnv: Partial<Record<Role, string>>;
  encryptionKeyFromEnv: string | null;
  /** a name for this process in Kafka client ids and consumer groups */
  serviceName: string;
  /** the BULWARK_SIEM_* variables, read and checked by the siem-export service */
  siemEnv: Record<string, string>;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv, serviceName: string): BulwarkConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  const brokers = env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean) ?? [];
  const delivery = env.BULWARK_DELIVERY ?? 'in-process';
  if (delivery !== 'in-process' && delivery !== 'kafka') throw new ConfigError(`BULWARK_DELIVERY must be in-process or kafka, got "${delivery}"`);
  if (delivery === 'kafka' && !brokers.length) throw new ConfigError('BULWARK_DELIVERY=kafka needs KAFKA_BROKERS');
  const keysFromEnv: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const key = env[`BULWARK_KEY_${role.toUpperCase()}`];
    if (key) {
      if (key.length < 16) throw new ConfigError(`BULWARK_KEY_${role.toUpperCase()} must be at least 16 characters`);
      keysFromEnv[role] = key;
    }
  }
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.BULWARK_DATA_DIR ?? './data'),
    eventStoreConnectionString: env.EVENTSTORE_CONNECTION_STRING || null,
    kafkaBrokers: brokers.length ? brokers : null,
    delivery,
    eventsTopic: env.BULWARK_EVENTS_TOPIC || EVENTS_TOPIC,
    keysFromEnv,
    encryptionKeyFromEnv: env.BULWARK_ENCRYPTION_KEY || null,
    serviceName,
    siemEnv: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('BULWARK_SIEM_') && typeof entry[1] === 'string')),
  };
}
