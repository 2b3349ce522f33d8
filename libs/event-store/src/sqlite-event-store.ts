import Database from 'better-sqlite3';
import { prepared } from './sqlite-statements';
import { EventRegistry, NewEvent, RecordedEvent } from '@bulwark/contracts';
import { EventEmitter } from 'node:events';
import {
  AppendResult,
  CheckpointStore,
  DuplicateEventIdError,
  EventStore,
  ExpectedRevision,
  ReadStreamOptions,
  Snapshot,
  SnapshotStore,
  WrongExpectedRevisionError,
} from './event-store.port';
import { readingEvent } from './store-errors';

type Row = {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
};

/** How many recently committed events are kept decoded for this process's subscriptions. */
const TAIL_SIZE = 20_000;

type PendingAppend = {
  streamId: string;
  events: NewEvent[];
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

/**
 * The embedded event store: one SQLite file in WAL mode with synchronous=FULL, so an append is durable
 * before it returns. Appends that arrive in the same tick share one transaction (group commit);
 * each keeps its own expected-revision check inside a savepoint.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private lastKnownPosition = 0;
  private tail: RecordedEvent[] = [];
  /** the last revision this connection appended to each stream; other connections' commits show in data_version */
  private readonly ownRevisions = new Map<string, number>();
  private dataVersionThisTurn: number | null = null;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly registry: EventRegistry,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        stream_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        metadata TEXT NOT NULL,
        UNIQUE (stream_id, revision)
      );
      CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS stream_snapshots (
        stream_id TEXT NOT NULL,
        decider TEXT NOT NULL,
        version INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (stream_id, decider)
      );
    `);
    this.appended.setMaxListeners(0);
    this.checkpoints = new SqliteCheckpoints(this.db);
    this.snapshots = new SqliteSnapshots(this.db);
  }

  append(streamId: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    try {
      if (!events.length) throw new Error('append needs at least one event');
      events.forEach((event) => this.registry.validate(event));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ streamId, events, expectedRevision: options.expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ ok: true; result: AppendResult; recorded: RecordedEvent[] } | { ok: false; error: unknown }> = [];
    const revisionOf = prepared<[string], { revision: number }>(this.db, 'SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?');
    const findIds = prepared<[string], { stream_id: string; revision: number; position: number }>(this.db, 
      'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
    );
    const insert = prepared(this.db, 
      'INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const appendOne = this.db.transaction((pending: PendingAppend): { result: AppendResult; recorded: RecordedEvent[] } => {
      const stored = pending.events.map((event) => findIds.get(event.eventId));
      if (stored.every((row) => row !== undefined)) {
        const last = stored[stored.length - 1]!;
        if (stored.every((row) => row!.stream_id === pending.streamId)) {
          return { result: { nextExpectedRevision: last.revision, position: last.position }, recorded: [] };
        }
      }
      const duplicate = stored.findIndex((row) => row !== undefined);
      if (duplicate >= 0) throw new DuplicateEventIdError(pending.events[duplicate]!.eventId);
      const current = revisionOf.get(pending.streamId)?.revision ?? null;
      const expected = pending.expectedRevision;
      const matches = expected === 'any' || (expected === 'no_stream' ? current === null : current === expected);
      if (!matches) throw new WrongExpectedRevisionError(pending.streamId, expected, current ?? 'no_stream');
      let revision = current ?? -1;
      let position = 0;
      const recorded: RecordedEvent[] = [];
      for (const event of pending.events) {
        revision += 1;
        const info = insert.run(event.eventId, pending.streamId, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata));
        position = Number(info.lastInsertRowid);
        recorded.push({ ...event, streamId: pending.streamId, revision, position });
      }
      return { result: { nextExpectedRevision: revision, position }, recorded };
    });
    try {
      // IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before the revisions are read. A deferred
      // transaction would read first and could not then write if another connection (an exporter thread saving
      // its checkpoint) had committed in between: SQLITE_BUSY_SNAPSHOT, which no waiting cures.
      this.db
        .transaction(() => {
          for (const pending of batch) {
            try {
              outcomes.push({ ok: true, ...appendOne(pending) });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // the shared commit failed: nothing of the batch is stored
      batch.forEach((pending) => pending.reject(error));
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    });
    this.remember(outcomes.flatMap((outcome) => (outcome.ok ? outcome.recorded : [])));
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) this.ownRevisions.set(pending.streamId, outcome.result.nextExpectedRevision);
    });
    if (this.ownRevisions.size > 200_000) this.ownRevisions.clear();
    const head = Math.max(0, ...outcomes.map((o) => (o.ok ? o.result.position : 0)));
    if (head > this.lastKnownPosition) {
      this.lastKnownPosition = head;
      this.appended.emit('appended', head);
    }
  }

  async readStream(streamId: string, { fromRevision = 0, toRevision = Number.MAX_SAFE_INTEGER, types }: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const rows = types
      ? // the type filter runs in SQLite: the rows of other types are never decoded nor validated
        prepared<[string, number, number, string], Row>(
          this.db,
          'SELECT * FROM events WHERE stream_id = ? AND revision BETWEEN ? AND ? AND type IN (SELECT value FROM json_each(?)) ORDER BY revision',
        ).all(streamId, fromRevision, toRevision, JSON.stringify(types))
      : prepared<[string, number, number], Row>(this.db, 'SELECT * FROM events WHERE stream_id = ? AND revision BETWEEN ? AND ? ORDER BY revision').all(
          streamId,
          fromRevision,
          toRevision,
        );
    return rows.map((row) => this.toRecorded(row));
  }

  async streamRevision(streamId: string): Promise<number> {
    return prepared<[string], { revision: number | null }>(this.db, 'SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?').get(streamId)?.revision ?? -1;
  }

  /**
   * Keeps the events this process just committed, already validated, for the subscriptions that read them next:
   * every projection of the process reads each new event, and would otherwise fetch and validate it once each.
   * The tail is always contiguous; a gap (another process wrote in between) starts it over.
   */
  private remember(events: RecordedEvent[]): void {
    for (const event of events.sort((a, b) => a.position - b.position)) {
      const last = this.tail[this.tail.length - 1];
      if (last && event.position !== last.position + 1) this.tail = [];
      this.tail.push(event);
    }
    if (this.tail.length > TAIL_SIZE) this.tail = this.tail.slice(-TAIL_SIZE / 2);
  }

  async readAll({ after, maxCount }: { after: number; maxCount: number }): Promise<RecordedEvent[]> {
    const first = this.tail[0];
    if (first && after + 1 >= first.position && after < this.tail[this.tail.length - 1]!.position) {
      const start = after + 1 - first.position;
      return this.tail.slice(start, start + maxCount);
    }
    const rows = prepared<[number, number], Row>(this.db, 'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?').all(after, maxCount);
    return rows.map((row) => this.toRecorded(row));
  }

  /**
   * `readAll` as the stored rows, each decoded and validated as `readAll` does (a row of an older version rewritten in
   * its type's current shape): what a reader on another thread posts,
   * as strings cross threads as one copy each, where objects are rebuilt field by field. `decodeStoredEvent` on the other side.
   */
  readAllStored({ after, maxCount }: { after: number; maxCount: number }): StoredEvent[] {
    const rows = prepared<[number, number], StoredEvent>(
      this.db,
      'SELECT position, event_id, stream_id, revision, type, data, metadata FROM events WHERE position > ? ORDER BY position LIMIT ?',
    ).raw(true).all(after, maxCount);
    for (const row of rows) {
      readingEvent({ position: row[0], eventId: row[1], eventType: row[4], streamId: row[2] }, () => {
        const stored = decodeStoredEvent(row);
        const current = this.registry.decode(stored);
        // an older shape crosses as its current one, so the receiver's plain parse gets what readAll would give
        if (current !== stored) {
          row[5] = JSON.stringify(current.data);
          row[6] = JSON.stringify(current.metadata);
        }
      });
    }
    return rows;
  }

  streamVersion(streamId: string): string {
    return `${this.dataVersion()}:${this.ownRevisions.get(streamId) ?? '-'}`;
  }

  /**
   * Other connections' commits, asked of SQLite once per turn of the event loop: a command that reads several
   * streams in one turn pays for the pragma once. (A decision never rests on it alone: appends check revisions.)
   */
  private dataVersion(): number {
    if (this.dataVersionThisTurn === null) {
      this.dataVersionThisTurn = prepared<[], { data_version: number }>(this.db, 'PRAGMA data_version').get()!.data_version;
      setImmediate(() => (this.dataVersionThisTurn = null));
    }
    return this.dataVersionThisTurn;
  }

  async headPosition(): Promise<number> {
    return prepared<[], { head: number | null }>(this.db, 'SELECT MAX(position) AS head FROM events').get()?.head ?? 0;
  }

  waitForAppend(position: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.lastKnownPosition > position || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off('appended', onAppended);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onAppended = (head: number) => head > position && done();
      // the timeout also catches appends made by another process on the same file
      const timer = setTimeout(done, timeoutMs);
      this.appended.on('appended', onAppended);
      signal?.addEventListener('abort', done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length) this.flush();
    this.db.close();
  }

  private toRecorded(row: Row): RecordedEvent {
    // an event this build does not know or cannot parse stops the reader loudly, naming it, instead of being skipped
    return readingEvent({ position: row.position, eventId: row.event_id, eventType: row.type, streamId: row.stream_id }, () => {
      const event: RecordedEvent = {
        eventId: row.event_id,
        type: row.type,
        data: JSON.parse(row.data),
        metadata: JSON.parse(row.metadata),
        streamId: row.stream_id,
        revision: row.revision,
        position: row.position,
      };
      // in the current shape of its type, whatever version it was written at
      return this.registry.decode(event);
    });
  }
}

/** A stored event as its row's columns: position, event id, stream id, revision, type, data and metadata (JSON). */
export type StoredEvent = [number, string, string, number, string, string, string];

/** The recorded event of a row `readAllStored` has validated (and upcast): a plain parse, nothing more. */
export function decodeStoredEvent([position, eventId, streamId, revision, type, data, metadata]: StoredEvent): RecordedEvent {
  return { eventId, type, data: JSON.parse(data), metadata: JSON.parse(metadata), streamId, revision, position };
}

class SqliteSnapshots implements SnapshotStore {
  constructor(private readonly db: Database.Database) {}

  async load(streamId: string, decider: string, version: number): Promise<Snapshot | null> {
    const row = prepared<[string, string, number], { revision: number; state: string }>(
      this.db,
      'SELECT revision, state FROM stream_snapshots WHERE stream_id = ? AND decider = ? AND version = ?',
    ).get(streamId, decider, version);
    return row ? { revision: row.revision, state: JSON.parse(row.state) } : null;
  }

  async save(streamId: string, decider: string, version: number, { revision, state }: Snapshot): Promise<void> {
    prepared(
      this.db,
      `INSERT INTO stream_snapshots (stream_id, decider, version, revision, state) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stream_id, decider) DO UPDATE SET version = excluded.version, revision = excluded.revision, state = excluded.state
       WHERE excluded.version <> stream_snapshots.version OR excluded.revision > stream_snapshots.revision`,
    ).run(streamId, decider, version, revision, JSON.stringify(state));
  }
}

class SqliteCheckpoints implements CheckpointStore {
  constructor(private readonly db: Database.Database) {}

  async load(name: string): Promise<number | null> {
    return prepared<[string], { position: number }>(this.db, 'SELECT position FROM checkpoints WHERE name = ?').get(name)?.position ?? null;
  }

  async save(name: string, position: number): Promise<void> {
    prepared(this.db, 'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position')
      .run(name, position);
  }

  async reset(name: string): Promise<void> {
    prepared(this.db, 'DELETE FROM checkpoints WHERE name = ?').run(name);
  }
}
