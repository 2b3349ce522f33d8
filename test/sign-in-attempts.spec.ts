import { ChallengeExpiry } from '../apps/mfa/src/user-mfa/expire-challenges/challenge-expiry.service';
import { Embedded, enrol, startEmbedded, totpAt, wrongCodeAt } from './support/embedded';

/**
 * Issue 13 §8: a wrong code leaves the challenge open, and the expiry sweep used to add a second `expired` row to
 * every challenge abandoned after one, so the usage report counted 11 failures for 8 denials. Each attempt is one
 * sign-in row, and the report counts each challenge once, by its last outcome.
 */
describe('sign-in rows: one per attempt, and the usage report counting each challenge once', () => {
  let bulwark: Embedded;
  const app = () => bulwark.as('app');
  const analyst = () => bulwark.as('analyst');
  const challenge = async (userId: string) => {
    const reply = await app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.40', userAgent: 'Mozilla/5.0 (attempts test)', appId: 'portal' });
    expect(reply.status).toBe(201);
    return reply.body.id as string;
  };
  const expireWhatIsDue = async () => {
    // past the authenticator app code's lifetime (5 minutes)
    bulwark.clock.advance({ minutes: 6 });
    await bulwark.consumers.catchUp();
    const closed = await bulwark.app.get(ChallengeExpiry).sweep();
    await bulwark.consumers.catchUp();
    return closed;
  };
  const usage = async (from: string) => {
    const reply = await analyst().get(`/v1/reports/usage?from=${from}&interval=day`);
    expect(reply.status).toBe(200);
    return reply.body;
  };
  const rowsOf = async (userId: string) => {
    const reply = await analyst().get(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${userId}'`)}&$top=100`);
    expect(reply.status).toBe(200);
    return (reply.body.value as Array<{ status: { errorCode: number; additionalDetails: string } }>).map((row) => row.status.additionalDetails);
  };

  beforeAll(async () => {
    bulwark = await startEmbedded();
    // wrong codes here are counted, not locked out
    expect((await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 100, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
  });

  afterAll(async () => {
    await bulwark.close();
  });

  it('counts 8 failures for 8 challenges each denied once, 3 of them then left to expire', async () => {
    const { secret } = await enrol(bulwark, 'att-ann');
    const from = bulwark.clock.now().toISOString();
    const wrongOnce = async () => {
      const id = await challenge('att-ann');
      expect((await app().post(`/v1/mfa/challenges/${id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) })).body).toMatchObject({ status: 'denied', reason: 'wrongCode' });
    };
    for (let n = 0; n < 3; n++) await wrongOnce();
    expect(await expireWhatIsDue()).toBe(3);
    for (let n = 0; n < 5; n++) await wrongOnce();
    await bulwark.consumers.catchUp();

    const report = await usage(from);
    expect(report.totals).toEqual({ success: 0, failure: 8, bypassed: 0, total: 8 });
    expect(report.billing.perAuthentication).toBe(8);
    // the expiry of an answered challenge adds no row: its wrong code stands
    expect(await rowsOf('att-ann')).toEqual(Array.from({ length: 8 }, () => 'MFA denied; invalid verification code'));
  });

  it('counts a challenge answered right after a wrong code once, as a success, and one expired unanswered once, as a failure', async () => {
    const { secret } = await enrol(bulwark, 'att-bea');
    const from = bulwark.clock.now().toISOString();
    const retried = await challenge('att-bea');
    expect((await app().post(`/v1/mfa/challenges/${retried}/verify`, { code: wrongCodeAt(secret, bulwark.clock) })).body.status).toBe('denied');
    expect((await app().post(`/v1/mfa/challenges/${retried}/verify`, { code: totpAt(secret, bulwark.clock) })).body.status).toBe('approved');
    bulwark.clock.advance({ seconds: 30 });
    // twice wrong, then abandoned: two attempts, two rows, one failure in the report
    const twice = await challenge('att-bea');
    for (let n = 0; n < 2; n++) expect((await app().post(`/v1/mfa/challenges/${twice}/verify`, { code: wrongCodeAt(secret, bulwark.clock) })).body.status).toBe('denied');
    await challenge('att-bea');
    // the first test's five open challenges expire too
    expect(await expireWhatIsDue()).toBeGreaterThanOrEqual(2);

    // every attempt is a row, and the challenge nobody answered has its one `expired` row
    expect((await rowsOf('att-bea')).sort()).toEqual(
      [
        'MFA denied; invalid verification code',
        'MFA successfully completed',
        'MFA denied; invalid verification code',
        'MFA denied; invalid verification code',
        'MFA denied; the verification request expired',
      ].sort(),
    );
    const report = await usage(from);
    expect(report.totals).toEqual({ success: 1, failure: 2, bypassed: 0, total: 3 });
    expect(report.authentications).toEqual([
      { period: from.slice(0, 10), methods: [{ method: 'Mobile app verification code', success: 1, failure: 2, bypassed: 0, total: 3 }] },
    ]);
  });

  it('shows a throttling episode as one failed row naming the limit, and still counts the challenge it ended once', async () => {
    const { secret } = await enrol(bulwark, 'att-cy');
    const from = bulwark.clock.now().toISOString();
    const id = await challenge('att-cy');
    // the default attempt limit: the fifth wrong answer ends the challenge
    for (let n = 0; n < 5; n++) await app().post(`/v1/mfa/challenges/${id}/verify`, { code: wrongCodeAt(secret, bulwark.clock) });
    await bulwark.consumers.catchUp();

    const reply = await analyst().get(`/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userId eq 'att-cy'")}&$top=100`);
    const statuses = (reply.body.value as Array<{ status: { errorCode: number; failureReason: string } }>).map((row) => row.status);
    expect(statuses.filter((status) => status.errorCode === 500121)).toHaveLength(5);
    expect(statuses.filter((status) => status.errorCode !== 500121)).toEqual([
      {
        errorCode: 50053,
        failureReason: 'Too many requests: the sign-in was refused by the rate limit attemptsPerChallenge.',
        additionalDetails: 'MFA denied; too many answers to one verification request',
      },
    ]);
    expect((await usage(from)).totals).toEqual({ success: 0, failure: 1, bypassed: 0, total: 1 });
  });
});
