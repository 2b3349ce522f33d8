import { streams } from '@bulwark/contracts';
import { Embedded, enrol, streamTypes, totpAt, wrongCodeAt } from './embedded';

/**
 * The spine's scenario, through HTTP: enrol, lock out, unlock by time, report fraud, revoke, read the logs.
 * Returns what later checks (the Kafka run) need.
 */
export async function runScenario(bulwark: Embedded, userId = 'alice'): Promise<{ sessionId: string }> {
  const app = bulwark.as('app');
  const admin = bulwark.as('admin');
  const analyst = bulwark.as('analyst');
  const clock = bulwark.clock;
  const mfaStream = streams.userMfa(userId);

  // 1. register and activate an authenticator
  const { secret } = await enrol(bulwark, userId);
  expect(await streamTypes(bulwark.store, mfaStream)).toEqual(['AuthenticatorAppAdded', 'MethodRegistered']);

  // 2. three wrong codes lock the account; nothing gets through while it is locked
  expect((await admin.put('/v1/settings/lockout', { denialsBeforeLockout: 3, counterResetMinutes: 10, autoUnlockMinutes: 15 })).status).toBe(200);
  const challenge = async () => {
    const reply = await app.post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.7', userAgent: 'scenario/1.0', appId: 'portal' });
    expect(reply.status).toBe(201);
    return reply.body as { id: string; status: string; reason?: string };
  };
  const verify = (challengeId: string, code: string) => app.post(`/v1/mfa/challenges/${challengeId}/verify`, { code });
  const waiting = await challenge();
  for (let attempt = 1; attempt <= 3; attempt++) {
    const { id } = await challenge();
    const reply = await verify(id, wrongCodeAt(secret, clock));
    // each on its own challenge, so 4 answers are left on it; the third wrong code locks the account and ends retries
    const open = attempt < 3 ? { retryAllowed: true, attemptsLeft: 4 } : { retryAllowed: false };
    expect(reply).toEqual({ status: 200, body: { status: 'denied', reason: 'wrongCode', ...open } });
    clock.advance({ seconds: 5 });
  }
  const events = await bulwark.store.readStream(mfaStream);
  expect(events.filter((event) => event.type === 'MfaDenied').map((event) => event.data.reason)).toEqual(['wrongCode', 'wrongCode', 'wrongCode']);
  const lock = events.findIndex((event) => event.type === 'AccountLockedOut');
  expect(events[lock - 1]).toMatchObject({ type: 'MfaDenied' });
  expect(events[lock]!.revision).toBe(events[lock - 1]!.revision + 1);
  const fourth = await challenge();
  expect(fourth).toMatchObject({ status: 'denied', reason: 'lockedOut' });
  expect(await verify(waiting.id, totpAt(secret, clock))).toEqual({ status: 200, body: { status: 'denied', reason: 'lockedOut', retryAllowed: false } });

  // 3. once the lock has expired, a correct code is approved with a session
  clock.advance({ minutes: 16 });
  const fresh = await challenge();
  expect(fresh.status).toBe('pending');
  const approval = await verify(fresh.id, totpAt(secret, clock));
  expect(approval.status).toBe(200);
  expect(approval.body.status).toBe('approved');
  const sessionId: string = approval.body.sessionId;
  expect(await app.get(`/v1/sessions/${sessionId}`)).toMatchObject({ status: 200, body: { valid: true, userId } });

  // 4. on a further challenge the user reports suspicious activity
  clock.advance({ seconds: 30 });
  const suspicious = await challenge();
  expect((await app.post(`/v1/mfa/challenges/${suspicious.id}/reportSuspiciousActivity`)).status).toBe(200);
  await bulwark.consumers.catchUp();
  const detections = await analyst.get('/v1.0/identityProtection/riskDetections');
  expect(detections.status).toBe(200);
  expect(detections.body.value).toEqual([
    expect.objectContaining({ userId, riskEventType: 'userReportedSuspiciousActivity', riskLevel: 'high', riskState: 'atRisk', detectionTimingType: 'offline', source: 'endUserReported' }),
  ]);
  const riskyUsers = await analyst.get('/v1.0/identityProtection/riskyUsers');
  expect(riskyUsers.body.value).toEqual([expect.objectContaining({ id: userId, riskLevel: 'high', riskState: 'atRisk' })]);

  // 5. the admin revokes the user's sessions: the session from step 3 is invalid at once
  expect(await admin.post(`/v1.0/users/${userId}/revokeSignInSessions`)).toMatchObject({ status: 200, body: { value: true } });
  expect(await streamTypes(bulwark.store, streams.userSessions(userId))).toEqual(['SessionsRevoked']);
  expect(await app.get(`/v1/sessions/${sessionId}`)).toEqual({ status: 200, body: { valid: false, reason: 'revoked' } });

  // 6. the analyst reads the sign-ins: denials carry 500121 and a reason, the approval 0
  await bulwark.consumers.catchUp();
  const signIns = await analyst.get('/v1.0/auditLogs/signIns');
  expect(signIns.status).toBe(200);
  const rows: Array<{ status: { errorCode: number; additionalDetails: string }; createdDateTime: string; userId: string }> = signIns.body.value;
  const denials = rows.filter((row) => row.status.errorCode === 500121);
  const approvals = rows.filter((row) => row.status.errorCode === 0);
  expect(approvals).toHaveLength(1);
  expect(denials.map((row) => row.status.additionalDetails).sort()).toEqual(
    [
      'MFA denied; invalid verification code',
      'MFA denied; invalid verification code',
      'MFA denied; invalid verification code',
      'MFA denied; account is locked out after too many failed attempts',
      'MFA denied; account is locked out after too many failed attempts',
      'MFA denied; Phone App Reported Fraud',
    ].sort(),
  );
  const times = rows.map((row) => row.createdDateTime);
  expect(times).toEqual([...times].sort().reverse());
  return { sessionId };
}
