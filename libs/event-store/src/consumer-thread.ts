import { RecordedEvent } from '@bulwark/contracts';
import { MessagePort, parentPort, Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore } from './event-store.port';
import { ConsumerProgress, StoppedAt, SubscriptionState } from './progress';
import { UnreadableEventError } from './store-errors';
import { EventConsumer, reportFailure, reportRecovery, StoreSubscription, SubscriptionSource } from './subscription';

/**
 * A durable consumer on a worker thread, so that its work costs the main thread nothing: the thread opens its own
 * connections, runs a StoreSubscription, and reports how far it has got; the main thread sees it as one subscription
 * (status, catchUp, stop). Used for the projections and for the SIEM exporters.
 */
type Progress =
  | { type: 'progress'; position: number }
  | { type: 'live' }
  | { type: 'failed'; message: string; stoppedAt?: StoppedAt }
  | { type: 'recovered'; parked: StoppedAt };
type Stop = { type: 'stop' };
/** What a consumer thread may post besides its progress: `{ type: <anything else>, … }`, for its owner's listener. */
export type ThreadNotice = { type: string; [field: string]: unknown };

/**
 * A subscription source for a connection that appends nothing itself (a thread's own connection to the embedded
 * store): it learns of other connections' commits by asking for the head, a cheap indexed read, every `pollMs`.
 */
export function pollingSource(store: Pick<EventStore, 'readAll' | 'headPosition' | 'readStream'>, pollMs: number): SubscriptionSource {
  return {
    readAll: (options) => store.readAll(options),
    readStream: (streamId, options) => store.readStream(streamId, options),
    headPosition: () => store.headPosition(),
    async waitForAppend(position, timeoutMs, signal) {
      const deadline = Date.now() + timeoutMs;
      while (!signal?.aborted && Date.now() < deadline && (await store.headPosition()) <= position) {
        await sleep(pollMs).catch(() => undefined);
      }
    },
  };
}

/**
 * The thread's side: runs `consumer` over `source` from its checkpoint, posting its progress after each batch,
 * until the owner says stop; then `close` releases the thread's connections. Returns the port, for other notices.
 */
export function serveConsumerThread(
  source: SubscriptionSource,
  consumer: EventConsumer,
  options: { batchSize?: number; coalesceMs?: number },
  close: () => Promise<void>,
): MessagePort {
  const port = parentPort;
  if (!port) throw new Error('a consumer thread runs inside a worker thread');
  const post = (message: Progress) => port.postMessage(message);
  let live = false;
  const reporting: EventConsumer = {
    name: consumer.name,
    async loadCheckpoint() {
      const position = await consumer.loadCheckpoint();
      post({ type: 'progress', position });
      return position;
    },
    async handle(batch: RecordedEvent[]) {
      await consumer.handle(batch);
      post({ type: 'progress', position: batch[batch.length - 1]!.position });
    },
  };
  const reportingSource: SubscriptionSource = {
    readAll: (read) => source.readAll(read),
    ...(source.readStream ? { readStream: source.readStream.bind(source) } : {}),
    headPosition: () => source.headPosition(),
    waitForAppend(position, timeoutMs, signal) {
      if (!live) {
        live = true;
        post({ type: 'live' });
      }
      return source.waitForAppend(position, timeoutMs, signal);
    },
  };
  const subscription = new StoreSubscription(reportingSource, reporting, {
    ...options,
    onFailure: (error) =>
      post({ type: 'failed', message: error.message, ...(error instanceof UnreadableEventError ? { stoppedAt: { ...error.event, reason: error.reason } } : {}) }),
    onRecovery: (parked) => post({ type: 'recovered', parked }),
  }).start();
  port.on('message', async (message: Stop) => {
    if (message.type !== 'stop') return;
    await subscription.stop();
    await close();
    port.close();
  });
  return port;
}

/** The main thread's side: a running consumer thread, seen as one subscription. */
export class ConsumerThread {
  private readonly progress: ConsumerProgress;
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<(notice: ThreadNotice) => void>();

  private constructor(
    name: string,
    private readonly worker: Worker,
    private readonly headPosition: () => Promise<number>,
  ) {
    this.progress = new ConsumerProgress(name);
    worker.on('message', (message: Progress | ThreadNotice) => {
      if (message.type === 'progress') this.progress.advance((message as { position: number }).position);
      else if (message.type === 'live') this.progress.mark('live');
      else if (message.type === 'failed') this.fail(message as Extract<Progress, { type: 'failed' }>);
      else if (message.type === 'recovered') {
        this.progress.recover();
        reportRecovery(name)((message as Extract<Progress, { type: 'recovered' }>).parked);
      }
      else for (const listener of this.listeners) listener(message);
    });
    worker.on('error', (error) => this.fail({ message: `thread stopped: ${error.message}` }));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    void this.exited.then(() => this.progress.mark('stopped'));
  }

  /** Starts the thread `entry` with `data`; `headPosition` is the store's head, which catchUp waits for. */
  static start(name: string, entry: { entry: string; execArgv: string[] }, data: unknown, headPosition: () => Promise<number>): ConsumerThread {
    return new ConsumerThread(name, new Worker(entry.entry, { workerData: data, execArgv: entry.execArgv }), headPosition);
  }

  status(): SubscriptionState {
    return this.progress.snapshot();
  }

  /** Hears the thread's notices other than its progress. */
  onNotice(listener: (notice: ThreadNotice) => void): void {
    this.listeners.add(listener);
  }

  async catchUp(timeoutMs = 10_000): Promise<void> {
    await this.progress.reached(await this.headPosition(), timeoutMs);
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: 'stop' } satisfies Stop);
    const stopped = await Promise.race([this.exited.then(() => true), sleep(5_000, undefined, { ref: false }).then(() => false)]);
    if (!stopped) await this.worker.terminate();
    this.progress.mark('stopped');
  }

  /** The thread's failure, as its subscription reported it: an unreadable event is rebuilt so the report names it. */
  private fail({ message, stoppedAt }: { message: string; stoppedAt?: StoppedAt }): void {
    const error = stoppedAt ? new UnreadableEventError(stoppedAt, stoppedAt.reason) : new Error(message);
    if (this.progress.fail(error, stoppedAt)) reportFailure(this.progress.snapshot().name)(error);
  }
}
