import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPskcKeys } from './pskc-crypto';
import { parseUntrustedXml } from './xml-tree';

const figure = (n: number) => parseUntrustedXml(readFileSync(join(__dirname, 'fixtures', `rfc6030-figure${n}.xml`), 'utf8'));

describe('opening the keys of an encrypted PSKC file', () => {
  it('figure 6: decrypts the MAC key 1122334455667788990011223344556677889900 with the pre-shared key', () => {
    const keys = openPskcKeys(figure(6), { preSharedKey: Buffer.from('12345678901234567890123456789012', 'hex') });

    expect(keys.macKey.toString('hex')).toBe('1122334455667788990011223344556677889900');
    expect(keys.macHash).toBe('sha1');
  });

  it('figure 7: derives the key 651e63cd57008476af1ff6422cd02e41 from "qwerty" and decrypts the MAC key with it', () => {
    const keys = openPskcKeys(figure(7), { password: 'qwerty' });

    expect(keys.encryptionKey.toString('hex')).toBe('651e63cd57008476af1ff6422cd02e41');
    expect(keys.macKey.toString('hex')).toBe('bdaab8d648e850d25a3289364f7d7eaaf53ce581');
  });
});
