import { streams } from '@bulwark/contracts';
import path from 'node:path';
import { readOutbox } from '../apps/mfa/src/phone/delivery/file-delivery.adapter';
import { ChallengeExpiry } from '../apps/mfa/src/user-mfa/expire-challenges/challenge-expiry.service';
import { Embedded, enrol, startEmbedded, streamTypes } from './support/embedded';

describe('MFA methods end to end through HTTP', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const app = () => bulwark.as('app');
  const outbox = () => readOutbox(path.join(bulwark.dataDir, 'outbox'));
  const lastTextTo = async (challengeId: string) => {
    const entry = (await outbox()).reverse().find((line) => line.payload.challengeId === challengeId);
    expect(entry).toBeDefined();
    return entry!.payload as { kind: string; code: string | null; to: string };
  };
  const challenge = async (userId: string, extra: Record<string, unknown> = {}) => {
    const reply = await app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.50', ...extra });
    expect(reply.status).toBe(201);
    return reply.body;
  };
  const addPhone = async (userId: string, phoneNumber: string, phoneType: string) => {
    const reply = await app().post(`/v1.0/users/${userId}/authentication/phoneMethods`, { phoneNumber, phoneType });
    expect(reply.status).toBe(201);
    return reply.body as { id: string };
  };

  describe('SMS codes', () => {
    it('registers a phone in Graph’s shape and lists it, masked for analysts', async () => {
      const phone = await addPhone('sms-user', '+44 7700 900123', 'mobile');
      expect(phone).toMatchObject({ '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', phoneType: 'mobile', phoneNumber: '+44 7700900123' });
      const asAdmin = await bulwark.as('admin').get('/v1.0/users/sms-user/authentication/methods');
      expect(asAdmin.body.value).toEqual([expect.objectContaining({ id: phone.id, phoneNumber: '+44 7700900123' })]);
      const asAnalyst = await bulwark.as('analyst').get('/v1.0/users/sms-user/authentication/phoneMethods');
      expect(asAnalyst.body.value[0].phoneNumber).toMatch(/^\*+0123$/);
      expect((await bulwark.as('analyst').get('/v1.0/users/sms-user/authentication/softwareOathMethods')).body.value).toEqual([]);
      expect((await app().post('/v1.0/users/sms-user/authentication/phoneMethods', { phoneNumber: '+44 7700 900999', phoneType: 'mobile' })).status).toBe(409);
      expect((await app().post('/v1.0/users/sms-user/authentication/phoneMethods', { phoneNumber: '07700 900999', phoneType: 'mobile' })).status).toBe(400);
    });

    it('texts a 6-digit code that is accepted at 179 s and refused at 181 s, and stored only as a hash', async () => {
      const first = await challenge('sms-user');
      expect(first).toMatchObject({ channel: 'sms', method: 'phone', delivery: { status: 'sent' } });
      const text = await lastTextTo(first.id);
      expect(text).toMatchObject({ kind: 'sms', to: '+447700900123', code: expect.stringMatching(/^\d{6}$/) });
      bulwark.clock.advance({ seconds: 179 });
      expect((await app().post(`/v1/mfa/challenges/${first.id}/verify`, { code: text.code })).body).toMatchObject({ status: 'approved' });

      const second = await challenge('sms-user');
      const secondText = await lastTextTo(second.id);
      bulwark.clock.advance({ seconds: 181 });
      expect((await app().post(`/v1/mfa/challenges/${second.id}/verify`, { code: secondText.code })).body).toEqual({ status: 'denied', reason: 'expired', retryAllowed: false });

      const events = JSON.stringify(await bulwark.store.readStream(streams.userMfa('sms-user')));
      expect(events).not.toContain(`"${text.code}"`);
      expect(events).not.toContain(`"${secondText.code}"`);
    });

    it('never lets the code of challenge A complete challenge B, and a new code voids the previous one', async () => {
      const a = await challenge('sms-user');
      const codeA = (await lastTextTo(a.id)).code!;
      const b = await challenge('sms-user');
      const codeB = (await lastTextTo(b.id)).code!;
      expect((await app().post(`/v1/mfa/challenges/${a.id}/verify`, { code: codeA })).status).toBe(409);
      if (codeA !== codeB) expect((await app().post(`/v1/mfa/challenges/${b.id}/verify`, { code: codeA })).body).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 });
      expect((await app().post(`/v1/mfa/challenges/${b.id}/verify`, { code: codeB })).body).toMatchObject({ status: 'approved' });
      const events = await bulwark.store.readStream(streams.userMfa('sms-user'));
      expect(events.find((event) => event.type === 'MfaDenied' && event.data.challengeId === a.id)?.data).toMatchObject({ reason: 'superseded' });
    });

    it('keeps a texted code as long as the tenant says', async () => {
      const put = (seconds: number) =>
        bulwark.as('admin').put('/v1/settings/mfa', { enabledMethods: ['call', 'sms', 'appNotification', 'appCode'], trustedIpRanges: [], smsCodeLifetimeSeconds: seconds });
      expect((await put(30)).status).toBe(400);
      expect((await put(600)).status).toBe(200);
      const started = bulwark.clock.now().getTime();
      const long = await challenge('sms-user');
      expect(Date.parse(long.expiresAt) - started).toBe(600_000);
      expect((await put(180)).status).toBe(200);
    });
  });

  describe('voice calls', () => {
    it('calls an office phone without reading a code; # approves, 0# reports fraud, other keys are refused', async () => {
      await addPhone('voice-user', '+1 2065550100', 'office');
      const call = await challenge('voice-user');
      expect(call).toMatchObject({ channel: 'voice', delivery: { status: 'sent' } });
      expect(await lastTextTo(call.id)).toMatchObject({ kind: 'voice', code: null });
      expect((await app().post(`/v1/mfa/challenges/${call.id}/callResponse`, { keys: '5#' })).status).toBe(422);
      expect((await app().post(`/v1/mfa/challenges/${call.id}/callResponse`, { keys: '#' })).body).toMatchObject({ status: 'approved' });

      const fraud = await challenge('voice-user');
      expect((await app().post(`/v1/mfa/challenges/${fraud.id}/callResponse`, { keys: '0#' })).body).toEqual({ status: 'denied', reason: 'fraudReported', retryAllowed: false });
      expect(await streamTypes(bulwark.store, streams.userMfa('voice-user'))).toContain('SuspiciousActivityReported');
    });
  });

  describe('push notifications with number matching', () => {
    let pushUser: string;

    beforeAll(async () => {
      pushUser = 'push-user';
      const registered = await app().post(`/v1/users/${pushUser}/authentication/authenticatorApps`, { pushEnabled: true });
      expect(registered.status).toBe(201);
      await enrolExisting(pushUser, registered.body);
    });

    async function enrolExisting(userId: string, method: { id: string; secret: string }) {
      const { generateSync } = await import('otplib');
      const code = generateSync({ secret: method.secret, epoch: Math.floor(bulwark.clock.now().getTime() / 1000) });
      expect((await app().post(`/v1/users/${userId}/authentication/authenticatorApps/${method.id}/activate`, { code })).status).toBe(200);
    }

    it('shows a two-digit number and approves when the user picks it', async () => {
      const push = await challenge(pushUser, { channel: 'appNotification' });
      expect(push).toMatchObject({ channel: 'appNotification', numberToShow: expect.stringMatching(/^[1-9]\d$/) });
      expect((await app().post(`/v1/mfa/challenges/${push.id}/pushResponse`, { response: 'approve', number: push.numberToShow })).body).toMatchObject({ status: 'approved' });
    });

    it('denies a wrong number, a denial and an answer of the wrong kind', async () => {
      const wrong = await challenge(pushUser, { channel: 'appNotification' });
      const other = wrong.numberToShow === '42' ? '43' : '42';
      expect((await app().post(`/v1/mfa/challenges/${wrong.id}/pushResponse`, { response: 'approve', number: other })).body).toEqual({ status: 'denied', reason: 'wrongNumber', retryAllowed: false });
      const declined = await challenge(pushUser, { channel: 'appNotification' });
      expect((await app().post(`/v1/mfa/challenges/${declined.id}/pushResponse`, { response: 'deny' })).body).toEqual({ status: 'denied', reason: 'userDeclined', retryAllowed: false });
      const codeInstead = await challenge(pushUser, { channel: 'appNotification' });
      expect((await app().post(`/v1/mfa/challenges/${codeInstead.id}/verify`, { code: '123456' })).status).toBe(409);
      expect((await app().post(`/v1/mfa/challenges/${codeInstead.id}/pushResponse`, { response: 'approve' })).status).toBe(400);
    });

    it('denies with reason timeout when nobody answers within 60 s', async () => {
      const ignored = await challenge(pushUser, { channel: 'appNotification' });
      bulwark.clock.advance({ seconds: 61 });
      await bulwark.consumers.catchUp();
      expect(await bulwark.app.get(ChallengeExpiry).sweep()).toBeGreaterThanOrEqual(1);
      const events = await bulwark.store.readStream(streams.userMfa(pushUser));
      expect(events.find((event) => event.type === 'MfaDenied' && event.data.challengeId === ignored.id)?.data).toMatchObject({ reason: 'timeout' });
      expect((await app().post(`/v1/mfa/challenges/${ignored.id}/pushResponse`, { response: 'approve', number: ignored.numberToShow })).status).toBe(409);
      await bulwark.consumers.catchUp();
      const signIns = await bulwark.as('analyst').get('/v1.0/auditLogs/signIns');
      expect(signIns.body.value.map((row: { status: { additionalDetails: string } }) => row.status.additionalDetails)).toContain(
        'MFA denied; user did not respond to mobile app notification',
      );
    });
  });

  describe('authenticator apps', () => {
    it('return a QR code of the otpauth URI as a PNG data URL and as SVG', async () => {
      const reply = await app().post('/v1/users/qr-user/authentication/authenticatorApps', { displayName: 'Work phone', algorithm: 'SHA512', digits: 8, period: 60 });
      expect(reply.status).toBe(201);
      expect(reply.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Bulwark:qr-user\?secret=[A-Z2-7]+&issuer=Bulwark&algorithm=SHA512&digits=8&period=60$/);
      const png = Buffer.from(reply.body.qrCode.pngDataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(reply.body.qrCode.svg).toMatch(/^<svg[^>]*viewBox="0 0 \d+ \d+"[\s\S]*<path[\s\S]*<\/svg>\s*$/);
    });
  });

  describe('app passwords', () => {
    it('are shown once, verify for legacy clients, count towards lockout, and are all deleted at once', async () => {
      await enrol(bulwark, 'legacy-user');
      // app passwords are off until the tenant allows them (tested in test/settings.spec.ts)
      expect((await bulwark.as('admin').put('/v1/settings/appPasswords', { allowUsersToCreateAppPasswords: true })).status).toBe(200);
      const created = await app().post('/v1/users/legacy-user/authentication/appPasswords', { displayName: 'Outlook 2010' });
      expect(created.status).toBe(201);
      expect(created.body.password).toMatch(/^[a-z]{16}$/);
      const verify = (password: string) => app().post('/v1/users/legacy-user/authentication/appPasswords/verify', { password, clientIp: '198.51.100.20' });
      expect((await verify(created.body.password)).body).toMatchObject({ status: 'approved', sessionId: expect.any(String) });
      expect((await verify('notthepassword')).body).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: false });
      expect(JSON.stringify(await bulwark.store.readStream(streams.userMfa('legacy-user')))).not.toContain(created.body.password);

      expect((await bulwark.as('admin').raw('DELETE', '/v1/users/legacy-user/authentication/appPasswords', undefined)).status).toBe(204);
      expect((await verify(created.body.password)).body).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: false });
      expect(await streamTypes(bulwark.store, streams.userMfa('legacy-user'))).toEqual(expect.arrayContaining(['AppPasswordCreated', 'AppPasswordsDeleted']));
      expect((await app().post('/v1/users/nobody-here/authentication/appPasswords/verify', { password: 'x', clientIp: '198.51.100.20' })).status).toBe(404);
    });
  });

  describe('default method and removal', () => {
    it('uses the chosen default, and removing a method denies its open challenges', async () => {
      const { methodId } = await enrol(bulwark, 'many-methods');
      const phone = await addPhone('many-methods', '+33 612345678', 'mobile');
      expect((await challenge('many-methods')).channel).toBe('appCode');
      expect((await app().put('/v1.0/users/many-methods/authentication/defaultMethod', { methodId: phone.id })).status).toBe(200);
      const bySms = await challenge('many-methods');
      expect(bySms.channel).toBe('sms');
      expect((await bulwark.as('admin').raw('DELETE', `/v1.0/users/many-methods/authentication/phoneMethods/${phone.id}`, undefined)).status).toBe(204);
      const code = (await lastTextTo(bySms.id)).code!;
      expect((await app().post(`/v1/mfa/challenges/${bySms.id}/verify`, { code })).body).toEqual({ status: 'denied', reason: 'methodDisabled', retryAllowed: false });
      expect((await challenge('many-methods')).methodId).toBe(methodId);
      expect((await bulwark.as('admin').raw('DELETE', `/v1.0/users/many-methods/authentication/phoneMethods/${methodId}`, undefined)).status).toBe(404);
    });
  });
});
