import { eventRegistry } from '@bulwark/contracts';
import { workerData } from 'node:worker_threads';
import { pollingSource, serveConsumerThread } from './consumer-thread';
import { openReadDatabase, Projection, ProjectionGroup, ProjectionRunner } from './projection';
import { SqliteEventStore } from './sqlite-event-store';

/**
 * Projections on a worker thread, so that keeping read models current costs the request thread nothing: the
 * thread opens its own connections to the event file (reading) and to the read database (writing its rows and
 * checkpoints), and reports how far it has got (a ConsumerThread on the main side). Queries on the main thread
 * read the same read database (WAL).
 */
export type ProjectionThreadData = { eventsFile: string; readFile: string; projections: string[]; coalesceMs: number; pollMs: number };

/** The thread's side: called by the entry file that knows every projection (the composition root). */
export function runProjectionThread(available: readonly Projection[]): void {
  const data = workerData as ProjectionThreadData;
  const store = new SqliteEventStore(data.eventsFile, eventRegistry);
  const db = openReadDatabase(data.readFile);
  const runners = data.projections.map((name) => {
    const projection = available.find((candidate) => candidate.name === name);
    if (!projection) throw new Error(`the projection thread does not know projection ${name}`);
    return new ProjectionRunner(db, projection, true);
  });
  serveConsumerThread(pollingSource(store, data.pollMs), new ProjectionGroup('projections', db, runners), { coalesceMs: data.coalesceMs }, async () => {
    await store.close();
    db.close();
  });
}
