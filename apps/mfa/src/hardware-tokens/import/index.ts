export { parseTokenCsv, CSV_HEADER } from './csv-import';
export type { CsvImport, CsvRowError, CsvToken } from './csv-import';
export { parsePskc } from './pskc-import';
export type { PskcImport, PskcImportInput, PskcKeyError, PskcToken } from './pskc-import';
export { MAX_TOKENS_PER_FILE, MIN_SECRET_BYTES, TokenImportFormatError } from './token-import.types';
export type { HashFunction } from './token-import.types';
