import { RecordedEvent } from '@bulwark/contracts';
import { stringifyJsonSafely } from '@bulwark/odata';
import { describeEvent } from './catalog';
import { toCef } from './cef';
import { toEcs } from './ecs';
import { ExportFormat, ExportOptions } from './export-options';
import { exportable, ExportEvent } from './privacy';
import { toOcsf } from './ocsf';

export * from './export-options';
export { catalog, describeEvent, UnmappedEventTypeError } from './catalog';
export { escapeExtension, escapeHeader } from './cef';
export { maskPhone, pseudonym } from './privacy';

/** One exported record: its Kafka key (the user, else the stream), the event id, and the line (JSON or CEF). */
export type ExportRecord = { key: string; eventId: string; position: number; line: string };

/**
 * Maps a committed event to one format. Pure: the same event and options always give the same line, so a
 * re-export (after a crash, or a replay) carries the same ids and content as the first.
 */
export function exportRecord(format: ExportFormat, event: RecordedEvent, options: ExportOptions): ExportRecord {
  const clean = exportable(event, options);
  const description = describeEvent(clean);
  const render = (from: ExportEvent) =>
    format === 'cef' ? toCef(from, description, options) : stringifyJsonSafely(format === 'ocsf' ? toOcsf(from, description, options) : toEcs(from, description, options));
  let line = render(clean);
  // an import report with thousands of row errors would not fit a Kafka message: its raw data goes, the mapping stays
  if (line.length > MAX_RECORD_CHARS) line = render({ ...clean, data: trimmed(clean.data) });
  return { key: description.userId ?? clean.streamId, eventId: event.eventId, position: event.position, line };
}

/** Records stay far below a broker's default 1 MiB message limit, and a SIEM's field limits. */
export const MAX_RECORD_CHARS = 64 * 1024;

function trimmed(data: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.entries(data).filter(([, value]) => typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 1000));
  return { ...Object.fromEntries(kept), truncated: true };
}
