import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import { createHmac } from 'node:crypto';
import { ExportOptions } from './export-options';

/**
 * What may leave for a SIEM. Applied to every event before any format sees it, so a mapper cannot leak by
 * accident: the contract's private fields go (a phone number stays, masked), then anything whose name says it is
 * a secret, a code or a hash, sealed secrets by their shape, webhook URLs down to their origin, every full phone
 * number masked wherever it appears, and, when user names are off, every email address pseudonymised.
 */

/** Field names that never leave, whatever the event: secrets, passwords, hashes, OTP and reporting codes. */
const SECRET_KEY = /secret|password|passcode|hash|ciphertext|^otp|^code$|Code$|^pin$|^verificationCode$/i;
/** names people give things (a method called "Alice's iPhone"): left out with user names */
/** and the user's first and last name, recorded with a sign-in when the tenant records them (issue 7) */
const DISPLAY_NAME = /displayName$|^userPrincipalName$|^user(First|Last)Name$/i;
const PHONE = /\+[1-9]\d{6,14}/g;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const EMAIL_IN_TEXT = /[^\s@<>"'(),;:=]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}/g;

export type ExportEvent = Omit<RecordedEvent, 'data'> & { data: Record<string, unknown> };

/** All but the last two digits hidden: `+4915112345678` → `+***********78`. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  return `+${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
}

/** A keyed, stable stand-in for an email-shaped identifier: the same user gets the same one, nobody can reverse it. */
export function pseudonym(value: string, key: string): string {
  return `anon-${createHmac('sha256', key).update(value.toLowerCase()).digest('hex').slice(0, 20)}`;
}

export const isEmail = (value: string) => EMAIL.test(value);

const privateFieldsByType = new Map<string, ReadonlySet<string>>();

function privateFieldsOf(type: string): ReadonlySet<string> {
  let fields = privateFieldsByType.get(type);
  if (!fields) {
    // the risk and notification events come from other branches: until registered here, only the name rules apply
    fields = new Set(eventRegistry.types().includes(type) ? (eventRegistry.contractOf(type).privateFields ?? []) : []);
    privateFieldsByType.set(type, fields);
  }
  return fields;
}

const isSealedSecret = (value: unknown) =>
  !!value && typeof value === 'object' && 'ciphertext' in (value as object) && 'iv' in (value as object);

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

/**
 * A test of field names whose answers are kept per name: events reuse a small set of field names, and the tests
 * run per field of every exported event. At most 10,000 names are kept.
 */
function rememberedTest(test: (name: string) => boolean): (name: string) => boolean {
  const known = new Map<string, boolean>();
  return (name) => {
    let answer = known.get(name);
    if (answer === undefined) {
      answer = test(name);
      if (known.size < 10_000) known.set(name, answer);
    }
    return answer;
  };
}

/** Whether a field of this name never leaves: a secret, a code, a hash; a display name too when names are off. */
const withheldWithNames = rememberedTest((name) => SECRET_KEY.test(name));
const withheldWithoutNames = rememberedTest((name) => SECRET_KEY.test(name) || DISPLAY_NAME.test(name));
const isWithheld = (name: string, options: Pick<ExportOptions, 'userNames'>) => (options.userNames ? withheldWithNames : withheldWithoutNames)(name);

const isUrlKey = rememberedTest((key) => /^(url|webhookUrl)$/i.test(key));

function cleanString(value: string, options: Pick<ExportOptions, 'userNames' | 'pseudonymKey'>): string {
  // a phone number starts with "+": most strings have none, and skip the search
  let clean = value.includes('+') ? value.replace(PHONE, maskPhone) : value;
  if (!options.userNames && isEmail(clean)) return pseudonym(clean, options.pseudonymKey);
  if (!options.userNames) clean = clean.replace(EMAIL_IN_TEXT, (email) => pseudonym(email, options.pseudonymKey));
  return clean;
}

function clean(value: unknown, key: string, options: Pick<ExportOptions, 'userNames' | 'pseudonymKey'>): unknown {
  if (typeof value === 'string') {
    if (isUrlKey(key) && /^https?:/i.test(value)) return originOf(value);
    return cleanString(value, options);
  }
  if (Array.isArray(value)) return value.map((item) => clean(item, key, options)).filter((item) => item !== undefined);
  if (value && typeof value === 'object') {
    if (isSealedSecret(value)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      if (isWithheld(name, options)) continue;
      const cleaned = clean(inner, name, options);
      if (cleaned !== undefined) out[name] = cleaned;
    }
    return out;
  }
  return value;
}

/** The event as it may be exported: see the rules above. */
export function exportable(event: RecordedEvent, options: Pick<ExportOptions, 'userNames' | 'pseudonymKey'>): ExportEvent {
  const hidden = privateFieldsOf(event.type);
  const data: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event.data ?? {})) {
    if (hidden.has(name)) {
      // a private phone number may go out masked; any other private field stays home
      if (typeof value === 'string' && /^\+[1-9]\d{6,14}$/.test(value)) data[name] = maskPhone(value);
      continue;
    }
    if (isWithheld(name, options)) continue;
    const cleaned = clean(value, name, options);
    if (cleaned !== undefined) data[name] = cleaned;
  }
  return { ...event, streamId: exportedStreamId(event.streamId, options), data };
}

/** A stream name carries its user id (`user_mfa-<userId>`): pseudonymised with it when names are off. */
function exportedStreamId(streamId: string, options: Pick<ExportOptions, 'userNames' | 'pseudonymKey'>): string {
  const dash = streamId.indexOf('-');
  if (options.userNames || dash < 0) return streamId;
  return `${streamId.slice(0, dash + 1)}${cleanString(streamId.slice(dash + 1), options)}`;
}

/** A user identifier as it may go out: as given, or pseudonymised when names are off and it is an email address. */
export function exportedUserId(userId: string, options: Pick<ExportOptions, 'userNames' | 'pseudonymKey'>): string {
  return !options.userNames && isEmail(userId) ? pseudonym(userId, options.pseudonymKey) : userId;
}
