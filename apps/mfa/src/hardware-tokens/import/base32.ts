const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** How many '=' complete a final quantum that carries this many characters (RFC 4648, section 6). */
const PADDING_FOR_REMAINDER: Record<number, number> = { 0: 0, 2: 6, 4: 4, 5: 3, 7: 1 };

export type Base32Decoded =
  | { ok: true; bytes: Buffer; canonical: string }
  | { ok: false; problem: 'alphabet' | 'length' };

/**
 * Decodes RFC 4648 base32: case-insensitive, whitespace ignored (vendors print secrets in groups of four),
 * '=' padding optional but correct when present. `canonical` is upper case without whitespace or padding,
 * the form authenticator URIs use. Problems name no character, so a caller cannot echo part of a secret.
 */
export function decodeBase32(text: string): Base32Decoded {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  const data = compact.replace(/=+$/, '');
  if (!/^[A-Z2-7]*$/.test(data)) return { ok: false, problem: 'alphabet' };

  const expectedPadding = PADDING_FOR_REMAINDER[data.length % 8];
  const padding = compact.length - data.length;
  if (expectedPadding === undefined || (padding > 0 && padding !== expectedPadding)) return { ok: false, problem: 'length' };

  return { ok: true, bytes: bitsToBytes(data), canonical: data };
}

function bitsToBytes(data: string): Buffer {
  const bytes = Buffer.alloc(Math.floor((data.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (const character of data) {
    buffer = ((buffer << 5) | ALPHABET.indexOf(character)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[written++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}
