import { decodeBase32 } from './base32';
import { CsvRecord, readCsvRecords } from './csv-records';
import { MAX_TOKENS_PER_FILE, MIN_SECRET_BYTES, TokenImportFormatError } from './token-import.types';

export const CSV_HEADER = ['upn', 'serial number', 'secret key', 'time interval', 'manufacturer', 'model'] as const;

const MAX_SECRET_CHARACTERS = 128;
const MAX_SERIAL_NUMBER_LENGTH = 64;

/** `row` is the 1-based line the row starts on, counting the header as line 1: the row a spreadsheet shows. */
export type CsvToken = {
  row: number;
  upn: string;
  serialNumber: string;
  secret: Buffer;
  /** upper case, without spaces or padding */
  secretBase32: string;
  timeIntervalInSeconds: 30 | 60;
  manufacturer: string;
  model: string;
  algorithm: 'totp';
  hashFunction: 'hmacsha1';
  digits: 6;
};

/** `reason` is plain English, one or more problems joined by "; ", and never contains the secret. */
export type CsvRowError = { row: number; serialNumber?: string; reason: string };

export type CsvImport = { tokens: CsvToken[]; errors: CsvRowError[] };

/**
 * Reads a hardware-token CSV (`upn,serial number,secret key,time interval,manufacturer,model`). Each data row
 * becomes a token or a row error; a file that is not such a CSV at all throws TokenImportFormatError.
 * Pass the uploaded bytes rather than a string, so that a file that is not UTF-8 is refused instead of imported
 * with replacement characters.
 */
export function parseTokenCsv(file: Buffer | string): CsvImport {
  const records = readCsvRecords(decodeText(file)).filter((record) => !isBlank(record));
  const [header, ...rows] = records;
  requireHeader(header);
  if (rows.length > MAX_TOKENS_PER_FILE) throw new TokenImportFormatError(`the file has more than ${MAX_TOKENS_PER_FILE} rows`);

  const repeated = repeatedSerialNumbers(rows);
  const tokens: CsvToken[] = [];
  const errors: CsvRowError[] = [];
  for (const record of rows) {
    const result = readRow(record, repeated);
    if ('reason' in result) errors.push(result);
    else tokens.push(result);
  }
  return { tokens, errors };
}

function decodeText(file: Buffer | string): string {
  let text: string;
  if (typeof file === 'string') {
    text = file;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(file);
    } catch {
      throw new TokenImportFormatError('the file is not UTF-8 text');
    }
  }
  if (text.includes('\0')) throw new TokenImportFormatError('the file contains NUL bytes: it is binary, not a CSV text file');
  // spreadsheets save "CSV UTF-8" with a byte order mark
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

const isBlank = (record: CsvRecord) => record.fields.every((field) => field.trim() === '');

function requireHeader(header: CsvRecord | undefined): void {
  const names = header?.fields.map((field) => field.trim().toLowerCase());
  const matches = names?.length === CSV_HEADER.length && CSV_HEADER.every((name, i) => names[i] === name);
  // the first line is never echoed: without a header it may be a data row holding a secret
  if (!matches) throw new TokenImportFormatError(`the first line must be the header "${CSV_HEADER.join(',')}"`);
}

/** Serial numbers on more than one row, compared case-insensitively as vendors print them either way. */
function repeatedSerialNumbers(rows: CsvRecord[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const record of rows) {
    const key = serialKey(record.fields[1] ?? '');
    if (key === '') continue;
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return repeated;
}

const serialKey = (serialNumber: string) => serialNumber.trim().toUpperCase();

function readRow({ line: row, fields }: CsvRecord, repeatedSerials: Set<string>): CsvToken | CsvRowError {
  // with the wrong number of fields the columns cannot be trusted, so not even the serial number is quoted back
  if (fields.length !== CSV_HEADER.length) return { row, reason: `the row has ${fields.length} fields; expected ${CSV_HEADER.length}` };

  const [upn, serialNumber, secretKey, timeInterval, manufacturer, model] = fields.map((field) => field.trim());
  const secret = checkSecret(secretKey);
  const interval = timeInterval === '30' ? 30 : timeInterval === '60' ? 60 : null;
  const problems = [
    ...checkUpn(upn),
    ...checkSerialNumber(serialNumber, repeatedSerials),
    ...('problem' in secret ? [secret.problem] : []),
    ...(interval === null ? ['time interval must be 30 or 60'] : []),
  ];
  if (problems.length > 0 || 'problem' in secret || interval === null) {
    return { row, ...(serialNumber ? { serialNumber } : {}), reason: problems.join('; ') };
  }
  return {
    row,
    upn,
    serialNumber,
    secret: secret.bytes,
    secretBase32: secret.canonical,
    timeIntervalInSeconds: interval,
    manufacturer,
    model,
    algorithm: 'totp',
    hashFunction: 'hmacsha1',
    digits: 6,
  };
}

function checkUpn(upn: string): string[] {
  if (upn === '') return ['upn is missing'];
  return /^[^@\s]+@[^@\s]+$/.test(upn) ? [] : ['upn is not a user principal name (name@domain)'];
}

function checkSerialNumber(serialNumber: string, repeatedSerials: Set<string>): string[] {
  if (serialNumber === '') return ['serial number is missing'];
  if (serialNumber.length > MAX_SERIAL_NUMBER_LENGTH) return [`serial number is longer than ${MAX_SERIAL_NUMBER_LENGTH} characters`];
  // every copy is refused: nothing tells which row holds the token's real secret
  return repeatedSerials.has(serialKey(serialNumber)) ? ['duplicate serial number in this file'] : [];
}

function checkSecret(secretKey: string): { bytes: Buffer; canonical: string } | { problem: string } {
  const compact = secretKey.replace(/\s+/g, '');
  if (compact === '') return { problem: 'secret key is missing' };
  if (compact.length > MAX_SECRET_CHARACTERS) return { problem: `secret key is longer than ${MAX_SECRET_CHARACTERS} characters` };

  const decoded = decodeBase32(compact);
  if (!decoded.ok) {
    return decoded.problem === 'alphabet'
      ? { problem: 'secret key is not base32 (only letters A-Z, digits 2-7 and "=" padding are allowed)' }
      : { problem: 'secret key is not base32 (its length or padding is not valid)' };
  }
  if (decoded.bytes.length < MIN_SECRET_BYTES) {
    return { problem: `secret key is shorter than ${MIN_SECRET_BYTES * 8} bits (${MIN_SECRET_BYTES} bytes, ${(MIN_SECRET_BYTES * 8) / 5} base32 characters)` };
  }
  return decoded;
}
