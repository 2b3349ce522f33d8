/** Latency samples of one kind of request, in milliseconds, kept exactly (a bench run holds at most ~10^6). */
export class Samples {
  private values: number[] = [];

  record(ms: number): void {
    this.values.push(ms);
  }

  get count(): number {
    return this.values.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.values).sort();
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : null,
    };
  }
}

export type LatencySummary = { count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null };

/** The nearest-rank percentile of ascending values: the smallest value with at least p% of the samples at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Counts per whole second since `startedAt`, to show whether a rate holds or decays over a run. */
export class Timeline {
  private readonly buckets: number[] = [];

  constructor(private readonly startedAt = performance.now()) {}

  tick(now = performance.now()): void {
    const second = Math.floor((now - this.startedAt) / 1000);
    this.buckets[second] = (this.buckets[second] ?? 0) + 1;
  }

  /** Whole seconds only: the last, partial second would read as a drop. */
  perSecond(durationSeconds: number): number[] {
    return Array.from({ length: Math.floor(durationSeconds) }, (_, second) => this.buckets[second] ?? 0);
  }
}

export const round = (value: number | null, digits = 1): number | null => (value === null ? null : Number(value.toFixed(digits)));
