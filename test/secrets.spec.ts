import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Embedded, enrol, startEmbedded, totpAt } from './support/embedded';

describe('secrets never rest or travel in clear', () => {
  let bulwark: Embedded;

  beforeAll(async () => {
    bulwark = await startEmbedded();
  });

  afterAll(async () => {
    await bulwark.close();
  });

  it('keeps no TOTP secret, code or key in clear in any file of the data directory', async () => {
    const { secret } = await enrol(bulwark, 'secretive');
    const { body: challenge } = await bulwark.as('app').post('/v1/mfa/challenges', { userId: 'secretive', clientIp: '203.0.113.5' });
    const code = totpAt(secret, bulwark.clock);
    expect((await bulwark.as('app').post(`/v1/mfa/challenges/${challenge.id}/verify`, { code })).body.status).toBe('approved');
    await bulwark.consumers.catchUp();

    const events = await bulwark.store.readAll({ after: 0, maxCount: 1000 });
    const added = events.find((event) => event.type === 'AuthenticatorAppAdded')!;
    expect(added.data.secret).toEqual({ keyId: expect.any(String), iv: expect.any(String), tag: expect.any(String), ciphertext: expect.any(String) });
    const everything = Buffer.concat(
      readdirSync(bulwark.dataDir)
        .filter((file) => !['data.key', 'credentials.json'].includes(file))
        .map((file) => readFileSync(path.join(bulwark.dataDir, file))),
    ).toString('latin1');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).toContain('AuthenticatorAppAdded');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(`"${code}"`);
    for (const key of Object.values(bulwark.keys)) expect(everything).not.toContain(key);
  });
});
