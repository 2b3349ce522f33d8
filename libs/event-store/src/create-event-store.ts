import { eventRegistry, EventRegistry } from '@bulwark/contracts';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { SqliteEventStore } from './sqlite-event-store';

export type EventStoreOptions = {
  /** The service's data directory; the embedded store lives in `<dataDir>/events.db`. */
  dataDir: string;
  /** An `esdb://` connection string: when set, events live in EventStoreDB instead (distributed mode). */
  connectionString?: string;
  registry?: EventRegistry;
};

/** The embedded SQLite store by default; EventStoreDB when a connection string is configured. */
export function createEventStore({ dataDir, connectionString, registry = eventRegistry }: EventStoreOptions): EventStore {
  if (connectionString?.trim()) return new EventStoreDbEventStore(connectionString.trim(), registry);
  mkdirSync(dataDir, { recursive: true });
  return new SqliteEventStore(path.join(dataDir, 'events.db'), registry);
}
