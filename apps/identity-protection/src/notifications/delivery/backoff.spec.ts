import { MAX_RETRY_DELAY_MS, retryDelayMs, shouldRetry } from './backoff';

const policy = { baseMs: 1_000, maxAttempts: 8 };
const highest = () => 1;
const lowest = () => 0;

describe('the retry schedule', () => {
  it('doubles from the base after each failed attempt', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((failed) => retryDelayMs(failed, policy, highest))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
  });

  it('waits at least half of each step, the other half being jitter', () => {
    expect([1, 2, 3].map((failed) => retryDelayMs(failed, policy, lowest))).toEqual([500, 1_000, 2_000]);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(3_000);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs(4, policy);
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(8_000);
    }
  });

  it('follows a small base as it follows the default one', () => {
    expect([1, 2, 3].map((failed) => retryDelayMs(failed, { baseMs: 20, maxAttempts: 3 }, highest))).toEqual([20, 40, 80]);
  });

  it('stops growing at the cap', () => {
    expect(retryDelayMs(30, policy, highest)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(11, policy, highest)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(5, { ...policy, capMs: 5_000 }, highest)).toBe(5_000);
    expect(retryDelayMs(5, { ...policy, capMs: 5_000 }, lowest)).toBe(2_500);
  });

  it("honours a receiver's Retry-After when it asks for longer, within the cap", () => {
    expect(retryDelayMs(1, policy, highest, 30_000)).toBe(30_000);
    expect(retryDelayMs(1, policy, highest, 10)).toBe(1_000);
    expect(retryDelayMs(1, policy, highest, 24 * 3_600_000)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('retries a failure that may pass until the attempts are spent', () => {
    expect([1, 2, 7].map((failed) => shouldRetry(failed, true, policy))).toEqual([true, true, true]);
    expect(shouldRetry(8, true, policy)).toBe(false);
    expect(shouldRetry(1, true, { ...policy, maxAttempts: 1 })).toBe(false);
  });

  it('never retries a refusal', () => {
    expect(shouldRetry(1, false, policy)).toBe(false);
  });
});
