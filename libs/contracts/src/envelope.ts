import { z } from 'zod';

/** Who caused an event: a role-authenticated caller or the system itself. */
export const actorSchema = z.object({
  type: z.enum(['admin', 'analyst', 'siem', 'app', 'user', 'system']),
  id: z.string().min(1).max(200),
});
export type Actor = z.infer<typeof actorSchema>;

/** A version-00 traceparent with a non-zero trace id and parent id (lowercase hex, as W3C Trace Context writes it). */
export const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export const metadataSchema = z.object({
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  actor: actorSchema,
  occurredAt: z.iso.datetime(),
  schemaVersion: z.number().int().positive(),
  /** the Bulwark server that decided it (host name and address); absent on events written before it was kept */
  server: z.object({ name: z.string().min(1).max(255), ip: z.string().max(64).nullable() }).optional(),
  /**
   * The W3C trace context of the request or consumer that appended it (`00-<trace id>-<parent id>-<flags>`), so a
   * consumer in another process continues the same trace; absent when the append had none, and on older events
   */
  traceparent: z.string().length(55).regex(TRACEPARENT).optional(),
});
export type EventMetadata = z.infer<typeof metadataSchema>;

/** An event as a decider sees it: plain typed data. */
export type DomainEvent<Type extends string = string, Data = Record<string, unknown>> = { type: Type; data: Data };

/** An event ready to append: the domain event plus its envelope. */
export type NewEvent<E extends DomainEvent = DomainEvent> = E & { eventId: string; metadata: EventMetadata };

/** An event as stored: with its stream, its revision in the stream and its global position. */
export type RecordedEvent<E extends DomainEvent = DomainEvent> = NewEvent<E> & {
  streamId: string;
  revision: number;
  position: number;
};
