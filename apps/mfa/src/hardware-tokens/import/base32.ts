import { base32, base32nopad } from '@scure/base';

export type Base32Decoded =
  | { ok: true; bytes: Buffer; canonical: string }
  | { ok: false; problem: 'alphabet' | 'length' };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Decodes RFC 4648 base32 with @scure/base, under the rules secrets are printed and typed with: case-insensitive,
 * whitespace ignored (vendors print secrets in groups of four), '=' padding optional (otpauth URIs leave it out)
 * but correct when present. `canonical` is upper case without whitespace or padding, the form authenticator URIs
 * use. Problems name no character, so a caller cannot echo part of a secret.
 */
export function decodeBase32(text: string): Base32Decoded {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  const data = compact.replace(/=+$/, '');
  // checked here rather than read from the library's error, which quotes the offending character
  if (!/^[A-Z2-7]*$/.test(data)) return { ok: false, problem: 'alphabet' };
  const padding = compact.slice(data.length);
  try {
    const unpadded = withZeroPadBits(data);
    const bytes = padding ? base32.decode(unpadded + padding) : base32nopad.decode(unpadded);
    const canonical = base32nopad.encode(bytes);
    return { ok: true, bytes: Buffer.from(bytes), canonical };
  } catch {
    return { ok: false, problem: 'length' };
  }
}

/**
 * The bits of the last character past the last whole byte set to zero. @scure/base refuses them when set (RFC 4648
 * allows either); they carry nothing, and secrets printed with them were accepted before and still are.
 */
function withZeroPadBits(data: string): string {
  const padBits = (data.length * 5) % 8;
  if (padBits === 0 || padBits >= 5) return data;
  const last = ALPHABET.indexOf(data[data.length - 1]!);
  return data.slice(0, -1) + ALPHABET[last & ~((1 << padBits) - 1)];
}
