import { EventRegistry, partitionKeyOf, RecordedEvent } from '@bulwark/contracts';

/** The Kafka record of a committed event: its envelope with the contract's private fields left out. */
export function encodeEvent(registry: EventRegistry, event: RecordedEvent) {
  const value = {
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    data: registry.publicData(event.type, event.data),
    metadata: event.metadata,
  };
  const headers: Record<string, string> = { eventId: event.eventId, type: event.type, schemaVersion: String(event.metadata.schemaVersion) };
  // W3C Trace Context over Kafka: a consumer's tracing picks its parent from here without parsing the value
  if (event.metadata.traceparent) headers.traceparent = event.metadata.traceparent;
  return { key: partitionKeyOf(event), value: JSON.stringify(value), headers };
}

/**
 * Decodes and validates a record, upcast to its type's current shape (a record published by an older build, or
 * replayed from the topic, may carry an older version); an unknown or invalid event throws, which stops the consumer.
 */
export function decodeEvent(registry: EventRegistry, value: Buffer | null): RecordedEvent {
  if (!value) throw new Error('empty Kafka record on the events topic');
  const event = JSON.parse(value.toString('utf8')) as RecordedEvent;
  return registry.decodePublic(event) as RecordedEvent;
}
