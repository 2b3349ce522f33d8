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

  const DEFAULT_RATE_LIMITS = { challengesPerMinute: 10, pushesPerWindow: 5, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5 };
  /** Runs a test under other per-user rate limits, then puts the defaults back. */
  const withRateLimits = async (limits: Partial<typeof DEFAULT_RATE_LIMITS>, run: () => Promise<void>) => {
    expect((await bulwark.as('admin').put('/v1/settings/rateLimits', { ...DEFAULT_RATE_LIMITS, ...limits })).status).toBe(200);
    try {
      await run();
    } finally {
      await bulwark.as('admin').put('/v1/settings/rateLimits', DEFAULT_RATE_LIMITS);
    }
  };

  it('50 parallel wrong codes give exactly N wrongCode denials and one lockout; then even correct codes are lockedOut', async () => {
    // the subject is the lockout over 50 challenges: the per-minute challenge limit (10) is raised so all 50 are issued
    await withRateLimits({ challengesPerMinute: 100 }, async () => {
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
      expect(correct.map((reply) => reply.body)).toEqual(Array(10).fill({ status: 'denied', reason: 'lockedOut', retryAllowed: false }));

      const events = await bulwark.store.readStream(streams.userMfa(userId));
      expect(events.filter((event) => event.type === 'MfaDenied' && event.data.reason === 'wrongCode')).toHaveLength(10);
      expect(events.filter((event) => event.type === 'AccountLockedOut')).toHaveLength(1);
      expect(events.filter((event) => event.type === 'MfaApproved')).toHaveLength(0);
      expect(events.filter((event) => event.type === 'MfaThrottled')).toHaveLength(0);
    });
  });

  it('50 parallel wrong codes on one challenge also stop at N', async () => {
    // the subject is the lockout threshold N (10) on one challenge: its attempt limit (5) is raised out of the way
    await withRateLimits({ attemptsPerChallenge: 100 }, async () => {
      const userId = 'parallel-one-challenge';
      const { secret } = await enrol(bulwark, userId);
      const [id] = await challenges(userId, 1);
      const wrong = wrongCodeAt(secret, bulwark.clock);
      const replies = await Promise.all(Array.from({ length: 50 }, () => bulwark.as('app').post(`/v1/mfa/challenges/${id}/verify`, { code: wrong })));
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
      const reasons = replies.map((reply) => reply.body.reason);
      expect(reasons.filter((reason) => reason === 'wrongCode')).toHaveLength(10);
      expect(reasons.filter((reason) => reason === 'lockedOut')).toHaveLength(40);

      // exactly N wrong codes were judged, and they locked the account once
      const events = await bulwark.store.readStream(streams.userMfa(userId));
      expect(events.filter((event) => event.type === 'MfaDenied' && event.data.reason === 'wrongCode')).toHaveLength(10);
      expect(events.filter((event) => event.type === 'AccountLockedOut')).toHaveLength(1);
      expect(events.filter((event) => event.type === 'MfaThrottled')).toHaveLength(0);
    });
  });

  it('50 parallel wrong codes on one challenge stop at its attempt limit: five denials, the fifth ends it, 45 refused as finished', async () => {
    // the default limits: the attempt limit (5) comes before the lockout threshold (10)
    const userId = 'parallel-attempts';
    const { secret } = await enrol(bulwark, userId);
    const [id] = await challenges(userId, 1);
    const wrong = wrongCodeAt(secret, bulwark.clock);
    const replies = await Promise.all(Array.from({ length: 50 }, () => bulwark.as('app').post(`/v1/mfa/challenges/${id}/verify`, { code: wrong })));
    const judged = replies.filter((reply) => reply.status === 200).map((reply) => reply.body);
    const attemptsLeft = (body: { attemptsLeft?: number }) => body.attemptsLeft ?? 0;
    expect(judged.sort((a, b) => attemptsLeft(b) - attemptsLeft(a))).toEqual([
      { status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 },
      { status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 3 },
      { status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 2 },
      { status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 1 },
      { status: 'denied', reason: 'wrongCode', retryAllowed: false },
    ]);
    const refused = replies.filter((reply) => reply.status !== 200);
    expect(refused).toHaveLength(45);
    for (const reply of refused) expect(reply).toMatchObject({ status: 409, body: { error: { code: 'challengeFinished' } } });

    // exactly the limit was judged: five denials, one MfaThrottled naming the challenge, no lockout
    const events = await bulwark.store.readStream(streams.userMfa(userId));
    expect(events.filter((event) => event.type === 'MfaDenied').map((event) => event.data.reason)).toEqual(Array(5).fill('wrongCode'));
    expect(events.filter((event) => event.type === 'MfaThrottled').map((event) => event.data)).toEqual([expect.objectContaining({ limit: 'attemptsPerChallenge', challengeId: id })]);
    expect(events.filter((event) => event.type === 'AccountLockedOut')).toHaveLength(0);
  });

  it('50 parallel verifications of one valid TOTP code: exactly one approval and 49 replayedCode', async () => {
    // replays count towards lockout like wrong codes; the threshold is raised so all 49 are judged as replays
    expect((await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 100, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
    // the subject is replay detection over 50 challenges: the per-minute challenge limit (10) is raised so all 50 are issued
    try {
      await withRateLimits({ challengesPerMinute: 100 }, async () => {
        const userId = 'parallel-replay';
        const { secret } = await enrol(bulwark, userId);
        const ids = await challenges(userId, 50);
        const code = totpAt(secret, bulwark.clock);
        const replies = await Promise.all(ids.map((id) => bulwark.as('app').post(`/v1/mfa/challenges/${id}/verify`, { code })));
        expect(replies.filter((reply) => reply.body.status === 'approved')).toHaveLength(1);
        expect(replies.filter((reply) => reply.body.reason === 'replayedCode')).toHaveLength(49);
        const events = await bulwark.store.readStream(streams.userMfa(userId));
        expect(events.filter((event) => event.type === 'MfaApproved')).toHaveLength(1);
      });
    } finally {
      await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 10, counterResetMinutes: 10, autoUnlockMinutes: 15 });
    }
  });
});
