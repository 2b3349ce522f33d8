/** The bench's users, enrolled over HTTP the way a sign-up front end would, before any timed run. */
import { generateSync } from 'otplib';
import { BenchUser } from './load';
import { BenchServer } from './server';

/** High enough that the 10% wrong codes (and the replayed ones) never lock a user during the bench. */
export const BENCH_LOCKOUT = { denialsBeforeLockout: 1000, counterResetMinutes: 1, autoUnlockMinutes: 1 };

/**
 * The per-user rate limits at their highest: the bench measures the decision path at full load, and 1,000 users
 * round robin at over a thousand challenges a second would each pass the default 10 a minute (the limits are
 * still decided on every command: their cost is measured, their refusals are not).
 */
export const BENCH_RATE_LIMITS = { challengesPerMinute: 100, pushesPerWindow: 100, smsPerWindow: 100, callsPerWindow: 100, windowMinutes: 1, attemptsPerChallenge: 100 };

export async function setLockoutPolicy(server: BenchServer): Promise<void> {
  await call(server, server.keys.admin, 'PUT', '/v1/settings/lockout', BENCH_LOCKOUT, 200);
  await call(server, server.keys.admin, 'PUT', '/v1/settings/rateLimits', BENCH_RATE_LIMITS, 200);
}

/**
 * Registers and activates an authenticator app for `count` users, `parallel` at a time. Activation uses the
 * code of the previous time step (the server accepts one step of drift either way), so the current step's
 * code is still fresh when the timed runs start: a used code, activation included, is a replay.
 */
export async function enrollUsers(server: BenchServer, count: number, parallel = 32): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const index = next++;
        const userId = `bench-user-${String(index).padStart(4, '0')}`;
        const base = `/v1/users/${userId}/authentication/authenticatorApps`;
        const { id, secret } = (await call(server, server.keys.app, 'POST', base, {}, 201)) as { id: string; secret: string };
        const activate = () => call(server, server.keys.app, 'POST', `${base}/${id}/activate`, { code: generateSync({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }) }, 200);
        // a code computed just before a step boundary and checked just after it is two steps old: once more
        await activate().catch((error: Error) => (/ 422, /.test(error.message) ? activate() : Promise.reject(error)));
        // one stable address per user, as a user signing in from home would have
        users[index] = { userId, secret, clientIp: `10.${index >> 8}.${index & 255}.10`, step: -1, code: '' };
      }
    }),
  );
  return users;
}

async function call(server: BenchServer, key: string, method: string, path: string, body: unknown, expected: number): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}, expected ${expected}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}
