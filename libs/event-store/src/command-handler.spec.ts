import { eventRegistry, SessionsRevoked } from '@bulwark/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handleCommand, loadState } from './command-handler';
import { SqliteEventStore } from './sqlite-event-store';

type Count = { count: number };
type Revoke = { userId: string };
const counter = {
  initialState: (): Count => ({ count: 0 }),
  evolve: (state: Count, _event: SessionsRevoked): Count => ({ count: state.count + 1 }),
  decide: ({ userId }: Revoke, _state: Count): SessionsRevoked[] => [{ type: 'SessionsRevoked', data: { userId, reason: null, at: new Date(0).toISOString() } }],
};
const context = { correlationId: 'c', actor: { type: 'system' as const, id: 't' }, now: new Date(0) };

describe('the command handler', () => {
  it('decides on the state as committed, also when another process appended since its cached fold', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-handler-')), 'events.db');
    const mine = new SqliteEventStore(file, eventRegistry);
    const theirs = new SqliteEventStore(file, eventRegistry);
    try {
      // a stream that does not exist yet is remembered as empty, and still seen when another process creates it
      expect((await loadState(mine, 'user_sessions-u1', counter)).state).toEqual({ count: 0 });
      await handleCommand(theirs, 'user_sessions-u1', counter, { userId: 'u1' }, context);
      expect((await loadState(mine, 'user_sessions-u1', counter)).state).toEqual({ count: 1 });
      await handleCommand(mine, 'user_sessions-u1', counter, { userId: 'u1' }, context);
      await handleCommand(mine, 'user_sessions-u1', counter, { userId: 'u1' }, context);
      expect((await loadState(mine, 'user_sessions-u1', counter)).state).toEqual({ count: 3 });
      expect(mine.streamVersion('user_sessions-u1')).toBe(mine.streamVersion('user_sessions-u1'));

      // another process (its own store instance, so its own cache) appends behind our back
      await handleCommand(theirs, 'user_sessions-u1', counter, { userId: 'u1' }, context);
      expect((await loadState(mine, 'user_sessions-u1', counter)).state).toEqual({ count: 4 });

      const handled = await handleCommand(mine, 'user_sessions-u1', counter, { userId: 'u1' }, context);
      expect(handled).toMatchObject({ state: { count: 5 }, nextExpectedRevision: 4 });
      expect(await mine.readStream('user_sessions-u1')).toHaveLength(5);
      expect((await loadState(theirs, 'user_sessions-u1', counter)).state).toEqual({ count: 5 });
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('retries on a conflict between two processes racing on one stream, and loses no command', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-handler-')), 'events.db');
    const stores = [new SqliteEventStore(file, eventRegistry), new SqliteEventStore(file, eventRegistry)];
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => handleCommand(stores[i % 2]!, 'user_sessions-race', counter, { userId: 'race' }, context)));
      const stored = await stores[0]!.readStream('user_sessions-race');
      expect(stored.map((event) => event.revision)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect((await loadState(stores[1]!, 'user_sessions-race', counter)).state).toEqual({ count: 40 });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
