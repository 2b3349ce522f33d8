/**
 * Token buckets kept in this process, one per key: `burst` requests at once, then `perMinute` a minute as the bucket
 * refills. Only this process's requests count: N processes allow N times the rate (the per-user limits, decided in
 * each user's stream, hold exactly across processes; these do not).
 */
export type BucketSpec = { burst: number; perMinute: number };

type Bucket = { tokens: number; at: number };

export type Taken = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Buckets the map keeps at most; the least recently used go first (a full bucket forgotten is the same as a fresh one). */
const MAX_KEYS = 100_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly spec: BucketSpec, private readonly maxKeys = MAX_KEYS) {}

  /** Takes one token for `key` at `nowMs`, or says in how many whole seconds the next one is there. */
  take(key: string, nowMs: number): Taken {
    const { burst, perMinute } = this.spec;
    const perMs = perMinute / 60_000;
    const previous = this.buckets.get(key);
    // a clock that went back refills nothing and takes nothing away
    const elapsed = previous ? Math.max(0, nowMs - previous.at) : 0;
    const tokens = previous ? Math.min(burst, previous.tokens + elapsed * perMs) : burst;
    this.buckets.delete(key);
    if (tokens >= 1) {
      this.keep(key, { tokens: tokens - 1, at: nowMs });
      return { allowed: true };
    }
    this.keep(key, { tokens, at: nowMs });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  }

  private keep(key: string, bucket: Bucket): void {
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
