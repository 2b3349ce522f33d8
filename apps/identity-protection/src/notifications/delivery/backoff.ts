/** The longest wait between two attempts, whatever the base: an alert hours late is worth little more than none. */
export const MAX_RETRY_DELAY_MS = 15 * 60_000;

export type RetryPolicy = { baseMs: number; maxAttempts: number; capMs?: number };

/**
 * The wait after the `failedAttempts`-th failed attempt (1, 2, …): the base doubled each time up to the cap, of
 * which a random half is jitter, so receivers coming back after an outage are not hit by every sender at once.
 * A receiver's Retry-After is honoured when longer, within the cap.
 */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs: number | null = null): number {
  const cap = policy.capMs ?? Math.max(MAX_RETRY_DELAY_MS, policy.baseMs);
  const ceiling = Math.min(cap, policy.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  const delay = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.min(cap, Math.max(delay, retryAfterMs ?? 0));
}

/** Whether a failed attempt is tried again: only a failure that may pass, and only while attempts remain. */
export function shouldRetry(failedAttempts: number, retryable: boolean, policy: RetryPolicy): boolean {
  return retryable && failedAttempts < policy.maxAttempts;
}
