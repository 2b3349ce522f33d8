import { escapeUnsafeText } from '@bulwark/odata';
import { Description } from './catalog';
import { actedBySomeoneElse, eventTime, userIdentity } from './common';
import { ExportOptions } from './export-options';
import { ExportEvent } from './privacy';

/**
 * ArcSight CEF 0 lines (docs/formats/SIEM.md §3): `CEF:0|vendor|product|version|signature|name|severity|ext`.
 * `externalId` is the domain event's id. Custom slots never change meaning and always carry their label.
 */

/**
 * Header fields: `\` and `|` escaped; CR and LF are not allowed in a header and become spaces; other control
 * characters and bidi overrides become visible `\uXXXX` (after the backslashes are doubled, so it is unambiguous).
 */
export function escapeHeader(value: string): string {
  return escapeUnsafeText(value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' '));
}

/**
 * Extension values: `\` and `=` escaped; CR, LF and CRLF become the two characters `\n`; other control characters
 * and bidi overrides become visible `\uXXXX`. A pipe needs nothing.
 */
export function escapeExtension(value: string): string {
  return escapeUnsafeText(value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\r|\n/g, '\\n'));
}

const KEY = /^[A-Za-z0-9]+$/;

/** Renders `key=value` pairs in order, skipping absent values; a bad key is a programming error. */
export function extension(pairs: Array<[string, string | number | undefined | null]>): string {
  return pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined && pair[1] !== null && pair[1] !== '')
    .map(([key, value]) => {
      if (!KEY.test(key)) throw new Error(`CEF extension key "${key}" is not alphanumeric`);
      return `${key}=${escapeExtension(String(value))}`;
    })
    .join(' ');
}

export function toCef(event: ExportEvent, description: Description, options: ExportOptions): string {
  const actor = event.metadata.actor;
  const subject = description.userId ? userIdentity(description.userId, event.data, options) : null;
  const byOther = actedBySomeoneElse(actor);
  const finding = description.finding;
  const header = [
    'CEF:0',
    escapeHeader(options.product.vendor),
    escapeHeader(options.product.name),
    escapeHeader(options.product.version),
    String(description.cef.signatureId),
    escapeHeader(description.title),
    String(description.cefSeverity),
  ].join('|');
  const ext = extension([
    ['rt', eventTime(event)],
    ['externalId', event.eventId],
    ['cat', description.cef.category],
    ['act', description.cef.act],
    ['outcome', description.outcome],
    ['reason', description.reason],
    ['suser', byOther ? actor.id : undefined],
    ['duser', subject ? (subject.name ?? subject.id) : undefined],
    ['duid', subject?.id],
    ['src', description.ip],
    ['requestClientApplication', description.userAgent],
    ['destinationServiceName', description.appId],
    ['dvchost', options.hostname],
    ['cs1Label', options.tenantId ? 'TenantId' : undefined],
    ['cs1', options.tenantId],
    ['cs2Label', description.factor ? 'AuthMethod' : undefined],
    ['cs2', description.factor?.authMethod],
    ['cs3Label', finding?.types.length ? 'RiskEventType' : undefined],
    ['cs3', finding?.types[0]],
    ['cs4Label', finding?.riskLevel ? 'RiskLevel' : undefined],
    ['cs4', finding?.riskLevel],
    ['cs5Label', finding ? 'RiskState' : undefined],
    ['cs5', finding?.riskState],
    ['cs6Label', 'CorrelationId'],
    ['cs6', event.metadata.correlationId],
    ['flexString1Label', finding?.riskDetail ? 'RiskDetail' : undefined],
    ['flexString1', finding?.riskDetail],
    ['flexString2Label', description.oathSerial ? 'OathSerial' : undefined],
    ['flexString2', description.oathSerial],
    ['cn1Label', description.errorCode ? 'ErrorCode' : undefined],
    ['cn1', description.errorCode],
    ['cn3Label', description.attempts !== undefined ? 'Attempts' : undefined],
    ['cn3', description.attempts],
    // a replayed record: when the replay was asked for; its job id is in the Kafka header and the syslog MSGID
    ['deviceCustomDate1Label', options.replay ? 'Replay' : undefined],
    ['deviceCustomDate1', options.replay ? Date.parse(options.replay.requestedAt) : undefined],
    ['msg', description.message],
  ]);
  return `${header}|${ext}`;
}
