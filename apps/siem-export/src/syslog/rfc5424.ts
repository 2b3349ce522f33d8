/**
 * Syslog framing of CEF lines (docs/formats/SIEM.md §3.5): an RFC 5424 message, MSG = the CEF line without
 * a BOM, MSGID = the event type, facility 10 (authpriv), framed for TCP by RFC 6587 octet counting.
 */

const FACILITY_AUTHPRIV = 10;

/** Syslog severity from the CEF severity: 0–3 → 6 Info, 4–6 → 5 Notice, 7–8 → 4 Warning, 9–10 → 2 Critical. */
export function syslogSeverity(cefSeverity: number): number {
  if (cefSeverity >= 9) return 2;
  if (cefSeverity >= 7) return 4;
  if (cefSeverity >= 4) return 5;
  return 6;
}

/** PRINTUSASCII (33–126) only, at most `max` characters; empty becomes the NILVALUE. */
function field(value: string | null, max: number): string {
  const clean = (value ?? '').replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean || '-';
}

export type SyslogHeader = { time: number; hostname: string; appName: string; msgId: string; cefSeverity: number };

export function rfc5424(cefLine: string, header: SyslogHeader): string {
  const pri = FACILITY_AUTHPRIV * 8 + syslogSeverity(header.cefSeverity);
  const timestamp = new Date(header.time).toISOString();
  return `<${pri}>1 ${timestamp} ${field(header.hostname, 255)} ${field(header.appName, 48)} - ${field(header.msgId, 32)} - ${cefLine}`;
}

/** RFC 6587 §3.4.1: `MSG-LEN SP SYSLOG-MSG`, the length in octets of the UTF-8 message. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
