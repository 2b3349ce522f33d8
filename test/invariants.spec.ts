import { streams } from '@bulwark/contracts';
import { Embedded, enrol, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

describe('limits that stop attackers hold under parallel requests', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const challenges = async (userId: string, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const reply = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: '198.51.100.9' });
      expect(reply.status).toBe(201);
      ids.push(reply.body.id);
    }
    return ids;
  };

  it('50 parallel wrong codes give exactly N wrongCode denials and one lockout; then even correct codes are lockedOut', async () => {
    const userId = 'parallel-wrong';
    const { secret } = await enrol(bulwark, userId);
    const ids = await challenges(userId, 50);
    const app = bulwark.as('app');
    const wrong = wrongCodeAt(secret, bulwark.clock);
    const replies = await Promise.all(ids.map((id) => app.post(`/v1/mfa/challenges/${id}/verify`, { code: wrong })));
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    const reasons = replies.map((reply) => reply.body.reason);
    expect(reasons.filter((reason) => reason === 'wrongCode')).toHaveLength(10);
    expect(reasons.filter((reason) => reason === 'lockedOut')).toHaveLength(40);

    const correct = await Promise.all(ids.slice(0, 10).map((id) => app.post(`/v1/mfa/challenges/${id}/verify`, { code: totpAt(secret, bulwark.clock) })));
    expect(correct.map((reply) => reply.body)).toEqual(Array(10).fill({ status: 'denied', reason: 'lockedOut' }));

    const events = await bulwark.store.readStream(streams.userMfa(userId));
    expect(events.filter((event) => event.type === 'MfaDenied' && event.data.reason === 'wrongCode')).toHaveLength(10);
    expect(events.filter((event) => event.type === 'AccountLockedOut')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'MfaApproved')).toHaveLength(0);
  });

  it('50 parallel wrong codes on one challenge also stop at N', async () => {
    const userId = 'parallel-one-challenge';
    const { secret } = await enrol(bulwark, userId);
    const [id] = await challenges(userId, 1);
    const wrong = wrongCodeAt(secret, bulwark.clock);
    const replies = await Promise.all(Array.from({ length: 50 }, () => bulwark.as('app').post(`/v1/mfa/challenges/${id}/verify`, { code: wrong })));
    const reasons = replies.map((reply) => reply.body.reason);
    expect(reasons.filter((reason) => reason === 'wrongCode')).toHaveLength(10);
    expect(reasons.filter((reason) => reason === 'lockedOut')).toHaveLength(40);
  });

  it('50 parallel verifications of one valid TOTP code: exactly one approval and 49 replayedCode', async () => {
    // replays count towards lockout like wrong codes; the threshold is raised so all 49 are judged as replays
    expect((await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 100, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
    try {
      const userId = 'parallel-replay';
      const { secret } = await enrol(bulwark, userId);
      const ids = await challenges(userId, 50);
      const code = totpAt(secret, bulwark.clock);
      const replies = await Promise.all(ids.map((id) => bulwark.as('app').post(`/v1/mfa/challenges/${id}/verify`, { code })));
      expect(replies.filter((reply) => reply.body.status === 'approved')).toHaveLength(1);
      expect(replies.filter((reply) => reply.body.reason === 'replayedCode')).toHaveLength(49);
      const events = await bulwark.store.readStream(streams.userMfa(userId));
      expect(events.filter((event) => event.type === 'MfaApproved')).toHaveLength(1);
    } finally {
      await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 10, counterResetMinutes: 10, autoUnlockMinutes: 15 });
    }
  });
});
