import { escapeUnsafeText } from './unsafe-text';

/**
 * CSV for spreadsheets (RFC 4180 quoting, CRLF rows). A cell a spreadsheet would read as a formula (it starts
 * with =, +, -, @, a tab or a carriage return) gets a leading apostrophe (OWASP's advice on CSV injection): a
 * user agent or a reason typed by an attacker cannot run in the analyst's spreadsheet. Control characters (CR and
 * LF included) and bidi overrides are written as visible `\uXXXX` escapes, so every row is one line and a cell
 * shows what is stored.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  // a number is written by us and a spreadsheet reads -5 as the number it is; any text may be a formula
  let text = escapeUnsafeText(typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value === 'string' ? value : JSON.stringify(value));
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A header row, then one row per entity with the columns' values (a column reads a path such as status/errorCode). */
export function toCsv<T>(columns: ReadonlyArray<{ header: string; value: (entity: T) => unknown }>, entities: T[]): string {
  return csvRow(columns.map((column) => column.header)) + entities.map((entity) => csvRow(columns.map((column) => column.value(entity)))).join('');
}
