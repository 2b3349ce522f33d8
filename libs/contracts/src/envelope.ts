import { z } from 'zod';

/** Who caused an event: a role-authenticated caller or the system itself. */
export const actorSchema = z.object({
  type: z.enum(['admin', 'analyst', 'siem', 'app', 'user', 'system']),
  id: z.string().min(1).max(200),
});
export type Actor = z.infer<typeof actorSchema>;

export const metadataSchema = z.object({
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  actor: actorSchema,
  occurredAt: z.iso.datetime(),
  schemaVersion: z.number().int().positive(),
  /** the Bulwark server that decided it (host name and address); absent on events written before it was kept */
  server: z.object({ name: z.string().min(1).max(255), ip: z.string().max(64).nullable() }).optional(),
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
