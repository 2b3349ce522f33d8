import { type Clock, webhookSignatureHeaders } from '@bulwark/platform';
import { AttemptOutcome, networkFailure } from './delivery-attempt';

/**
 * One signed POST to an admin's webhook, signed exactly as the phone delivery webhooks are (libs/platform):
 * `X-Bulwark-Timestamp` and `X-Bulwark-Signature: v1=<HMAC-SHA256 of "<timestamp>.<body>">`. Every attempt of
 * a delivery carries the same `Idempotency-Key`, so a receiver that answered too late is not told twice.
 */
export class WebhookSender {
  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async send(url: string, secret: string, body: string, deliveryId: string, stop: AbortSignal): Promise<AttemptOutcome> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Bulwark-Notifications/1',
          'Idempotency-Key': deliveryId,
          ...webhookSignatureHeaders(secret, body, this.clock.now()),
        },
        body,
        // a redirect would carry the notification wherever it points; the admin configures the final URL
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), stop]),
      });
      // the reply is not read, only drained; its body may be large or never end
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      return { ok: false, retryable: true, reason: networkFailure(error, this.timeoutMs) };
    }
    const { status } = response;
    if (status >= 200 && status < 300) return { ok: true, transport: 'webhook' };
    if (status >= 300 && status < 400) return { ok: false, retryable: false, reason: `HTTP ${status}, a redirect, not followed` };
    const retryable = status === 408 || status === 429 || status >= 500;
    return { ok: false, retryable, reason: `HTTP ${status}`, retryAfterMs: retryable ? retryAfterOf(response.headers.get('retry-after'), this.clock.now()) : null };
  }
}

/** Seconds or an HTTP date, per RFC 9110; anything else is ignored. */
function retryAfterOf(header: string | null, now: Date): number | null {
  if (!header) return null;
  if (/^\d{1,9}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}
