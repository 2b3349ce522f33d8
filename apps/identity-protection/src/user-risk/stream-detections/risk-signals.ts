import { prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

export type Detector = 'mfaFatigue' | 'mfaSpray' | 'repeatedLockouts';
export type Signal = { detector: Detector; eventId: string; userId: string; clientIp: string | null; at: string; position: number; correlationId: string; detail: string | null };
export type SignalRow = { event_id: string; user_id: string; client_ip: string | null; at: string; position: number; correlation_id: string; detail: string | null };

/** Signals older than this are forgotten: no window is longer (settings allow at most 1440 minutes). */
const KEEP_MS = 24 * 60 * 60_000;

/**
 * The detections' sliding windows, kept durably in the read database: one row per causing event (by event id, so a
 * reaction that runs twice counts an event once), marked with the detection that used it so a burst is reported once.
 */
export class RiskSignals {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS risk_signals (
        detector TEXT NOT NULL, event_id TEXT NOT NULL, user_id TEXT NOT NULL, client_ip TEXT, at TEXT NOT NULL, position INTEGER NOT NULL,
        correlation_id TEXT NOT NULL, detail TEXT, detection_id TEXT, PRIMARY KEY (detector, event_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS risk_signals_by_user ON risk_signals (detector, user_id, at);
      CREATE INDEX IF NOT EXISTS risk_signals_by_ip ON risk_signals (detector, client_ip, at);
      CREATE INDEX IF NOT EXISTS risk_signals_by_time ON risk_signals (at);`);
  }

  record(signal: Signal): void {
    prepared(this.db, 'INSERT OR IGNORE INTO risk_signals (detector, event_id, user_id, client_ip, at, position, correlation_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      signal.detector,
      signal.eventId,
      signal.userId,
      signal.clientIp,
      signal.at,
      signal.position,
      signal.correlationId,
      signal.detail,
    );
    prepared(this.db, 'DELETE FROM risk_signals WHERE at < ?').run(new Date(Date.parse(signal.at) - KEEP_MS).toISOString());
  }

  /** A user's signals not yet reported, in the window that ends with the event at `until` (and none committed after it). */
  openForUser(detector: Detector, userId: string, since: string, until: { at: string; position: number }): SignalRow[] {
    return prepared<[string, string, string, string, number], SignalRow>(
      this.db,
      `SELECT event_id, user_id, client_ip, at, position, correlation_id, detail FROM risk_signals
       WHERE detector = ? AND user_id = ? AND detection_id IS NULL AND at > ? AND at <= ? AND position <= ? ORDER BY position`,
    ).all(detector, userId, since, until.at, until.position);
  }

  openForIp(detector: Detector, clientIp: string, since: string, until: { at: string; position: number }): SignalRow[] {
    return prepared<[string, string, string, string, number], SignalRow>(
      this.db,
      `SELECT event_id, user_id, client_ip, at, position, correlation_id, detail FROM risk_signals
       WHERE detector = ? AND client_ip = ? AND detection_id IS NULL AND at > ? AND at <= ? AND position <= ? ORDER BY position`,
    ).all(detector, clientIp, since, until.at, until.position);
  }

  /** Marks signals as reported by a detection: after it, the window starts again. */
  reported(detector: Detector, eventIds: string[], detectionId: string): void {
    const mark = prepared(this.db, 'UPDATE risk_signals SET detection_id = ? WHERE detector = ? AND event_id = ?');
    this.db.transaction(() => eventIds.forEach((eventId) => mark.run(detectionId, detector, eventId))).immediate();
  }
}
