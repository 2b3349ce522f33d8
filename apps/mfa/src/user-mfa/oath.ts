import { generateSync, verifySync } from 'otplib';
import { HardwareOathMethod, OathMethod } from './methods.model';
import { matchTotp } from './totp';

/** How many codes ahead of its counter an HOTP token may be and still be accepted (RFC 4226's look-ahead). */
export const HOTP_LOOK_AHEAD = 10;
/** How far a resynchronisation searches for two consecutive codes. */
export const HOTP_RESYNC_WINDOW = 1000;

const hashOf = { hmacsha1: 'sha1', hmacsha256: 'sha256', hmacsha512: 'sha512' } as const;

/** The HOTP counter at or after `from` (up to `window` codes ahead) whose code is `code`, or null. */
export function matchHotp(code: string, secret: string | Uint8Array, method: Pick<HardwareOathMethod, 'digits' | 'hashFunction'>, from: number, window: number): number | null {
  if (code.length !== method.digits || !/^\d+$/.test(code)) return null;
  for (let counter = Math.max(0, from); counter < from + window; counter++) {
    if (verifySync({ strategy: 'hotp', secret, token: code, counter, digits: method.digits, algorithm: hashOf[method.hashFunction] }).valid) return counter;
  }
  return null;
}

/** The code a hardware HOTP token shows at a counter (for tests and resynchronisation checks). */
export const hotpAt = (secret: string | Uint8Array, counter: number, method: Pick<HardwareOathMethod, 'digits' | 'hashFunction'>) =>
  generateSync({ strategy: 'hotp', secret, counter, digits: method.digits, algorithm: hashOf[method.hashFunction] });

/**
 * What an OATH code matched: the time step for TOTP, the counter for HOTP (searched from the one after the last
 * used), or null. Whether it was already used is the decider's judgement.
 */
export function matchOathCode(code: string, secret: string | Uint8Array, method: OathMethod | HardwareOathMethod, now: Date): number | null {
  if (method.kind === 'softwareOath') return matchTotp(code, secret, method, now);
  if (method.oathType === 'hotp') {
    const ahead = matchHotp(code, secret, method, method.lastTimeStep + 1, HOTP_LOOK_AHEAD);
    // a code from just behind the counter is a replay, and is reported as one rather than as a wrong code
    return ahead ?? matchHotp(code, secret, method, method.lastTimeStep + 1 - HOTP_LOOK_AHEAD, HOTP_LOOK_AHEAD);
  }
  const algorithm = ({ hmacsha1: 'SHA1', hmacsha256: 'SHA256', hmacsha512: 'SHA512' } as const)[method.hashFunction];
  return matchTotp(code, secret, { algorithm, digits: method.digits, period: method.period ?? 30 }, now);
}

/** The counter of the second of two consecutive HOTP codes within the resync window, or null. */
export function resyncHotp(first: string, second: string, secret: string | Uint8Array, method: HardwareOathMethod): number | null {
  let from = method.lastTimeStep + 1;
  while (from < method.lastTimeStep + 1 + HOTP_RESYNC_WINDOW) {
    const counter = matchHotp(first, secret, method, from, method.lastTimeStep + 1 + HOTP_RESYNC_WINDOW - from);
    if (counter === null) return null;
    if (matchHotp(second, secret, method, counter + 1, 1) !== null) return counter + 1;
    from = counter + 1;
  }
  return null;
}
