import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How Bulwark signs what it POSTs to a receiver (phone delivery webhooks, admin notification webhooks):
 * the Unix time in seconds in `X-Bulwark-Timestamp`, and `X-Bulwark-Signature: v1=<hex HMAC-SHA256 of
 * "<timestamp>.<raw body>">` under the secret shared with that receiver. One scheme, so one receiver library.
 */
export const SIGNATURE_HEADER = 'X-Bulwark-Signature';
export const TIMESTAMP_HEADER = 'X-Bulwark-Timestamp';

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`; the version leaves room for another scheme beside it. */
export function signWebhook(secret: string | Buffer, timestamp: string, rawBody: string | Buffer): string {
  return `v1=${mac(secret, timestamp, rawBody).toString('hex')}`;
}

/** The two headers for a body sent at `now`: signed per attempt, so a retry is not stale on arrival. */
export function webhookSignatureHeaders(secret: string | Buffer, rawBody: string | Buffer, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signWebhook(secret, timestamp, rawBody) };
}

/**
 * For receivers of our webhooks (and of a provider's callbacks signed the same way): the signature header must hold
 * a `v1=` HMAC of exactly these bytes, made with this secret, at a timestamp within `toleranceSeconds` of `now`
 * either way. Several comma-separated `v1=` values are accepted, so a sender can sign with an old and a new secret
 * while the secret is rotated. Hash the raw body as received, before any JSON parsing.
 */
export function verifyWebhookSignature(
  secret: string | Buffer,
  timestamp: string | null | undefined,
  rawBody: string | Buffer,
  header: string | null | undefined,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  if (!timestamp || !header || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = mac(secret, timestamp, rawBody);
  let matched = false;
  for (const part of header.split(',')) {
    const [scheme, hex] = part.trim().split('=', 2);
    if (scheme !== 'v1' || !hex || !/^[0-9a-f]{64}$/i.test(hex)) continue;
    // every candidate is compared, so the time taken does not say which one matched
    if (timingSafeEqual(expected, Buffer.from(hex, 'hex'))) matched = true;
  }
  return matched;
}

function mac(secret: string | Buffer, timestamp: string, rawBody: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}
