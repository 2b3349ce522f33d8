import { eventRegistry } from '@bulwark/contracts';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from './sqlite-event-store';

/** The reading side of a ReadAheadReader: reads, decodes and validates batches on its own thread, as asked. */
const port = parentPort;
if (port) {
  const store = new SqliteEventStore((workerData as { file: string }).file, eventRegistry);
  port.on('message', ({ after, maxCount }: { after: number; maxCount: number }) => {
    try {
      // the rows' strings, parsed by the receiver: far cheaper for it than structured-clone objects
      port.postMessage({ after, rows: store.readAllStored({ after, maxCount }) });
    } catch (error) {
      port.postMessage({ after, error: error instanceof Error ? error.message : String(error) });
    }
  });
}
