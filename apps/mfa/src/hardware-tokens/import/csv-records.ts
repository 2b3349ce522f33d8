import { CsvError, parse } from 'csv-parse/sync';
import { TokenImportFormatError } from './token-import.types';

/** One CSV record and the 1-based line it starts on, which is the row a spreadsheet shows for it. */
export type CsvRecord = { line: number; fields: string[] };

/**
 * Splits text into records with csv-parse, per RFC 4180: comma-separated, fields optionally in double quotes with
 * "" for a quote, line breaks CRLF or LF (a lone CR too, as old spreadsheet exports write it). Spaces around a
 * field and around its quotes are trimmed. Quoting that cannot be read unambiguously refuses the whole file:
 * guessing where a field ends could shift a secret into another column.
 */
export function readCsvRecords(text: string): CsvRecord[] {
  // one line break, so that csv-parse counts lines as a spreadsheet does and quoted line breaks read as "\n"
  const lines = text.replace(/\r\n?/g, '\n');
  const starts: number[] = [];
  let lastLine = 0;
  try {
    const records = parse(lines, {
      trim: true,
      // a row with the wrong number of fields is that row's error, not the file's
      relax_column_count: true,
      // blank lines still count as lines: they are dropped by the caller, after the row numbers are known
      skip_empty_lines: false,
      record_delimiter: '\n',
      // a record starts on the line after the one the previous record ended on
      on_record: (record, { lines: endLine }) => {
        starts.push(lastLine + 1);
        lastLine = endLine;
        return record;
      },
    });
    return records.map((fields, i) => ({ line: starts[i]!, fields }));
  } catch (error) {
    if (error instanceof CsvError) throw malformed(error, lastLine + 1);
    throw error;
  }
}

/** csv-parse's own messages quote the field they stopped in, which may be a secret: only the code and line are used. */
function malformed(error: CsvError, recordLine: number): TokenImportFormatError {
  const line = (error as CsvError & { lines?: number }).lines ?? recordLine;
  const what: Record<string, string> = {
    // the row the quote opened in: the quote is on its first line unless an earlier field of the row spans lines
    CSV_QUOTE_NOT_CLOSED: `the quote opened on line ${recordLine} is never closed`,
    CSV_INVALID_CLOSING_QUOTE: `text after a closing quote on line ${line}`,
    INVALID_OPENING_QUOTE: `a quote inside an unquoted field on line ${line}`,
  };
  return new TokenImportFormatError(`the file is not valid CSV: ${what[error.code] ?? `the row on line ${recordLine} cannot be read`}`);
}
