import { BulwarkConfig, ConfigError } from '@bulwark/platform';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultExportOptions, EXPORT_FORMATS, ExportFormat, ExportOptions, ReplayMark } from './formats';

export const SIEM_SETTINGS = Symbol('SIEM_SETTINGS');

export type SyslogSettings = {
  host: string;
  port: number;
  tls: boolean;
  /** PEM file of the collector's CA (TLS); without it the system's CAs */
  caFile: string | null;
  /** RFC 5424 APP-NAME */
  appName: string;
};

/** The export's configuration, from the BULWARK_SIEM_* variables (see the README's SIEM export section). */
export type SiemSettings = {
  /** formats written to Kafka (BULWARK_SIEM_TOPICS, default all three; `none` for none) */
  topics: ExportFormat[];
  /** the topic of each format (BULWARK_SIEM_TOPIC_OCSF, …; default bulwark.<format>.v1) */
  topicNames: Record<ExportFormat, string>;
  /** formats that carry user names and emails (BULWARK_SIEM_USER_NAMES, default all three; `none` for none) */
  userNames: ExportFormat[];
  tenantId: string | null;
  pseudonymKey: string;
  hostname: string;
  syslog: SyslogSettings | null;
  /** partitions of the export topics when they are created */
  partitions: number;
  /** threads per exported format (BULWARK_SIEM_THREADS_PER_TOPIC, default 1): each exports a share of the users */
  threadsPerTopic: number;
};

function formatList(value: string | undefined, name: string): ExportFormat[] {
  if (value === undefined) return [...EXPORT_FORMATS];
  if (value.trim() === '' || value.trim() === 'none') return [];
  const formats = value.split(',').map((format) => format.trim().toLowerCase());
  const unknown = formats.filter((format) => !(EXPORT_FORMATS as readonly string[]).includes(format));
  if (unknown.length) throw new ConfigError(`${name} lists unknown formats ${unknown.join(', ')}: use ${EXPORT_FORMATS.join(', ')} or none`);
  return [...new Set(formats)] as ExportFormat[];
}

/** A key of our own when none is given: generated once, kept in the data directory, so pseudonyms stay stable. */
function pseudonymKeyOf(config: BulwarkConfig): string {
  const given = config.siemEnv.BULWARK_SIEM_PSEUDONYM_KEY;
  if (given) {
    if (given.length < 16) throw new ConfigError('BULWARK_SIEM_PSEUDONYM_KEY must be at least 16 characters');
    return given;
  }
  const file = path.join(config.dataDir, 'siem-pseudonym.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

function syslogOf(env: Record<string, string>): SyslogSettings | null {
  const target = env.BULWARK_SIEM_SYSLOG;
  if (!target) return null;
  const match = /^([^:\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(target.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new ConfigError(`BULWARK_SIEM_SYSLOG must be host:port, got "${target}"`);
  const tls = env.BULWARK_SIEM_SYSLOG_TLS ?? 'false';
  if (!['true', 'false', '1', '0'].includes(tls)) throw new ConfigError('BULWARK_SIEM_SYSLOG_TLS must be true or false');
  return {
    host: match[1]!.replace(/^\[|\]$/g, ''),
    port,
    tls: tls === 'true' || tls === '1',
    caFile: env.BULWARK_SIEM_SYSLOG_CA || null,
    appName: env.BULWARK_SIEM_SYSLOG_APP_NAME || 'bulwark',
  };
}

export function loadSiemSettings(config: BulwarkConfig): SiemSettings {
  const env = config.siemEnv;
  const partitions = Number(env.BULWARK_SIEM_PARTITIONS ?? 3);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1000) throw new ConfigError('BULWARK_SIEM_PARTITIONS must be 1–1000');
  const threadsPerTopic = Number(env.BULWARK_SIEM_THREADS_PER_TOPIC ?? 1);
  if (!Number.isInteger(threadsPerTopic) || threadsPerTopic < 1 || threadsPerTopic > 16) throw new ConfigError('BULWARK_SIEM_THREADS_PER_TOPIC must be 1–16');
  return {
    topics: formatList(env.BULWARK_SIEM_TOPICS, 'BULWARK_SIEM_TOPICS'),
    topicNames: {
      ocsf: env.BULWARK_SIEM_TOPIC_OCSF || 'bulwark.ocsf.v1',
      ecs: env.BULWARK_SIEM_TOPIC_ECS || 'bulwark.ecs.v1',
      cef: env.BULWARK_SIEM_TOPIC_CEF || 'bulwark.cef.v1',
    },
    userNames: formatList(env.BULWARK_SIEM_USER_NAMES, 'BULWARK_SIEM_USER_NAMES'),
    tenantId: env.BULWARK_SIEM_TENANT_ID || null,
    pseudonymKey: pseudonymKeyOf(config),
    hostname: env.BULWARK_SIEM_HOSTNAME || os.hostname(),
    syslog: syslogOf(env),
    partitions,
    threadsPerTopic,
  };
}

/** The mappers' options for one format (and, for a replay, its mark). */
export function exportOptionsFor(settings: SiemSettings, format: ExportFormat, replay: ReplayMark | null = null): ExportOptions {
  return {
    ...defaultExportOptions,
    tenantId: settings.tenantId,
    userNames: settings.userNames.includes(format),
    pseudonymKey: settings.pseudonymKey,
    hostname: settings.hostname,
    replay,
  };
}
