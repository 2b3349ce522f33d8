/**
 * The contract every EventStore adapter keeps, as one Jest suite run against each adapter
 * (see event-store.contract.spec.ts). Test-only: nothing in the application imports this file.
 */
import {
  ANY,
  jsonEvent,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type EventData,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
} from '@eventstore/db-client';
import {
  InvalidEventError,
  LockoutSettingsChanged,
  NewEvent,
  RecordedEvent,
  SessionsRevoked,
  UnknownEventTypeError,
} from '@bulwark/contracts';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Decider, handleCommand } from './command-handler';
import { EventStore, WrongExpectedRevisionError } from './event-store.port';
import type { EventStoreDbClientLike } from './eventstoredb-event-store';
import { EventConsumer, StoreSubscription } from './subscription';
import { UnreadableEventError } from './store-errors';
import { parkEvent, ParkRefusedError } from './parked-events';

/** One adapter under test, with a fresh store per test. */
export type ContractHarness = {
  store: EventStore;
  /** Closes the store and opens it again on the same data. */
  reopen(): Promise<EventStore>;
  /**
   * Whether the store starts empty. A shared server (a live EventStoreDB) holds earlier runs'
   * events, so tests there work after the head position they start from.
   */
  fresh: boolean;
  /** Stores an event behind the adapter's back (as a future build would). Absent where that would poison a shared store. */
  plant?(streamId: string, event: { eventId: string; type: string; data: unknown; metadata: unknown }): Promise<void>;
  dispose(): Promise<void>;
};

const actor = { type: 'system', id: 'event-store-contract' } as const;

function metadata(at: string) {
  return { correlationId: randomUUID(), causationId: null, actor, occurredAt: at, schemaVersion: 1 };
}

export function sessionsRevoked(userId: string, reason: string | null = null): NewEvent<SessionsRevoked> {
  const at = new Date().toISOString();
  return { type: 'SessionsRevoked', data: { userId, reason, at }, eventId: randomUUID(), metadata: metadata(at) };
}

export function lockoutSettingsChanged(version: number): NewEvent<LockoutSettingsChanged> {
  const at = new Date().toISOString();
  return {
    type: 'LockoutSettingsChanged',
    data: { denialsBeforeLockout: 5, counterResetMinutes: 15, autoUnlockMinutes: 30, version, at },
    eventId: randomUUID(),
    metadata: metadata(at),
  };
}

/** Stream names unique per test, so a shared server's earlier runs never collide with this one. */
const sessionsStream = () => `user_sessions-${randomUUID()}`;
const settingsStream = () => `mfa_settings-${randomUUID()}`;

const ids = (events: { eventId: string }[]) => events.map((event) => event.eventId);

async function conflictOf(attempt: Promise<unknown>): Promise<WrongExpectedRevisionError> {
  const error = await attempt.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  return error as WrongExpectedRevisionError;
}

/** Everything committed after `after`, read in small pages the way a subscription does. */
async function readAllAfter(store: EventStore, after: number, pageSize = 7): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let position = after; ; ) {
    const page = await store.readAll({ after: position, maxCount: pageSize });
    if (!page.length) return events;
    // a store that hands back the event at `after` would loop here forever: fail instead
    if (page[0]!.position <= position) throw new Error(`readAll after ${position} returned position ${page[0]!.position}`);
    events.push(...page);
    position = page[page.length - 1]!.position;
  }
}

function expectIncreasing(positions: number[]): void {
  positions.slice(1).forEach((position, index) => expect(position).toBeGreaterThan(positions[index]!));
}

/** A consumer that keeps its checkpoint in the store's CheckpointStore, as a durable consumer would. */
class RecordingConsumer implements EventConsumer {
  readonly handled: RecordedEvent[] = [];

  constructor(
    private readonly store: EventStore,
    readonly name: string,
    private readonly startAt: number,
    private readonly failOn?: (event: RecordedEvent) => boolean,
  ) {}

  async loadCheckpoint(): Promise<number> {
    return (await this.store.checkpoints.load(this.name)) ?? this.startAt;
  }

  async handle(batch: RecordedEvent[]): Promise<void> {
    if (this.failOn && batch.some(this.failOn)) throw new Error(`${this.name} cannot handle this batch`);
    this.handled.push(...batch);
    await this.store.checkpoints.save(this.name, batch[batch.length - 1]!.position);
  }
}

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type CounterCommand = { type: 'Increment'; at: string };

/** The smallest decider that shows lost updates: every increment must land exactly once. */
const counter: Decider<CounterCommand, LockoutSettingsChanged, number> = {
  initialState: () => 0,
  evolve: (_count, event) => event.data.version,
  decide: (command, count) => [
    {
      type: 'LockoutSettingsChanged',
      data: { denialsBeforeLockout: 5, counterResetMinutes: 15, autoUnlockMinutes: 30, version: count + 1, at: command.at },
    },
  ],
};

export type ContractOptions = {
  /** A fresh harness for each test. */
  open: () => Promise<ContractHarness>;
  /** Whether the harness can plant foreign events (see ContractHarness.plant); decided up front so a skipped test shows as skipped. */
  canPlant: boolean;
};

export function describeEventStoreContract(adapter: string, { open, canPlant }: ContractOptions): void {
  describe(`${adapter} keeps the EventStore contract`, () => {
    let harness: ContractHarness;
    let store: EventStore;
    /** The head when the test started: a shared store already holds events before it. */
    let start: number;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      start = await store.headPosition();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    /** Our own events among everything read (a shared server may hold other writers' events too). */
    const ours = (events: RecordedEvent[], streams: string[]) => events.filter((event) => streams.includes(event.streamId));

    describe('appending and reading a stream', () => {
      it('reads back what it appended, in order, with revisions and positions', async () => {
        const stream = sessionsStream();
        const events = [sessionsRevoked('u1', 'first'), sessionsRevoked('u1', 'second')];

        const result = await store.append(stream, events, { expectedRevision: 'no_stream' });

        const stored = await store.readStream(stream);
        expect(stored).toEqual(events.map((event, revision) => ({ ...event, streamId: stream, revision, position: expect.any(Number) })));
        expect(result.nextExpectedRevision).toBe(1);
        expect(stored[0]!.position).toBeGreaterThan(start);
        expectIncreasing(stored.map((event) => event.position));
        expect(result.position).toBe(stored[1]!.position);
      });

      it('reads an empty array for a stream that does not exist', async () => {
        await expect(store.readStream(sessionsStream())).resolves.toEqual([]);
      });

      it('reads from a revision on, and nothing past the end', async () => {
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1', 'a'), sessionsRevoked('u1', 'b'), sessionsRevoked('u1', 'c')], { expectedRevision: 'no_stream' });
        expect((await store.readStream(stream, { fromRevision: 1 })).map((event) => [event.revision, event.data.reason])).toEqual([
          [1, 'b'],
          [2, 'c'],
        ]);
        expect(await store.readStream(stream, { fromRevision: 3 })).toEqual([]);
      });
    });

    describe('expected revisions', () => {
      it('no_stream refuses a stream that exists, reporting its revision', async () => {
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });

        const conflict = await conflictOf(store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' }));

        expect(conflict).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0, code: 'WRONG_EXPECTED_REVISION' });
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('an exact revision appends when it matches and refuses a stale one with the actual revision', async () => {
        const stream = sessionsStream();
        const first = await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });
        const second = await store.append(stream, [sessionsRevoked('u1'), sessionsRevoked('u1')], { expectedRevision: first.nextExpectedRevision });
        expect(second.nextExpectedRevision).toBe(2);

        const conflict = await conflictOf(store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 1 }));

        expect(conflict).toMatchObject({ expected: 1, actual: 2 });
        expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2]);
      });

      it('an exact revision on a missing stream reports no_stream', async () => {
        const conflict = await conflictOf(store.append(sessionsStream(), [sessionsRevoked('u1')], { expectedRevision: 0 }));
        expect(conflict).toMatchObject({ expected: 0, actual: 'no_stream' });
      });

      it('any appends whatever the revision', async () => {
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'any' });
        const result = await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('50 concurrent appends at the same expected revision: exactly one wins', async () => {
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });

        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, index) => store.append(stream, [sessionsRevoked('u1', `attempt ${index}`)], { expectedRevision: 0 })),
        );

        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(49);
        lost.forEach((error) => expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', expected: 0, actual: 1 }));
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('concurrent appends to different streams all succeed', async () => {
        const streams = Array.from({ length: 30 }, sessionsStream);

        const results = await Promise.all(streams.map((stream) => store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' })));

        expect(new Set(results.map((result) => result.position)).size).toBe(streams.length);
        const read = ours(await readAllAfter(store, start, 500), streams);
        expect(read).toHaveLength(streams.length);
        expect(read.map((event) => event.position).sort((a, b) => a - b)).toEqual(results.map((result) => result.position).sort((a, b) => a - b));
      });
    });

    describe('idempotent appends', () => {
      it('stores events once when the same eventIds are appended again, and returns the same result', async () => {
        const stream = sessionsStream();
        const events = [sessionsRevoked('u1'), sessionsRevoked('u1')];

        const first = await store.append(stream, events, { expectedRevision: 'no_stream' });
        const retried = await store.append(stream, events, { expectedRevision: 'no_stream' });

        expect(retried).toEqual(first);
        expect(ids(await store.readStream(stream))).toEqual(ids(events));
      });

      it('recognises a retry even after someone else appended to the stream', async () => {
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });
        const mine = [sessionsRevoked('u1', 'mine')];
        const first = await store.append(stream, mine, { expectedRevision: 0 });
        await store.append(stream, [sessionsRevoked('u1', 'theirs')], { expectedRevision: 1 });

        const retried = await store.append(stream, mine, { expectedRevision: 0 });

        expect(retried).toEqual(first);
        expect(await store.readStream(stream)).toHaveLength(3);
      });
    });

    describe('validation against libs/contracts', () => {
      it('refuses an unknown event type with a clear error and stores nothing', async () => {
        const stream = sessionsStream();
        const unknown = { ...sessionsRevoked('u1'), type: 'SessionsTeleported' };

        const refused = store.append(stream, [sessionsRevoked('u1'), unknown], { expectedRevision: 'no_stream' });

        await expect(refused).rejects.toBeInstanceOf(UnknownEventTypeError);
        await expect(refused).rejects.toThrow('unknown event type "SessionsTeleported"');
        expect(await store.readStream(stream)).toEqual([]);
        expect(await store.headPosition()).toBe(start);
      });

      it('refuses invalid data or metadata with the offending fields named, and stores nothing of the batch', async () => {
        const stream = settingsStream();
        const invalid = lockoutSettingsChanged(2);
        (invalid.data as { denialsBeforeLockout: number }).denialsBeforeLockout = 0;
        const noId = { ...lockoutSettingsChanged(3), eventId: 'not-a-uuid' };
        const badMetadata = { ...lockoutSettingsChanged(3), metadata: { ...lockoutSettingsChanged(3).metadata, occurredAt: 'yesterday' } };

        await expect(store.append(stream, [lockoutSettingsChanged(1), invalid], { expectedRevision: 'no_stream' })).rejects.toThrow(
          /invalid LockoutSettingsChanged event: data\.denialsBeforeLockout/,
        );
        await expect(store.append(stream, [noId], { expectedRevision: 'no_stream' })).rejects.toThrow(/eventId: must be a UUID/);
        await expect(store.append(stream, [badMetadata], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(InvalidEventError);
        expect(await store.readStream(stream)).toEqual([]);
        expect(await store.headPosition()).toBe(start);
      });

      (canPlant ? it : it.skip)('an unknown event already in the store stops readStream and readAll', async () => { // skipped on a live server: a planted event stays in its $all and would stop every later reader
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });
        const [known] = await store.readStream(stream);
        const future = sessionsRevoked('u1');
        await harness.plant!(stream, { eventId: future.eventId, type: 'SessionsRevokedEverywhere', data: future.data, metadata: future.metadata });

        // named by its position, id and type, with the registry's refusal as the reason and the cause
        const unreadable = { event: { eventId: future.eventId, eventType: 'SessionsRevokedEverywhere', streamId: stream }, cause: expect.any(UnknownEventTypeError) };
        await expect(store.readStream(stream)).rejects.toMatchObject(unreadable);
        await expect(readAllAfter(store, start)).rejects.toBeInstanceOf(UnreadableEventError);
        await expect(readAllAfter(store, start)).rejects.toMatchObject(unreadable);
        // the event before it is still readable: a reader stops exactly at the event it cannot read
        await expect(store.readAll({ after: start, maxCount: 1 })).resolves.toEqual([known]);
      });

      (canPlant ? it : it.skip)('stored data that no longer validates stops readers too', async () => { // skipped on a live server: a planted event stays in its $all and would stop every later reader
        const stream = sessionsStream();
        const broken = sessionsRevoked('u1');
        await harness.plant!(stream, { eventId: broken.eventId, type: broken.type, data: { reason: 42 }, metadata: broken.metadata });

        await expect(store.readStream(stream)).rejects.toThrow(/invalid SessionsRevoked event: data\.userId/);
        await expect(readAllAfter(store, start)).rejects.toMatchObject({ cause: expect.any(InvalidEventError) });
      });

      (canPlant ? it : it.skip)('an event stored in an older shape reads in its current one, from readStream and readAll', async () => { // skipped on a live server: see plant
        // as a build before channels wrote them: version 1, no channel, no code hash
        const userId = randomUUID();
        const stream = `user_mfa-${userId}`;
        const at = new Date().toISOString();
        const attempt = { userId, challengeId: 'ch-1', methodId: 'm-app', clientIp: '10.0.0.7', userAgent: null, appId: null, at };
        const old = [
          { eventId: randomUUID(), type: 'MfaChallengeIssued', data: { ...attempt, methodType: 'softwareOath', expiresAt: at }, metadata: metadata(at) },
          { eventId: randomUUID(), type: 'MfaApproved', data: { ...attempt, timeStep: 7, sessionId: 's-1' }, metadata: metadata(at) },
        ];
        for (const event of old) await harness.plant!(stream, event);

        const current = [
          { ...old[0]!, data: { ...old[0]!.data, channel: 'appCode', codeHash: null }, metadata: { ...old[0]!.metadata, schemaVersion: 2 } },
          { ...old[1]!, data: { ...old[1]!.data, channel: 'appCode' }, metadata: { ...old[1]!.metadata, schemaVersion: 2 } },
        ];
        expect(await store.readStream(stream)).toEqual(current.map((event, revision) => ({ ...event, streamId: stream, revision, position: expect.any(Number) })));
        expect(await store.readStream(stream, { types: ['MfaApproved'] })).toMatchObject([current[1]]);
        expect((await readAllAfter(store, start)).filter((event) => event.streamId === stream)).toMatchObject(current);
      });
    });

    describe('the global log', () => {
      it('reads events after a position in commit order, across streams', async () => {
        const [a, b] = [sessionsStream(), settingsStream()];
        const a1 = sessionsRevoked('u1');
        const b1 = lockoutSettingsChanged(1);
        const a2 = sessionsRevoked('u1');
        await store.append(a, [a1], { expectedRevision: 'no_stream' });
        await store.append(b, [b1], { expectedRevision: 'no_stream' });
        await store.append(a, [a2], { expectedRevision: 0 });

        const all = ours(await readAllAfter(store, start), [a, b]);
        expect(ids(all)).toEqual(ids([a1, b1, a2]));
        expectIncreasing(all.map((event) => event.position));
        expect(all.map((event) => [event.streamId, event.revision])).toEqual([[a, 0], [b, 0], [a, 1]]);

        const afterFirst = ours(await store.readAll({ after: all[0]!.position, maxCount: 100 }), [a, b]);
        expect(ids(afterFirst)).toEqual(ids([b1, a2]));
        const [next] = await store.readAll({ after: all[0]!.position, maxCount: 1 });
        expect(next!.position).toBeGreaterThan(all[0]!.position);
        expect(await store.readAll({ after: all[2]!.position, maxCount: 100 })).toEqual([]);
      });

      it('reads from 0: the first events of the log', async () => {
        const stream = sessionsStream();
        const events = [sessionsRevoked('u1'), sessionsRevoked('u1')];
        await store.append(stream, events, { expectedRevision: 'no_stream' });

        const first = await store.readAll({ after: 0, maxCount: 10 });

        if (harness.fresh) {
          expect(ids(first)).toEqual(ids(events));
        } else {
          expect(first.length).toBeGreaterThan(0);
        }
        expect(first[0]!.position).toBeGreaterThan(0);
        expectIncreasing(first.map((event) => event.position));
      });

      it('reports the head position: 0 when empty, then the last appended event', async () => {
        if (harness.fresh) expect(start).toBe(0);
        await store.append(sessionsStream(), [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });
        const last = await store.append(settingsStream(), [lockoutSettingsChanged(1), lockoutSettingsChanged(2)], { expectedRevision: 'no_stream' });

        expect(await store.headPosition()).toBe(last.position);
      });

      it('keeps everything across close and reopen', async () => {
        const stream = sessionsStream();
        const events = [sessionsRevoked('u1'), sessionsRevoked('u1')];
        const result = await store.append(stream, events, { expectedRevision: 'no_stream' });
        await store.checkpoints.save(`durable-${stream}`, result.position);
        const before = await store.readStream(stream);

        store = await harness.reopen();

        expect(await store.readStream(stream)).toEqual(before);
        expect(await store.headPosition()).toBe(result.position);
        expect(await store.checkpoints.load(`durable-${stream}`)).toBe(result.position);
        await expect(store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 1 })).resolves.toMatchObject({ nextExpectedRevision: 2 });
      });
    });

    describe('checkpoints', () => {
      it('loads null for an unknown consumer, then the last saved position, then null after a reset', async () => {
        const name = `consumer-${randomUUID()}`;
        expect(await store.checkpoints.load(name)).toBeNull();

        await store.checkpoints.save(name, 42);
        await store.checkpoints.save(name, 1234);
        expect(await store.checkpoints.load(name)).toBe(1234);

        await store.checkpoints.reset(name);
        expect(await store.checkpoints.load(name)).toBeNull();
        await store.checkpoints.save(name, 7);
        expect(await store.checkpoints.load(name)).toBe(7);
      });

      it('never shows checkpoints to readers of the log', async () => {
        const stream = sessionsStream();
        await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });
        await store.checkpoints.save(`hidden-${stream}`, 1);
        const last = await store.append(stream, [sessionsRevoked('u1')], { expectedRevision: 0 });
        await store.checkpoints.save(`hidden-${stream}`, 2);

        // a checkpoint reaching a reader would fail validation (its type is not in libs/contracts) and throw here
        const all = await readAllAfter(store, start);
        expect(ours(all, [stream])).toHaveLength(2);
        expect(await store.headPosition()).toBe(last.position);
      });
    });

    describe('StoreSubscription', () => {
      const quietly = () => undefined;

      it('delivers every event once, in commit order, including those appended while live', async () => {
        const streams = [sessionsStream(), sessionsStream(), settingsStream()];
        const appended: NewEvent[] = [];
        const appendRound = async (round: number) => {
          for (const [index, stream] of streams.entries()) {
            const event = index === 2 ? lockoutSettingsChanged(round + 1) : sessionsRevoked(`u${index}`);
            await store.append(stream, [event], { expectedRevision: round === 0 ? 'no_stream' : round - 1 });
            appended.push(event);
          }
        };
        await appendRound(0);
        await appendRound(1);
        const consumer = new RecordingConsumer(store, `sub-${randomUUID()}`, start);
        const subscription = new StoreSubscription(store, consumer, { batchSize: 4, idleWaitMs: 50, onFailure: quietly }).start();

        await subscription.catchUp();
        await appendRound(2);
        await appendRound(3);
        await subscription.catchUp();
        await subscription.stop();

        expect(ids(ours(consumer.handled, streams))).toEqual(ids(appended));
        expect(new Set(ids(consumer.handled)).size).toBe(consumer.handled.length);
        expectIncreasing(consumer.handled.map((event) => event.position));
        expect(subscription.status()).toMatchObject({ status: 'stopped', position: consumer.handled[consumer.handled.length - 1]!.position });
      });

      it('resumes after a restart from the consumer checkpoint: no gap, no repeat', async () => {
        const stream = sessionsStream();
        const name = `sub-${randomUUID()}`;
        const before = Array.from({ length: 5 }, () => sessionsRevoked('u1'));
        const whileDown = Array.from({ length: 6 }, () => sessionsRevoked('u1'));
        await store.append(stream, before, { expectedRevision: 'no_stream' });

        const firstRun = new RecordingConsumer(store, name, start);
        const first = new StoreSubscription(store, firstRun, { batchSize: 2, idleWaitMs: 50, onFailure: quietly }).start();
        await first.catchUp();
        await first.stop(); // the process goes away
        await store.append(stream, whileDown, { expectedRevision: 4 });

        const secondRun = new RecordingConsumer(store, name, start);
        const second = new StoreSubscription(store, secondRun, { batchSize: 2, idleWaitMs: 50, onFailure: quietly }).start();
        await second.catchUp();
        await second.stop();

        expect(ids(ours(firstRun.handled, [stream]))).toEqual(ids(before));
        expect(ids(ours(secondRun.handled, [stream]))).toEqual(ids(whileDown));
      });

      it('marks itself failed when the consumer fails on a batch, instead of skipping it', async () => {
        const stream = sessionsStream();
        const events = [sessionsRevoked('u1'), sessionsRevoked('u1'), sessionsRevoked('u1')];
        await store.append(stream, events, { expectedRevision: 'no_stream' });
        const poison = events[1]!.eventId;
        const failures: Error[] = [];
        const consumer = new RecordingConsumer(store, `sub-${randomUUID()}`, start, (event) => event.eventId === poison);
        const subscription = new StoreSubscription(store, consumer, { batchSize: 1, idleWaitMs: 50, onFailure: (error) => failures.push(error) }).start();

        await eventually(() => subscription.status().status === 'failed');

        const handled = ours(consumer.handled, [stream]);
        expect(ids(handled)).toEqual([events[0]!.eventId]);
        expect(subscription.status()).toMatchObject({ status: 'failed', position: handled[0]!.position, error: expect.stringContaining('cannot handle') });
        expect(failures).toHaveLength(1);
        await expect(subscription.reached(Number.MAX_SAFE_INTEGER)).rejects.toThrow(/failed/);
        expect(await store.checkpoints.load(consumer.name)).toBe(handled[0]!.position);
        await subscription.stop();
        expect(subscription.status().status).toBe('failed');
      });

      (canPlant ? it : it.skip)('stops on an event it cannot read, naming it, and goes on past it once it is parked', async () => { // skipped on a live server: see plant
        const stream = sessionsStream();
        const [before, broken, after] = [sessionsRevoked('u1'), sessionsRevoked('u1'), sessionsRevoked('u1')];
        await store.append(stream, [before], { expectedRevision: 'no_stream' });
        await harness.plant!(stream, { eventId: broken.eventId, type: broken.type, data: { reason: 42 }, metadata: broken.metadata });
        await store.append(stream, [after], { expectedRevision: 'any' });
        const failures: Error[] = [];
        const resumed: number[] = [];
        const consumer = new RecordingConsumer(store, `sub-${randomUUID()}`, start);
        const subscription = new StoreSubscription(store, consumer, {
          batchSize: 10,
          idleWaitMs: 20,
          onFailure: (error) => failures.push(error),
          onRecovery: (parked) => resumed.push(parked.position),
        }).start();

        await eventually(() => subscription.status().status === 'failed');
        expect(ids(ours(consumer.handled, [stream]))).toEqual([before.eventId]);
        const { stoppedAt } = subscription.status();
        expect(stoppedAt).toMatchObject({ eventId: broken.eventId, eventType: 'SessionsRevoked', streamId: stream, reason: expect.stringContaining('data.userId') });
        await expect(parkEvent(store, { position: stoppedAt!.position, reason: ' ', by: { type: 'admin', id: 'ops' }, now: new Date() })).rejects.toBeInstanceOf(ParkRefusedError);
        const readable = (await store.readAll({ after: start, maxCount: 1 }))[0]!;
        await expect(parkEvent(store, { position: readable.position, reason: 'readable', by: { type: 'admin', id: 'ops' }, now: new Date() })).rejects.toThrow(/can be read/);

        await parkEvent(store, { position: stoppedAt!.position, reason: 'a faulty build wrote it', by: { type: 'admin', id: 'ops' }, now: new Date() });
        await eventually(() => subscription.status().status !== 'failed');
        await subscription.catchUp();
        await subscription.stop();

        expect(ids(ours(consumer.handled, [stream]))).toEqual([before.eventId, after.eventId]);
        expect(failures).toHaveLength(1);
        expect(resumed).toEqual([stoppedAt!.position]);
        expect(subscription.status().stoppedAt).toBeUndefined();
      });
    });

    describe('waitForAppend', () => {
      it('wakes when an event is appended after the position', async () => {
        const head = await store.headPosition();
        const started = Date.now();
        const waiting = store.waitForAppend(head, 20_000);

        await store.append(sessionsStream(), [sessionsRevoked('u1')], { expectedRevision: 'no_stream' });
        await waiting;

        expect(Date.now() - started).toBeLessThan(5_000);
      });

      it('resolves after the timeout when nothing is appended, and at once when aborted', async () => {
        const head = await store.headPosition();
        const started = Date.now();
        await store.waitForAppend(head, 150);
        expect(Date.now() - started).toBeLessThan(5_000);

        const abort = new AbortController();
        const waiting = store.waitForAppend(head, 60_000, abort.signal);
        abort.abort();
        await waiting;
        expect(Date.now() - started).toBeLessThan(10_000);
      });
    });

    describe('handleCommand', () => {
      it('retries on conflicts so that 20 parallel increments all land, at revisions 0..19', async () => {
        const stream = settingsStream();
        const context = { correlationId: randomUUID(), actor, now: new Date() };

        // every attempt of one round but one loses, so the last increment may need one attempt per increment
        await Promise.all(
          Array.from({ length: 20 }, () => handleCommand(store, stream, counter, { type: 'Increment', at: context.now.toISOString() }, context, { maxAttempts: 60 })),
        );

        const stored = (await store.readStream(stream)) as RecordedEvent<LockoutSettingsChanged>[];
        expect(stored.map((event) => event.revision)).toEqual(Array.from({ length: 20 }, (_, index) => index));
        expect(stored.map((event) => event.data.version)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// An in-memory stand-in for the part of @eventstore/db-client the adapter uses, so the adapter's
// own logic (paging $all past system events, positions, error mapping, checkpoints) runs without a
// server. It models the server as we understand it; only a live run checks that understanding.
// ---------------------------------------------------------------------------------------------

type FakeRecord = {
  streamId: string;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: true;
  revision: bigint;
  created: Date;
  position: Position;
};

export class FakeEventStoreDbClient {
  private readonly log: FakeRecord[] = [];
  private readonly streams = new Map<string, FakeRecord[]>();
  private readonly maxCounts = new Map<string, number>();
  private nextPosition = 1_000n;
  private writes = 0;

  /** Typed as the adapter's seam; the fake implements only what the adapter calls. */
  asClient(): EventStoreDbClientLike {
    return this as unknown as EventStoreDbClientLike;
  }

  async appendToStream(streamName: string, events: EventData | EventData[], options: { expectedRevision?: AppendExpectedRevision } = {}): Promise<EsdbAppendResult> {
    // a network round trip: concurrent callers interleave here, as they do against a server
    await new Promise((resolve) => setImmediate(resolve));
    const proposed = Array.isArray(events) ? events : [events];
    const expected = options.expectedRevision ?? ANY;
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length ? BigInt(stream.length - 1) : NO_STREAM;

    // the server's idempotency: the same ids already stored where this append would have put them
    const firstAt = expected === NO_STREAM ? 0 : typeof expected === 'bigint' ? Number(expected) + 1 : stream.findIndex((r) => r.id === proposed[0]!.id);
    if (firstAt >= 0 && proposed.every((event, index) => stream[firstAt + index]?.id === event.id)) {
      // some server versions give no position for an idempotent append: the adapter must cope
      return { success: true, nextExpectedRevision: BigInt(firstAt + proposed.length - 1), position: undefined };
    }
    const matches =
      expected === ANY || (expected === NO_STREAM ? current === NO_STREAM : expected === 'stream_exists' ? current !== NO_STREAM : current === expected);
    if (!matches) throw new WrongExpectedVersionError(undefined, { streamName, expected, current });

    for (const event of proposed) this.record(streamName, event);
    this.writes += 1;
    // the server writes its own events into $all as well: exercise the adapter's paging past them
    if (this.writes % 2 === 0) {
      for (let i = 0; i < 40; i++) this.record(`$stats-127.0.0.1:2113`, jsonEvent({ type: '$statsCollected', data: { i } }));
    }
    const last = this.streams.get(streamName)!.at(-1)!;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  async setStreamMetadata(streamName: string, metadata: { maxCount?: number }): Promise<EsdbAppendResult> {
    if (metadata.maxCount !== undefined) this.maxCounts.set(streamName, metadata.maxCount);
    return this.appendToStream(`$$${streamName}`, jsonEvent({ type: '$metadata', data: { $maxCount: metadata.maxCount } }));
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): Readable {
    const { direction = 'forwards', fromRevision = 'start', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const all = this.streams.get(streamName);
    const records = () => {
      if (!all?.length) throw new StreamNotFoundError(undefined, streamName);
      const cap = this.maxCounts.get(streamName);
      const visible = cap === undefined ? all : all.slice(-cap);
      const ordered =
        direction === 'forwards'
          ? visible.filter((r) => fromRevision === 'start' || (fromRevision !== 'end' && r.revision >= fromRevision))
          : [...visible].reverse().filter((r) => fromRevision === 'end' || (fromRevision !== 'start' && r.revision <= fromRevision));
      return ordered.slice(0, Number(maxCount)).map((event) => ({ event: { ...event } }));
    };
    return Readable.from(
      (async function* () {
        await new Promise((resolve) => setImmediate(resolve));
        yield* records();
      })(),
    );
  }

  readAll(options: ReadAllOptions = {}): Readable {
    const { direction = 'forwards', fromPosition = 'start', maxCount = Number.MAX_SAFE_INTEGER } = options;
    const log = this.log;
    const records = () => {
      // forwards is inclusive of the event at the position; backwards starts before it
      const ordered =
        direction === 'forwards'
          ? log.filter((r) => fromPosition === 'start' || (fromPosition !== 'end' && r.position.commit >= fromPosition.commit))
          : [...log].reverse().filter((r) => fromPosition === 'end' || (fromPosition !== 'start' && r.position.commit < fromPosition.commit));
      return ordered.slice(0, Number(maxCount)).map((event) => ({ event: { ...event }, commitPosition: event.position.commit }));
    };
    return Readable.from(
      (async function* () {
        await new Promise((resolve) => setImmediate(resolve));
        yield* records();
      })(),
    );
  }

  async dispose(): Promise<void> {}

  /** Writes an event the way another build would, with no validation. */
  plant(streamName: string, event: { eventId: string; type: string; data: unknown; metadata: unknown }): void {
    this.record(streamName, jsonEvent({ id: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata: event.metadata }));
  }

  private record(streamName: string, event: EventData): void {
    const stream = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, stream);
    // implicit commits: each event has its own commit position, equal to its prepare position
    const position = { commit: this.nextPosition, prepare: this.nextPosition };
    this.nextPosition += 137n + BigInt(JSON.stringify(event.data).length);
    const record: FakeRecord = {
      streamId: streamName,
      id: event.id,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      isJson: true,
      revision: BigInt(stream.length),
      created: new Date(),
      position,
    };
    stream.push(record);
    this.log.push(record);
  }
}

