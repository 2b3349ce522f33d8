/**
 * What one event costs the exporter's thread, stage by stage, measured in this process on events of the filled
 * store: reading them (SQLite, JSON.parse, the registry's validation), mapping them into one format's Kafka
 * messages (exactly what SiemTopicExporter sends), and kafkajs encoding those messages into produce requests
 * as it does on send (record batches with CRC-32C, no compression), with libs/messaging's kafka-encoding.ts. Each stage is timed several times and the
 * fastest run kept: on a shared machine the minimum is the number least disturbed by other work.
 */
import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import { SqliteEventStore } from '@bulwark/event-store';
import { useFastKafkaEncoding } from '@bulwark/messaging';
import { performance } from 'node:perf_hooks';
import { ExportFormat } from '../../../apps/siem-export/src/formats';
import { slices, TopicMessage, topicMessages } from '../../../apps/siem-export/src/kafka/siem-topic-exporter';
import { exportOptionsFor, SiemSettings } from '../../../apps/siem-export/src/siem-settings';

type ProduceRequest = (request: object) => { encode(): Promise<{ buffer: Buffer }> };

/**
 * kafkajs's own produce request (the one its producer sends to a 3.x broker), for its encoding cost alone, with the
 * encoding the exporters' producers use (durableProducer installs it): loaded after the swap, like theirs.
 */
function produceRequest(): ProduceRequest {
  useFastKafkaEncoding();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('kafkajs/src/protocol/requests/produce/v3/request') as ProduceRequest;
}

export type StageCosts = {
  events: number;
  repetitions: number;
  /** microseconds of one thread per event */
  readMicros: number;
  mapMicros: Record<string, number>;
  encodeMicros: Record<string, number>;
  /** 1e6 / (read + map + encode): the events/s one thread could export if nothing else took time */
  oneThreadCeiling: { oneFormat: number; allFormats: number };
};

export async function measureStageCosts(file: string, settings: SiemSettings, formats: ExportFormat[], events = 20_000, repetitions = 5): Promise<StageCosts> {
  const store = new SqliteEventStore(file, eventRegistry);
  let batch: RecordedEvent[] = [];
  const read = await fastest(repetitions, async () => {
    batch = [];
    while (batch.length < events) {
      const next = await store.readAll({ after: batch.length ? batch[batch.length - 1]!.position : 0, maxCount: 1000 });
      if (!next.length) break;
      batch.push(...next);
    }
  });
  await store.close();
  const count = batch.length;
  const mapMicros: Record<string, number> = {};
  const encodeMicros: Record<string, number> = {};
  for (const format of formats) {
    const options = exportOptionsFor(settings, format);
    let messages: ReturnType<typeof topicMessages> = [];
    mapMicros[format] = perEvent(await fastest(repetitions, async () => void (messages = topicMessages(format, batch, options))), count);
    const requests = produceRequestsOf(`bench.${format}`, messages);
    encodeMicros[format] = perEvent(await fastest(repetitions, async () => void (await Promise.all(requests.map((request) => request.encode())))), count);
  }
  const readMicros = perEvent(read, count);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const first = formats[0]!;
  return {
    events: count,
    repetitions,
    readMicros,
    mapMicros,
    encodeMicros,
    oneThreadCeiling: {
      oneFormat: Math.round(1e6 / (readMicros + mapMicros[first]! + encodeMicros[first]!)),
      allFormats: Math.round(1e6 / (readMicros + sum(Object.values(mapMicros)) + sum(Object.values(encodeMicros)))),
    },
  };
}

/** The messages in the exporter's 512 KiB slices over three partitions, as sendInChunks and the producer would send them. */
function produceRequestsOf(topic: string, messages: TopicMessage[]) {
  const request = produceRequest();
  return [...slices(messages)].map((chunk) => {
    const partitions = [0, 1, 2].map((partition) => ({ partition, firstSequence: 0, messages: chunk.filter((_, index) => index % 3 === partition) }));
    return request({ acks: -1, timeout: 30_000, topicData: [{ topic, partitions }] });
  });
}

async function fastest(repetitions: number, run: () => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    await run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const perEvent = (ms: number, events: number) => Number(((ms * 1000) / Math.max(1, events)).toFixed(1));
