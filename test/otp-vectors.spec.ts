import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Embedded, startEmbedded } from './support/embedded';

/** Every RFC 4226 and RFC 6238 test vector, through the real path: PSKC import, assignment, activation, challenge, verify. */
type Vectors = {
  rfc4226_hotp: { secret_hex: string; digits: number; vectors: Array<{ counter: number; hotp: string }> };
  rfc6238_totp: {
    digits: number;
    secrets: Record<'SHA1' | 'SHA256' | 'SHA512', { hex: string }>;
    vectors: Array<{ unix_time: number; mode: 'SHA1' | 'SHA256' | 'SHA512'; totp: string }>;
  };
};
const vectors: Vectors = JSON.parse(readFileSync(path.join(__dirname, 'fixtures/otp-vectors.json'), 'utf8'));

const DEVICES = '/beta/directory/authenticationMethodDevices/hardwareOathDevices';

function pskcOf(keys: Array<{ serial: string; algorithm: 'hotp' | 'totp'; suite: string; digits: number; secretHex: string }>): string {
  const packages = keys.map(
    (key, index) => `
  <KeyPackage>
    <DeviceInfo><Manufacturer>IETF</Manufacturer><SerialNo>${key.serial}</SerialNo><Model>RFC test vectors</Model></DeviceInfo>
    <Key Id="${index + 1}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:${key.algorithm}">
      <AlgorithmParameters><Suite>${key.suite}</Suite><ResponseFormat Length="${key.digits}" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret><PlainValue>${Buffer.from(key.secretHex, 'hex').toString('base64')}</PlainValue></Secret>
        ${key.algorithm === 'hotp' ? '<Counter><PlainValue>0</PlainValue></Counter>' : '<TimeInterval><PlainValue>30</PlainValue></TimeInterval>'}
      </Data>
    </Key>
  </KeyPackage>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">${packages.join('')}\n</KeyContainer>\n`;
}

describe('RFC 4226 and RFC 6238 vectors through the real verification path', () => {
  let bulwark: Embedded;
  const serials = { hotp: 'RFC4226-HOTP', SHA1: 'RFC6238-SHA1', SHA256: 'RFC6238-SHA256', SHA512: 'RFC6238-SHA512' } as const;

  beforeAll(async () => {
    bulwark = await startEmbedded();
    const { rfc4226_hotp: hotp, rfc6238_totp: totp } = vectors;
    const file = pskcOf([
      { serial: serials.hotp, algorithm: 'hotp', suite: 'HMAC-SHA1', digits: hotp.digits, secretHex: hotp.secret_hex },
      ...(['SHA1', 'SHA256', 'SHA512'] as const).map((hash) => ({ serial: serials[hash], algorithm: 'totp' as const, suite: `HMAC-${hash}`, digits: totp.digits, secretHex: totp.secrets[hash].hex })),
    ]);
    const response = await fetch(`${bulwark.url}${DEVICES}/imports`, {
      method: 'POST',
      headers: { connection: 'close', authorization: `Bearer ${bulwark.keys.admin}`, 'content-type': 'application/pskc+xml' },
      body: file,
    });
    expect(response.status).toBe(202);
    const { id } = JSON.parse(await response.text());
    let job: { status: string; imported?: number };
    do job = (await bulwark.as('admin').get(`${DEVICES}/imports/${id}`)).body;
    while (job.status === 'running');
    expect(job).toMatchObject({ status: 'completed', imported: 4 });
    // high enough that no vector run trips the lockout
    expect((await bulwark.as('admin').put('/v1/settings/lockout', { denialsBeforeLockout: 100, counterResetMinutes: 1, autoUnlockMinutes: 1 })).status).toBe(200);
    // the HOTP run issues ten challenges at one instant, right at the per-minute limit (10): raised so no vector run trips it
    expect(
      (await bulwark.as('admin').put('/v1/settings/rateLimits', { challengesPerMinute: 100, pushesPerWindow: 5, smsPerWindow: 5, callsPerWindow: 3, windowMinutes: 10, attemptsPerChallenge: 5 })).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await bulwark.close();
  });

  async function assignAndActivate(serial: string, userId: string, code: string) {
    const devices = (await bulwark.as('admin').get(DEVICES)).body.value as Array<{ id: string; serialNumber: string }>;
    const device = devices.find((candidate) => candidate.serialNumber === serial)!;
    expect((await bulwark.as('admin').raw('PATCH', `${DEVICES}/${device.id}`, JSON.stringify({ assignTo: { id: userId } }))).status).toBe(200);
    expect((await bulwark.as('app').post(`/beta/users/${userId}/authentication/hardwareOathMethods/${device.id}/activate`, { verificationCode: code })).status).toBe(204);
  }

  async function signIn(userId: string, code: string) {
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId, clientIp: '192.0.2.10' });
    return (await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code })).body;
  }

  it('accepts every RFC 4226 HOTP value in counter order, and each once', async () => {
    const [first, ...rest] = vectors.rfc4226_hotp.vectors;
    expect(vectors.rfc4226_hotp.vectors).toHaveLength(10);
    await assignAndActivate(serials.hotp, 'rfc4226-user', first!.hotp);
    for (const vector of rest) {
      expect({ counter: vector.counter, ...(await signIn('rfc4226-user', vector.hotp)) }).toMatchObject({ counter: vector.counter, status: 'approved' });
    }
    expect(await signIn('rfc4226-user', rest[rest.length - 1]!.hotp)).toEqual({ status: 'denied', reason: 'replayedCode', retryAllowed: true, attemptsLeft: 4 });
  });

  it.each(['SHA1', 'SHA256', 'SHA512'] as const)('accepts every RFC 6238 %s TOTP value at its time', async (hash) => {
    const [first, ...rest] = vectors.rfc6238_totp.vectors.filter((vector) => vector.mode === hash);
    expect(rest).toHaveLength(5);
    const userId = `rfc6238-${hash.toLowerCase()}`;
    bulwark.clock.set(new Date(first!.unix_time * 1000));
    await assignAndActivate(serials[hash], userId, first!.totp);
    for (const vector of rest) {
      bulwark.clock.set(new Date(vector.unix_time * 1000));
      expect({ time: vector.unix_time, ...(await signIn(userId, vector.totp)) }).toMatchObject({ time: vector.unix_time, status: 'approved' });
    }
    bulwark.clock.set(new Date(rest[rest.length - 1]!.unix_time * 1000 + 5 * 60_000));
    expect(await signIn(userId, rest[rest.length - 1]!.totp)).toEqual({ status: 'denied', reason: 'wrongCode', retryAllowed: true, attemptsLeft: 4 });
  });
});
