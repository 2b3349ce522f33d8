import Database from 'better-sqlite3';
import { eventRegistry } from '@bulwark/contracts';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEventStore } from './create-event-store';
import { ContractHarness, describeEventStoreContract, FakeEventStoreDbClient } from './event-store.contract';
import { envelope } from './command-handler';
import { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { SqliteEventStore } from './sqlite-event-store';

jest.setTimeout(30_000);

// The embedded store, on a temporary file: always runs.
describeEventStoreContract('SqliteEventStore', {
  canPlant: true,
  open: async (): Promise<ContractHarness> => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-contract-'));
    // a nested data dir also checks that the factory creates it
    const dataDir = path.join(dir, 'data', 'mfa');
    const file = path.join(dataDir, 'events.db');
    let store: EventStore = createEventStore({ dataDir });
    return {
      get store() {
        return store;
      },
      fresh: true,
      async reopen() {
        await store.close();
        store = createEventStore({ dataDir });
        return store;
      },
      async plant(streamId, event) {
        // a second connection, as another process (or a newer build) writing the same file would
        const raw = new Database(file);
        try {
          const revision = raw.prepare<[string], { next: number }>('SELECT COUNT(*) AS next FROM events WHERE stream_id = ?').get(streamId)!.next;
          raw
            .prepare('INSERT INTO events (event_id, stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)')
            .run(event.eventId, streamId, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata));
        } finally {
          raw.close();
        }
      },
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

// The EventStoreDB adapter over an in-memory stand-in for the db-client: runs its own logic everywhere.
describeEventStoreContract('EventStoreDbEventStore (in-memory db-client stand-in)', {
  canPlant: true,
  open: async (): Promise<ContractHarness> => {
    const fake = new FakeEventStoreDbClient();
    let store: EventStore = new EventStoreDbEventStore(fake.asClient(), eventRegistry);
    return {
      get store() {
        return store;
      },
      fresh: true,
      async reopen() {
        await store.close();
        store = new EventStoreDbEventStore(fake.asClient(), eventRegistry);
        return store;
      },
      async plant(streamId, event) {
        fake.plant(streamId, event);
      },
      dispose: () => store.close(),
    };
  },
});

// The EventStoreDB adapter against a live server, when one is configured and answers.
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING?.trim();
const howToRun =
  'to run the EventStoreDB contract tests: `docker compose up -d eventstore`, then ' +
  '`EVENTSTORE_CONNECTION_STRING=esdb://localhost:2113?tls=false npm test`';

/** Jest declares suites synchronously, so reachability is checked by a short-lived child process. */
function reachable(connection: string): boolean {
  const [host = 'localhost', port = '2113'] = (connection.replace(/^esdb(\+discover)?:\/\//, '').split(/[/?,]/)[0] ?? '').replace(/^.*@/, '').split(':');
  const probe = `const s=require('node:net').connect(${Number(port)},${JSON.stringify(host)});` +
    `s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000);`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5_000 }).status === 0;
}

if (connectionString && reachable(connectionString)) {
  describeEventStoreContract(`EventStoreDbEventStore (live server at ${connectionString})`, {
    // a live server is shared and keeps everything: see ContractHarness.plant
    canPlant: false,
    open: async (): Promise<ContractHarness> => {
      let store: EventStore = new EventStoreDbEventStore(connectionString, eventRegistry);
      return {
        get store() {
          return store;
        },
        fresh: false,
        async reopen() {
          await store.close();
          store = new EventStoreDbEventStore(connectionString, eventRegistry);
          return store;
        },
        dispose: () => store.close(),
      };
    },
  });
} else {
  const why = connectionString ? `EVENTSTORE_CONNECTION_STRING=${connectionString} does not answer` : 'EVENTSTORE_CONNECTION_STRING is not set';
  console.info(`[event-store contract] skipping the live EventStoreDB run: ${why}; ${howToRun}`);
  describe.skip('EventStoreDbEventStore (live server)', () => { // skipped: no EventStoreDB server configured or reachable (see the console message)
    it('keeps the EventStore contract', () => undefined);
  });
}

describe('createEventStore', () => {
  it('opens the embedded SQLite store in <dataDir>/events.db, creating the directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-factory-'));
    try {
      const store = createEventStore({ dataDir: path.join(dir, 'a', 'b') });
      expect(store).toBeInstanceOf(SqliteEventStore);
      expect(store.kind).toBe('sqlite');
      await store.close();
      expect(existsSync(path.join(dir, 'a', 'b', 'events.db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens EventStoreDB when a connection string is given (the client connects lazily)', async () => {
    const store = createEventStore({ dataDir: '/nonexistent/never-created', connectionString: 'esdb://localhost:2113?tls=false' });
    expect(store).toBeInstanceOf(EventStoreDbEventStore);
    expect(store.kind).toBe('eventstoredb');
    await store.close();
  });
});

describe('SqliteEventStore beside another connection that writes', () => {
  it('commits every append while a thread saves checkpoints to the same file (no SQLITE_BUSY_SNAPSHOT)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-writers-'));
    const file = path.join(dir, 'events.db');
    const store = new SqliteEventStore(file, eventRegistry);
    // an exporter thread's connection: checkpoint saves as fast as it can, as a busy exporter's would come
    const writer = new Worker(
      `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const { workerData, parentPort } = require('node:worker_threads');
       const db = new Database(workerData); db.pragma('busy_timeout = 5000');
       const save = db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
       let stop = false; parentPort.on('message', () => { stop = true; });
       let saves = 0;
       (function loop() { for (let i = 0; i < 50; i++) save.run('exporter', ++saves); if (stop) { parentPort.postMessage(saves); db.close(); } else setImmediate(loop); })();`,
      { eval: true, workerData: file },
    );
    try {
      const now = new Date('2026-11-22T08:00:00Z');
      const appends: Array<Promise<unknown>> = [];
      for (let turn = 0; turn < 40; turn++) {
        for (let i = 0; i < 25; i++) {
          const userId = `user-${turn}-${i}@contoso.com`;
          const events = envelope([{ type: 'SessionsRevoked', data: { userId, reason: 'test', at: now.toISOString() } }], {
            correlationId: randomUUID(),
            actor: { type: 'admin', id: 'key:admin' },
            now,
          });
          appends.push(store.append(`user_sessions-${userId}`, events, { expectedRevision: 'any' }));
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const outcomes = await Promise.allSettled(appends);
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      expect(await store.headPosition()).toBe(1000);
    } finally {
      const saves = await new Promise<number>((resolve) => {
        writer.once('message', resolve);
        writer.postMessage('stop');
      });
      await writer.terminate();
      expect(saves).toBeGreaterThan(0);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
