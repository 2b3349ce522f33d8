import { streams } from '@bulwark/contracts';
import { startTracing, stopTracing } from '@bulwark/platform';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { randomBytes, randomUUID } from 'node:crypto';
import { Embedded, startEmbedded } from './support/embedded';
import { kafkaBrokers, readTopicUntil } from './support/kafka';

const brokers = kafkaBrokers();

type Record = { headers: { [name: string]: string | undefined } };

/** The headers of the events topic's records, read from the beginning with a fresh group, until `done` says so. */
const headersUntil = (topic: string, done: (records: Record[]) => boolean) =>
  readTopicUntil(brokers!, topic, (message): Record => ({ headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, value?.toString()])) }), done);

// Without KAFKA_BROKERS outside CI the suite is skipped with a message saying how to run it (see support/kafka.ts).
(brokers ? describe : describe.skip)('a trace through Kafka', () => {
  const exporter = new InMemorySpanExporter();
  const topic = `bulwark.events.test-${randomUUID().slice(0, 8)}`;
  let bulwark: Embedded;

  beforeAll(async () => {
    startTracing('off', 'test', exporter);
    bulwark = await startEmbedded({
      env: { KAFKA_BROKERS: brokers?.join(',') ?? '', BULWARK_DELIVERY: 'kafka', BULWARK_EVENTS_TOPIC: topic, BULWARK_SERVICE_NAME: `bulwark-test-${randomUUID().slice(0, 8)}` },
    });
  }, 60_000);

  afterAll(async () => {
    await bulwark?.close();
    await stopTracing();
  }, 60_000);

  it('carries the request’s traceparent in the record’s headers, and the consumers fed from Kafka join its trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const userId = `carol-${randomUUID().slice(0, 8)}`;
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const blocked = await bulwark.as('admin').post(`/v1/users/${userId}/block`, { reason: 'suspected takeover', days: 1 }, { traceparent });
    expect(blocked.status).toBe(200);
    const [event] = await bulwark.store.readStream(streams.userProtection(userId));

    const records = await headersUntil(topic, (read) => read.some((record) => record.headers.eventId === event!.eventId));
    const record = records.find((candidate) => candidate.headers.eventId === event!.eventId)!;
    expect(record.headers).toMatchObject({ type: 'UserBlocked', traceparent: event!.metadata.traceparent });
    expect(record.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // the reactions to a block read it from Kafka, each in a span of the request's trace
    await bulwark.consumers.catchUp();
    const inTrace = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CONSUMER && span.spanContext().traceId === traceId);
    const ofTheBlock = inTrace.filter((span) => span.attributes['bulwark.event.id'] === event!.eventId);
    expect(ofTheBlock.map((span) => span.name)).toEqual(expect.arrayContaining(['reaction:revoke-sessions-of-blocked-users UserBlocked']));
    for (const span of ofTheBlock) expect(span.parentSpanContext?.spanId).toBe(record.headers.traceparent!.slice(36, 52));
    // what the reaction appended (the revocation) is consumed in the same trace, under the reaction's span
    const [revoked] = await bulwark.store.readStream(streams.userSessions(userId));
    expect(revoked).toMatchObject({ type: 'SessionsRevoked', metadata: { traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-`)) } });
  }, 60_000);
});
