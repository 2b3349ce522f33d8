import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { DeliveryFailedError, SmsMessage, VoiceCall } from './otp-delivery.port';
import { signWebhook, verifyWebhookSignature } from '@bulwark/platform';
import { WebhookDeliveryOptions, WebhookDeliveryProvider } from './webhook-delivery.adapter';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
const CODE = '918273';
const NOW = new Date('2031-05-06T10:00:00.000Z');
const clock = { now: () => NOW };

const sms = (overrides: Partial<SmsMessage> = {}): SmsMessage => ({
  kind: 'sms',
  challengeId: 'ch-1',
  userId: 'user-1',
  to: '+447700900123',
  code: CODE,
  expiresAt: '2031-05-06T10:05:00.000Z',
  locale: 'en-GB',
  ...overrides,
});

const call = (overrides: Partial<VoiceCall> = {}): VoiceCall => ({
  kind: 'voice',
  challengeId: 'ch-2',
  userId: 'user-1',
  to: '+447700900123',
  code: null,
  expiresAt: '2031-05-06T10:05:00.000Z',
  fraudCode: '0',
  ...overrides,
});

type Received = { headers: IncomingHttpHeaders; body: string };
type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A real HTTP receiver on 127.0.0.1 that answers the n-th request (from 0) with `reply(n, body)`. */
async function receiver(reply: (n: number, body: string) => Reply) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = reply(received.length, body);
      received.push({ headers: request.headers, body });
      if (answer === 'hang') return;
      response.writeHead(answer.status, answer.headers).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/otp`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(close);
  return { url, received, close };
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

function provider(url: string, options: Partial<WebhookDeliveryOptions> = {}) {
  const delays: number[] = [];
  const warnings: string[] = [];
  const adapter = new WebhookDeliveryProvider({
    url,
    secret: SECRET,
    clock,
    baseDelayMs: 100,
    random: () => 1,
    sleep: async (ms) => void delays.push(ms),
    logger: { warn: (message) => void warnings.push(message) },
    ...options,
  });
  return { adapter, delays, warnings };
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailedError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryFailedError);
  return error as DeliveryFailedError;
}

/** Everything an error would show in a log: message, stack, own fields, and its cause, however deep. */
const everythingIn = (error: unknown) => `${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error)} ${String(error)}`;

describe('webhook delivery', () => {
  describe('a receiver that accepts', () => {
    it('gets the message as JSON, signed with the shared secret, keyed by the challenge', async () => {
      const { url, received } = await receiver(() => ({ status: 202, headers: { 'content-type': 'application/json' }, body: '{"id":"msg-77"}' }));

      await expect(provider(url).adapter.deliver(sms())).resolves.toEqual({ providerMessageId: 'msg-77' });

      expect(received).toHaveLength(1);
      const [{ headers, body }] = received;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['idempotency-key']).toBe('ch-1');
      expect(headers['x-bulwark-timestamp']).toBe(String(NOW.getTime() / 1000));
      expect(headers['x-bulwark-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(JSON.parse(body)).toEqual({
        schemaVersion: 1,
        kind: 'sms',
        challengeId: 'ch-1',
        userId: 'user-1',
        to: '+447700900123',
        code: CODE,
        expiresAt: '2031-05-06T10:05:00.000Z',
        locale: 'en-GB',
      });
    });

    it('signs so that only the shared secret, the exact body and a fresh timestamp verify', async () => {
      const { url, received } = await receiver(() => ({ status: 200 }));
      await provider(url).adapter.deliver(sms());
      const { headers, body } = received[0];
      const timestamp = headers['x-bulwark-timestamp'] as string;
      const signature = headers['x-bulwark-signature'] as string;

      expect(verifyWebhookSignature(SECRET, timestamp, body, signature, NOW)).toBe(true);
      expect(verifyWebhookSignature(Buffer.from(SECRET), timestamp, Buffer.from(body), signature, NOW)).toBe(true);
      expect(verifyWebhookSignature('another-secret-0123456789abcdef', timestamp, body, signature, NOW)).toBe(false);
      expect(verifyWebhookSignature(SECRET, timestamp, body.replace(CODE, '000000'), signature, NOW)).toBe(false);
      expect(verifyWebhookSignature(SECRET, String(Number(timestamp) + 1), body, signature, NOW)).toBe(false);
      const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
      expect(verifyWebhookSignature(SECRET, timestamp, body, signature, later(300))).toBe(true);
      expect(verifyWebhookSignature(SECRET, timestamp, body, signature, later(301))).toBe(false);
      expect(verifyWebhookSignature(SECRET, timestamp, body, signature, later(-301))).toBe(false);
      expect(verifyWebhookSignature(SECRET, timestamp, body, signature, later(30), 10)).toBe(false);
    });

    it('answers with a generated id when the receiver gives none', async () => {
      const { url } = await receiver((n) => (n === 0 ? { status: 204 } : { status: 200, body: 'queued' }));
      const { adapter } = provider(url);
      const first = await adapter.deliver(sms());
      const second = await adapter.deliver(sms());
      expect(first.providerMessageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(second.providerMessageId).not.toBe(first.providerMessageId);
    });

    it('sends a call with the keys to press, the caller id and the greeting, and no code', async () => {
      const { url, received } = await receiver(() => ({ status: 200, body: '{"id":"call-1"}' }));
      const greeting = { messageType: 'authenticationGreeting', language: 'en-GB', contentType: 'audio/wav', data: Buffer.from('RIFF....WAVE') };

      await provider(url).adapter.deliver(call({ fraudCode: '7', callerId: '+441632960000', greeting, locale: 'en-GB' }));

      expect(JSON.parse(received[0].body)).toEqual({
        schemaVersion: 1,
        kind: 'voice',
        challengeId: 'ch-2',
        userId: 'user-1',
        to: '+447700900123',
        code: null,
        expiresAt: '2031-05-06T10:05:00.000Z',
        keys: { approve: '#', reportFraud: '7#' },
        callerId: '+441632960000',
        locale: 'en-GB',
        greeting: { messageType: 'authenticationGreeting', language: 'en-GB', contentType: 'audio/wav', dataBase64: greeting.data.toString('base64') },
      });
    });
  });

  describe('a receiver that is unavailable', () => {
    it('is tried again after a 503, with the same body and idempotency key, and freshly signed', async () => {
      const { url, received } = await receiver((n) => (n === 0 ? { status: 503 } : { status: 200, body: '{"id":"msg-2"}' }));
      const { adapter, delays, warnings } = provider(url);

      await expect(adapter.deliver(sms())).resolves.toEqual({ providerMessageId: 'msg-2' });

      expect(received).toHaveLength(2);
      expect(received[1].body).toBe(received[0].body);
      expect(received[1].headers['idempotency-key']).toBe('ch-1');
      expect(verifyWebhookSignature(SECRET, received[1].headers['x-bulwark-timestamp'] as string, received[1].body, received[1].headers['x-bulwark-signature'] as string, NOW)).toBe(true);
      expect(delays).toEqual([100]);
      expect(warnings).toEqual(['[bulwark] sms for challenge ch-1: webhook attempt 1 of 3 failed (HTTP 503), retrying in 100 ms']);
    });

    it('is given up on after 3 attempts, backing off exponentially, as a retryable failure', async () => {
      const { url, received } = await receiver(() => ({ status: 503 }));
      const { adapter, delays } = provider(url);

      const error = await failureOf(adapter.deliver(sms()));

      expect(received).toHaveLength(3);
      expect(delays).toEqual([100, 200]);
      expect(error).toMatchObject({ code: 'OTP_DELIVERY_FAILED', retryable: true, status: 503, attempts: 3, provider: 'webhook' });
      expect(error.message).toBe(`sms for challenge ch-1 not delivered by webhook (${new URL(url).host}): HTTP 503 after 3 attempts`);
    });

    it('jitters each wait between half and all of its backoff', async () => {
      const { url } = await receiver(() => ({ status: 502 }));
      const { adapter, delays } = provider(url, { random: () => 0, maxAttempts: 4 });
      await failureOf(adapter.deliver(sms()));
      expect(delays).toEqual([50, 100, 200]);
    });

    it('waits as long as Retry-After asks after a 429', async () => {
      const { url, received } = await receiver((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
      const { adapter, delays } = provider(url);
      await adapter.deliver(sms());
      expect(received).toHaveLength(2);
      expect(delays).toEqual([2000]);
    });

    it('reads Retry-After as an HTTP date too', async () => {
      const inThreeSeconds = new Date(NOW.getTime() + 3000).toUTCString();
      const { url } = await receiver((n) => (n === 0 ? { status: 503, headers: { 'retry-after': inThreeSeconds } } : { status: 200 }));
      const { adapter, delays } = provider(url);
      await adapter.deliver(sms());
      expect(delays).toEqual([3000]);
    });

    it('is given up on at once when Retry-After is beyond the cap, still retryable', async () => {
      const { url, received } = await receiver(() => ({ status: 429, headers: { 'retry-after': '60' } }));
      const { adapter, delays } = provider(url, { retryAfterCapMs: 10_000 });
      const error = await failureOf(adapter.deliver(sms()));
      expect(received).toHaveLength(1);
      expect(delays).toEqual([]);
      expect(error).toMatchObject({ retryable: true, status: 429, attempts: 1 });
      expect(error.message).toMatch(/HTTP 429, asked to wait 60 s$/);
    });

    it('times out an attempt that gets no answer, and retries it', async () => {
      const { url, received } = await receiver(() => 'hang');
      const { adapter } = provider(url, { timeoutMs: 100, maxAttempts: 2 });
      const started = Date.now();

      const error = await failureOf(adapter.deliver(sms()));

      expect(Date.now() - started).toBeLessThan(2_000);
      expect(received).toHaveLength(2);
      expect(error).toMatchObject({ retryable: true, status: null, attempts: 2 });
      expect(error.message).toMatch(/no response within 100 ms after 2 attempts$/);
    });

    it('is retried when nothing listens, and given up on as retryable', async () => {
      const { url, close } = await receiver(() => ({ status: 200 }));
      await close();
      const error = await failureOf(provider(url).adapter.deliver(sms()));
      expect(error).toMatchObject({ retryable: true, status: null, attempts: 3 });
      expect(error.message).toMatch(/network error( ECONNREFUSED)? after 3 attempts$/);
    });
  });

  describe('a receiver that refuses', () => {
    it('is not tried again after a 400, and the failure is not retryable', async () => {
      const { url, received } = await receiver(() => ({ status: 400, body: '{"error":"unknown number"}' }));
      const { adapter, delays } = provider(url);
      const error = await failureOf(adapter.deliver(sms()));
      expect(received).toHaveLength(1);
      expect(delays).toEqual([]);
      expect(error).toMatchObject({ retryable: false, status: 400, attempts: 1 });
    });

    it('does not have a redirect followed, which would send the code elsewhere', async () => {
      const elsewhere = await receiver(() => ({ status: 200 }));
      const { url, received } = await receiver(() => ({ status: 307, headers: { location: elsewhere.url } }));
      const error = await failureOf(provider(url).adapter.deliver(sms()));
      expect(received).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
      expect(error).toMatchObject({ retryable: false, status: 307 });
    });
  });

  describe('the code', () => {
    it('appears in no failure and no warning, even when the receiver echoes the body back', async () => {
      const echo = (_n: number, body: string): Reply => ({ status: 400, headers: { 'content-type': 'application/json' }, body });
      const unavailable = (_n: number, body: string): Reply => ({ status: 503, body });
      const refused = await receiver(echo);
      const down = await receiver(unavailable);
      const silent = await receiver(() => 'hang');
      const gone = await receiver(() => ({ status: 200 }));
      await gone.close();

      const warnings: string[] = [];
      const failures = [
        await failureOf(provider(refused.url).adapter.deliver(sms())),
        await failureOf(provider(down.url, { logger: { warn: (message) => void warnings.push(message) } }).adapter.deliver(sms())),
        await failureOf(provider(silent.url, { timeoutMs: 50, maxAttempts: 1 }).adapter.deliver(sms())),
        await failureOf(provider(gone.url, { maxAttempts: 1 }).adapter.deliver(sms())),
        await failureOf(provider(refused.url).adapter.deliver(sms({ to: 'not-a-number' }))),
      ];

      expect(warnings.length).toBeGreaterThan(0);
      for (const text of [...failures.map(everythingIn), ...warnings]) {
        expect(text).not.toContain(CODE);
        expect(text).not.toContain('+447700900123');
      }
    });
  });

  describe('a message no provider could act on', () => {
    it('is refused before anything is sent', async () => {
      const { url, received } = await receiver(() => ({ status: 200 }));
      const { adapter } = provider(url);
      for (const bad of [sms({ to: '07700900123' }), sms({ code: '12ab56' }), call({ fraudCode: '#' }), call({ callerId: 'ACME' })]) {
        const error = await failureOf(adapter.deliver(bad));
        expect(error.retryable).toBe(false);
      }
      expect(received).toHaveLength(0);
    });
  });

  describe('configuration', () => {
    it('refuses plain http beyond localhost, credentials in the URL and a short secret', () => {
      const make = (url: string, secret = SECRET) => () => new WebhookDeliveryProvider({ url, secret });
      expect(make('http://sms.example.com/otp')).toThrow(/must use https/);
      expect(make('https://user:pass@sms.example.com/otp')).toThrow(/credentials/);
      expect(make('not a url')).toThrow(/not a URL/);
      expect(make('https://sms.example.com/otp', 'short')).toThrow(/16 bytes/);
      expect(make('https://sms.example.com/otp')).not.toThrow();
      expect(make('http://localhost:8080/otp')).not.toThrow();
      expect(make('http://[::1]:8080/otp')).not.toThrow();
    });
  });
});

describe('webhook signature verification', () => {
  const timestamp = String(NOW.getTime() / 1000);
  const body = '{"hello":"world"}';

  it('accepts any of several v1 signatures, so a secret can be rotated', () => {
    const header = `${signWebhook('old-secret-0123456789abcdef', timestamp, body)}, ${signWebhook(SECRET, timestamp, body)}`;
    expect(verifyWebhookSignature(SECRET, timestamp, body, header, NOW)).toBe(true);
    expect(verifyWebhookSignature('third-secret-0123456789abcdef', timestamp, body, header, NOW)).toBe(false);
  });

  it('rejects what is missing or malformed rather than throwing', () => {
    const good = signWebhook(SECRET, timestamp, body);
    expect(verifyWebhookSignature(SECRET, undefined, body, good, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, body, undefined, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, 'yesterday', body, good, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, body, good.slice(0, -2), NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, body, good.replace('v1=', 'v2='), NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, body, 'v1=' + 'zz'.repeat(32), NOW)).toBe(false);
  });
});
