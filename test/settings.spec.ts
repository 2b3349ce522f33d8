import { streams } from '@bulwark/contracts';
import { Role } from '@bulwark/platform';
import { mp3Bytes, pngBytes, wavBytes } from '@bulwark/testing';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readOutbox } from '../apps/mfa/src/phone/delivery/file-delivery.adapter';
import { Embedded, enrol, Reply, startEmbedded, totpAt } from './support/embedded';

/** The MFA service settings of issue 7 through HTTP: phone calls, registration, app passwords, recorded fields, and their audit. */
describe('MFA service settings through HTTP', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const admin = () => bulwark.as('admin');
  const app = () => bulwark.as('app');
  const challenge = (userId: string, extra: Record<string, unknown> = {}) => app().post('/v1/mfa/challenges', { userId, clientIp: '203.0.113.70', ...extra });
  const eventsOf = async (streamId: string) => (await bulwark.store.readStream(streamId)).map((event) => event.type);
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  async function upload(fields: Record<string, string>, file: { bytes: Buffer; name: string; type?: string } | null, role: Role | null = 'admin'): Promise<Reply> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (file) form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
    const response = await fetch(`${bulwark.url}/v1/settings/phoneCall/greetings`, {
      method: 'POST',
      headers: { connection: 'close', ...(role ? { authorization: `Bearer ${bulwark.keys[role]}` } : {}) },
      body: form,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function uploadTwoFiles(): Promise<Reply> {
    const form = new FormData();
    for (const name of ['file', 'again']) form.append(name, new Blob([new Uint8Array(wavBytes(1))], { type: 'audio/wav' }), `${name}.wav`);
    const response = await fetch(`${bulwark.url}/v1/settings/phoneCall/greetings`, { method: 'POST', headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.admin}` }, body: form });
    return { status: response.status, body: await response.json() };
  }

  it.each(['/v1/settings/phoneCall', '/v1/settings/phoneCall/greetings', '/v1/settings/registration', '/v1/settings/appPasswords', '/v1/settings/signInLogFields'])(
    '%s is for admins only: 401 without a key, 403 for other roles',
    async (route) => {
      expect((await bulwark.as(null).get(route)).status).toBe(401);
      for (const role of ['analyst', 'siem', 'app'] as const) expect((await bulwark.as(role).get(route)).status).toBe(403);
      expect((await admin().get(route)).status).toBe(200);
      if (!route.endsWith('/greetings')) {
        expect((await bulwark.as(null).put(route, {})).status).toBe(401);
        expect((await bulwark.as('analyst').put(route, {})).status).toBe(403);
      }
    },
  );

  describe('phone call settings', () => {
    it('take a US caller ID only, refusing anything else with the reason and changing nothing', async () => {
      expect((await admin().get('/v1/settings/phoneCall')).body).toEqual({ callerId: null, version: 0 });
      expect((await admin().put('/v1/settings/phoneCall', { callerId: '+14255550100' })).body).toEqual({ callerId: '+14255550100', version: 1 });
      for (const callerId of ['+447700900123', '+1425555010', '4255550100', '+1 425 555 0100', '+14255550100x', 14255550100]) {
        const refused = await admin().put('/v1/settings/phoneCall', { callerId });
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toMatch(/callerId/);
      }
      expect((await admin().put('/v1/settings/phoneCall', { callerId: '+447700900123' })).body.error.message).toMatch(/must be a US number/);
      expect((await admin().put('/v1/settings/phoneCall', { callerId: '+14255550100', extra: true })).status).toBe(400);
      expect((await admin().put('/v1/settings/phoneCall', {})).status).toBe(400);
      expect((await admin().get('/v1/settings/phoneCall')).body).toEqual({ callerId: '+14255550100', version: 1 });
      expect(await eventsOf(streams.phoneCallSettings)).toEqual(['PhoneCallSettingsChanged']);
    });

    it('take WAV and MP3 voice messages measured from the file, refuse hostile files with the reason, list and delete them', async () => {
      const before = await eventsOf(streams.phoneCallSettings);
      const wav = wavBytes(3);
      const stored = await upload({ messageType: 'greeting', language: 'en-US' }, { bytes: wav, name: 'hello.wav', type: 'audio/wav' });
      expect(stored.status).toBe(201);
      expect(stored.body).toMatchObject({ id: expect.any(String), messageType: 'greeting', language: 'en-US', contentType: 'audio/wav', durationMs: 3000, sizeBytes: wav.length, sha256: sha256(wav), fileName: 'hello.wav' });
      expect(existsSync(path.join(bulwark.dataDir, 'greetings', sha256(wav)))).toBe(true);
      const mp3 = mp3Bytes(4, { id3: true });
      const storedMp3 = await upload({ messageType: 'authenticationSucceeded', language: 'fr-FR' }, { bytes: mp3, name: 'merci.mp3', type: 'audio/mpeg' });
      expect(storedMp3.status).toBe(201);
      expect(storedMp3.body).toMatchObject({ contentType: 'audio/mpeg', durationMs: expect.any(Number) });
      expect(storedMp3.body.durationMs).toBeGreaterThanOrEqual(4000);
      expect(storedMp3.body.durationMs).toBeLessThan(4100);

      const refusals: Array<[string, Promise<Reply>, number, RegExp]> = [
        ['a PNG renamed .wav', upload({ messageType: 'greeting', language: 'de-DE' }, { bytes: pngBytes(), name: 'hello.wav', type: 'audio/wav' }), 400, /neither WAV nor MP3.*PNG/],
        ['a 21-second WAV', upload({ messageType: 'greeting', language: 'de-DE' }, { bytes: wavBytes(21), name: 'long.wav' }), 400, /lasts 21\.0 s; it must be shorter than 20 s/],
        ['a 2 MB MP3', upload({ messageType: 'greeting', language: 'de-DE' }, { bytes: mp3Bytes(52, { bitrateKbps: 320 }), name: 'big.mp3' }), 413, /at most 1 MiB/],
        ['a file one byte over 1 MiB, in a body under the route limit', upload({ messageType: 'greeting', language: 'de-DE' }, { bytes: Buffer.alloc(1_048_577), name: 'big.wav' }), 413, /larger than 1048576 bytes; at most 1048576 \(1 MiB\)/],
        ['a second file', uploadTwoFiles(), 400, /malformed: at most 1 file/],
        ['an unknown message type', upload({ messageType: 'welcome', language: 'de-DE' }, { bytes: wav, name: 'hello.wav' }), 400, /messageType/],
        ['a language that is not a BCP 47 tag', upload({ messageType: 'greeting', language: 'german' }, { bytes: wav, name: 'hello.wav' }), 400, /BCP 47/],
        ['a form without a file', upload({ messageType: 'greeting', language: 'de-DE' }, null), 400, /exactly one file/],
        ['an unknown field', upload({ messageType: 'greeting', language: 'de-DE', volume: '11' }, { bytes: wav, name: 'hello.wav' }), 400, /unknown field/],
        ['a second greeting of the same type and language', upload({ messageType: 'greeting', language: 'en-US' }, { bytes: wavBytes(2), name: 'again.wav' }), 409, /exists/],
        ['an analyst', upload({ messageType: 'greeting', language: 'de-DE' }, { bytes: wav, name: 'hello.wav' }, 'analyst'), 403, /./],
        ['no key', upload({ messageType: 'greeting', language: 'de-DE' }, { bytes: wav, name: 'hello.wav' }, null), 401, /./],
      ];
      for (const [what, reply, status, reason] of refusals) {
        const { status: got, body } = await reply;
        expect({ what, status: got, message: body.error.message }).toEqual({ what, status, message: expect.stringMatching(reason) });
      }
      expect(existsSync(path.join(bulwark.dataDir, 'greetings', sha256(wavBytes(2))))).toBe(false);
      const json = await admin().post('/v1/settings/phoneCall/greetings', { messageType: 'greeting', language: 'en-US' });
      expect(json.status).toBe(415);
      expect(await eventsOf(streams.phoneCallSettings)).toEqual([...before, 'VoiceGreetingAdded', 'VoiceGreetingAdded']);
      // the events hold what the audio is, never the audio
      const added = (await bulwark.store.readStream(streams.phoneCallSettings)).filter((event) => event.type === 'VoiceGreetingAdded');
      expect(JSON.stringify(added)).not.toContain(wav.toString('base64').slice(0, 40));

      const listed = (await admin().get('/v1/settings/phoneCall/greetings')).body.value;
      expect(listed.map((greeting: { messageType: string; language: string }) => [greeting.messageType, greeting.language])).toEqual([
        ['greeting', 'en-US'],
        ['authenticationSucceeded', 'fr-FR'],
      ]);
      expect((await bulwark.as('analyst').raw('DELETE', `/v1/settings/phoneCall/greetings/${storedMp3.body.id}`, undefined)).status).toBe(403);
      expect((await admin().raw('DELETE', `/v1/settings/phoneCall/greetings/${storedMp3.body.id}`, undefined)).status).toBe(204);
      expect(existsSync(path.join(bulwark.dataDir, 'greetings', sha256(mp3)))).toBe(false);
      expect((await admin().raw('DELETE', `/v1/settings/phoneCall/greetings/${storedMp3.body.id}`, undefined)).status).toBe(404);
      expect((await admin().raw('DELETE', '/v1/settings/phoneCall/greetings/not%20an%20id', undefined)).status).toBe(400);
      expect((await admin().get('/v1/settings/phoneCall/greetings')).body.value.map((greeting: { id: string }) => greeting.id)).toEqual([stored.body.id]);
    });

    it("hand a call's caller ID and the greeting for the user's language to the provider, else its standard message", async () => {
      // fraud reporting is on by default: a call opens with the fraud greeting (press 0# to report)
      const french = wavBytes(2.5);
      const english = wavBytes(1.5);
      expect((await upload({ messageType: 'fraudGreeting', language: 'fr-FR' }, { bytes: french, name: 'bonjour.wav' })).status).toBe(201);
      expect((await upload({ messageType: 'fraudGreeting', language: 'en-US' }, { bytes: english, name: 'hello.wav' })).status).toBe(201);
      expect((await admin().put('/v1/settings/phoneCall', { callerId: '+12065550123' })).status).toBe(200);
      expect((await app().post('/v1.0/users/caller/authentication/phoneMethods', { phoneNumber: '+14255550111', phoneType: 'office' })).status).toBe(201);
      // this test places six calls to one user in a minute to compare greetings, over the default 3 calls per 10 minutes
      const { version: _, ...rateLimits } = (await admin().get('/v1/settings/rateLimits')).body;
      expect((await admin().put('/v1/settings/rateLimits', { ...rateLimits, callsPerWindow: 10 })).status).toBe(200);

      const call = async (language?: string) => {
        const issued = await challenge('caller', language ? { language } : {});
        expect(issued.body).toMatchObject({ status: 'pending', channel: 'voice', delivery: { status: 'sent' } });
        const entry = (await readOutbox(path.join(bulwark.dataDir, 'outbox'))).find((line) => line.payload.challengeId === issued.body.id);
        if (entry?.payload.kind !== 'voice') throw new Error('no call in the outbox');
        return entry.payload;
      };
      const inFrench = await call('fr-FR');
      expect(inFrench).toMatchObject({ to: '+14255550111', callerId: '+12065550123', locale: 'fr-FR', keys: { approve: '#', reportFraud: '0#' } });
      expect(inFrench.greeting).toEqual({ messageType: 'fraudGreeting', language: 'fr-FR', contentType: 'audio/wav', dataBase64: french.toString('base64') });
      const inBritishEnglish = await call('en-GB');
      expect(inBritishEnglish.greeting).toMatchObject({ language: 'en-US', dataBase64: english.toString('base64') });
      const inGerman = await call('de-DE');
      expect(inGerman).toMatchObject({ callerId: '+12065550123', locale: 'de-DE', greeting: null });
      expect((await call()).greeting).toBeNull();
      expect((await challenge('caller', { language: 'klingon!' })).status).toBe(400);

      // with fraud reporting off, the plain greeting type plays: none recorded in French, so the standard one
      expect((await admin().put('/v1/settings/fraudAlert', { reportSuspiciousActivity: 'disabled', autoBlockOnFraud: false })).status).toBe(200);
      try {
        expect((await call('fr-FR')).greeting).toBeNull();
        const standard = (await admin().get('/v1/settings/phoneCall/greetings')).body.value.find((greeting: { messageType: string }) => greeting.messageType === 'greeting');
        expect((await call('en-US')).greeting).toMatchObject({ messageType: 'greeting', language: standard.language });
      } finally {
        expect((await admin().put('/v1/settings/fraudAlert', { reportSuspiciousActivity: 'enabled', autoBlockOnFraud: false })).status).toBe(200);
        expect((await admin().put('/v1/settings/rateLimits', rateLimits)).status).toBe(200);
      }
    });
  });

  describe('registration policy', () => {
    afterAll(async () => {
      expect((await admin().put('/v1/settings/registration', { requiredFor: 'all', postponeDays: 0 })).status).toBe(200);
    });

    it('refuses postponement outside 0–14 days and selections naming no one, changing nothing', async () => {
      expect((await admin().get('/v1/settings/registration')).body).toEqual({ requiredFor: 'all', userIds: [], groupIds: [], postponeDays: 0, version: 0 });
      for (const body of [
        { requiredFor: 'all', postponeDays: 15 },
        { requiredFor: 'all', postponeDays: -1 },
        { requiredFor: 'all', postponeDays: 1.5 },
        { requiredFor: 'selected', postponeDays: 3 },
        { requiredFor: 'all', userIds: ['alice'], postponeDays: 3 },
        { requiredFor: 'some', postponeDays: 3 },
        { requiredFor: 'selected', userIds: ['not a user id'], postponeDays: 3 },
        { requiredFor: 'selected', groupIds: ['g/1'], postponeDays: 3 },
        { requiredFor: 'selected', userIds: ['alice'] },
      ]) {
        const refused = await admin().put('/v1/settings/registration', body);
        expect({ body, status: refused.status }).toEqual({ body, status: 400 });
        expect(refused.body.error.message).toMatch(/invalid request body/);
      }
      expect((await admin().put('/v1/settings/registration', { requiredFor: 'all', postponeDays: 15 })).body.error.message).toMatch(/postponeDays is 0 to 14/);
      expect(await eventsOf(streams.registrationPolicy)).toEqual([]);
    });

    it('answers registrationRequired for a named user without a method, postponable for the configured days, then not', async () => {
      const policy = await admin().put('/v1/settings/registration', { requiredFor: 'selected', userIds: ['new-hire'], groupIds: ['contractors'], postponeDays: 2 });
      expect(policy.body).toEqual({ requiredFor: 'selected', userIds: ['new-hire'], groupIds: ['contractors'], postponeDays: 2, version: 1 });
      const deadline = new Date(bulwark.clock.now().getTime() + 2 * 86_400_000).toISOString();

      const first = await challenge('new-hire', { appId: 'portal' });
      expect(first.body).toMatchObject({ status: 'registrationRequired', reason: 'noMethods', method: null, registration: { required: true, canPostpone: true, postponeUntil: deadline } });
      expect(await eventsOf(streams.userMfa('new-hire'))).toEqual(['RegistrationRequiredAtSignIn']);
      expect((await challenge('contractor-7', { groupIds: ['contractors'] })).body.registration).toEqual({ required: true, canPostpone: true, postponeUntil: expect.any(String) });
      expect((await challenge('outsider', { groupIds: ['employees'] })).body).toMatchObject({ status: 'registrationRequired', registration: { required: false, canPostpone: true, postponeUntil: null } });

      bulwark.clock.advance({ minutes: 24 * 60 });
      expect((await challenge('new-hire')).body.registration).toEqual({ required: true, canPostpone: true, postponeUntil: deadline });
      bulwark.clock.advance({ minutes: 24 * 60 + 1 });
      expect((await challenge('new-hire')).body.registration).toEqual({ required: true, canPostpone: false, postponeUntil: deadline });

      await enrol(bulwark, 'new-hire');
      expect((await challenge('new-hire')).body.status).toBe('pending');

      await bulwark.consumers.catchUp();
      const rows = (await bulwark.as('analyst').get('/v1.0/auditLogs/signIns')).body.value.filter((row: { userId: string }) => row.userId === 'new-hire');
      const interrupted = rows.filter((row: { status: { errorCode: number } }) => row.status.errorCode === 50072);
      expect(interrupted).toHaveLength(3);
      expect(interrupted[0].status).toEqual({
        errorCode: 50072,
        failureReason: 'User needs to enroll for second factor authentication.',
        additionalDetails: 'User needs to enroll for second factor authentication; the user has no verification method',
      });
    });

    it('treats a user whose every method the tenant disabled like one without methods', async () => {
      await admin().put('/v1/settings/registration', { requiredFor: 'all', postponeDays: 0 });
      expect((await app().post('/v1.0/users/office-only/authentication/phoneMethods', { phoneNumber: '+14255550122', phoneType: 'office' })).status).toBe(201);
      expect((await admin().put('/v1/settings/mfa', { enabledMethods: ['appNotification', 'appCode'], trustedIpRanges: [] })).status).toBe(200);
      try {
        expect((await challenge('office-only')).body).toMatchObject({ status: 'registrationRequired', reason: 'methodsDisabled', registration: { required: true, canPostpone: false } });
      } finally {
        expect((await admin().put('/v1/settings/mfa', { enabledMethods: ['call', 'sms', 'appNotification', 'appCode'], trustedIpRanges: [] })).status).toBe(200);
      }
      expect((await challenge('office-only')).body).toMatchObject({ status: 'pending', channel: 'voice' });
    });

    it("refuses a challenge on a method that was never activated with Entra's error", async () => {
      await enrol(bulwark, 'half-done');
      const pending = await app().post('/v1/users/half-done/authentication/authenticatorApps', { pushEnabled: true });
      expect(pending.status).toBe(201);
      const refused = await challenge('half-done', { methodId: pending.body.id, channel: 'appNotification' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'accountNotActivated', message: expect.stringMatching(/^Authentication request is not for an activated account/) });
    });
  });

  describe('app-password policy', () => {
    it('refuses new app passwords while off (the default); existing ones keep working', async () => {
      await enrol(bulwark, 'legacy-client');
      expect((await admin().get('/v1/settings/appPasswords')).body).toEqual({ allowUsersToCreateAppPasswords: false, version: 0 });
      const refused = await app().post('/v1/users/legacy-client/authentication/appPasswords', { displayName: 'Outlook 2010' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'appPasswordsNotAllowed', message: expect.stringMatching(/does not allow users to create app passwords/) });
      expect(await eventsOf(streams.userMfa('legacy-client'))).not.toContain('AppPasswordCreated');

      expect((await admin().put('/v1/settings/appPasswords', { allowUsersToCreateAppPasswords: 'yes' })).status).toBe(400);
      expect((await admin().put('/v1/settings/appPasswords', {})).status).toBe(400);
      expect((await admin().put('/v1/settings/appPasswords', { allowUsersToCreateAppPasswords: true })).body).toEqual({ allowUsersToCreateAppPasswords: true, version: 1 });
      const created = await app().post('/v1/users/legacy-client/authentication/appPasswords', { displayName: 'Outlook 2010' });
      expect(created.status).toBe(201);

      expect((await admin().put('/v1/settings/appPasswords', { allowUsersToCreateAppPasswords: false })).body).toEqual({ allowUsersToCreateAppPasswords: false, version: 2 });
      expect((await app().post('/v1/users/legacy-client/authentication/appPasswords', {})).status).toBe(409);
      const verified = await app().post('/v1/users/legacy-client/authentication/appPasswords/verify', { password: created.body.password, clientIp: '198.51.100.20' });
      expect(verified.body).toMatchObject({ status: 'approved' });
    });
  });

  describe('recorded sign-in fields', () => {
    type SignIn = { userId: string; userDisplayName: string | null; userPrincipalName: string; createdDateTime: string };
    const signInsOf = async (userId: string): Promise<SignIn[]> => {
      await bulwark.consumers.catchUp();
      return (await bulwark.as('analyst').get('/v1.0/auditLogs/signIns')).body.value.filter((row: SignIn) => row.userId === userId);
    };
    const person = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
    const signInWith = async (userId: string, secret: string) => {
      const issued = await challenge(userId, person);
      expect((await app().post(`/v1/mfa/challenges/${issued.body.id}/verify`, { code: totpAt(secret, bulwark.clock) })).body.status).toBe('approved');
      bulwark.clock.advance({ seconds: 30 });
      return issued.body.id as string;
    };
    const issuedData = async (userId: string, challengeId: string) =>
      (await bulwark.store.readStream(streams.userMfa(userId))).find((event) => event.type === 'MfaChallengeIssued' && event.data.challengeId === challengeId)!.data;

    it('records only the fields the tenant chose, from then on; a field turned off disappears and does not come back', async () => {
      const { secret } = await enrol(bulwark, 'ada');
      expect((await admin().get('/v1/settings/signInLogFields')).body).toEqual({ firstName: false, lastName: false, email: false, version: 0 });
      const before = await signInWith('ada', secret);
      expect(await issuedData('ada', before)).not.toHaveProperty('userFirstName');
      expect((await signInsOf('ada'))[0]).toMatchObject({ userDisplayName: null, userPrincipalName: 'ada' });

      for (const body of [{ firstName: true }, { firstName: 'yes', lastName: true, email: true }, { firstName: true, lastName: true, email: true, phone: true }]) {
        expect((await admin().put('/v1/settings/signInLogFields', body)).status).toBe(400);
      }
      expect((await challenge('ada', { email: 'not-an-email' })).status).toBe(400);
      expect((await admin().put('/v1/settings/signInLogFields', { firstName: true, lastName: true, email: false })).body).toEqual({ firstName: true, lastName: true, email: false, version: 1 });
      const named = await signInWith('ada', secret);
      const data = await issuedData('ada', named);
      expect(data).toMatchObject({ userFirstName: 'Ada', userLastName: 'Lovelace' });
      expect(data).not.toHaveProperty('userEmail');
      const [latest, earlier] = await signInsOf('ada');
      expect(latest).toMatchObject({ userDisplayName: 'Ada Lovelace', userPrincipalName: 'ada' });
      expect(earlier).toMatchObject({ userDisplayName: null });

      expect((await admin().put('/v1/settings/signInLogFields', { firstName: false, lastName: true, email: true })).status).toBe(200);
      await signInWith('ada', secret);
      const afterOff = await signInsOf('ada');
      expect(afterOff[0]).toMatchObject({ userDisplayName: 'Lovelace', userPrincipalName: 'ada@example.com' });
      // the name recorded while the field was on is no longer shown
      expect(afterOff[1]).toMatchObject({ userDisplayName: 'Lovelace', userPrincipalName: 'ada' });

      expect((await admin().put('/v1/settings/signInLogFields', { firstName: true, lastName: true, email: true })).status).toBe(200);
      const [, recordedWhileOn] = await signInsOf('ada');
      expect(recordedWhileOn).toMatchObject({ userDisplayName: 'Lovelace' });
      await signInWith('ada', secret);
      expect((await signInsOf('ada'))[0]).toMatchObject({ userDisplayName: 'Ada Lovelace', userPrincipalName: 'ada@example.com' });
      expect((await admin().put('/v1/settings/signInLogFields', { firstName: false, lastName: false, email: false })).status).toBe(200);
    });
  });

  describe('audit', () => {
    it('shows every settings change in the directory audit log, with old and new values', async () => {
      await bulwark.consumers.catchUp();
      const audits = (await admin().get('/v1.0/auditLogs/directoryAudits?$top=1000')).body.value as Array<{
        id: string;
        activityDisplayName: string;
        targetResources: Array<{ id: string; displayName: string; modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }> }>;
      }>;
      const settingsStreams = [streams.phoneCallSettings, streams.registrationPolicy, streams.appPasswordPolicy, streams.signInLogFields];
      for (const streamId of settingsStreams) {
        const changes = await bulwark.store.readStream(streamId);
        expect(changes.length).toBeGreaterThan(0);
        for (const change of changes) expect({ type: change.type, audited: audits.some((row) => row.id === change.eventId) }).toEqual({ type: change.type, audited: true });
      }
      const named = (activity: string, target: string) => audits.filter((row) => row.activityDisplayName === activity && row.targetResources[0]?.displayName === target);
      // rows made in the same (manual) second are ordered by id: find them by the events' order instead
      const rowOf = async (streamId: string, type: string, nth: number) => {
        const event = (await bulwark.store.readStream(streamId)).filter((change) => change.type === type)[nth]!;
        return audits.find((row) => row.id === event.eventId)!;
      };
      expect(named('Update phone call settings', 'Phone call settings')).toHaveLength(2);
      expect((await rowOf(streams.phoneCallSettings, 'PhoneCallSettingsChanged', 1)).targetResources[0]!.modifiedProperties).toEqual([
        { displayName: 'callerId', oldValue: '"+14255550100"', newValue: '"+12065550123"' },
      ]);
      expect(named('Add custom voice message', 'Phone call settings').length).toBeGreaterThanOrEqual(4);
      expect(named('Delete custom voice message', 'Phone call settings')).toHaveLength(1);
      expect(named('Authentication Methods Policy Update', 'MFA registration policy').length).toBeGreaterThanOrEqual(2);
      expect((await rowOf(streams.appPasswordPolicy, 'AppPasswordPolicyChanged', 1)).targetResources[0]!.modifiedProperties).toEqual([
        { displayName: 'allowUsersToCreateAppPasswords', oldValue: 'true', newValue: 'false' },
      ]);
      expect(named('Update sign-in log fields', 'Two-step verification record fields').length).toBeGreaterThanOrEqual(4);
      // a sign-in that asked for registration is a sign-in, not an audit row
      const interruptions = (await bulwark.store.readAll({ after: 0, maxCount: 100_000 })).filter((event) => event.type === 'RegistrationRequiredAtSignIn');
      expect(interruptions.length).toBeGreaterThan(0);
      expect(audits.some((row) => interruptions.some((event) => event.eventId === row.id))).toBe(false);
    });
  });
});
