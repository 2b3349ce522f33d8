import { prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { ExportFormat } from '../formats';

export type ReplayStatus = 'queued' | 'running' | 'completed' | 'failed';

/** A re-export of a time range to some topics, as the API shows it (Graph-like camelCase). */
export type ReplayJob = {
  id: string;
  status: ReplayStatus;
  from: string;
  to: string;
  topics: ExportFormat[];
  requestedAt: string;
  requestedBy: string;
  /** the log is scanned up to here: the head when the replay was asked for */
  untilPosition: number;
  /** where the scan has got to (acknowledged by Kafka) */
  position: number;
  /** records acknowledged, all topics together */
  exported: number;
  error: string | null;
  updatedAt: string;
};

type Row = {
  id: string;
  status: ReplayStatus;
  from_at: string;
  to_at: string;
  topics: string;
  requested_at: string;
  requested_by: string;
  until_position: number;
  position: number;
  exported: number;
  error: string | null;
  updated_at: string;
};

const toJob = (row: Row): ReplayJob => ({
  id: row.id,
  status: row.status,
  from: row.from_at,
  to: row.to_at,
  topics: JSON.parse(row.topics),
  requestedAt: row.requested_at,
  requestedBy: row.requested_by,
  untilPosition: row.until_position,
  position: row.position,
  exported: row.exported,
  error: row.error,
  updatedAt: row.updated_at,
});

/**
 * Replay jobs, durable in the service's own SQLite file (`<data dir>/siem-replays.db`): a job survives a restart
 * and resumes from the position Kafka last acknowledged. Not events: a replay changes nothing in the domain.
 */
export class ReplayJobs {
  constructor(private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS siem_replays (
      id TEXT PRIMARY KEY, status TEXT NOT NULL, from_at TEXT NOT NULL, to_at TEXT NOT NULL, topics TEXT NOT NULL,
      requested_at TEXT NOT NULL, requested_by TEXT NOT NULL, until_position INTEGER NOT NULL, position INTEGER NOT NULL,
      exported INTEGER NOT NULL, error TEXT, updated_at TEXT NOT NULL)`);
  }

  create(job: Omit<ReplayJob, 'status' | 'position' | 'exported' | 'error' | 'updatedAt'>): ReplayJob {
    prepared(
      this.db,
      `INSERT INTO siem_replays (id, status, from_at, to_at, topics, requested_at, requested_by, until_position, position, exported, error, updated_at)
       VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?)`,
    ).run(job.id, job.from, job.to, JSON.stringify(job.topics), job.requestedAt, job.requestedBy, job.untilPosition, job.requestedAt);
    return this.get(job.id)!;
  }

  get(id: string): ReplayJob | null {
    const row = prepared<[string], Row>(this.db, 'SELECT * FROM siem_replays WHERE id = ?').get(id);
    return row ? toJob(row) : null;
  }

  list(limit: number): ReplayJob[] {
    return prepared<[number], Row>(this.db, 'SELECT * FROM siem_replays ORDER BY requested_at DESC, id LIMIT ?').all(limit).map(toJob);
  }

  /** The oldest job not finished: a running one first (interrupted by a restart), then the queue. */
  next(): ReplayJob | null {
    const row = prepared<[], Row>(
      this.db,
      "SELECT * FROM siem_replays WHERE status IN ('running', 'queued') ORDER BY status = 'running' DESC, requested_at, id LIMIT 1",
    ).get();
    return row ? toJob(row) : null;
  }

  progress(id: string, position: number, exported: number, now: string): void {
    prepared(this.db, "UPDATE siem_replays SET status = 'running', position = ?, exported = exported + ?, updated_at = ? WHERE id = ?").run(position, exported, now, id);
  }

  close(): void {
    this.db.close();
  }

  finish(id: string, status: 'completed' | 'failed', error: string | null, now: string): void {
    prepared(this.db, 'UPDATE siem_replays SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(status, error, now, id);
  }
}
