import { ODataQueryError } from './odata-error';

/**
 * The tokens of an OData `$filter` (OData v4 URL conventions, the subset Graph accepts). Literals are recognised
 * here by their spelling: `'text'` (a quote inside doubled), numbers, `true`/`false`/`null`, unquoted
 * DateTimeOffset (`2026-01-31T10:00:00Z`), unquoted GUIDs, and enum literals written with their type
 * (`microsoft.graph.riskLevel'high'`).
 */
export type Token =
  | { kind: 'identifier'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'datetime'; value: string; text: string; at: number }
  | { kind: 'date'; value: string; text: string; at: number }
  | { kind: 'guid'; value: string; at: number }
  | { kind: 'enum'; type: string; value: string; at: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '/' | ':'; at: number }
  | { kind: 'end'; at: number };

/** Longer than any real filter, short enough that parsing can never be a denial of service. */
export const MAX_FILTER_LENGTH = 4000;

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:])/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i;
const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/i;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;
const WHITESPACE = /^[ \t\r\n]+/;

export function tokenize(text: string): Token[] {
  if (text.length > MAX_FILTER_LENGTH) throw new ODataQueryError(`$filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = WHITESPACE.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const char = rest[0]!;
    if (char === "'") {
      const { value, length } = quoted(text, at);
      tokens.push({ kind: 'string', value, at });
      at += length;
      continue;
    }
    if ('(),/:'.includes(char)) {
      tokens.push({ kind: 'punct', text: char as '(' | ')' | ',' | '/' | ':', at });
      at += 1;
      continue;
    }
    const guid = GUID.exec(rest);
    if (guid) {
      tokens.push({ kind: 'guid', value: guid[0].toLowerCase(), at });
      at += guid[0].length;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime) {
      tokens.push({ kind: 'datetime', value: normalisedDateTime(datetime[0], at), text: datetime[0], at });
      at += datetime[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      tokens.push({ kind: 'date', value: normalisedDate(date[0], at), text: date[0], at });
      at += date[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw new ODataQueryError(`$filter: the number ${number[0]} at position ${at} is out of range`);
      tokens.push({ kind: 'number', value, text: number[0], at });
      at += number[0].length;
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (identifier) {
      const next = at + identifier[0].length;
      // a qualified name directly followed by a quoted value is an enum literal: microsoft.graph.riskLevel'high'
      if (identifier[0].includes('.') && text[next] === "'") {
        const { value, length } = quoted(text, next);
        tokens.push({ kind: 'enum', type: identifier[0], value, at });
        at = next + length;
        continue;
      }
      tokens.push({ kind: 'identifier', text: identifier[0], at });
      at = next;
      continue;
    }
    throw new ODataQueryError(`$filter: unexpected character ${JSON.stringify(char)} at position ${at}`);
  }
  tokens.push({ kind: 'end', at });
  return tokens;
}

/** A single-quoted string from `start`; a quote inside is written twice. */
function quoted(text: string, start: number): { value: string; length: number } {
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const char = text[at]!;
    if (char === "'") {
      if (text[at + 1] === "'") {
        value += "'";
        at += 2;
        continue;
      }
      return { value, length: at + 1 - start };
    }
    value += char;
    at += 1;
  }
  throw new ODataQueryError(`$filter: the string starting at position ${start} has no closing quote`);
}

/** An instant in the form the read models store (`toISOString`), so instants compare as text. */
function normalisedDateTime(text: string, at: number): string {
  const [, year, month, day, hour, minute, second] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text)!;
  const valid = +month! >= 1 && +month! <= 12 && +day! >= 1 && +day! <= daysIn(+year!, +month!) && +hour! <= 23 && +minute! <= 59 && +(second ?? 0) <= 59;
  const time = Date.parse(text);
  if (!valid || Number.isNaN(time)) throw new ODataQueryError(`$filter: ${text} at position ${at} is not a valid date and time`);
  return new Date(time).toISOString();
}

function normalisedDate(text: string, at: number): string {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) throw new ODataQueryError(`$filter: ${text} at position ${at} is not a valid date`);
  return text;
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
