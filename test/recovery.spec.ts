import { eventRegistry, streams } from '@bulwark/contracts';
import { envelope, SqliteEventStore } from '@bulwark/event-store';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import path from 'node:path';
import { rebuildProjectionsCli } from '../apps/bulwark/src/projections-rebuild';
import { Embedded, enrol, startEmbedded, wrongCodeAt } from './support/embedded';

describe('projections survive crashes and can be rebuilt', () => {
  let bulwark: Embedded;

  afterEach(async () => {
    await bulwark?.close();
  });

  async function signIns(b: Embedded) {
    await b.consumers.catchUp();
    const reply = await b.as('analyst').get('/v1.0/auditLogs/signIns');
    expect(reply.status).toBe(200);
    return reply.body.value as Array<{ id: string; status: { errorCode: number } }>;
  }

  it('catches up after a crash between an append and the projections, applying each event once', async () => {
    bulwark = await startEmbedded();
    const { secret } = await enrol(bulwark, 'crash-user');
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'crash-user', clientIp: '203.0.113.9' });
    await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) });
    expect(await signIns(bulwark)).toHaveLength(1);
    const { dataDir, clock } = bulwark;
    await bulwark.close();

    // committed, but the process died before any projection saw it
    const store = new SqliteEventStore(path.join(dataDir, 'events.db'), eventRegistry);
    const attempt = { userId: 'crash-user', challengeId: challenge.id, methodId: null, clientIp: '203.0.113.9', userAgent: null, appId: null, at: clock.now().toISOString() };
    await store.append(
      streams.userMfa('crash-user'),
      envelope(
        [
          { type: 'MfaDenied', data: { ...attempt, reason: 'fraudReported', endsChallenge: true } },
          { type: 'SuspiciousActivityReported', data: attempt },
        ],
        { correlationId: randomUUID(), actor: { type: 'app', id: 'test' }, now: clock.now() },
      ),
      { expectedRevision: 'any' },
    );
    await store.close();

    bulwark = await startEmbedded({ dataDir, clock });
    expect(await signIns(bulwark)).toHaveLength(2);
    const detections = await bulwark.as('analyst').get('/v1.0/identityProtection/riskDetections');
    expect(detections.body.value).toEqual([expect.objectContaining({ userId: 'crash-user', riskEventType: 'userReportedSuspiciousActivity' })]);
  });

  it('rebuilds a lost read model from position 0 with one command, to the same rows', async () => {
    bulwark = await startEmbedded();
    const { secret } = await enrol(bulwark, 'rebuild-user');
    for (let i = 0; i < 3; i++) {
      const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'rebuild-user', clientIp: '203.0.113.10' });
      await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) });
    }
    const before = await signIns(bulwark);
    expect(before).toHaveLength(3);
    const { dataDir, clock } = bulwark;
    await bulwark.close();

    const readDb = new Database(path.join(dataDir, 'bulwark.read.db'));
    readDb.exec('DELETE FROM sign_ins');
    readDb.close();

    const previous = process.env.BULWARK_DATA_DIR;
    process.env.BULWARK_DATA_DIR = dataDir;
    try {
      expect(await rebuildProjectionsCli(['no_such_projection'])).toBe(2);
      expect(await rebuildProjectionsCli(['sign_ins'])).toBe(0);
    } finally {
      if (previous === undefined) delete process.env.BULWARK_DATA_DIR;
      else process.env.BULWARK_DATA_DIR = previous;
    }

    bulwark = await startEmbedded({ dataDir, clock });
    expect(await signIns(bulwark)).toEqual(before);
  });
});
