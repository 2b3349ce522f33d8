import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import { EventRegistry, NewEvent, RecordedEvent } from '@bulwark/contracts';
import { AppendResult, CheckpointStore, EventStore, ExpectedRevision, ReadStreamOptions, WrongExpectedRevisionError } from './event-store.port';
import { readingEvent } from './store-errors';

/** The part of the db-client this adapter uses: a seam for tests that run without a server. */
export type EventStoreDbClientLike = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'setStreamMetadata' | 'dispose'>;

/** An event as the db-client returns it from a stream or from $all. */
type EsdbRecordedEvent = NonNullable<ResolvedEvent['event']>;

/** Consumers' checkpoints live in ESDB too, one capped stream per consumer, hidden from readAll. */
export const CHECKPOINT_STREAM_PREFIX = 'bulwark_checkpoint-';
/** Not `$`-prefixed: the server reserves those; not in the registry: it never reaches a consumer. */
const CHECKPOINT_EVENT_TYPE = 'BulwarkCheckpointSaved';

/** How many $all records one read asks for; system events and checkpoints are skipped client-side. */
const MIN_PAGE = 64;
const MAX_PAGE = 2048;
const POLL_MS = 150;

/** System events (`$statsCollected`, `$metadata`, links `$>`), system streams and our checkpoint streams. */
function isInternal(event: EsdbRecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$') || event.streamId.startsWith(CHECKPOINT_STREAM_PREFIX);
}

/**
 * Our port's position is the event's commit position. Events appended through gRPC are implicit
 * commits, where every event has its own commit position (equal to its prepare position), so it is
 * unique and increasing across the whole log.
 */
function commitOf(position: Position | undefined): number | null {
  if (!position) return null;
  // servers that do not know an event's position (stream reads before 22.6) send 0 or 2^64-1
  if (position.commit <= 0n || position.commit > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(position.commit);
}

function hasErrorType(error: unknown, type: ErrorType): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === type;
}

async function collect<E>(read: StreamingRead<E>): Promise<E[]> {
  const items: E[] = [];
  for await (const item of read) items.push(item);
  return items;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/**
 * The distributed event store: EventStoreDB through `@eventstore/db-client` 6.x. Streams, expected
 * revisions and idempotent appends by event id are the server's; this adapter adds validation against
 * libs/contracts on the way in and out, hides system events, and keeps consumers' checkpoints.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  readonly checkpoints: CheckpointStore;
  private readonly client: EventStoreDbClientLike;
  private closed = false;

  /** `connection`: an `esdb://` connection string, or a client (tests pass an in-memory one). */
  constructor(connection: string | EventStoreDbClientLike, private readonly registry: EventRegistry) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
    this.checkpoints = new EventStoreDbCheckpoints(this.client);
  }

  async append(streamId: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.closed) throw new Error('event store is closed');
    if (!events.length) throw new Error('append needs at least one event');
    // nothing leaves for the server before every event of the batch is known and valid
    events.forEach((event) => this.registry.validate(event));
    const expected = options.expectedRevision;
    const proposed = events.map((event) =>
      // our eventId is the ESDB event id, so a retried append is recognised by the server and stored once
      jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: event.metadata }),
    );
    let result;
    try {
      result = await this.client.appendToStream(streamId, proposed, { expectedRevision: toEsdbRevision(expected) });
    } catch (error) {
      if (hasErrorType(error, ErrorType.WRONG_EXPECTED_VERSION)) {
        const actual = (error as { actualVersion?: unknown }).actualVersion;
        throw new WrongExpectedRevisionError(streamId, expected, typeof actual === 'bigint' && actual >= 0n ? Number(actual) : 'no_stream');
      }
      throw error;
    }
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    const position = commitOf(result.position) ?? (await this.positionOfRevision(streamId, nextExpectedRevision));
    return { nextExpectedRevision, position };
  }

  /**
   * A fallback for an append whose reply carries no position (an idempotent retry on some server
   * versions): the position of the stream's event at that revision, else the head of the log.
   */
  private async positionOfRevision(streamId: string, revision: number): Promise<number> {
    const [resolved] = await collect(
      this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: BigInt(revision), maxCount: 1 }),
    );
    return commitOf(resolved?.event?.position) ?? this.headPosition();
  }

  async streamRevision(streamId: string): Promise<number> {
    try {
      const [last] = await collect(this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
      return last?.event ? Number(last.event.revision) : -1;
    } catch (error) {
      if (hasErrorType(error, ErrorType.STREAM_NOT_FOUND)) return -1;
      throw error;
    }
  }

  /** The type filter is applied here, after the read: a stream read on the server cannot filter by type. */
  async readStream(streamId: string, { fromRevision = 0, toRevision, types }: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const wanted = types ? new Set(types) : null;
    let resolved: ResolvedEvent[];
    try {
      resolved = await collect(this.client.readStream(streamId, { direction: FORWARDS, fromRevision: fromRevision > 0 ? BigInt(fromRevision) : START }));
    } catch (error) {
      if (hasErrorType(error, ErrorType.STREAM_NOT_FOUND)) return [];
      throw error;
    }
    return resolved.flatMap(({ event }) => {
      if (!event || (toRevision !== undefined && Number(event.revision) > toRevision) || (wanted && !wanted.has(event.type))) return [];
      // a stream read reports the $all position since server 22.6; an older server leaves it at 0
      return [this.toRecorded(event, commitOf(event.position) ?? 0)];
    });
  }

  async readAll({ after, maxCount }: { after: number; maxCount: number }): Promise<RecordedEvent[]> {
    const recorded: RecordedEvent[] = [];
    if (maxCount <= 0) return recorded;
    const pageSize = Math.min(MAX_PAGE, Math.max(MIN_PAGE, maxCount + 16));
    // reading forwards from a position includes the event at it: `seen` drops it and anything before
    let from: ReadPosition = after > 0 ? { commit: BigInt(after), prepare: BigInt(after) } : START;
    let fromCommit = BigInt(Math.max(0, after));
    let seen = after;
    while (recorded.length < maxCount) {
      const page: AllStreamResolvedEvent[] = await collect(
        this.client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: pageSize, resolveLinkTos: false }),
      );
      let last: Position | undefined;
      for (const { event } of page) {
        if (!event) continue;
        const position = commitOf(event.position);
        if (position === null) throw new Error(`$all returned event ${event.id} without a usable position`);
        last = event.position;
        if (position <= seen) continue;
        seen = position;
        if (isInternal(event)) continue;
        recorded.push(this.toRecorded(event, position));
        if (recorded.length === maxCount) break;
      }
      if (page.length < pageSize) break;
      if (!last || (from !== START && last.commit <= fromCommit)) throw new Error(`reading $all made no progress after position ${seen}`);
      from = last;
      fromCommit = last.commit;
    }
    return recorded;
  }

  async headPosition(): Promise<number> {
    let from: ReadPosition = END;
    let below = Number.POSITIVE_INFINITY;
    // the newest records are often the server's own (stats, metadata) or our checkpoints: page back past them
    for (;;) {
      const page: AllStreamResolvedEvent[] = await collect(this.client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: MAX_PAGE }));
      let last: Position | undefined;
      for (const { event } of page) {
        const position = commitOf(event?.position);
        if (!event || position === null || position >= below) continue;
        below = position;
        last = event.position;
        if (!isInternal(event)) return position;
      }
      if (page.length < MAX_PAGE || !last) return 0;
      from = last;
    }
  }

  /**
   * Polls the head of the log: simple, correct across processes, and at most one small read per
   * poll interval per waiting subscription. A failing poll ends the wait: the caller's next read
   * reports the error instead.
   */
  async waitForAppend(position: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && !signal?.aborted) {
      try {
        if ((await this.headPosition()) > position) return;
      } catch {
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) return;
      await sleep(Math.min(POLL_MS, left), signal);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
  }

  private toRecorded(event: EsdbRecordedEvent, position: number): RecordedEvent {
    const recorded = {
      eventId: event.id,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      streamId: event.streamId,
      revision: Number(event.revision),
      position,
    } as RecordedEvent;
    // an event this build does not know, or cannot parse, stops the reader loudly, naming it, instead of being skipped
    // in the current shape of its type, whatever version it was written at
    return readingEvent({ position, eventId: event.id, eventType: event.type, streamId: event.streamId }, () => this.registry.decode(recorded));
  }
}

function toEsdbRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  if (!Number.isSafeInteger(expected) || expected < 0) throw new Error(`invalid expected revision ${expected}`);
  return BigInt(expected);
}

/**
 * One stream per consumer, `bulwark_checkpoint-<name>`, capped at one event by its stream metadata,
 * so the server keeps only the latest checkpoint (older ones stay in $all until a scavenge, and
 * readAll skips them).
 */
class EventStoreDbCheckpoints implements CheckpointStore {
  private readonly capped = new Set<string>();

  constructor(private readonly client: EventStoreDbClientLike) {}

  async load(name: string): Promise<number | null> {
    let resolved: ResolvedEvent[];
    try {
      resolved = await collect(this.client.readStream(streamOf(name), { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    } catch (error) {
      if (hasErrorType(error, ErrorType.STREAM_NOT_FOUND)) return null;
      throw error;
    }
    const event = resolved[0]?.event;
    if (!event) return null;
    const position = (event.data as { position?: unknown } | undefined)?.position;
    if (position === null) return null;
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
      throw new Error(`checkpoint ${name} is malformed: ${JSON.stringify(event.data)}`);
    }
    return position;
  }

  async save(name: string, position: number): Promise<void> {
    await this.write(name, position);
  }

  /** A null checkpoint rather than a stream deletion: an append is all it takes, and it is ordered after earlier saves. */
  async reset(name: string): Promise<void> {
    await this.write(name, null);
  }

  private async write(name: string, position: number | null): Promise<void> {
    const stream = streamOf(name);
    if (!this.capped.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: 1 });
      this.capped.add(stream);
    }
    await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } }), { expectedRevision: ANY });
  }
}

const streamOf = (name: string) => `${CHECKPOINT_STREAM_PREFIX}${name}`;
