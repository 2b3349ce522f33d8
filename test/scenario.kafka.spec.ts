import { eventRegistry, RecordedEvent, streams } from '@bulwark/contracts';
import { decodeEvent } from '@bulwark/messaging';
import { randomUUID } from 'node:crypto';
import { envelope, SqliteEventStore } from '@bulwark/event-store';
import path from 'node:path';
import { Embedded, startEmbedded } from './support/embedded';
import { kafkaBrokers, readTopicUntil } from './support/kafka';
import { runScenario } from './support/scenario';

const brokers = kafkaBrokers();

/** Reads the events topic from the beginning with a fresh consumer group until `done` says so. */
const topic = `bulwark.events.test-${randomUUID().slice(0, 8)}`;
const consumeUntil = (done: (events: RecordedEvent[]) => boolean) =>
  readTopicUntil(brokers!, topic, (message) => decodeEvent(eventRegistry, message.value), done);

// Without KAFKA_BROKERS outside CI the suite is skipped with a message saying how to run it (see support/kafka.ts).
(brokers ? describe : describe.skip)('the spine scenario over a real Kafka broker (relay + consumer groups)', () => {
  let bulwark: Embedded;
  const userId = `alice-${randomUUID().slice(0, 8)}`;
  // a topic of its own: positions in it belong to this test's event store only
  const serviceEnv = { KAFKA_BROKERS: brokers?.join(',') ?? '', BULWARK_DELIVERY: 'kafka', BULWARK_EVENTS_TOPIC: topic, BULWARK_SERVICE_NAME: `bulwark-test-${randomUUID().slice(0, 8)}` };

  beforeAll(async () => {
    bulwark = await startEmbedded({ env: serviceEnv });
  }, 60_000);

  afterAll(async () => {
    await bulwark?.close();
  }, 60_000);

  it('runs the scenario with every consumer fed from Kafka', async () => {
    const health = await bulwark.as(null).get('/health');
    expect(health.body).toMatchObject({ delivery: 'kafka', kafka: { status: 'up', encoding: 'fast' } });
    await runScenario(bulwark, userId);
  }, 60_000);

  it('publishes all of the user’s events to bulwark.events.v1 in commit order, each once, with no secret', async () => {
    const committed = [...(await bulwark.store.readStream(streams.userMfa(userId))), ...(await bulwark.store.readStream(streams.userSessions(userId)))].sort(
      (a, b) => a.position - b.position,
    );
    const ids = new Set(committed.map((event) => event.eventId));
    const read = await consumeUntil((events) => events.filter((event) => ids.has(event.eventId)).length >= committed.length);
    const users = read.filter((event) => ids.has(event.eventId));
    expect(users.map((event) => event.eventId)).toEqual(committed.map((event) => event.eventId));
    expect(users.map((event) => event.type)).toEqual(expect.arrayContaining(['MethodRegistered', 'MfaDenied', 'AccountLockedOut', 'MfaApproved', 'SuspiciousActivityReported', 'SessionsRevoked']));
    const added = users.find((event) => event.type === 'AuthenticatorAppAdded')!;
    expect(added.data).not.toHaveProperty('secret');
    expect(JSON.stringify(users)).not.toMatch(/ciphertext/);
  }, 60_000);

  it('loses nothing across a crash: an event committed while the relay was down is published on restart', async () => {
    const { dataDir, clock } = bulwark;
    await bulwark.close();
    // the process died right after a commit: the event is in the store, the relay never saw it
    const store = new SqliteEventStore(path.join(dataDir, 'events.db'), eventRegistry);
    const [revoked] = envelope([{ type: 'SessionsRevoked', data: { userId, reason: 'crash test', at: clock.now().toISOString() } }], {
      correlationId: randomUUID(),
      actor: { type: 'admin', id: 'test' },
      now: clock.now(),
    });
    const { position } = await store.append(streams.userSessions(userId), [revoked!], { expectedRevision: 'any' });
    await store.close();

    bulwark = await startEmbedded({ dataDir, clock, env: serviceEnv });
    const read = await consumeUntil((events) => events.some((event) => event.position === position));
    expect(read.filter((event) => event.eventId === revoked!.eventId)).toHaveLength(1);
  }, 60_000);
});
