import { RecordedEvent } from '@bulwark/contracts';
import { EventConsumer, EventStore } from '@bulwark/event-store';
import { IHeaders } from 'kafkajs';
import { ExportFormat, ExportOptions, exportRecord, ReplayMark } from '../formats';

/** What the exporter needs of a Kafka producer: an acknowledged send (acks=all). */
export type TopicSender = {
  send(record: { topic: string; acks: number; messages: Array<{ key: string; value: string; headers: IHeaders }> }): Promise<unknown>;
};

export const REPLAY_HEADER = 'bulwark-replay';

/** The Kafka messages of a batch in one format: keyed by user, headers naming the event (and a replay). */
export function topicMessages(format: ExportFormat, events: RecordedEvent[], options: ExportOptions, replay: ReplayMark | null = null) {
  return events.map((event) => {
    const record = exportRecord(format, event, { ...options, replay });
    const headers: IHeaders = { eventId: record.eventId, eventType: event.type, format, position: String(event.position) };
    if (replay) headers[REPLAY_HEADER] = replay.jobId;
    return { key: record.key, value: record.line, headers };
  });
}

/** A broker refuses a request over its message.max.bytes (1 MiB by default): send a batch in slices well under it. */
const CHUNK_BYTES = 512 * 1024;

/** Sends in order, one slice after the other's acknowledgement; resolves when all are acknowledged. */
export async function sendInChunks(producer: TopicSender, topic: string, messages: Array<{ key: string; value: string; headers: IHeaders }>): Promise<void> {
  let chunk: typeof messages = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.value) + Buffer.byteLength(message.key) + 200;
    if (chunk.length && bytes + size > CHUNK_BYTES) {
      await producer.send({ topic, acks: -1, messages: chunk });
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length) await producer.send({ topic, acks: -1, messages: chunk });
}

/**
 * Exports every committed event to one SIEM topic (`bulwark.<format>.v1`), in commit order, keyed by user so a
 * user's records keep their order in one partition. Like the domain relay, it saves its checkpoint (a store
 * position) only after Kafka acknowledged the batch from an idempotent producer: stopped or killed at any moment,
 * it resumes after the last acknowledged batch, so nothing is lost and only the unacknowledged tail may be sent
 * twice, with the same event id (OCSF metadata.uid, ECS event.id, CEF externalId) for consumers to drop.
 */
export class SiemTopicExporter implements EventConsumer {
  readonly name: string;

  constructor(
    private readonly store: Pick<EventStore, 'checkpoints'>,
    private readonly producer: () => TopicSender,
    readonly format: ExportFormat,
    readonly topic: string,
    private readonly options: ExportOptions,
  ) {
    // the topic is in the name: pointing a format at a new topic exports the whole history there
    this.name = `siem-export:${format}:${topic}`;
  }

  async loadCheckpoint(): Promise<number> {
    return (await this.store.checkpoints.load(this.name)) ?? 0;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    await sendInChunks(this.producer(), this.topic, topicMessages(this.format, batch, this.options));
    await this.store.checkpoints.save(this.name, batch[batch.length - 1]!.position);
  }
}
