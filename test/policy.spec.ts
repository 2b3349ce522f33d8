import { hostname } from 'node:os';
import { Embedded, enrol, startEmbedded, totpAt } from './support/embedded';

describe('tenant MFA settings and per-user state through HTTP', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const admin = () => bulwark.as('admin');
  const settings = (body: Record<string, unknown>) => admin().put('/v1/settings/mfa', { enabledMethods: ['call', 'sms', 'appNotification', 'appCode'], trustedIpRanges: [], ...body });
  const challenge = (userId: string, clientIp = '203.0.113.70', extra: Record<string, unknown> = {}) => bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp, ...extra });

  afterEach(async () => {
    expect((await settings({ rememberDeviceDays: null })).status).toBe(200);
  });

  it('validates settings: CIDR ranges (at most 50), methods, remember days', async () => {
    expect((await admin().get('/v1/settings/mfa')).body).toMatchObject({ enabledMethods: ['call', 'sms', 'appNotification', 'appCode'], trustedIpRanges: [], version: expect.any(Number) });
    expect((await settings({ trustedIpRanges: ['203.0.113.0/24', '2001:db8::/32'] })).body.trustedIpRanges).toEqual(['203.0.113.0/24', '2001:db8::/32']);
    expect((await settings({ trustedIpRanges: ['203.0.113.0/33'] })).status).toBe(400);
    expect((await settings({ trustedIpRanges: ['not-an-ip/8'] })).body.error.message).toMatch(/not a CIDR range/);
    expect((await settings({ trustedIpRanges: Array.from({ length: 51 }, (_, i) => `10.${i}.0.0/16`) })).status).toBe(400);
    expect((await settings({ enabledMethods: [] })).status).toBe(400);
    expect((await settings({ enabledMethods: ['fax'] })).status).toBe(400);
    expect((await settings({ rememberDeviceDays: 366 })).status).toBe(400);
    expect((await settings({ rememberDeviceDays: 0 })).status).toBe(400);
  });

  it('bypasses MFA from a trusted range, IPv4 and IPv6, with a session and a sign-in row saying why', async () => {
    await enrol(bulwark, 'office-user');
    await settings({ trustedIpRanges: ['198.51.100.0/24', '2001:db8:aa::/48'] });
    const inside = await challenge('office-user', '198.51.100.77');
    expect(inside.body).toMatchObject({ status: 'bypassed', reason: 'trustedIp', sessionId: expect.any(String) });
    expect((await bulwark.as('app').get(`/v1/sessions/${inside.body.sessionId}`)).body).toMatchObject({ valid: true, userId: 'office-user' });
    expect((await challenge('office-user', '2001:db8:aa:1::5')).body.status).toBe('bypassed');
    expect((await challenge('office-user', '198.51.101.1')).body.status).toBe('pending');
    await bulwark.consumers.catchUp();
    const rows = (await bulwark.as('analyst').get('/v1.0/auditLogs/signIns')).body.value;
    expect(rows.find((row: { id: string; status: { additionalDetails: string } }) => row.status.additionalDetails === 'MFA requirement skipped due to trusted IP')).toBeDefined();
  });

  it('remembers a device for the configured days after an approval, then asks again', async () => {
    const { secret } = await enrol(bulwark, 'device-user');
    await settings({ rememberDeviceDays: 7 });
    const first = await challenge('device-user');
    const approved = await bulwark.as('app').post(`/v1/mfa/challenges/${first.body.id}/verify`, { code: totpAt(secret, bulwark.clock), rememberDevice: true });
    expect(approved.body).toMatchObject({ status: 'approved', deviceToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const { deviceToken } = approved.body;
    expect((await challenge('device-user', '203.0.113.70', { deviceToken })).body).toMatchObject({ status: 'bypassed', reason: 'rememberedDevice' });
    expect((await challenge('device-user', '203.0.113.70', { deviceToken: 'A'.repeat(43) })).body.status).toBe('pending');
    bulwark.clock.advance({ minutes: 7 * 24 * 60 + 1 });
    expect((await challenge('device-user', '203.0.113.70', { deviceToken })).body.status).toBe('pending');

    // the sign-in log names the server that answered and the device token presented, masked but for its last 4 characters
    await bulwark.consumers.catchUp();
    const rows = (await bulwark.as('analyst').get(`/v1.0/auditLogs/signIns?$filter=userId eq 'device-user'`)).body.value;
    const bypassed = rows.find((row: { status: { additionalDetails: string } }) => /remembered device/.test(row.status.additionalDetails));
    expect(bypassed.authenticationProcessingDetails).toEqual([
      { key: 'Server name', value: hostname() },
      ...(bypassed.authenticationProcessingDetails.some((detail: { key: string }) => detail.key === 'Server IP') ? [{ key: 'Server IP', value: expect.any(String) }] : []),
      { key: 'Device token', value: `…${deviceToken.slice(-4)}` },
    ]);
    expect(JSON.stringify(rows)).not.toContain(deviceToken);
  });

  it('revokes every remembered device of a user at an admin request', async () => {
    const { secret } = await enrol(bulwark, 'lost-laptop');
    await settings({ rememberDeviceDays: 30 });
    const first = (await challenge('lost-laptop')).body;
    const { deviceToken } = (await bulwark.as('app').post(`/v1/mfa/challenges/${first.id}/verify`, { code: totpAt(secret, bulwark.clock), rememberDevice: true })).body;
    expect((await challenge('lost-laptop', '203.0.113.70', { deviceToken })).body.status).toBe('bypassed');
    expect((await bulwark.as('analyst').post('/v1/users/lost-laptop/revokeMfaRememberedDevices')).status).toBe(403);
    expect((await bulwark.as(null).post('/v1/users/lost-laptop/revokeMfaRememberedDevices')).status).toBe(401);
    expect((await admin().post('/v1/users/lost-laptop/revokeMfaRememberedDevices', { reason: '' })).status).toBe(400);
    expect((await admin().post('/v1/users/nobody-here/revokeMfaRememberedDevices')).status).toBe(404);
    expect((await admin().post('/v1/users/lost-laptop/revokeMfaRememberedDevices', { reason: 'laptop reported stolen' })).body).toEqual({ userId: 'lost-laptop', devicesRevoked: 1 });
    expect((await challenge('lost-laptop', '203.0.113.70', { deviceToken })).body.status).toBe('pending');
    expect((await admin().post('/v1/users/lost-laptop/revokeMfaRememberedDevices')).body).toEqual({ userId: 'lost-laptop', devicesRevoked: 0 });
  });

  it('denies a disabled method: its users must choose another at their next sign-in', async () => {
    await enrol(bulwark, 'sms-and-app');
    expect((await bulwark.as('app').post('/v1.0/users/sms-and-app/authentication/phoneMethods', { phoneNumber: '+14255550101', phoneType: 'mobile' })).status).toBe(201);
    await settings({ enabledMethods: ['sms', 'call'] });
    const refused = await challenge('sms-and-app');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/disabled appCode.*choose another: .*\(phone\)/);
    const phone = (await admin().get('/v1.0/users/sms-and-app/authentication/phoneMethods')).body.value[0];
    expect((await challenge('sms-and-app', '203.0.113.70', { methodId: phone.id })).body).toMatchObject({ status: 'pending', channel: 'sms' });
  });

  it('skips MFA for a user whose per-user state is disabled, and requires re-registration when an admin says so', async () => {
    await enrol(bulwark, 'state-user');
    expect((await admin().raw('PATCH', '/beta/users/state-user/authentication/requirements', JSON.stringify({ perUserMfaState: 'disabled' }))).status).toBe(204);
    expect((await bulwark.as('analyst').get('/beta/users/state-user/authentication/requirements')).body).toEqual({ perUserMfaState: 'disabled' });
    expect((await challenge('state-user')).body).toMatchObject({ status: 'bypassed', reason: 'mfaDisabled' });
    expect((await admin().raw('PATCH', '/beta/users/state-user/authentication/requirements', JSON.stringify({ perUserMfaState: 'enforced' }))).status).toBe(204);
    expect((await challenge('state-user')).body.status).toBe('pending');
    expect((await admin().raw('PATCH', '/beta/users/state-user/authentication/requirements', JSON.stringify({ perUserMfaState: 'sometimes' }))).status).toBe(400);

    expect((await admin().post('/v1/users/state-user/authentication/requireReregistration')).status).toBe(204);
    expect((await admin().get('/v1.0/users/state-user/authentication/methods')).body.value).toEqual([]);
    const again = await challenge('state-user');
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ status: 'registrationRequired', reason: 'noMethods', registration: { required: true, canPostpone: false, postponeUntil: null } });
    await enrol(bulwark, 'state-user');
    expect((await challenge('state-user')).body.status).toBe('pending');
  });

  it('denies every MFA attempt of a blocked user with userBlocked, until unblocked', async () => {
    const { secret } = await enrol(bulwark, 'blocked-user');
    expect((await admin().post('/v1/users/blocked-user/block', { reason: 'suspected takeover', days: 0 })).status).toBe(400);
    expect((await admin().post('/v1/users/blocked-user/block', {})).status).toBe(400);
    expect((await admin().post('/v1/users/blocked-user/unblock', { reason: 'nothing to clear' })).status).toBe(409);
    await settings({ rememberDeviceDays: 30 });
    const signedIn = (await challenge('blocked-user')).body;
    const approval = (await bulwark.as('app').post(`/v1/mfa/challenges/${signedIn.id}/verify`, { code: totpAt(secret, bulwark.clock), rememberDevice: true })).body;
    expect(approval).toMatchObject({ status: 'approved', deviceToken: expect.any(String) });
    bulwark.clock.advance({ seconds: 30 });
    const pending = (await challenge('blocked-user')).body;
    const blocked = await admin().post('/v1/users/blocked-user/block', { reason: 'suspected takeover' });
    expect(blocked.body).toMatchObject({ status: 'blocked', reason: 'suspected takeover' });
    expect(Date.parse(blocked.body.until) - bulwark.clock.now().getTime()).toBe(90 * 86_400_000);
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${pending.id}/verify`, { code: totpAt(secret, bulwark.clock) })).body).toEqual({ status: 'denied', reason: 'userBlocked', retryAllowed: false });
    expect((await challenge('blocked-user')).body).toMatchObject({ status: 'denied', reason: 'userBlocked' });
    // the block's reactions: every session revoked, every remembered device forgotten
    await bulwark.consumers.catchUp();
    expect((await bulwark.as('app').get(`/v1/sessions/${approval.sessionId}`)).body).toEqual({ valid: false, reason: 'revoked' });
    expect((await admin().post('/v1/users/blocked-user/unblock', { reason: 'verified with the user by phone' })).body).toEqual({ userId: 'blocked-user', status: 'unblocked' });
    expect((await challenge('blocked-user', '203.0.113.70', { deviceToken: approval.deviceToken })).body.status).toBe('pending');
    const fresh = (await challenge('blocked-user')).body;
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${fresh.id}/verify`, { code: totpAt(secret, bulwark.clock) })).body.status).toBe('approved');
  });

  it('shows a locked user in /v1/lockouts until an admin unlocks them, with a reason', async () => {
    const { secret } = await enrol(bulwark, 'locked-user');
    expect((await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 2, counterResetMinutes: 10, autoUnlockMinutes: 0 })).status).toBe(200);
    try {
      for (let i = 0; i < 2; i++) {
        const open = (await challenge('locked-user')).body;
        await bulwark.as('app').post(`/v1/mfa/challenges/${open.id}/verify`, { code: '000000' === totpAt(secret, bulwark.clock) ? '111111' : '000000' });
      }
      await bulwark.consumers.catchUp();
      const locked = (await bulwark.as('analyst').get('/v1/lockouts')).body.value;
      expect(locked).toEqual([expect.objectContaining({ userId: 'locked-user', lockedUntilDateTime: null, settingsVersion: expect.any(Number) })]);
      bulwark.clock.advance({ minutes: 60 * 24 });
      expect((await challenge('locked-user')).body).toMatchObject({ status: 'denied', reason: 'lockedOut' });
      expect((await admin().post('/v1/users/locked-user/unlock', {})).status).toBe(400);
      expect((await admin().post('/v1/users/locked-user/unlock', { reason: 'called the user' })).body).toEqual({ userId: 'locked-user', status: 'unlocked' });
      expect((await admin().post('/v1/users/locked-user/unlock', { reason: 'again' })).status).toBe(409);
      await bulwark.consumers.catchUp();
      expect((await bulwark.as('analyst').get('/v1/lockouts')).body.value).toEqual([]);
      const fresh = (await challenge('locked-user')).body;
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${fresh.id}/verify`, { code: totpAt(secret, bulwark.clock) })).body.status).toBe('approved');
    } finally {
      await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 10, counterResetMinutes: 10, autoUnlockMinutes: 15 });
    }
  });

  it('counts code denials and push denials separately, and names the counter that locked', async () => {
    const { secret } = await enrol(bulwark, 'two-factor-user', { pushEnabled: true });
    expect((await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 3, counterResetMinutes: 10, autoUnlockMinutes: 30 })).status).toBe(200);
    const wrongCode = async () => {
      const open = (await challenge('two-factor-user')).body;
      const code = totpAt(secret, bulwark.clock) === '000000' ? '111111' : '000000';
      return (await bulwark.as('app').post(`/v1/mfa/challenges/${open.id}/verify`, { code })).body;
    };
    const declinePush = async () => {
      const open = (await challenge('two-factor-user', '203.0.113.70', { channel: 'appNotification' })).body;
      expect(open).toMatchObject({ status: 'pending', channel: 'appNotification' });
      return (await bulwark.as('app').post(`/v1/mfa/challenges/${open.id}/pushResponse`, { response: 'deny' })).body;
    };
    try {
      // two of each: neither counter has reached 3, so nothing locks although four denials are recent
      for (const deny of [wrongCode, declinePush, wrongCode, declinePush]) expect((await deny()).status).toBe('denied');
      await bulwark.consumers.catchUp();
      expect((await bulwark.as('analyst').get('/v1/lockouts')).body.value).toEqual([]);
      // a correct code clears the code counter only: the third declined push still locks
      const fresh = (await challenge('two-factor-user')).body;
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${fresh.id}/verify`, { code: totpAt(secret, bulwark.clock) })).body.status).toBe('approved');
      expect(await declinePush()).toEqual({ status: 'denied', reason: 'userDeclined', retryAllowed: false });
      await bulwark.consumers.catchUp();
      const [locked] = (await bulwark.as('analyst').get('/v1/lockouts')).body.value;
      expect(locked).toMatchObject({ userId: 'two-factor-user', factor: 'push', causedByChallengeIds: expect.any(Array) });
      expect(locked.causedByChallengeIds).toHaveLength(3);
      expect((await challenge('two-factor-user')).body).toMatchObject({ status: 'denied', reason: 'lockedOut' });
      // the automatic unlock shows in the view at its time, before any request touches the user
      bulwark.clock.advance({ minutes: 31 });
      expect((await bulwark.as('analyst').get('/v1/lockouts')).body.value).toEqual([]);
    } finally {
      await admin().put('/v1/settings/lockout', { denialsBeforeLockout: 10, counterResetMinutes: 10, autoUnlockMinutes: 15 });
    }
  });

  it('applies the fraud alert settings: reporting off, a custom voice code, and auto-block on a report', async () => {
    const fraud = (body: Record<string, unknown>) => admin().put('/v1/settings/fraudAlert', body);
    expect((await fraud({ reportSuspiciousActivity: 'enabled', voiceReportingCode: '12', autoBlockOnFraud: false })).status).toBe(400);
    expect((await fraud({ reportSuspiciousActivity: 'maybe', autoBlockOnFraud: false })).status).toBe(400);
    expect((await bulwark.as('analyst').get('/v1/settings/fraudAlert')).status).toBe(403);
    await bulwark.as('app').post('/v1.0/users/fraud-user/authentication/phoneMethods', { phoneNumber: '+12065550142', phoneType: 'office' });
    try {
      expect((await fraud({ reportSuspiciousActivity: 'disabled', autoBlockOnFraud: false })).body).toMatchObject({ reportSuspiciousActivity: 'disabled', voiceReportingCode: '0' });
      const refused = (await challenge('fraud-user')).body;
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${refused.id}/reportSuspiciousActivity`)).status).toBe(409);

      expect((await fraud({ reportSuspiciousActivity: 'enabled', voiceReportingCode: '5', autoBlockOnFraud: true })).status).toBe(200);
      const call = (await challenge('fraud-user')).body;
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${call.id}/callResponse`, { keys: '0#' })).status).toBe(422);
      expect((await bulwark.as('app').post(`/v1/mfa/challenges/${call.id}/callResponse`, { keys: '5#' })).body).toEqual({ status: 'denied', reason: 'fraudReported', retryAllowed: false });
      await bulwark.consumers.catchUp();
      expect((await challenge('fraud-user')).body).toMatchObject({ status: 'denied', reason: 'userBlocked' });
    } finally {
      await fraud({ reportSuspiciousActivity: 'enabled', voiceReportingCode: '0', autoBlockOnFraud: false });
      await admin().post('/v1/users/fraud-user/unblock', { reason: 'test over' });
    }
  });
});
