/**
 * Characters that forge a line or hide text where people read exports and logs: C0 controls (ESC, NUL, CR, LF…),
 * DEL and the C1 controls, the line and paragraph separators, and the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) that make a terminal or a spreadsheet show text other than what is stored.
 */
const UNSAFE = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
/** The same, less what JSON.stringify already writes as escapes (C0, `"` and `\`). */
const UNSAFE_IN_JSON = '\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
// a test first: most text has none, and a test allocates nothing
const hasUnsafe = new RegExp(`[${UNSAFE}]`);
const allUnsafe = new RegExp(`[${UNSAFE}]`, 'g');
const hasUnsafeInJson = new RegExp(`[${UNSAFE_IN_JSON}]`);
const allUnsafeInJson = new RegExp(`[${UNSAFE_IN_JSON}]`, 'g');

const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text with each unsafe character written as the six visible characters `\uXXXX`: nothing is dropped, nothing acts. */
export function escapeUnsafeText(text: string): string {
  return hasUnsafe.test(text) ? text.replace(allUnsafe, escaped) : text;
}

/**
 * JSON text with no unsafe character in its bytes: the same value once parsed (`\uXXXX` is JSON's own escape), so a
 * record keeps the exact evidence while a terminal, a log viewer or a line-based reader sees only escapes.
 */
export function stringifyJsonSafely(value: unknown): string {
  const json = JSON.stringify(value);
  return hasUnsafeInJson.test(json) ? json.replace(allUnsafeInJson, escaped) : json;
}
