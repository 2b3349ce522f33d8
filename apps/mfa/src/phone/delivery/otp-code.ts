import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Phone one-time codes: made from the CSPRNG, stored only as an HMAC bound to their challenge.
 * The handler that issues a challenge calls these and passes the hash into the command, so the decider stays pure
 * and the event stream never holds a code.
 */

export const MIN_CODE_DIGITS = 6;
export const MAX_CODE_DIGITS = 12;

/** Uniform over all `digits`-digit strings, leading zeros included: randomInt rejects rather than taking a modulo. */
export function generateNumericCode(digits = 6): string {
  if (!Number.isInteger(digits) || digits < MIN_CODE_DIGITS || digits > MAX_CODE_DIGITS) {
    throw new RangeError(`a code has ${MIN_CODE_DIGITS} to ${MAX_CODE_DIGITS} digits, not ${digits}`);
  }
  // randomInt's range must stay below 2^48; 10^12 does
  return String(randomInt(10 ** digits)).padStart(digits, '0');
}

/**
 * HMAC-SHA256(pepper, "<challengeId>:<code>") in hex. The challenge id in the input makes a code for one challenge
 * worthless for any other; the pepper, kept outside the event store, stops a reader of the store from trying all
 * 10^6 codes against a hash. A code is digits only, so the last ':' always separates the two parts.
 */
export function hashCode(code: string, challengeId: string, pepper: Buffer): string {
  if (!/^\d+$/.test(code)) throw new RangeError('a code is digits only');
  if (!challengeId) throw new RangeError('a code is hashed with its challenge id');
  if (pepper.length < 16) throw new RangeError('the pepper must be at least 16 bytes');
  return createHmac('sha256', pepper).update(`${challengeId}:${code}`).digest('hex');
}

/** Whether `code` is the one issued for `challengeId`; anything malformed simply does not match. */
export function codeMatches(code: string, challengeId: string, pepper: Buffer, storedHash: string): boolean {
  if (!/^\d{1,32}$/.test(code) || !challengeId || !/^[0-9a-f]{64}$/i.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashCode(code, challengeId, pepper), 'hex'), Buffer.from(storedHash, 'hex'));
}
