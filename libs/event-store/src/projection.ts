import Database from 'better-sqlite3';
import { prepared } from './sqlite-statements';
import type { BulwarkEventType, EventOfType } from '@bulwark/contracts';
import { RecordedEvent } from '@bulwark/contracts';
import { EventConsumer } from './subscription';

/**
 * A read model as an `evolve` over SQLite tables. `apply` runs inside the runner's transaction, together with
 * the checkpoint and the idempotency guard, so rows and checkpoint never disagree.
 *
 * `Projection<'A' | 'B'>` declares the registered event types it handles, so `apply` (and a rebuilder's `apply`)
 * receives them as a discriminated union that `switch (event.type)` narrows, and `eventTypes` may list no other.
 * Type-level only: the runner hands `apply` exactly the events whose type is in `eventTypes`. `Projection` alone is
 * the untyped one the runner, the rebuilders and the projection threads take, and a typed projection is one of them.
 */
export type Projection<T extends string = string> = string extends T ? UntypedProjection : TypedProjection<Extract<T, BulwarkEventType>>;

/** The event a projection handling `T` receives. */
export type ProjectionEvent<T extends BulwarkEventType> = RecordedEvent<EventOfType<T>>;

interface ProjectionBase {
  readonly name: string;
  /** Bump it when the rows change shape: the projection is then rebuilt from position 0. */
  readonly version: number;
  /** Creates the projection's tables if they are missing. */
  setup(db: Database.Database): void;
  /**
   * Secondary indexes, each a `CREATE INDEX IF NOT EXISTS <name> ON …` statement: created with the tables, but a
   * rebuild drops them and builds each once at the end (sorting once is far cheaper than a million random inserts).
   */
  readonly indexes?: readonly string[];
  /** Deletes every row (before a rebuild). */
  reset(db: Database.Database): void;
}

// two interfaces, not one generic: a typed projection is then compared with the untyped one member by member (its
// narrower `apply` parameter is accepted as a method's), not by the variance of one type parameter
export interface UntypedProjection extends ProjectionBase {
  readonly eventTypes: readonly string[];
  apply(db: Database.Database, event: RecordedEvent): void;
  /**
   * Optional: the `apply` of one rebuild, free to keep in memory, for the length of the replay, what `apply` reads back
   * from the projection's own tables (a rebuild starts from empty tables and applies every event in commit order, alone;
   * if it stops, it is run again from 0). It must leave the same rows as `apply`, at the end of every batch.
   */
  rebuilder?(db: Database.Database): ProjectionRebuilder;
}

export interface TypedProjection<T extends BulwarkEventType> extends ProjectionBase {
  readonly eventTypes: readonly T[];
  apply(db: Database.Database, event: ProjectionEvent<T>): void;
  /** As `UntypedProjection.rebuilder`. */
  rebuilder?(db: Database.Database): TypedProjectionRebuilder<T>;
}

export interface ProjectionRebuilder {
  apply(event: RecordedEvent): void;
  /** Writes what `apply` held back: called at the end of every batch, inside its transaction. */
  flush(): void;
}

export interface TypedProjectionRebuilder<T extends BulwarkEventType> {
  apply(event: ProjectionEvent<T>): void;
  /** Writes what `apply` held back: called at the end of every batch, inside its transaction. */
  flush(): void;
}

/** The SQLite database holding projections' rows, checkpoints and seen event ids. */
export function openReadDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // read models are indexed tables of up to millions of rows: SQLite's default 2 MB page cache would spill and re-read
  db.pragma('cache_size = -131072');
  db.exec(`
    CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, version INTEGER NOT NULL, position INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS projection_seen_events (name TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (name, event_id)) WITHOUT ROWID;
  `);
  return db;
}

/** Runs one projection: the consumer side of a subscription or of a Kafka consumer group. */
export class ProjectionRunner implements EventConsumer {
  readonly name: string;
  private readonly handled: Set<string>;

  /**
   * `ordered`: events arrive in commit order (a store subscription), so the checkpoint alone says what was applied;
   * otherwise (Kafka partitions interleave) every applied event id is recorded and checked.
   */
  constructor(private readonly db: Database.Database, readonly projection: Projection, private readonly ordered = false) {
    this.name = `projection:${projection.name}`;
    this.handled = new Set(projection.eventTypes);
    projection.setup(db);
    createIndexes(db, projection);
    const stored = prepared<[string], { version: number }>(db, 'SELECT version FROM projection_checkpoints WHERE name = ?')
      .get(projection.name);
    if (stored && stored.version !== projection.version) this.reset();
  }

  async loadCheckpoint(): Promise<number> {
    return this.checkpoint();
  }

  checkpoint(): number {
    return (
      prepared<[string], { position: number }>(this.db, 'SELECT position FROM projection_checkpoints WHERE name = ?').get(this.projection.name)
        ?.position ?? 0
    );
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    this.applyBatch(batch);
  }

  /**
   * Applies events in one transaction, skipping those already applied; the checkpoint only moves forward.
   * `rebuilder`: the projection's own for a rebuild, instead of its `apply`.
   */
  applyBatch(batch: RecordedEvent[], rebuilder?: ProjectionRebuilder): void {
    if (!batch.length) return;
    const applied = this.ordered ? this.checkpoint() : 0;
    const seen = prepared(this.db, 'INSERT OR IGNORE INTO projection_seen_events (name, event_id) VALUES (?, ?)');
    const save = prepared(this.db, `
      INSERT INTO projection_checkpoints (name, version, position) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET position = MAX(position, excluded.position), version = excluded.version`);
    this.db.transaction(() => {
      for (const event of batch) {
        if (!this.handled.has(event.type)) continue;
        if (this.ordered ? event.position <= applied : seen.run(this.projection.name, event.eventId).changes === 0) continue;
        if (rebuilder) rebuilder.apply(event);
        else this.projection.apply(this.db, event);
      }
      rebuilder?.flush();
      save.run(this.projection.name, this.projection.version, Math.max(...batch.map((event) => event.position)));
    }).immediate();
  }

  /** Forgets every row, seen id and the checkpoint: the next run replays from position 0. */
  reset(): void {
    this.db.transaction(() => {
      this.projection.reset(this.db);
      createIndexes(this.db, this.projection);
      prepared(this.db, 'DELETE FROM projection_seen_events WHERE name = ?').run(this.projection.name);
      prepared(this.db, 'DELETE FROM projection_checkpoints WHERE name = ?').run(this.projection.name);
    }).immediate();
  }
}

/**
 * The projections of one read database as one consumer: each batch is read once and applied to all of them in one
 * transaction, each projection skipping what it already has (they may stand at different positions after a rebuild).
 */
export class ProjectionGroup implements EventConsumer {
  constructor(readonly name: string, private readonly db: Database.Database, readonly runners: ProjectionRunner[]) {}

  async loadCheckpoint(): Promise<number> {
    return Math.min(...this.runners.map((runner) => runner.checkpoint()));
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    // IMMEDIATE: the read database has writers on other threads, and a read transaction that later writes could
    // find its snapshot stale (SQLITE_BUSY at once); taking the write lock first waits its turn instead
    this.db.transaction(() => this.runners.forEach((runner) => runner.applyBatch(batch))).immediate();
  }
}

/**
 * Rebuilds a projection from position 0: forgets its rows, then replays every committed event in order.
 * Run it while the service is stopped (its running subscription keeps its position in memory).
 */
export async function rebuildProjection(
  store: { readAll(options: { after: number; maxCount: number }): Promise<RecordedEvent[]> },
  db: Database.Database,
  projection: Projection,
  batchSize = 5000,
): Promise<{ events: number; position: number }> {
  // the store is read in commit order: the checkpoint alone says what is applied, with no per-event idempotency row
  const runner = new ProjectionRunner(db, projection, true);
  runner.reset();
  const rebuilder = projection.rebuilder?.(db);
  let position = 0;
  let events = 0;
  // a rebuild that stops half way is run again from 0: its commits need not wait for the disk, only the last one does
  const synchronous = db.pragma('synchronous', { simple: true });
  db.pragma('synchronous = OFF');
  for (const index of projection.indexes ?? []) db.exec(`DROP INDEX IF EXISTS ${indexName(index)}`);
  try {
    for (;;) {
      const batch = await store.readAll({ after: position, maxCount: batchSize });
      if (!batch.length) break;
      runner.applyBatch(batch, rebuilder);
      position = batch[batch.length - 1]!.position;
      events += batch.length;
    }
  } finally {
    createIndexes(db, projection);
    db.pragma(`synchronous = ${Number(synchronous)}`);
  }
  // one durable checkpoint of the WAL at the end makes the rebuilt rows as safe as any other commit
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { events, position };
}

function createIndexes(db: Database.Database, projection: Projection): void {
  for (const index of projection.indexes ?? []) db.exec(index);
}

/** The name in `CREATE INDEX IF NOT EXISTS <name> ON …`: a projection's own constant, never data. */
function indexName(statement: string): string {
  const name = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+([A-Za-z_][A-Za-z0-9_]*)\s+ON\s/i.exec(statement)?.[1];
  if (!name) throw new Error(`a projection index must read "CREATE INDEX IF NOT EXISTS <name> ON ...": ${statement}`);
  return name;
}
