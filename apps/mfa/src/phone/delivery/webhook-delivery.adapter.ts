// the signing scheme is libs/platform's, shared with identity-protection's admin notification webhooks
import { type Clock, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '@bulwark/platform';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { assertDeliverable, DeliveryFailedError, OtpDelivery, OtpDeliveryProvider, toPayload } from './otp-delivery.port';

export type WebhookDeliveryOptions = {
  url: string;
  /** shared with the receiver, at least 16 characters; `openssl rand -hex 32` */
  secret: string | Buffer;
  /** how this provider appears in errors and logs */
  name?: string;
  /** per attempt, including reading the response */
  timeoutMs?: number;
  maxAttempts?: number;
  /** the first backoff; each retry doubles it, and a random half of it is jitter */
  baseDelayMs?: number;
  /** a Retry-After longer than this ends the attempts: the user will not wait that long for a text */
  retryAfterCapMs?: number;
  clock?: Clock;
  /** told about retries; never given a body or a code */
  logger?: { warn(message: string): void };
  /** seams for tests */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

type Attempt =
  | { ok: true; providerMessageId: string }
  | { ok: false; retryable: boolean; status: number | null; retryAfterMs: number | null; reason: string };

/**
 * POSTs each message as signed JSON to a URL the operator runs or rents (an SMS gateway, a telephony hook).
 * The body carries the code because the receiver must send it; so the body is never logged and never put into
 * an error, and neither is the receiver's reply, which may echo it.
 *
 * Retries are safe because every attempt carries `Idempotency-Key: <challengeId>`: a receiver that honours it
 * texts once even when our first attempt timed out after it had already accepted.
 */
export class WebhookDeliveryProvider implements OtpDeliveryProvider {
  readonly name: string;
  private readonly url: URL;
  private readonly secret: string | Buffer;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly retryAfterCapMs: number;
  private readonly clock: Clock;
  private readonly logger: WebhookDeliveryOptions['logger'];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: WebhookDeliveryOptions) {
    this.name = options.name ?? 'webhook';
    this.url = webhookUrl(options.url);
    if (Buffer.byteLength(options.secret) < 16) throw new Error('the webhook secret must be at least 16 bytes');
    this.secret = options.secret;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.retryAfterCapMs = options.retryAfterCapMs ?? 10_000;
    this.clock = options.clock ?? { now: () => new Date() };
    this.logger = options.logger;
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms));
    this.random = options.random ?? Math.random;
  }

  async deliver(message: OtpDelivery): Promise<{ providerMessageId: string }> {
    assertDeliverable(message, this.name);
    const body = JSON.stringify(toPayload(message));
    const what = `${message.kind} for challenge ${message.challengeId}`;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body, message.challengeId);
      if (outcome.ok) return { providerMessageId: outcome.providerMessageId };
      const fail = (why: string) =>
        new DeliveryFailedError(`${what} not delivered by ${this.name} (${this.url.host}): ${why}`, {
          retryable: outcome.retryable,
          provider: this.name,
          status: outcome.status,
          attempts: attempt,
        });
      if (!outcome.retryable) throw fail(outcome.reason);
      if (attempt >= this.maxAttempts) throw fail(`${outcome.reason} after ${attempt} attempts`);
      if (outcome.retryAfterMs !== null && outcome.retryAfterMs > this.retryAfterCapMs) {
        throw fail(`${outcome.reason}, asked to wait ${Math.ceil(outcome.retryAfterMs / 1000)} s`);
      }
      const delay = Math.max(this.backoff(attempt), outcome.retryAfterMs ?? 0);
      this.logger?.warn(`[bulwark] ${what}: ${this.name} attempt ${attempt} of ${this.maxAttempts} failed (${outcome.reason}), retrying in ${delay} ms`);
      await this.sleep(delay);
    }
  }

  private async attempt(body: string, challengeId: string): Promise<Attempt> {
    // signed per attempt, so a retry after a long Retry-After is not stale on arrival
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(this.secret, timestamp, body),
          'Idempotency-Key': challengeId,
        },
        body,
        // following a redirect would send the code to wherever it points
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      return { ok: false, retryable: true, status: null, retryAfterMs: null, reason: networkFailure(error, this.timeoutMs) };
    }
    if (response.ok) return { ok: true, providerMessageId: (await providerMessageIdOf(response)) ?? randomUUID() };
    await response.body?.cancel().catch(() => undefined);
    const { status } = response;
    if (status >= 300 && status < 400) return { ok: false, retryable: false, status, retryAfterMs: null, reason: `HTTP ${status}, a redirect, not followed` };
    const retryable = status === 429 || status >= 500;
    const retryAfterMs = retryable ? retryAfterOf(response.headers.get('retry-after'), this.clock.now()) : null;
    return { ok: false, retryable, status, retryAfterMs, reason: `HTTP ${status}` };
  }

  private backoff(failedAttempt: number): number {
    const ceiling = this.baseDelayMs * 2 ** (failedAttempt - 1);
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }
}

function webhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('the webhook URL is not a URL');
  }
  if (url.username || url.password) throw new Error('the webhook URL must not carry credentials: the signature authenticates us');
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  // codes cross the network in this body: plain HTTP only to a receiver on the same host
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`the webhook URL must use https (plain http only on localhost), got ${url.protocol}//${url.host}`);
  }
  return url;
}

async function providerMessageIdOf(response: Response): Promise<string | null> {
  try {
    const parsed: unknown = JSON.parse(await response.text());
    const id = (parsed as { id?: unknown } | null)?.id;
    if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
    return typeof id === 'string' && /^[\x21-\x7e]{1,200}$/.test(id) ? id : null;
  } catch {
    // accepted, with no id we can read (or the reply timed out after the 2xx): still accepted, not to be sent twice
    return null;
  }
}

/** Seconds or an HTTP date, per RFC 9110; anything else is ignored. */
function retryAfterOf(header: string | null, now: Date): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

// Only the kind of failure: an undici error's cause can hold socket details, never worth carrying further.
function networkFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? `network error ${code}` : 'network error';
}
