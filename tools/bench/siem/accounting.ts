/** Pure bookkeeping of the SIEM export bench: commit-to-acknowledgement lag per event, and records per topic. */
import { LatencySummary, round, Samples } from '../stats';

/**
 * Commit time of each event (when its append resolved) and the time Kafka acknowledged the batch that carried
 * it, per topic. An event counts as exported when every topic has acknowledged it; its lag is then the latest
 * acknowledgement minus its commit. A record sent again (a retried batch) keeps its first acknowledgement.
 */
export class LagRecorder {
  private readonly committedAt = new Map<number, number>();
  private readonly ackedAt = new Map<string, Map<number, number>>();

  constructor(readonly topics: readonly string[]) {
    for (const topic of topics) this.ackedAt.set(topic, new Map());
  }

  committed(position: number, atMs: number): void {
    this.committedAt.set(position, atMs);
  }

  /** Acknowledgements of topics not watched (another run's) are ignored. */
  acked(topic: string, positions: Iterable<number>, atMs: number): void {
    const acks = this.ackedAt.get(topic);
    if (!acks) return;
    for (const position of positions) if (!acks.has(position)) acks.set(position, atMs);
  }

  summary(): LagSummary {
    const samples = new Samples();
    let unacknowledged = 0;
    for (const [position, committed] of this.committedAt) {
      let latest = -Infinity;
      for (const acks of this.ackedAt.values()) {
        const at = acks.get(position);
        if (at === undefined) {
          latest = NaN;
          break;
        }
        latest = Math.max(latest, at);
      }
      if (Number.isNaN(latest)) unacknowledged += 1;
      else samples.record(latest - committed);
    }
    const lag = samples.summary();
    return {
      events: this.committedAt.size,
      unacknowledged,
      lagMs: { count: lag.count, p50: round(lag.p50, 1), p90: round(lag.p90, 1), p99: round(lag.p99, 1), max: round(lag.max, 1) },
    };
  }
}

export type LagSummary = { events: number; unacknowledged: number; lagMs: LatencySummary };

/** A partition's offsets as kafkajs's admin.fetchTopicOffsets gives them (strings), or numbers. */
export type PartitionOffsets = { partition: number; high: string | number };

/**
 * Records a topic gained between two readings of its end offsets (summed over partitions). Without transactions
 * every offset is one record, so this is exactly the number of records written in between.
 */
export function recordsAdded(before: readonly PartitionOffsets[], after: readonly PartitionOffsets[]): number {
  const start = new Map(before.map((entry) => [entry.partition, Number(entry.high)]));
  let added = 0;
  for (const entry of after) {
    const high = Number(entry.high);
    const was = start.get(entry.partition) ?? 0;
    if (high < was) throw new Error(`partition ${entry.partition}'s end offset went back from ${was} to ${high}: the topic was recreated`);
    added += high - was;
  }
  return added;
}

export type TopicCount = { topic: string; expected: number; written: number; exactlyOnce: boolean };

/** Every event exported once per topic: as many records as events, no fewer (a gap), no more (a duplicate). */
export function exactlyOnce(expected: number, written: Record<string, number>): TopicCount[] {
  return Object.entries(written).map(([topic, count]) => ({ topic, expected, written: count, exactlyOnce: count === expected }));
}
