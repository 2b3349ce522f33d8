import { createEventStore, openReadDatabase, ReadAheadReader, rebuildProjection } from '@bulwark/event-store';
import { loadConfig } from '@bulwark/platform';
import path from 'node:path';
import { projectionsByService } from './projections';

/**
 * npm run projections:rebuild -- <projection name>… | --all | --list   [--service <name>]
 *
 * Replays the event store into the named projections from position 0. Stop the service first. On the embedded
 * default every projection lives in <data dir>/bulwark.read.db; a distributed service's in <data dir>/<service>.read.db.
 */
async function main(argv: string[]): Promise<number> {
  const serviceFlag = argv.indexOf('--service');
  const service = serviceFlag >= 0 ? argv[serviceFlag + 1] : 'bulwark';
  const names = argv.filter((arg, index) => !arg.startsWith('--') && (serviceFlag < 0 || index !== serviceFlag + 1));
  const available = service === 'bulwark' ? Object.values(projectionsByService).flat() : projectionsByService[service ?? ''];
  if (!available) {
    console.error(`unknown service "${service}": one of bulwark, ${Object.keys(projectionsByService).join(', ')}`);
    return 2;
  }
  if (argv.includes('--list') || (!names.length && !argv.includes('--all'))) {
    console.log(`projections of ${service}: ${available.map((projection) => projection.name).join(', ')}`);
    console.log('usage: npm run projections:rebuild -- <name>… | --all [--service <name>]');
    return argv.includes('--list') ? 0 : 2;
  }
  const unknown = names.filter((name) => !available.some((projection) => projection.name === name));
  if (unknown.length) {
    console.error(`unknown projection(s): ${unknown.join(', ')}; known: ${available.map((projection) => projection.name).join(', ')}`);
    return 2;
  }
  const chosen = argv.includes('--all') ? available : available.filter((projection) => names.includes(projection.name));
  const config = loadConfig(process.env, service!);
  const store = createEventStore({ dataDir: config.dataDir, connectionString: config.eventStoreConnectionString ?? undefined });
  const db = openReadDatabase(path.join(config.dataDir, `${service}.read.db`));
  // the embedded store is read a batch ahead on another thread while the projection applies the current one
  const reader = store.kind === 'sqlite' ? ReadAheadReader.open(path.join(config.dataDir, 'events.db')) : store;
  try {
    for (const projection of chosen) {
      const started = Date.now();
      const { events, position } = await rebuildProjection(reader, db, projection);
      console.log(`rebuilt ${projection.name} v${projection.version}: ${events} events replayed up to position ${position} in ${Date.now() - started} ms`);
    }
  } finally {
    if (reader instanceof ReadAheadReader) await reader.close();
    db.close();
    await store.close();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`projections:rebuild failed: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}

export { main as rebuildProjectionsCli };
