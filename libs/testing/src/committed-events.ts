import { Actor, RecordedEvent } from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';

/**
 * Committed events for projection specifications: each one second after the one before and at the next position,
 * with that second as its `at` and `occurredAt`. The stream is named from the event (a user's MFA stream unless
 * `streamOf` says otherwise); an event may name another actor than the factory's.
 */
export function committedEvents(options: { actor: Actor; start?: string; streamOf?: (type: string, data: Record<string, unknown>) => string }) {
  let clock = Date.parse(options.start ?? '2026-03-01T10:00:00.000Z');
  let position = 0;
  const streamOf = options.streamOf ?? ((_type: string, data: Record<string, unknown>) => `user_mfa-${String(data.userId)}`);
  return (type: string, data: Record<string, unknown>, actor: Actor = options.actor): RecordedEvent => {
    clock += 1000;
    const at = new Date(clock).toISOString();
    return {
      eventId: randomUUID(),
      type,
      data: { ...data, at },
      metadata: { correlationId: `corr-${type}`, causationId: null, actor, occurredAt: at, schemaVersion: 1 },
      streamId: streamOf(type, data),
      revision: 0,
      position: ++position,
    };
  };
}
