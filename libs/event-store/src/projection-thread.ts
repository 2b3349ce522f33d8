import { eventRegistry, RecordedEvent } from '@bulwark/contracts';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerProgress, SubscriptionState } from './progress';
import { openReadDatabase, Projection, ProjectionGroup, ProjectionRunner } from './projection';
import { SqliteEventStore } from './sqlite-event-store';
import { EventConsumer, StoreSubscription, SubscriptionSource } from './subscription';

/**
 * Projections on a worker thread, so that keeping read models current costs the request thread nothing: the
 * thread opens its own connections to the event file (reading) and to the read database (writing its rows and
 * checkpoints), and reports how far it has got. Queries on the main thread read the same read database (WAL).
 */
export type ProjectionThreadData = { eventsFile: string; readFile: string; projections: string[]; coalesceMs: number; pollMs: number };

type FromThread = { type: 'progress'; position: number } | { type: 'live' } | { type: 'failed'; message: string };
type ToThread = { type: 'stop' };

/** The thread's side: called by the entry file that knows every projection (the composition root). */
export function runProjectionThread(available: readonly Projection[]): void {
  const port = parentPort;
  if (!port) throw new Error('runProjectionThread runs inside a worker thread');
  const data = workerData as ProjectionThreadData;
  const post = (message: FromThread) => port.postMessage(message);
  const store = new SqliteEventStore(data.eventsFile, eventRegistry);
  const db = openReadDatabase(data.readFile);
  const runners = data.projections.map((name) => {
    const projection = available.find((candidate) => candidate.name === name);
    if (!projection) throw new Error(`the projection thread does not know projection ${name}`);
    return new ProjectionRunner(db, projection, true);
  });
  const group = new ProjectionGroup('projections', db, runners);
  const reporting: EventConsumer = {
    name: group.name,
    async loadCheckpoint() {
      const position = await group.loadCheckpoint();
      post({ type: 'progress', position });
      return position;
    },
    async handle(batch: RecordedEvent[]) {
      await group.handle(batch);
      post({ type: 'progress', position: batch[batch.length - 1]!.position });
    },
  };
  let live = false;
  // this connection appends nothing, so it learns of commits by asking: a cheap indexed read every few ms, on this thread
  const source: SubscriptionSource = {
    readAll: (options) => store.readAll(options),
    headPosition: () => store.headPosition(),
    async waitForAppend(position, timeoutMs, signal) {
      if (!live) (live = true), post({ type: 'live' });
      const deadline = Date.now() + timeoutMs;
      while (!signal?.aborted && Date.now() < deadline && (await store.headPosition()) <= position) {
        await sleep(data.pollMs).catch(() => undefined);
      }
    },
  };
  const subscription = new StoreSubscription(source, reporting, {
    coalesceMs: data.coalesceMs,
    onFailure: (error) => post({ type: 'failed', message: error.message }),
  }).start();
  port.on('message', async (message: ToThread) => {
    if (message.type !== 'stop') return;
    await subscription.stop();
    await store.close();
    db.close();
    port.close();
  });
}

/** The main thread's side: a running projection thread, seen as one subscription. */
export class ProjectionThread {
  private readonly progress = new ConsumerProgress('projections');
  private exited: Promise<void>;

  private constructor(private readonly worker: Worker, private readonly headPosition: () => Promise<number>) {
    worker.on('message', (message: FromThread) => {
      if (message.type === 'progress') this.progress.advance(message.position);
      else if (message.type === 'live') this.progress.mark('live');
      else this.fail(new Error(message.message));
    });
    worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    void this.exited.then(() => this.progress.mark('stopped'));
  }

  static start(
    entry: string,
    data: ProjectionThreadData,
    headPosition: () => Promise<number>,
    execArgv: string[] = [],
  ): ProjectionThread {
    return new ProjectionThread(new Worker(entry, { workerData: data, execArgv }), headPosition);
  }

  status(): SubscriptionState {
    return this.progress.snapshot();
  }

  async catchUp(timeoutMs = 10_000): Promise<void> {
    await this.progress.reached(await this.headPosition(), timeoutMs);
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: 'stop' } satisfies ToThread);
    const stopped = await Promise.race([this.exited.then(() => true), sleep(5_000, undefined, { ref: false }).then(() => false)]);
    if (!stopped) await this.worker.terminate();
    this.progress.mark('stopped');
  }

  private fail(error: Error): void {
    if (this.progress.fail(error)) console.error(`[bulwark] projection thread stopped: ${error.message}`);
  }
}
