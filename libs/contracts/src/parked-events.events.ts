import { z } from 'zod';
import { EventContract } from './registry';

/**
 * An operator's decision that consumers go on past a stored event they cannot read (stream `parked_events-store`):
 * the event stays in the store as evidence, and this says who set it aside, when and why.
 */
export const eventParked = z.object({
  /** the global position of the parked event */
  position: z.int().positive(),
  eventId: z.string().min(1).max(200),
  eventType: z.string().min(1).max(200),
  streamId: z.string().min(1).max(500),
  /** why it cannot be read, as the reader said when it stopped */
  problem: z.string().max(2000),
  reason: z.string().min(1).max(1000),
  /** the operator who parked it */
  by: z.string().min(1).max(200),
  at: z.iso.datetime(),
});

export type EventParked = { type: 'EventParked'; data: z.infer<typeof eventParked> };

export const parkedEventContracts: EventContract[] = [{ type: 'EventParked', schemaVersion: 1, schema: eventParked }];
