import { createHmac, timingSafeEqual } from 'node:crypto';
import { Counter, MAX_HOTP_COUNTER, storedCounter } from './hotp-counter';
import { HardwareOathMethod, OathMethod } from './methods.model';
import { matchTotp } from './totp';

/** How many codes ahead of its counter an HOTP token may be and still be accepted (RFC 4226's look-ahead). */
export const HOTP_LOOK_AHEAD = 10;
/** How far a resynchronisation searches for two consecutive codes. */
export const HOTP_RESYNC_WINDOW = 1000;

const hashOf = { hmacsha1: 'sha1', hmacsha256: 'sha256', hmacsha512: 'sha512' } as const;
type HotpParameters = Pick<HardwareOathMethod, 'digits' | 'hashFunction'>;

/**
 * The code a hardware HOTP token shows at a counter (RFC 4226 section 5.3), for any counter of 64 bits: otplib refuses
 * counters above 2^53 - 1.
 */
export function hotpAt(secret: Uint8Array, counter: bigint, method: HotpParameters): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const digest = createHmac(hashOf[method.hashFunction], secret).update(message).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fff_ffff) % 10 ** method.digits).padStart(method.digits, '0');
}

/** The HOTP counter at or after `from` (up to `window` codes ahead) whose code is `code`, or null. */
export function matchHotp(code: string, secret: Uint8Array, method: HotpParameters, from: bigint, window: number): bigint | null {
  if (code.length !== method.digits || !/^\d+$/.test(code)) return null;
  const end = from + BigInt(window);
  for (let counter = from < 0n ? 0n : from; counter < end && counter <= MAX_HOTP_COUNTER; counter++) {
    if (timingSafeEqual(Buffer.from(hotpAt(secret, counter, method)), Buffer.from(code))) return counter;
  }
  return null;
}

/** A hardware token's key is raw bytes; only an authenticator app's is a base32 string. */
function hotpKey(secret: string | Uint8Array): Uint8Array {
  if (typeof secret === 'string') throw new Error('an HOTP token’s key is raw bytes, not a base32 string');
  return secret;
}

/**
 * What an OATH code matched: the time step for TOTP, the counter for HOTP (searched from the one after the last
 * used), or null. Whether it was already used is the decider's judgement.
 */
export function matchOathCode(code: string, secret: string | Uint8Array, method: OathMethod | HardwareOathMethod, now: Date): Counter | null {
  if (method.kind === 'softwareOath') return matchTotp(code, secret, method, now);
  if (method.oathType === 'hotp') {
    const next = BigInt(method.lastTimeStep) + 1n;
    const key = hotpKey(secret);
    // a code from just behind the counter is a replay, and is reported as one rather than as a wrong code
    const matched = matchHotp(code, key, method, next, HOTP_LOOK_AHEAD) ?? matchHotp(code, key, method, next - BigInt(HOTP_LOOK_AHEAD), HOTP_LOOK_AHEAD);
    return matched === null ? null : storedCounter(matched);
  }
  const algorithm = ({ hmacsha1: 'SHA1', hmacsha256: 'SHA256', hmacsha512: 'SHA512' } as const)[method.hashFunction];
  return matchTotp(code, secret, { algorithm, digits: method.digits, period: method.period ?? 30 }, now);
}

/** The counter of the second of two consecutive HOTP codes within the resync window, or null. */
export function resyncHotp(first: string, second: string, secret: string | Uint8Array, method: HardwareOathMethod): Counter | null {
  const key = hotpKey(secret);
  const end = BigInt(method.lastTimeStep) + 1n + BigInt(HOTP_RESYNC_WINDOW);
  let from = BigInt(method.lastTimeStep) + 1n;
  while (from < end) {
    const counter = matchHotp(first, key, method, from, Number(end - from));
    if (counter === null) return null;
    if (matchHotp(second, key, method, counter + 1n, 1) !== null) return storedCounter(counter + 1n);
    from = counter + 1n;
  }
  return null;
}
