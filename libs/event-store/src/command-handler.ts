import { hostname, networkInterfaces } from 'node:os';
import { Actor, DomainEvent, eventRegistry, NewEvent, RecordedEvent } from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { EventStore, WrongExpectedRevisionError } from './event-store.port';

/** A consistency boundary as pure functions. */
export type Decider<Command, Event extends DomainEvent, State> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
  /** the event types `evolve` folds: only these are read (a narrow write model); without it, every event of the stream */
  eventTypes?: readonly string[];
  /**
   * Snapshots of the folded state, a cache for long streams: saved every `SNAPSHOT_EVERY` revisions, read on a cold
   * load. Bump `version` when the state's shape or the fold changes; the state must survive JSON unchanged.
   */
  snapshot?: { name: string; version: number };
};

/** Folded from scratch or from the last snapshot, a load reads at most this many revisions more than it must. */
export const SNAPSHOT_EVERY = 500;

export type CommandContext = {
  correlationId: string;
  causationId?: string | null;
  actor: Actor;
  now: Date;
  /** the request's W3C traceparent; without one, the active span's (a traced consumer's), if any */
  traceparent?: string | null;
};

export type HandledCommand<Event extends DomainEvent, State> = {
  events: Event[];
  recorded: NewEvent<Event>[];
  state: State;
  nextExpectedRevision: number;
  position: number;
};

/** Envelopes domain events for append: a fresh id each, and the command's correlation, actor and time. */
let server: { name: string; ip: string | null } | null = null;

/** This process's host name and first external address, as sign-in records name the server that answered. */
export function serverIdentity(): { name: string; ip: string | null } {
  if (!server) {
    const addresses = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []).filter((entry) => !entry.internal);
    const ip = (addresses.find((entry) => entry.family === 'IPv4') ?? addresses[0])?.address ?? null;
    server = { name: hostname().slice(0, 255) || 'unknown', ip };
  }
  return server;
}

export function envelope<E extends DomainEvent>(events: E[], context: CommandContext): NewEvent<E>[] {
  return events.map((event) => ({
    ...event,
    eventId: randomUUID(),
    metadata: {
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      actor: context.actor,
      occurredAt: context.now.toISOString(),
      schemaVersion: eventRegistry.contractOf(event.type).schemaVersion,
      server: serverIdentity(),
      ...traceparentOf(context),
    },
  }));
}

/** Absent, not null, without a trace: metadata written before tracing stays byte for byte what it was. */
function traceparentOf(context: CommandContext): { traceparent?: string } {
  if (context.traceparent) return { traceparent: context.traceparent };
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !isSpanContextValid(span)) return {};
  return { traceparent: `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}` };
}


/**
 * Commands on one stream in this process take turns, so parallel requests do not burn their retries racing
 * each other; the expected revision still decides between processes.
 */
const streamTurns = new WeakMap<EventStore, Map<string, Promise<unknown>>>();

async function inTurn<T>(store: EventStore, streamId: string, work: () => Promise<T>): Promise<T> {
  let turns = streamTurns.get(store);
  if (!turns) streamTurns.set(store, (turns = new Map()));
  const previous = turns.get(streamId) ?? Promise.resolve();
  const current = previous.then(work, work);
  const settled = current.then(
    () => undefined,
    () => undefined,
  );
  turns.set(streamId, settled);
  try {
    return await current;
  } finally {
    if (turns.get(streamId) === settled) turns.delete(streamId);
  }
}

/**
 * Folded states kept between commands, per store and decider: a stream only grows, so a cached state is always
 * the fold of a prefix, and only the events after it are read. Bounded; the oldest entries go first.
 */
const MAX_CACHED_STREAMS = 20_000;
/** `snapshotRevision`: the revision of the newest snapshot saved or read, -1 when none */
type Folded = { revision: number; state: unknown; version: string | null; snapshotRevision: number };
const folded = new WeakMap<EventStore, WeakMap<object, Map<string, Folded>>>();

function cacheOf(store: EventStore, decider: object): Map<string, Folded> {
  let byDecider = folded.get(store);
  if (!byDecider) folded.set(store, (byDecider = new WeakMap()));
  let cache = byDecider.get(decider);
  if (!cache) byDecider.set(decider, (cache = new Map()));
  return cache;
}

function remember(cache: Map<string, Folded>, streamId: string, entry: Folded): void {
  cache.delete(streamId);
  cache.set(streamId, entry);
  if (cache.size > MAX_CACHED_STREAMS) cache.delete(cache.keys().next().value!);
}

type Foldable<Event extends DomainEvent, State> = Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState' | 'eventTypes' | 'snapshot'>;

/** Where a cold load starts: the decider's snapshot, when the store keeps one of this version, else the empty state. */
async function coldStart<State>(store: EventStore, streamId: string, decider: Pick<Decider<unknown, DomainEvent, State>, 'initialState' | 'snapshot'>): Promise<Folded & { state: State }> {
  const snapshot = decider.snapshot && store.snapshots ? await store.snapshots.load(streamId, decider.snapshot.name, decider.snapshot.version) : null;
  if (snapshot) return { revision: snapshot.revision, state: snapshot.state as State, version: null, snapshotRevision: snapshot.revision };
  return { revision: -1, state: decider.initialState(), version: null, snapshotRevision: -1 };
}

/** Saves a snapshot once the fold has moved `SNAPSHOT_EVERY` revisions past the last one; a failure costs only speed. */
async function snapshotIfDue(store: EventStore, streamId: string, snapshot: Decider<unknown, DomainEvent, unknown>['snapshot'], entry: Folded): Promise<void> {
  if (!snapshot || !store.snapshots || entry.revision - entry.snapshotRevision < SNAPSHOT_EVERY) return;
  try {
    await store.snapshots.save(streamId, snapshot.name, snapshot.version, { revision: entry.revision, state: entry.state });
    entry.snapshotRevision = entry.revision;
  } catch {
    // a snapshot is a cache: the next load folds a little more
  }
}

/**
 * The stream's current state: the cached fold (or the snapshot) plus whatever was appended since (by anyone), only
 * the decider's event types. The revision is the stream's last, whatever its type: the next append expects it.
 */
export async function loadState<Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Foldable<Event, State>,
): Promise<{ state: State; revision: number }> {
  const cache = cacheOf(store, decider);
  const cached = cache.get(streamId) as (Folded & { state: State }) | undefined;
  // taken before the read: a change after it gives a new version, so the next load reads again
  const version = store.streamVersion?.(streamId) ?? null;
  if (cached && version !== null && cached.version === version) return cached;
  const base = cached ?? (await coldStart(store, streamId, decider));
  let revision: number;
  let newer: RecordedEvent<Event>[];
  if (decider.eventTypes) {
    // the last revision first, then the events up to it: an append in between is left for the next load
    revision = await store.streamRevision(streamId);
    newer = revision > base.revision ? ((await store.readStream(streamId, { fromRevision: base.revision + 1, toRevision: revision, types: decider.eventTypes })) as RecordedEvent<Event>[]) : [];
  } else {
    newer = (await store.readStream(streamId, { fromRevision: base.revision + 1 })) as RecordedEvent<Event>[];
    revision = newer.length ? newer[newer.length - 1]!.revision : base.revision;
  }
  const state = newer.reduce(decider.evolve, base.state);
  const entry: Folded = { revision, state, version, snapshotRevision: base.snapshotRevision };
  remember(cache, streamId, entry);
  await snapshotIfDue(store, streamId, decider.snapshot, entry);
  return { state, revision };
}

/**
 * Reads the stream, folds it, decides, and appends with the expected revision; on a conflict it starts over,
 * a bounded number of times. A decision that appends nothing returns without writing.
 */
export function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command | ((state: State) => Command),
  context: CommandContext,
  { maxAttempts = 20 }: { maxAttempts?: number } = {},
): Promise<HandledCommand<Event, State>> {
  return inTurn(store, streamId, async () => {
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await loadState(store, streamId, decider);
      const expectedRevision = revision >= 0 ? revision : 'no_stream';
      const resolved = typeof command === 'function' ? (command as (state: State) => Command)(state) : command;
      const events = decider.decide(resolved, state);
      if (!events.length) {
        return { events, recorded: [], state, nextExpectedRevision: revision, position: 0 };
      }
      const recorded = envelope(events, context);
      try {
        const result = await store.append(streamId, recorded, { expectedRevision });
        const next = events.reduce(decider.evolve, state);
        const snapshotRevision = cacheOf(store, decider).get(streamId)?.snapshotRevision ?? -1;
        const entry: Folded = { revision: result.nextExpectedRevision, state: next, version: store.streamVersion?.(streamId) ?? null, snapshotRevision };
        remember(cacheOf(store, decider), streamId, entry);
        await snapshotIfDue(store, streamId, decider.snapshot, entry);
        return { events, recorded, state: next, nextExpectedRevision: result.nextExpectedRevision, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxAttempts) throw error;
        // someone appended first: decide again on the new state (jitter keeps parallel retries apart)
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  });
}
