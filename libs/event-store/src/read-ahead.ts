import { RecordedEvent } from '@bulwark/contracts';
import { Worker } from 'node:worker_threads';
import { decodeStoredEvent, StoredEvent } from './sqlite-event-store';
import { threadEntry } from './thread-entry';

type Reply = { after: number; rows?: StoredEvent[]; error?: string };

/** batches read ahead of the one being applied: enough that the reader rarely waits, few enough to bound memory */
const AHEAD = 3;

/**
 * An ordered reader of the embedded store that reads the next batch on another thread while the caller works on the
 * current one: a rebuild then costs about the larger of reading and applying, not their sum. Same `readAll` as the store.
 */
export class ReadAheadReader {
  private readonly pending = new Map<number, Promise<RecordedEvent[]>>();
  private closed = false;
  private readonly waiting = new Map<number, { resolve: (events: RecordedEvent[]) => void; reject: (error: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', ({ after, rows, error }: Reply) => {
      const waiter = this.waiting.get(after);
      this.waiting.delete(after);
      if (error !== undefined) waiter?.reject(new Error(error));
      else waiter?.resolve((rows ?? []).map(decodeStoredEvent));
    });
    worker.on('error', (error) => this.failAll(error));
  }

  /** Opens a reader of the SQLite event file (a second connection; the file may be in use by a server). */
  static open(eventsFile: string): ReadAheadReader {
    const { entry, execArgv } = threadEntry(__dirname, 'read-ahead.thread');
    // a young generation of 192 MB (semi-spaces of 64 MB): batches of decoded rows then die young, instead of being
    // promoted and collected again, which cost the reading thread (and the collector's helper threads) about a third more
    return new ReadAheadReader(new Worker(entry, { workerData: { file: eventsFile }, execArgv, resourceLimits: { maxYoungGenerationSizeMb: 192 } }));
  }

  readAll({ after, maxCount }: { after: number; maxCount: number }): Promise<RecordedEvent[]> {
    if (this.closed) return Promise.reject(new Error('the reader is closed'));
    const batch = this.pending.get(after) ?? this.request(after, maxCount);
    this.pending.delete(after);
    this.readAhead(batch, maxCount, AHEAD);
    return batch;
  }

  /** As soon as a batch is known, the next one is asked for, up to `depth` batches ahead of the caller. */
  private readAhead(batch: Promise<RecordedEvent[]>, maxCount: number, depth: number): void {
    if (depth <= 0) return;
    void batch.then((events) => {
      const last = events[events.length - 1];
      if (!last || events.length < maxCount || this.closed) return;
      const next = this.pending.get(last.position) ?? this.request(last.position, maxCount);
      this.pending.set(last.position, next);
      this.readAhead(next, maxCount, depth - 1);
    }, () => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the reader is closed'));
    await this.worker.terminate();
  }

  private request(after: number, maxCount: number): Promise<RecordedEvent[]> {
    const promise = new Promise<RecordedEvent[]>((resolve, reject) => this.waiting.set(after, { resolve, reject }));
    promise.catch(() => undefined);
    this.worker.postMessage({ after, maxCount });
    return promise;
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
