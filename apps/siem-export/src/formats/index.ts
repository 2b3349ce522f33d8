import { RecordedEvent } from '@bulwark/contracts';
import { describeEvent } from './catalog';
import { toCef } from './cef';
import { toEcs } from './ecs';
import { ExportFormat, ExportOptions } from './export-options';
import { exportable } from './privacy';
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
  const line =
    format === 'cef' ? toCef(clean, description, options) : JSON.stringify(format === 'ocsf' ? toOcsf(clean, description, options) : toEcs(clean, description, options));
  return { key: description.userId ?? clean.streamId, eventId: event.eventId, position: event.position, line };
}
