import { eventRegistry } from '@bulwark/contracts';
import { ConsumerThread, EventStoreDbEventStore, pollingSource, serveConsumerThread, SqliteEventStore, threadEntry } from '@bulwark/event-store';
import { durableProducer } from '@bulwark/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { ExportFormat, ExportOptions } from '../formats';
import { exporterName, Share, SiemTopicExporter, TopicSender } from './siem-topic-exporter';

/**
 * One SIEM exporter (a format's topic, or a share of its users) on a worker thread of its own, with its own
 * connection to the event store and its own idempotent producer: the export's mapping and Kafka encoding are
 * CPU-bound, so exporters on separate threads use separate cores. The checkpoint rules are SiemTopicExporter's.
 */
export type ExportThreadData = {
  /** the embedded store's file (read by polling the head), or EventStoreDB's connection string */
  store: { file: string } | { connectionString: string };
  kafka: { clientId: string; brokers: string[] };
  format: ExportFormat;
  topic: string;
  options: ExportOptions;
  share: Share;
  batchSize: number;
  pollMs: number;
  /** post an `acknowledged` notice per acknowledged send (the benchmark's lag measurement) */
  reportAcknowledgements: boolean;
};

/** Posted per acknowledged send when asked: the store positions it carried, their characters, and when (epoch ms). */
export type Acknowledged = { type: 'acknowledged'; topic: string; positions: number[]; chars: number; atEpochMs: number };

/** The thread's side (export.thread.ts). */
export async function runExportThread(): Promise<void> {
  const data = workerData as ExportThreadData;
  const store = 'file' in data.store ? new SqliteEventStore(data.store.file, eventRegistry) : new EventStoreDbEventStore(data.store.connectionString, eventRegistry);
  const producer = durableProducer(new Kafka({ clientId: data.kafka.clientId, brokers: data.kafka.brokers, logLevel: logLevel.WARN }));
  await producer.connect();
  const sender: TopicSender = data.reportAcknowledgements
    ? {
        async send(record) {
          const result = await producer.send(record);
          const atEpochMs = performance.timeOrigin + performance.now();
          let chars = 0;
          const positions = record.messages.map((message) => ((chars += message.value.length), Number(message.headers.position)));
          parentPort!.postMessage({ type: 'acknowledged', topic: record.topic, positions, chars, atEpochMs } satisfies Acknowledged);
          return result;
        },
      }
    : producer;
  const exporter = new SiemTopicExporter(store, () => sender, data.format, data.topic, data.options, data.share);
  const source = store instanceof SqliteEventStore ? pollingSource(store, data.pollMs) : store;
  serveConsumerThread(source, exporter, { batchSize: data.batchSize }, async () => {
    await producer.disconnect();
    await store.close();
  });
}

/** The main thread's side: starts the exporter's thread. */
export function startExportThread(data: ExportThreadData, headPosition: () => Promise<number>): ConsumerThread {
  return ConsumerThread.start(exporterName(data.format, data.topic, data.share), threadEntry(__dirname, 'export.thread'), data, headPosition);
}
