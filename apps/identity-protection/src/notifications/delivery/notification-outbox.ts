import { prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { AdminNotification } from '../notify-admins/admin-notification-message';

export type Channel = 'email' | 'webhook';

export type OutboxRow = {
  deliveryId: string;
  triggerEventId: string;
  channel: Channel;
  /** the email address, or the webhook's full URL */
  target: string;
  /** what evidence names: the address, or the URL's origin */
  receiver: string;
  notification: AdminNotification;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  transport: string | null;
  lastError: string | null;
  recorded: boolean;
};

type StoredRow = {
  delivery_id: string;
  trigger_event_id: string;
  channel: Channel;
  target: string;
  receiver: string;
  notification: string;
  status: OutboxRow['status'];
  attempts: number;
  next_attempt_at: number;
  transport: string | null;
  last_error: string | null;
  recorded: number;
};

/** One delivery is one trigger to one receiver: the same pair always gets the same id, whoever enqueues it. */
export function deliveryIdOf(triggerEventId: string, channel: Channel, target: string): string {
  const hex = createHash('sha256').update(`${triggerEventId}\n${channel}\n${target}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The deliveries still to make, in the service's read database. Not a projection: it is the durable work list of
 * the notification reaction, so a projection rebuild leaves it alone. The reaction inserts (a replayed event inserts
 * nothing: the delivery id is the key); the dispatcher takes what is due, and marks each row sent or failed, then
 * recorded once its evidence event is in the store. Times here are the process's wall clock in milliseconds:
 * they pace retries, they are no fact of the domain.
 */
export class NotificationOutbox {
  constructor(private readonly db: Database.Database) {}

  setup(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS admin_notification_outbox (
      delivery_id TEXT PRIMARY KEY,
      trigger_event_id TEXT NOT NULL,
      channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
      target TEXT NOT NULL,
      receiver TEXT NOT NULL,
      notification TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
      attempts INTEGER NOT NULL,
      next_attempt_at INTEGER NOT NULL,
      transport TEXT,
      last_error TEXT,
      recorded INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (trigger_event_id, channel, target)
    ) WITHOUT ROWID`);
    this.db.exec('CREATE INDEX IF NOT EXISTS admin_notification_outbox_due ON admin_notification_outbox (status, next_attempt_at)');
    this.db.exec('CREATE INDEX IF NOT EXISTS admin_notification_outbox_unrecorded ON admin_notification_outbox (recorded) WHERE recorded = 0');
  }

  /** Adds the deliveries not already there; returns how many were new. */
  enqueue(notification: AdminNotification, receivers: Array<{ channel: Channel; target: string; receiver: string }>, nowMs: number, createdAt: string): number {
    const insert = prepared(
      this.db,
      `INSERT INTO admin_notification_outbox (delivery_id, trigger_event_id, channel, target, receiver, notification, status, attempts, next_attempt_at, recorded, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0, ?) ON CONFLICT DO NOTHING`,
    );
    const json = JSON.stringify(notification);
    return this.db.transaction(() =>
      receivers.reduce(
        (added, { channel, target, receiver }) =>
          added + insert.run(deliveryIdOf(notification.triggerEventId, channel, target), notification.triggerEventId, channel, target, receiver, json, nowMs, createdAt).changes,
        0,
      ),
    ).immediate();
  }

  /** Rows to work on now: pending ones that are due, and finished ones whose evidence is not recorded yet. */
  due(nowMs: number, limit: number): OutboxRow[] {
    const rows = prepared(
      this.db,
      `SELECT * FROM admin_notification_outbox WHERE (status = 'pending' AND next_attempt_at <= ?) OR (recorded = 0 AND status <> 'pending' AND next_attempt_at <= ?)
       ORDER BY next_attempt_at LIMIT ?`,
    ).all(nowMs, nowMs, limit) as StoredRow[];
    return rows.map(fromStored);
  }

  /** When the next row falls due, if any. */
  nextDueAt(): number | null {
    const row = prepared(this.db, `SELECT MIN(next_attempt_at) AS at FROM admin_notification_outbox WHERE status = 'pending' OR recorded = 0`).get() as { at: number | null };
    return row.at;
  }

  retryLater(deliveryId: string, attempts: number, nextAttemptAt: number, error: string): void {
    prepared(this.db, `UPDATE admin_notification_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE delivery_id = ? AND status = 'pending'`).run(
      attempts,
      nextAttemptAt,
      error,
      deliveryId,
    );
  }

  finish(deliveryId: string, nowMs: number, outcome: { status: 'sent'; attempts: number; transport: string } | { status: 'failed'; attempts: number; error: string }): void {
    prepared(
      this.db,
      `UPDATE admin_notification_outbox SET status = ?, next_attempt_at = ?, attempts = ?, transport = ?, last_error = ? WHERE delivery_id = ? AND status = 'pending'`,
    ).run(
      outcome.status,
      nowMs,
      outcome.attempts,
      outcome.status === 'sent' ? outcome.transport : null,
      outcome.status === 'failed' ? outcome.error : null,
      deliveryId,
    );
  }

  /** A finished delivery whose evidence could not be written: tried again at `atMs`. */
  postponeRecord(deliveryId: string, atMs: number): void {
    prepared(this.db, `UPDATE admin_notification_outbox SET next_attempt_at = ? WHERE delivery_id = ? AND status <> 'pending'`).run(atMs, deliveryId);
  }

  markRecorded(deliveryId: string): void {
    prepared(this.db, 'UPDATE admin_notification_outbox SET recorded = 1 WHERE delivery_id = ?').run(deliveryId);
  }

  /**
   * Forgets finished and recorded deliveries last touched before `beforeMs`. The reaction ignores triggers older
   * than a day, so a week later nothing can enqueue them again.
   */
  prune(beforeMs: number): number {
    return prepared(this.db, `DELETE FROM admin_notification_outbox WHERE status <> 'pending' AND recorded = 1 AND next_attempt_at < ?`).run(beforeMs).changes;
  }

  /** What is still to do, by channel: deliveries pending, and finished ones whose evidence is not recorded yet. */
  depth(): Array<{ channel: Channel; state: 'pending' | 'unrecorded'; depth: number }> {
    const rows = prepared(
      this.db,
      `SELECT channel, CASE WHEN status = 'pending' THEN 'pending' ELSE 'unrecorded' END AS state, COUNT(*) AS depth
       FROM admin_notification_outbox WHERE status = 'pending' OR recorded = 0 GROUP BY 1, 2`,
    ).all() as Array<{ channel: Channel; state: 'pending' | 'unrecorded'; depth: number }>;
    // both channels and both states always show, so a dashboard sees a zero rather than no series
    return (['email', 'webhook'] as const).flatMap((channel) =>
      (['pending', 'unrecorded'] as const).map((state) => ({ channel, state, depth: rows.find((row) => row.channel === channel && row.state === state)?.depth ?? 0 })),
    );
  }

  get(deliveryId: string): OutboxRow | null {
    const row = prepared(this.db, 'SELECT * FROM admin_notification_outbox WHERE delivery_id = ?').get(deliveryId) as StoredRow | undefined;
    return row ? fromStored(row) : null;
  }
}

function fromStored(row: StoredRow): OutboxRow {
  return {
    deliveryId: row.delivery_id,
    triggerEventId: row.trigger_event_id,
    channel: row.channel,
    target: row.target,
    receiver: row.receiver,
    notification: JSON.parse(row.notification) as AdminNotification,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    transport: row.transport,
    lastError: row.last_error,
    recorded: row.recorded === 1,
  };
}
