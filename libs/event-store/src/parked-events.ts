import { Actor, EventParked, RecordedEvent, streams } from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';
import { envelope } from './command-handler';
import { EventStore } from './event-store.port';
import { UnreadableEventError } from './store-errors';

/**
 * The positions an operator has parked (EventParked in `parked_events-store`): a consumer goes on past them. Read when
 * the consumer starts, again while it is stopped on an event, and noted as EventParked events go by.
 */
export class ParkedPositions {
  private readonly positions = new Set<number>();

  constructor(private readonly store: Partial<Pick<EventStore, 'readStream'>>) {}

  /** Reads the parked stream again; a source that cannot read streams parks nothing. */
  async load(): Promise<this> {
    if (!this.store.readStream) return this;
    this.note(await this.store.readStream(streams.parkedEvents));
    return this;
  }

  has(position: number): boolean {
    return this.positions.has(position);
  }

  note(events: readonly RecordedEvent[]): void {
    for (const event of events) if (event.type === 'EventParked') this.positions.add((event.data as { position: number }).position);
  }
}

/** A park the store refuses: no event there, already parked, or readable where `readable` was not said. */
export class ParkRefusedError extends Error {}

/**
 * Parks the stored event at `position`: appends EventParked (who, why, when, and what the reader said) to
 * `parked_events-store`, and consumers stopped on it go on. Only an event that cannot be read is parked, unless
 * `readable` says so (a consumer that fails on an event it reads is a bug to fix, not evidence to set aside).
 */
export async function parkEvent(
  store: EventStore,
  request: { position: number; reason: string; by: Actor; now: Date; readable?: boolean },
): Promise<EventParked['data']> {
  const { position, reason, by, now } = request;
  if (!Number.isSafeInteger(position) || position < 1) throw new ParkRefusedError(`a position is a positive integer, got ${position}`);
  if (!reason.trim()) throw new ParkRefusedError('say why the event is parked (--reason)');
  if ((await new ParkedPositions(store).load()).has(position)) throw new ParkRefusedError(`the event at position ${position} is already parked`);
  let found: Omit<EventParked['data'], 'reason' | 'by' | 'at'>;
  try {
    const [event] = await store.readAll({ after: position - 1, maxCount: 1 });
    if (!event || event.position !== position) throw new ParkRefusedError(`there is no event at position ${position}`);
    if (!request.readable) throw new ParkRefusedError(`the event at position ${position} (${event.type} ${event.eventId}) can be read: nothing to park (--readable parks it anyway)`);
    found = { position, eventId: event.eventId, eventType: event.type, streamId: event.streamId, problem: 'readable; parked on request' };
  } catch (error) {
    if (!(error instanceof UnreadableEventError) || error.event.position !== position) throw error;
    found = { ...error.event, problem: error.reason.slice(0, 2000) };
  }
  const data: EventParked['data'] = { ...found, reason, by: by.id, at: now.toISOString() };
  await store.append(streams.parkedEvents, envelope([{ type: 'EventParked', data } satisfies EventParked], { correlationId: randomUUID(), actor: by, now }), {
    expectedRevision: 'any',
  });
  return data;
}
