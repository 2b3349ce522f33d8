import { streams } from '@bulwark/contracts';
import { envelope } from '@bulwark/event-store';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateSync } from 'otplib';
import { INTERRUPTED_BY_RESTART, TokenImportJob as TokenImportJobRef } from '../apps/mfa/src/hardware-tokens/token-import.job';
import { TokenInventory, tokenIdOf } from '../apps/mfa/src/hardware-tokens/token-inventory.service';
import { Embedded, startEmbedded, streamTypes } from './support/embedded';

const DEVICES = '/beta/directory/authenticationMethodDevices/hardwareOathDevices';
const figure6 = readFileSync(path.join(__dirname, '../apps/mfa/src/hardware-tokens/import/fixtures/rfc6030-figure6.xml'));
const RFC_SECRET = Buffer.from('12345678901234567890');
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('OATH hardware tokens end to end through HTTP', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  const admin = () => bulwark.as('admin');
  const upload = async (body: Buffer | string, contentType: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${bulwark.url}${DEVICES}/imports`, {
      method: 'POST',
      headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.admin}`, 'content-type': contentType, ...headers },
      body,
    });
    return { status: response.status, body: JSON.parse(await response.text()) };
  };
  const finished = async (importId: string) => {
    for (let i = 0; i < 100; i++) {
      const reply = await admin().get(`${DEVICES}/imports/${importId}`);
      if (reply.body.status !== 'running') return reply.body;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`import ${importId} did not finish`);
  };
  const totpCode = (secret: string, offsetSteps = 0) => generateSync({ secret, epoch: Math.floor(bulwark.clock.now().getTime() / 1000) + offsetSteps * 30 });
  const hotpCode = (counter: number) => generateSync({ strategy: 'hotp', secret: RFC_SECRET, counter, digits: 8 });

  it('imports CSV rows as a job: valid rows land and are assigned, invalid ones are reported with reasons, no secret echoed', async () => {
    const csv = [
      'upn,serial number,secret key,time interval,manufacturer,model',
      `hw-alice@contoso.com,HW-0001,${TOTP_SECRET},30,Contoso,Hardware Token`,
      'hw-bob@contoso.com,HW-0002,NOT*BASE32*SECRET!!,30,Contoso,Hardware Token',
      `hw-carol@contoso.com,HW-0003,${TOTP_SECRET},45,Contoso,Hardware Token`,
      `,HW-0004,${TOTP_SECRET},60,=1+2,Hardware Token`,
    ].join('\r\n');
    const started = await upload(csv, 'text/csv');
    expect(started).toMatchObject({ status: 202, body: { id: expect.any(String), status: 'running', format: 'csv' } });
    const job = await finished(started.body.id);
    expect(job).toMatchObject({ status: 'completed', imported: 1, assigned: 1, rejected: 3 });

    const errors = await fetch(`${bulwark.url}${DEVICES}/imports/${started.body.id}/errors.csv`, { headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.admin}` } });
    expect(errors.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await errors.text();
    expect(text.split('\r\n')[0]).toBe('row,serial number,reason');
    expect(text).toMatch(/^3,HW-0002,.*base32/m);
    expect(text).toMatch(/^4,HW-0003,.*30 or 60/m);
    expect(text).toMatch(/^5,HW-0004,/m);
    expect(text).not.toContain('NOT*BASE32');
    expect(text).not.toContain(TOTP_SECRET);

    const inventory = await admin().get(`${DEVICES}?$filter=status eq 'assigned'`);
    expect(inventory.body.value).toEqual([expect.objectContaining({ serialNumber: 'HW-0001', status: 'assigned', secretKey: null, assignedTo: { id: 'hw-alice@contoso.com', displayName: null } })]);
  });

  it('lets the user activate the token with a code from it, then sign in with it', async () => {
    const [device] = (await admin().get(`${DEVICES}?$filter=status eq 'assigned'`)).body.value;
    const activate = (code: string) => bulwark.as('app').post(`/beta/users/hw-alice@contoso.com/authentication/hardwareOathMethods/${device.id}/activate`, { verificationCode: code });
    expect((await activate('000000')).status).toBe(422);
    expect((await admin().get(`${DEVICES}/${device.id}`)).body.status).toBe('failedActivation');
    expect((await activate(totpCode(TOTP_SECRET))).status).toBe(204);
    expect((await admin().get(`${DEVICES}/${device.id}`)).body.status).toBe('activated');

    bulwark.clock.advance({ seconds: 30 });
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'hw-alice@contoso.com', clientIp: '203.0.113.60' });
    expect(challenge).toMatchObject({ method: 'hardwareOath', channel: 'appCode' });
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code: totpCode(TOTP_SECRET) })).body.status).toBe('approved');
    const listed = await admin().get('/v1.0/users/hw-alice@contoso.com/authentication/methods');
    expect(listed.body.value).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', status: 'activated' })]);
  });

  it('imports RFC 6030 figure 6 with its pre-shared key: an HOTP token with a look-ahead window and resynchronisation', async () => {
    const started = await upload(figure6, 'application/pskc+xml', { 'x-pskc-preshared-key': '12345678901234567890123456789012' });
    expect(started.status).toBe(202);
    expect(await finished(started.body.id)).toMatchObject({ status: 'completed', imported: 1, rejected: 0 });
    const [device] = (await admin().get(`${DEVICES}?$filter=status eq 'available'`)).body.value;
    expect(device).toMatchObject({ serialNumber: '987654321', status: 'available', secretKey: null });

    expect((await admin().raw('PATCH', `${DEVICES}/${device.id}`, JSON.stringify({ assignTo: { id: 'hotp-user' } }))).status).toBe(200);
    expect((await admin().raw('PATCH', `${DEVICES}/${device.id}`, JSON.stringify({ assignTo: { id: 'someone-else' } }))).status).toBe(409);
    expect((await bulwark.as('app').post(`/beta/users/hotp-user/authentication/hardwareOathMethods/${device.id}/activate`, { verificationCode: hotpCode(0) })).status).toBe(204);

    const verify = async (code: string) => {
      const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'hotp-user', clientIp: '203.0.113.61' });
      return (await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code })).body;
    };
    expect(await verify(hotpCode(1))).toMatchObject({ status: 'approved' });
    expect(await verify(hotpCode(1))).toEqual({ status: 'denied', reason: 'replayedCode', retryAllowed: true, attemptsLeft: 4 });
    expect(await verify(hotpCode(6))).toMatchObject({ status: 'approved' });
    expect(await verify(hotpCode(60))).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 });
    const resync = (code1: string, code2: string) => bulwark.as('app').post(`/beta/users/hotp-user/authentication/hardwareOathMethods/${device.id}/resync`, { code1, code2 });
    expect((await resync(hotpCode(60), hotpCode(62))).status).toBe(422);
    expect((await resync(hotpCode(60), hotpCode(61))).status).toBe(200);
    expect(await verify(hotpCode(61))).toEqual({ status: 'denied', reason: 'replayedCode', retryAllowed: true, attemptsLeft: 4 });
    expect(await verify(hotpCode(62))).toMatchObject({ status: 'approved' });
    expect(await streamTypes(bulwark.store, streams.userMfa('hotp-user'))).toContain('HardwareTokenResynchronized');
  });

  it('takes HOTP counters above 2^53 exactly (2^60 + 5, and 2^64 - 6): assigned, activated, verified, replays refused, resynchronised', async () => {
    // otplib refuses counters above 2^53 - 1, so the codes are RFC 4226 section 5.3 by hand (checked against otplib below it)
    const hotp64 = (counter: bigint) => {
      const message = Buffer.alloc(8);
      message.writeBigUInt64BE(counter);
      const digest = createHmac('sha1', RFC_SECRET).update(message).digest();
      return String((digest.readUInt32BE(digest[19]! & 0x0f) & 0x7fff_ffff) % 10 ** 8).padStart(8, '0');
    };
    expect([0n, 1n, 9n].map(hotp64)).toEqual([0, 1, 9].map(hotpCode));
    const start = 2n ** 60n + 5n;
    const top = 2n ** 64n - 6n;
    const keyPackage = (serial: string, counter: bigint) => `
  <KeyPackage>
    <DeviceInfo><Manufacturer>Contoso</Manufacturer><SerialNo>${serial}</SerialNo></DeviceInfo>
    <Key Id="${serial}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <AlgorithmParameters><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data><Secret><PlainValue>${RFC_SECRET.toString('base64')}</PlainValue></Secret><Counter><PlainValue>${counter}</PlainValue></Counter></Data>
    </Key>
  </KeyPackage>`;
    const pskc = `<?xml version="1.0" encoding="UTF-8"?>\n<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">${keyPackage('BIG-COUNTER-1', start)}${keyPackage('BIG-COUNTER-2', top)}\n</KeyContainer>\n`;
    const started = await upload(pskc, 'application/pskc+xml');
    expect(started.status).toBe(202);
    expect(await finished(started.body.id)).toMatchObject({ status: 'completed', imported: 2, rejected: 0 });
    const devices = (await admin().get(DEVICES)).body.value as Array<{ id: string; serialNumber: string }>;
    const idOf = (serial: string) => devices.find((device) => device.serialNumber === serial)!.id;

    const user = 'big-counter-user';
    const id = idOf('BIG-COUNTER-1');
    expect((await admin().raw('PATCH', `${DEVICES}/${id}`, JSON.stringify({ assignTo: { id: user } }))).status).toBe(200);
    const methods = `/beta/users/${user}/authentication/hardwareOathMethods/${id}`;
    expect((await bulwark.as('app').post(`${methods}/activate`, { verificationCode: hotp64(start - 1n) })).status).toBe(422);
    expect((await bulwark.as('app').post(`${methods}/activate`, { verificationCode: hotp64(start) })).status).toBe(204);
    const verify = async (code: string) => {
      const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: user, clientIp: '203.0.113.62' });
      return (await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code })).body;
    };
    expect(await verify(hotp64(start))).toEqual({ status: 'denied', reason: 'replayedCode', retryAllowed: true, attemptsLeft: 4 });
    expect(await verify(hotp64(start + 1n))).toMatchObject({ status: 'approved' });
    expect(await verify(hotp64(start + 1n))).toEqual({ status: 'denied', reason: 'replayedCode', retryAllowed: true, attemptsLeft: 4 });
    expect(await verify(hotp64(start + 6n))).toMatchObject({ status: 'approved' });
    expect(await verify(hotp64(start + 60n))).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 });
    const resync = (code1: string, code2: string) => bulwark.as('app').post(`${methods}/resync`, { code1, code2 });
    expect((await resync(hotp64(start + 60n), hotp64(start + 62n))).status).toBe(422);
    expect((await resync(hotp64(start + 60n), hotp64(start + 61n))).status).toBe(200);
    expect(await verify(hotp64(start + 61n))).toEqual({ status: 'denied', reason: 'replayedCode', retryAllowed: true, attemptsLeft: 4 });
    expect(await verify(hotp64(start + 62n))).toMatchObject({ status: 'approved' });
    const recorded = (await bulwark.store.readStream(streams.userMfa(user))).map((event) => event.data as Record<string, unknown>);
    expect(recorded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ counter: String(start) }),
        expect.objectContaining({ lastCounter: String(start + 61n) }),
        expect.objectContaining({ timeStep: String(start + 62n) }),
      ]),
    );

    // the last codes a token can show: its counter ends at 2^64 - 1
    const topUser = 'top-counter-user';
    const topId = idOf('BIG-COUNTER-2');
    expect((await admin().raw('PATCH', `${DEVICES}/${topId}`, JSON.stringify({ assignTo: { id: topUser } }))).status).toBe(200);
    expect((await bulwark.as('app').post(`/beta/users/${topUser}/authentication/hardwareOathMethods/${topId}/activate`, { verificationCode: hotp64(top) })).status).toBe(204);
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: topUser, clientIp: '203.0.113.63' });
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code: hotp64(2n ** 64n - 1n) })).body).toMatchObject({ status: 'approved' });
  });

  it('refuses whole files that are not token files, too large, hostile or undecryptable, storing nothing', async () => {
    const before = await bulwark.store.headPosition();
    expect((await upload(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]), 'text/csv')).status).toBe(422);
    expect((await upload('name,email\nx,y\n', 'text/csv')).status).toBe(422);
    const huge = await upload(Buffer.alloc(6 * 1024 * 1024, 'a'), 'text/csv');
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toMatch(/5120 KiB/);
    expect((await upload(figure6, 'application/pskc+xml', { 'x-pskc-preshared-key': '00000000000000000000000000000000' })).body.error.message).toMatch(/wrong key|MAC/i);
    expect((await upload(figure6, 'application/pskc+xml')).status).toBe(422);
    const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">&lol2;</KeyContainer>';
    expect((await upload(laughs, 'application/pskc+xml')).status).toBe(422);
    expect((await upload('{}', 'application/json')).status).toBe(415);
    expect(await bulwark.store.headPosition()).toBe(before);
  });
});

describe('OATH token imports are all or nothing, and every job ends', () => {
  let bulwark: Embedded;

  afterEach(async () => {
    await bulwark?.close();
  });

  const upload = async (b: Embedded, body: Buffer | string, contentType: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${b.url}${DEVICES}/imports`, {
      method: 'POST',
      headers: { connection: 'close', authorization: `Bearer ${b.keys.admin}`, 'content-type': contentType, ...headers },
      body,
    });
    return { status: response.status, body: JSON.parse(await response.text()) };
  };
  const inventory = async (b: Embedded) => (await b.as('admin').get(DEVICES)).body.value as Array<{ serialNumber: string }>;

  it('a 10,000-row CSV import closed mid-job ends failed after the restart, and none of its tokens exists', async () => {
    bulwark = await startEmbedded();
    const rows = Array.from({ length: 10_000 }, (_, i) => `big-${i}@contoso.com,BIG-${String(i).padStart(5, '0')},${TOTP_SECRET},30,Contoso,Hardware Token`);
    const before = await bulwark.store.headPosition();
    const started = await upload(bulwark, ['upn,serial number,secret key,time interval,manufacturer,model', ...rows].join('\r\n'), 'text/csv');
    expect(started.status).toBe(202);
    // some rows staged, most not: the job is mid-way
    while ((await bulwark.store.headPosition()) < before + 50) await new Promise((resolve) => setTimeout(resolve, 10));
    const tokenStream = streams.oathToken(tokenIdOf('BIG-00000'));
    expect(await streamTypes(bulwark.store, tokenStream)).toEqual(['OathTokenImported', 'OathTokenAssigned']);
    expect((await bulwark.as('admin').get(`${DEVICES}/imports/${started.body.id}`)).body.status).toBe('running');
    expect(await inventory(bulwark)).toEqual([]);
    const { dataDir, clock } = bulwark;
    await bulwark.close();

    bulwark = await startEmbedded({ dataDir, clock });
    const job = await bulwark.as('admin').get(`${DEVICES}/imports/${started.body.id}`);
    expect(job.body).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no token of this job was stored/) });
    expect(await inventory(bulwark)).toEqual([]);
    expect(await streamTypes(bulwark.store, streams.userMfa('big-0@contoso.com'))).toEqual([]);
    const assign = await bulwark.as('admin').raw('PATCH', `${DEVICES}/${tokenIdOf('BIG-00000')}`, JSON.stringify({ assignTo: { id: 'big-user' } }));
    expect(assign.status).toBe(404);

    // the serial numbers are free again: the same file imports whole
    const again = await upload(bulwark, ['upn,serial number,secret key,time interval,manufacturer,model', ...rows.slice(0, 3)].join('\r\n'), 'text/csv');
    await bulwark.app.get(TokenImportJobRef).settled();
    expect((await bulwark.as('admin').get(`${DEVICES}/imports/${again.body.id}`)).body).toMatchObject({ status: 'completed', imported: 3, rejected: 0 });
    expect((await inventory(bulwark)).map((token) => token.serialNumber)).toEqual(['BIG-00000', 'BIG-00001', 'BIG-00002']);
    expect(await streamTypes(bulwark.store, streams.userMfa('big-0@contoso.com'))).toEqual(['HardwareTokenAssigned']);
  });

  it('a job a crash left running ends failed at the next start, its staged tokens never shown nor assignable', async () => {
    bulwark = await startEmbedded();
    const importId = randomUUID();
    const context = { correlationId: randomUUID(), actor: { type: 'admin', id: 'test' } as const, now: bulwark.clock.now() };
    // what a process that died mid-job leaves: the job started, one token staged, no end
    await bulwark.store.append(
      streams.oathImport(importId),
      envelope([{ type: 'OathImportStarted', data: { importId, format: 'csv', fileName: null, allOrNothing: true, at: context.now.toISOString() } }], context),
      { expectedRevision: 'no_stream' },
    );
    const token = { serialNumber: 'CRASH-1', manufacturer: null, model: null, secret: Buffer.alloc(20, 7), oathType: 'totp', hashFunction: 'hmacsha1', digits: 6, period: 30, counter: null } as const;
    const tokenId = await bulwark.app.get(TokenInventory).stage(token, importId, 'crash-user', context);
    expect(await inventory(bulwark)).toEqual([]);
    expect((await bulwark.as('admin').get(`${DEVICES}/${tokenId}`)).status).toBe(404);
    expect((await bulwark.as('admin').raw('PATCH', `${DEVICES}/${tokenId}`, JSON.stringify({ assignTo: { id: 'crash-user' } }))).status).toBe(404);
    const { dataDir, clock } = bulwark;
    await bulwark.close();

    bulwark = await startEmbedded({ dataDir, clock });
    await bulwark.app.get(TokenImportJobRef).settled();
    expect((await bulwark.as('admin').get(`${DEVICES}/imports/${importId}`)).body).toMatchObject({ status: 'failed', reason: INTERRUPTED_BY_RESTART });
    expect(await inventory(bulwark)).toEqual([]);
    expect(await streamTypes(bulwark.store, streams.userMfa('crash-user'))).toEqual([]);
  });

  it('refuses a PSKC file with one tampered ValueMAC whole, naming the key, and stores nothing', async () => {
    bulwark = await startEmbedded();
    const xml = figure6.toString('utf8');
    const keyPackage = xml.slice(xml.indexOf('<KeyPackage>'), xml.indexOf('</KeyPackage>') + '</KeyPackage>'.length);
    const mac = 'Su+NvtQfmvfJzF6bmQiJqoLRExc=';
    const tampered = Buffer.from(mac, 'base64');
    tampered[3] ^= 1;
    const file = xml.replace('</KeyContainer>', `${keyPackage.replace('987654321', '987654322').replace(mac, tampered.toString('base64'))}</KeyContainer>`);
    const before = await bulwark.store.headPosition();

    const refused = await upload(bulwark, file, 'application/pskc+xml', { 'x-pskc-preshared-key': '12345678901234567890123456789012' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/key package 2 \(serial number "987654322"\): MAC does not match/);
    expect(await bulwark.store.headPosition()).toBe(before);
    expect(await inventory(bulwark)).toEqual([]);
  });
});
