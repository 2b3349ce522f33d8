import { RecordedEvent } from '@bulwark/contracts';
import { EventConsumer, EventStore } from '@bulwark/event-store';
import { IHeaders } from 'kafkajs';
import { describeEvent, ExportFormat, ExportOptions, exportRecord, ReplayMark } from '../formats';

/** What the exporter needs of a Kafka producer: an acknowledged send (acks=all). */
export type TopicSender = {
  send(record: { topic: string; acks: number; messages: TopicMessage[] }): Promise<unknown>;
};

export const REPLAY_HEADER = 'bulwark-replay';

export type TopicMessage = { key: string; value: string; headers: IHeaders };

/** The Kafka message of one event in one format: keyed by user, headers naming the event (and a replay). */
export function topicMessage(format: ExportFormat, event: RecordedEvent, options: ExportOptions, replay: ReplayMark | null = null): TopicMessage {
  const record = exportRecord(format, event, { ...options, replay });
  const headers: IHeaders = { eventId: record.eventId, eventType: event.type, format, position: String(event.position) };
  if (replay) headers[REPLAY_HEADER] = replay.jobId;
  // the trace of the request that caused the event, for a SIEM pipeline that traces (absent when it had none)
  if (event.metadata.traceparent) headers.traceparent = event.metadata.traceparent;
  return { key: record.key, value: record.line, headers };
}

/** The Kafka messages of a batch in one format. */
export function topicMessages(format: ExportFormat, events: RecordedEvent[], options: ExportOptions, replay: ReplayMark | null = null): TopicMessage[] {
  return events.map((event) => topicMessage(format, event, options, replay));
}

/** A broker refuses a request over its message.max.bytes (1 MiB by default): send a batch in slices well under it. */
const CHUNK_BYTES = 512 * 1024;

/** The messages in slices of at most CHUNK_BYTES (at least one message each), taken from `messages` as each slice is asked for. */
export function* slices(messages: Iterable<TopicMessage>): Generator<TopicMessage[]> {
  let chunk: TopicMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.value) + Buffer.byteLength(message.key) + 200;
    if (chunk.length && bytes + size > CHUNK_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length) yield chunk;
}

/**
 * Sends the messages in order, in slices, each after the previous one's acknowledgement; resolves when all are
 * acknowledged. `messages` may be lazy (mapped as they are taken): the next slice is taken, that is mapped, while the
 * broker handles the one in flight, after kafkajs has encoded and written it. One slice is in flight at a time, so
 * a retried slice can never be overtaken by the next.
 */
export async function sendInChunks(producer: TopicSender, topic: string, messages: Iterable<TopicMessage>): Promise<void> {
  const chunks = slices(messages);
  let chunk = chunks.next();
  while (!chunk.done) {
    const sending = producer.send({ topic, acks: -1, messages: chunk.value });
    // handled now, awaited below: a failure while the next slice is mapped is not an unhandled rejection
    sending.catch(() => undefined);
    try {
      // kafkajs encodes and writes the request within the microtasks that follow send(): let them run first
      await new Promise<void>((resolve) => setImmediate(resolve));
      chunk = chunks.next();
    } finally {
      await sending;
    }
  }
}

/** The events' messages, each mapped when it is taken. */
export function* lazily<T>(events: T[], map: (event: T) => TopicMessage): Generator<TopicMessage> {
  for (const event of events) yield map(event);
}

/** One of `count` exporters of a topic, each on its own thread with its own producer, exporting a share of the users. */
export type Share = { index: number; count: number };

export const WHOLE: Share = { index: 0, count: 1 };

/** The exporter's checkpoint name. The topic is in it: pointing a format at a new topic exports the whole history there. */
export const exporterName = (format: ExportFormat, topic: string, share: Share) =>
  `siem-export:${format}:${topic}${share.count > 1 ? `#${share.index + 1}of${share.count}` : ''}`;

/**
 * Which share an event belongs to: by its user (else its stream), so that all of a user's records go through one
 * producer and keep their commit order in their partition. FNV-1a of the raw user id: stable across restarts.
 */
export function shareOf(event: RecordedEvent, count: number): number {
  if (count === 1) return 0;
  const key = describeEvent(event as Parameters<typeof describeEvent>[0]).userId ?? event.streamId;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
}

/**
 * Exports every committed event to one SIEM topic (`bulwark.<format>.v1`), in commit order, keyed by user so a
 * user's records keep their order in one partition. Like the domain relay, it saves its checkpoint (a store
 * position) only after Kafka acknowledged the batch from an idempotent producer: stopped or killed at any moment,
 * it resumes after the last acknowledged batch, so nothing is lost and only the unacknowledged tail may be sent
 * twice, with the same event id (OCSF metadata.uid, ECS event.id, CEF externalId) for consumers to drop.
 *
 * With a share of several (BULWARK_SIEM_THREADS_PER_TOPIC), it exports only its users' events and keeps a checkpoint
 * of its own; a share without one yet starts at the whole topic's checkpoint, so changing the number of threads
 * leaves no gap (only records re-sent since that checkpoint).
 */
export class SiemTopicExporter implements EventConsumer {
  readonly name: string;

  constructor(
    private readonly store: Pick<EventStore, 'checkpoints'>,
    private readonly producer: () => TopicSender,
    readonly format: ExportFormat,
    readonly topic: string,
    private readonly options: ExportOptions,
    readonly share: Share = WHOLE,
  ) {
    this.name = exporterName(format, topic, share);
  }

  async loadCheckpoint(): Promise<number> {
    const own = await this.store.checkpoints.load(this.name);
    if (own !== null || this.share.count === 1) return own ?? 0;
    return (await this.store.checkpoints.load(exporterName(this.format, this.topic, WHOLE))) ?? 0;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    const { index, count } = this.share;
    const mine = count === 1 ? batch : batch.filter((event) => shareOf(event, count) === index);
    if (mine.length) await sendInChunks(this.producer(), this.topic, lazily(mine, (event) => topicMessage(this.format, event, this.options)));
    await this.store.checkpoints.save(this.name, batch[batch.length - 1]!.position);
  }
}
