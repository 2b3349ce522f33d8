export type HashFunction = 'hmacsha1' | 'hmacsha256' | 'hmacsha512';

/** A file with more tokens than this is refused whole: one upload must not tie up the import job. */
export const MAX_TOKENS_PER_FILE = 10_000;

/** RFC 4226 requires at least 128 bits and recommends 160; below 80 bits a secret can be guessed from a few codes. */
export const MIN_SECRET_BYTES = 10;

/**
 * The file as a whole cannot be imported: it is not in the expected format, it is hostile (DOCTYPE, entities),
 * or it cannot be decrypted with what the caller supplied. The caller imports nothing from it.
 * `reason` is plain English for the administrator and never contains a secret or part of one.
 */
export class TokenImportFormatError extends Error {
  readonly code = 'TOKEN_IMPORT_FILE_REFUSED';

  constructor(readonly reason: string) {
    super(`token import file refused: ${reason}`);
    this.name = 'TokenImportFormatError';
  }
}
