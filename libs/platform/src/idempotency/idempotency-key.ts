import { createHmac } from 'node:crypto';
import { ApiError } from '../errors';

/** The methods whose retries the Idempotency-Key makes safe; GET and HEAD are safe already and ignore it. */
export const IDEMPOTENT_WRITES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The key a request carries, or null when it carries none. The IETF draft defines the header as a Structured Field
 * string (`"8e03978e-…"`); most clients send the bare token, so both are taken and mean the same key.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header)) throw invalid('send one Idempotency-Key header, not several');
  const quoted = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(header);
  const key = quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : header;
  if (!key.length) throw invalid('the Idempotency-Key is empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw invalid(`the Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  if (!/^[\x20-\x7e]+$/.test(key)) throw invalid('the Idempotency-Key must be printable ASCII (a UUID is a good key)');
  return key;
}

const invalid = (message: string) => new ApiError(400, 'badRequest', message, [{ code: 'invalidIdempotencyKey', message, target: 'Idempotency-Key' }]);

export type RequestToFingerprint = { method: string; url: string; contentType: string | undefined; body: unknown };

/**
 * What makes two requests "the same" for a key: method, path with query, and body. A parsed JSON body is compared by
 * value (key order does not matter); a raw body (a CSV import, an upload) by its bytes. Keyed with a secret, so the
 * stored fingerprint of a small body (a six-digit code) cannot be reversed by trying every value.
 */
export function fingerprintOf(secret: Buffer, request: RequestToFingerprint): string {
  const mac = createHmac('sha256', secret).update(`${request.method} ${request.url}\n`);
  if (Buffer.isBuffer(request.body)) mac.update(`raw ${request.contentType ?? ''}\n`).update(request.body);
  else if (typeof request.body === 'string') mac.update(`text ${request.contentType ?? ''}\n`).update(request.body);
  else if (request.body === undefined) mac.update('none\n');
  else mac.update('json\n').update(JSON.stringify(canonical(request.body)));
  return mac.digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, canonical(record[key])]),
  );
}
