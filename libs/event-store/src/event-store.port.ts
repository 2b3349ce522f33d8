import { NewEvent, RecordedEvent } from '@bulwark/contracts';

/** `no_stream`: the stream must not exist; `any`: no check; a number: the revision of the stream's last event. */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export type AppendResult = {
  /** the revision of the stream's last event after the append: pass it as the next expected revision */
  nextExpectedRevision: number;
  /** the global position of the last event appended */
  position: number;
};

export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(readonly streamId: string, readonly expected: ExpectedRevision, readonly actual: number | 'no_stream') {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual}`);
  }
}

export class DuplicateEventIdError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string) {
    super(`event ${eventId} is already stored with other events or in another stream`);
  }
}

export type ReadStreamOptions = { fromRevision?: number; toRevision?: number; types?: readonly string[] };

/**
 * A decider's state folded up to a revision of a stream: a cache, never the source of truth. Deleting every snapshot
 * changes nothing but the time a cold load takes; a snapshot of another decider version is never returned.
 */
export type Snapshot = { revision: number; state: unknown };

export interface SnapshotStore {
  load(streamId: string, decider: string, version: number): Promise<Snapshot | null>;
  /** Keeps the newest snapshot per stream and decider (an older revision of the same version does not replace it). */
  save(streamId: string, decider: string, version: number, snapshot: Snapshot): Promise<void>;
}

/** Where a named consumer has got to in the global log. */
export interface CheckpointStore {
  load(name: string): Promise<number | null>;
  save(name: string, position: number): Promise<void>;
  reset(name: string): Promise<void>;
}

/**
 * The one port every service writes and reads events through.
 * Positions are global, increasing, and comparable across streams; 0 means "before the first event".
 */
export interface EventStore {
  readonly kind: 'sqlite' | 'eventstoredb';

  /**
   * Appends atomically, checking the expected revision. Every event is validated against libs/contracts first.
   * Appending events whose ids are all already in the stream stores nothing and returns the stored result.
   */
  append(streamId: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;

  /**
   * The stream's events in order, from a revision on (default 0) up to `toRevision` (default: the last), only those
   * of `types` when given; an empty array when the stream does not exist.
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** The revision of the stream's last event, whatever its type; -1 when the stream does not exist. */
  streamRevision(streamId: string): Promise<number>;

  /** Folded states kept as a cache (optional): stores that keep none leave it out, and every load folds from the start. */
  readonly snapshots?: SnapshotStore;

  /** Up to maxCount events after `after` (exclusive), in commit order. */
  readAll(options: { after: number; maxCount: number }): Promise<RecordedEvent[]>;

  /**
   * A token that changes whenever the stream may have changed (optional): equal tokens mean a cached fold of the
   * stream is still current and need not be read again. Stores that cannot tell leave it out.
   */
  streamVersion?(streamId: string): string;

  /** The position of the last committed event (0 when the store is empty). */
  headPosition(): Promise<number>;

  /** Resolves when something may have been appended after `position`, or after `timeoutMs`, or when aborted. */
  waitForAppend(position: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;

  readonly checkpoints: CheckpointStore;

  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
