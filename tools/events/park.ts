import { createEventStore, parkEvent, ParkRefusedError } from '@bulwark/event-store';
import { loadConfig } from '@bulwark/platform';
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm run events:park -- --position <n> --reason "<why>" --by <who> [--readable] [--service <name>]';

/**
 * npm run events:park -- --position <n> --reason "<why>" --by <who>
 *
 * Sets aside a stored event that consumers cannot read (GET /health names it, and its position, under the stopped
 * consumer's `stoppedAt`): appends EventParked, with who and why, to the stream `parked_events-store`. The event itself
 * stays in the store as evidence; running consumers read the parked set again while they are stopped, and go on past
 * it within a second. It writes to the store the service uses (BULWARK_DATA_DIR, or EVENTSTORE_CONNECTION_STRING), and
 * may run while the service is up.
 */
export async function parkEventCli(argv: string[], env: NodeJS.ProcessEnv = process.env, now = new Date()): Promise<number> {
  let options: { position?: string; reason?: string; by?: string; readable?: boolean; service?: string };
  try {
    ({ values: options } = parseArgs({
      args: argv,
      options: { position: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' }, readable: { type: 'boolean' }, service: { type: 'string' } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const position = Number(options.position);
  if (!options.position || !Number.isSafeInteger(position) || position < 1 || !options.reason?.trim() || !options.by?.trim()) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig(env, options.service ?? 'bulwark');
  const store = createEventStore({ dataDir: config.dataDir, connectionString: config.eventStoreConnectionString ?? undefined });
  try {
    const parked = await parkEvent(store, { position, reason: options.reason, by: { type: 'admin', id: options.by.trim() }, now, readable: options.readable });
    console.log(`parked ${parked.eventType} ${parked.eventId} (stream ${parked.streamId}) at position ${parked.position}, by ${parked.by}: ${parked.reason}`);
    return 0;
  } catch (error) {
    if (error instanceof ParkRefusedError) {
      console.error(`events:park: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  parkEventCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`events:park failed: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
