/**
 * A stored event this build cannot read: its data or metadata fail its contract, its JSON does not parse, or its type
 * is unknown. Readers stop on it rather than skip it (skipping would lose evidence); an operator parks it by position
 * (`npm run events:park`), and consumers then go on past it.
 */
export class UnreadableEventError extends Error {
  readonly code = 'UNREADABLE_EVENT';
  constructor(
    readonly event: { position: number; eventId: string; eventType: string; streamId: string },
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`event at position ${event.position} (${event.eventType} ${event.eventId} in ${event.streamId}) cannot be read: ${reason}`, options);
  }
}

/** Reads a stored event with `read`, turning any failure into an UnreadableEventError that names the event. */
export function readingEvent<T>(event: { position: number; eventId: string; eventType: string; streamId: string }, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UnreadableEventError(event, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** SQLite's result codes (primary, or extended as `SQLITE_BUSY_SNAPSHOT`) that mean the file cannot be used now. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL)(_|$)/;
/** @eventstore/db-client's error types for a server that cannot be reached or did not answer in time. */
const ESDB_UNAVAILABLE = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'cancelled']);

/**
 * Whether `error` says the event store cannot be used at the moment (locked by another process, unreachable, out of
 * disk), as opposed to a refusal of this request: the caller answers 503 and may try again later.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, type, name } = error as { code?: unknown; type?: unknown; name?: unknown };
  if (name === 'SqliteError' && typeof code === 'string') return SQLITE_UNAVAILABLE.test(code);
  return typeof type === 'string' && ESDB_UNAVAILABLE.has(type);
}
