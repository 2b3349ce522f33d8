import { TokenImportFormatError } from './token-import.types';

/** One CSV record and the 1-based line it starts on, which is the row a spreadsheet shows for it. */
export type CsvRecord = { line: number; fields: string[] };

/**
 * Splits text into records per RFC 4180: comma-separated, fields optionally in double quotes with "" for a
 * quote, line breaks CRLF or LF (a lone CR too, as old spreadsheet exports write it). Spaces around a field
 * and around its quotes are tolerated and trimmed from unquoted fields. Quoting that cannot be read
 * unambiguously refuses the whole file: guessing where a field ends could shift a secret into another column.
 */
export function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let state: 'unquoted' | 'quoted' | 'afterQuote' = 'unquoted';
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;

  const endField = () => {
    fields.push(state === 'unquoted' ? field.trim() : field);
    field = '';
    state = 'unquoted';
  };
  const endRecord = () => {
    endField();
    records.push({ line: recordLine, fields });
    fields = [];
  };

  for (let i = 0; i < text.length; i++) {
    const character = text[i];
    const lineBreak = character === '\n' || character === '\r';
    if (lineBreak && character === '\r' && text[i + 1] === '\n') i++;

    if (state === 'quoted') {
      if (character === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (character === '"') {
        state = 'afterQuote';
      } else {
        field += lineBreak ? '\n' : character;
        if (lineBreak) line++;
      }
      continue;
    }

    if (character === ',') {
      endField();
    } else if (lineBreak) {
      endRecord();
      line++;
      recordLine = line;
    } else if (state === 'afterQuote') {
      if (character !== ' ' && character !== '\t') throw malformed(`text after a closing quote on line ${line}`);
    } else if (character === '"') {
      if (field.trim() !== '') throw malformed(`a quote inside an unquoted field on line ${line}`);
      field = '';
      state = 'quoted';
      quoteLine = line;
    } else {
      field += character;
    }
  }

  if (state === 'quoted') throw malformed(`the quote opened on line ${quoteLine} is never closed`);
  // a final line break does not start another record
  if (fields.length > 0 || field !== '' || state === 'afterQuote') endRecord();
  return records;
}

const malformed = (what: string) => new TokenImportFormatError(`the file is not valid CSV: ${what}`);
