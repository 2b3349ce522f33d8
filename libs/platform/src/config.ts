import { EVENTS_TOPIC } from '@bulwark/contracts';
import path from 'node:path';

export const ROLES = ['admin', 'analyst', 'siem', 'app'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const TRACING_MODES = ['off', 'otlp', 'console'] as const;
export type TracingMode = (typeof TRACING_MODES)[number];

/**
 * `info`, except under Jest (or NODE_ENV=test), where it is `error`: an access line per request and a warning per
 * 401 would bury a failing test's output. A test that reads the log sets its own level (configureLogging).
 * Read from the process, not from the env given to loadConfig: tests build that env themselves.
 */
export const defaultLogLevel = (): LogLevel => (process.env.JEST_WORKER_ID || process.env.NODE_ENV === 'test' ? 'error' : 'info');

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
  notifications: NotificationsConfig;
  /** how often the mfa service closes challenges whose time ran out (ms); 0: only when asked */
  expirySweepMs: number;
  /** the BULWARK_SIEM_* variables, read and checked by the siem-export service */
  siemEnv: Record<string, string>;
  /** BULWARK_LOG_LEVEL (see defaultLogLevel) and BULWARK_LOG_PRETTY=1 (pino-pretty, for a terminal) */
  logLevel: LogLevel;
  logPretty: boolean;
  /** BULWARK_TRACING: off (default), otlp (to OTEL_EXPORTER_OTLP_ENDPOINT) or console */
  tracing: TracingMode;
  /** the in-process token buckets of sign-in routes, per client IP and per app key (BULWARK_RATE_LIMIT_*) */
  rateLimits: { perClientIp: { burst: number; perMinute: number }; perAppKey: { burst: number; perMinute: number } };
};

/** How identity-protection delivers admin notifications (fraud reports, lockouts, high risk). */
export type NotificationsConfig = {
  /** `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://…`; null: email is not configured */
  smtpUrl: string | null;
  /** the From of notification emails */
  smtpFrom: string;
  /** the first retry's delay; each further retry doubles it, up to a cap */
  retryBaseMs: number;
  /** attempts per receiver before the delivery is recorded as failed */
  maxAttempts: number;
  /** per attempt: a receiver that does not answer in time counts as a failed attempt */
  timeoutMs: number;
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
  const logLevel = (env.BULWARK_LOG_LEVEL || defaultLogLevel()) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`BULWARK_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const tracing = (env.BULWARK_TRACING || 'off') as TracingMode;
  if (!TRACING_MODES.includes(tracing)) throw new ConfigError(`BULWARK_TRACING must be one of ${TRACING_MODES.join(', ')}, got "${tracing}"`);
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
    notifications: loadNotificationsConfig(env),
    expirySweepMs: integerFrom(env, 'BULWARK_EXPIRY_SWEEP_MS', 5_000, 0, 3_600_000),
    siemEnv: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('BULWARK_SIEM_') && typeof entry[1] === 'string')),
    logLevel,
    logPretty: env.BULWARK_LOG_PRETTY === '1' || env.BULWARK_LOG_PRETTY === 'true',
    tracing,
    rateLimits: {
      // a sign-in IP may be a company's NAT (many people at 9 am); an app key is a whole front end: the buckets stop a
      // flood from one source, the exact per-user limits stop attacks on one person
      perClientIp: { burst: integerFrom(env, 'BULWARK_RATE_LIMIT_IP_BURST', 1_200, 1, 1_000_000), perMinute: integerFrom(env, 'BULWARK_RATE_LIMIT_IP_PER_MINUTE', 1_200, 1, 1_000_000) },
      perAppKey: { burst: integerFrom(env, 'BULWARK_RATE_LIMIT_APP_BURST', 10_000, 1, 1_000_000), perMinute: integerFrom(env, 'BULWARK_RATE_LIMIT_APP_PER_MINUTE', 600_000, 1, 1_000_000) },
    },
  };
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function loadNotificationsConfig(env: NodeJS.ProcessEnv): NotificationsConfig {
  const smtpUrl = env.BULWARK_SMTP_URL || null;
  if (smtpUrl) {
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      // the URL may hold a password: never echo it
      throw new ConfigError('BULWARK_SMTP_URL is not a URL (smtp://host:port or smtps://host:port)');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError(`BULWARK_SMTP_URL must start with smtp:// or smtps://, got ${url.protocol}//`);
    if (!url.hostname) throw new ConfigError('BULWARK_SMTP_URL names no host');
  }
  const smtpFrom = env.BULWARK_SMTP_FROM || 'Bulwark <bulwark@localhost>';
  // an address, alone or as `Name <address>`; no line breaks, which would add headers
  if (!/^(?:[^<>\r\n]{0,100}<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(smtpFrom)) {
    throw new ConfigError(`BULWARK_SMTP_FROM must be an address or "Name <address>", got "${smtpFrom}"`);
  }
  return {
    smtpUrl,
    smtpFrom,
    retryBaseMs: integerFrom(env, 'BULWARK_NOTIFY_RETRY_BASE_MS', 1_000, 1, 3_600_000),
    maxAttempts: integerFrom(env, 'BULWARK_NOTIFY_MAX_ATTEMPTS', 8, 1, 20),
    timeoutMs: integerFrom(env, 'BULWARK_NOTIFY_TIMEOUT_MS', 10_000, 100, 120_000),
  };
}
