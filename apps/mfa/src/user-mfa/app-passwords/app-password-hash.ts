import { PasswordHash } from '@bulwark/contracts';
import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const PARAMETERS = { N: 16_384, r: 8, p: 1 };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Sixteen lowercase letters from a CSPRNG, as Entra shows them: 75 bits, typed once into a legacy client. */
export function newAppPassword(): string {
  return Array.from({ length: 16 }, () => LETTERS[randomInt(LETTERS.length)]).join('');
}

export async function hashAppPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, { ...PARAMETERS, maxmem: 64 * 1024 * 1024 });
  return { algorithm: 'scrypt', ...PARAMETERS, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export async function appPasswordMatches(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(stored.salt, 'base64'), expected.length, { N: stored.N, r: stored.r, p: stored.p, maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}
