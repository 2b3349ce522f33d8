import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { configureHttp, ConsumerHost, loadConfig, PinoNestLogger, Role } from '@bulwark/platform';
import { ManualClock } from '@bulwark/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSync } from 'otplib';
import { BulwarkModule } from '../../apps/bulwark/src/bulwark.module';

export type Reply<T = any> = { status: number; body: T };

export type Embedded = {
  app: INestApplication;
  url: string;
  dataDir: string;
  clock: ManualClock;
  keys: Record<Role, string>;
  store: EventStore;
  consumers: ConsumerHost;
  as(role: Role | null): HttpClient;
  close(): Promise<void>;
};

export type HttpClient = {
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  put(path: string, body?: unknown): Promise<Reply>;
  raw(method: string, path: string, body: string | undefined, headers?: Record<string, string>): Promise<Reply>;
};

/** Bulwark as `npm start` runs it (every service, SQLite store, one port), with a clock the test controls. */
export async function startEmbedded(options: { dataDir?: string; clock?: ManualClock; env?: NodeJS.ProcessEnv } = {}): Promise<Embedded> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'bulwark-test-'));
  const clock = options.clock ?? new ManualClock();
  const keys = {
    admin: `admin-${randomBytes(12).toString('hex')}`,
    analyst: `analyst-${randomBytes(12).toString('hex')}`,
    siem: `siem-${randomBytes(12).toString('hex')}`,
    app: `app-${randomBytes(12).toString('hex')}`,
  };
  const config = loadConfig(
    {
      BULWARK_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      BULWARK_KEY_ADMIN: keys.admin,
      BULWARK_KEY_ANALYST: keys.analyst,
      BULWARK_KEY_SIEM: keys.siem,
      BULWARK_KEY_APP: keys.app,
      // the clock is the test's: challenges expire when a test sweeps (ChallengeExpiry.sweep), not on a real-time timer
      BULWARK_EXPIRY_SWEEP_MS: '0',
      ...options.env,
    },
    options.env?.BULWARK_SERVICE_NAME ?? 'bulwark',
  );
  // the process's pino logger, as startHttp uses: quiet under Jest (errors only) unless a test configures it
  const app = await NestFactory.create(BulwarkModule.forRoot(config, clock), { bodyParser: false, logger: new PinoNestLogger() });
  configureHttp(app, 'Bulwark (test)');
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const as = (role: Role | null): HttpClient => {
    const request = async (method: string, route: string, body: string | undefined, headers: Record<string, string> = {}): Promise<Reply> => {
      const withBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
      const response = await fetch(url + route, {
        method,
        // no keep-alive: a closed app leaves no client sockets behind to hold Jest open
        headers: {
          connection: 'close',
          ...(role ? { authorization: `Bearer ${keys[role]}` } : {}),
          ...(withBody ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: withBody ? body : undefined,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    return {
      get: (route, headers) => request('GET', route, undefined, headers),
      post: (route, body, headers) => request('POST', route, body === undefined ? undefined : JSON.stringify(body), headers),
      put: (route, body) => request('PUT', route, JSON.stringify(body)),
      raw: request,
    };
  };
  return {
    app,
    url,
    dataDir,
    clock,
    keys,
    store: app.get(EVENT_STORE),
    consumers: app.get(ConsumerHost),
    as,
    close: () => app.close(),
  };
}

/** The code an authenticator app shows at the clock's time. */
export const totpAt = (secret: string, clock: ManualClock, options: { algorithm?: 'sha1' | 'sha256' | 'sha512'; digits?: number; period?: number } = {}) =>
  generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000), ...options });

/** A code that is not the current one (nor one period either side). */
export function wrongCodeAt(secret: string, clock: ManualClock): string {
  const near = [-30, 0, 30].map((offset) => generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offset }));
  for (let candidate = 0; ; candidate++) {
    const code = String(candidate).padStart(6, '0');
    if (!near.includes(code)) return code;
  }
}

/** Registers and activates an authenticator app for a user; returns its secret. */
export async function enrol(bulwark: Embedded, userId: string, options: { pushEnabled?: boolean } = {}): Promise<{ methodId: string; secret: string }> {
  const app = bulwark.as('app');
  const registered = await app.post(`/v1/users/${userId}/authentication/authenticatorApps`, options);
  expect(registered.status).toBe(201);
  const { id: methodId, secret } = registered.body;
  const activated = await app.post(`/v1/users/${userId}/authentication/authenticatorApps/${methodId}/activate`, { code: totpAt(secret, bulwark.clock) });
  expect(activated.status).toBe(200);
  // the activation code's time step is spent: move on to the next one
  bulwark.clock.advance({ seconds: 30 });
  return { methodId, secret };
}

export async function streamTypes(store: EventStore, streamId: string): Promise<string[]> {
  return (await store.readStream(streamId)).map((event) => event.type);
}
