import { TokenBuckets } from './token-buckets';

describe('token buckets', () => {
  const t0 = Date.parse('2026-11-21T10:00:00.000Z');

  it('allows the burst at once, then refuses with the seconds until the next token', () => {
    const buckets = new TokenBuckets({ burst: 3, perMinute: 6 });
    expect([1, 2, 3].map(() => buckets.take('ip:203.0.113.7', t0).allowed)).toEqual([true, true, true]);
    expect(buckets.take('ip:203.0.113.7', t0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(buckets.take('ip:198.51.100.1', t0).allowed).toBe(true);
  });

  it('refills at the rate, never above the burst', () => {
    const buckets = new TokenBuckets({ burst: 2, perMinute: 60 });
    buckets.take('k', t0);
    buckets.take('k', t0);
    expect(buckets.take('k', t0 + 500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take('k', t0 + 1_000).allowed).toBe(true);
    expect([1, 2, 3].map(() => buckets.take('k', t0 + 3_600_000).allowed)).toEqual([true, true, false]);
  });

  it('forgets the least recently used keys beyond its bound', () => {
    const buckets = new TokenBuckets({ burst: 1, perMinute: 1 }, 2);
    buckets.take('a', t0);
    buckets.take('b', t0);
    buckets.take('c', t0);
    expect(buckets.take('a', t0).allowed).toBe(true);
    expect(buckets.take('c', t0).allowed).toBe(false);
  });
});
