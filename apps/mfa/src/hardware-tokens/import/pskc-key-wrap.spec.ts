import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { PskcImportInput, parsePskc } from './pskc-import';
import { TokenImportFormatError } from './token-import.types';

const XMLENC = 'http://www.w3.org/2001/04/xmlenc#';
const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const SECRET = Buffer.from('3132333435363738393031323334353637383930313233343536373839303132', 'hex');

/** RFC 3394 key wrap, as a vendor's tool writes it. */
const wrap = (bits: 128 | 192 | 256, key: Buffer, value: Buffer) => {
  const cipher = createCipheriv(`id-aes${bits}-wrap`, key, KW_IV);
  return Buffer.concat([cipher.update(value), cipher.final()]);
};

/** An RFC 6030 §6.1 file whose MAC key and values are key-wrapped with `algorithm`. */
type WrappedFile = { bits?: 128 | 192 | 256; key?: Buffer; counter?: string; algorithm?: string };

function keyWrappedFile({ bits = 128, key = randomBytes(bits / 8), counter = '<Counter><PlainValue>0</PlainValue></Counter>', algorithm = `${XMLENC}kw-aes${bits}` }: WrappedFile = {}) {
  const macKey = randomBytes(32);
  const encrypted = (value: Buffer) => {
    const cipherValue = wrap(bits, key, value).toString('base64');
    return {
      xml: `<EncryptedValue><xenc:EncryptionMethod Algorithm="${algorithm}"/><xenc:CipherData><xenc:CipherValue>${cipherValue}</xenc:CipherValue></xenc:CipherData></EncryptedValue>`,
      mac: createHmac('sha1', macKey).update(Buffer.from(cipherValue, 'base64')).digest('base64'),
    };
  };
  const wrappedMacKey = wrap(bits, key, macKey).toString('base64');
  const secret = encrypted(SECRET);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="${XMLENC}">
  <EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>
  <MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
    <MACKey><xenc:EncryptionMethod Algorithm="${algorithm}"/><xenc:CipherData><xenc:CipherValue>${wrappedMacKey}</xenc:CipherValue></xenc:CipherData></MACKey>
  </MACMethod>
  <KeyPackage>
    <DeviceInfo><Manufacturer>Manufacturer</Manufacturer><SerialNo>987654321</SerialNo></DeviceInfo>
    <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <AlgorithmParameters><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data><Secret>${secret.xml}<ValueMAC>${secret.mac}</ValueMAC></Secret>${counter}</Data>
    </Key>
  </KeyPackage>
</KeyContainer>`;
  return { xml, key, encrypted };
}

function refusal(input: PskcImportInput): string {
  try {
    parsePskc(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenImportFormatError);
    return (error as TokenImportFormatError).reason;
  }
  throw new Error('expected the file to be refused');
}

describe('PSKC encrypted with AES key wrap (RFC 6030 §6.1, RFC 3394)', () => {
  it.each([128, 192, 256] as const)('kw-aes%i: unwraps the MAC key and the secret, after checking the secret’s MAC', (bits) => {
    const { xml, key } = keyWrappedFile({ bits });

    expect(parsePskc({ xml, preSharedKey: key })).toEqual({
      tokens: [expect.objectContaining({ serialNumber: '987654321', algorithm: 'hotp', secret: SECRET, digits: 8, counter: 0n })],
      errors: [],
    });
  });

  it('refuses the file when the key does not unwrap its MAC key', () => {
    const { xml } = keyWrappedFile();

    expect(refusal({ xml, preSharedKey: randomBytes(16) })).toBe('the MAC key could not be decrypted: the wrapped value does not unwrap: wrong key or tampered file');
  });

  it('refuses the file when a pre-shared key of the wrong length is supplied', () => {
    const { xml } = keyWrappedFile({ bits: 256 });

    expect(refusal({ xml, preSharedKey: randomBytes(16) })).toBe('the file uses id-aes256-wrap, which needs a 32-byte key; the key supplied has 16 bytes');
  });

  it('refuses the file, naming it, when the encryption algorithm is one we do not read', () => {
    const { xml, key } = keyWrappedFile({ algorithm: 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc' });

    expect(refusal({ xml, preSharedKey: key })).toBe(
      'the encryption algorithm is not supported: "http://www.w3.org/2001/04/xmlenc#tripledes-cbc" (supported: AES-128/192/256 in CBC mode or key wrap)',
    );
  });
});

describe('64-bit HOTP counters', () => {
  const plainCounter = (value: string) => `<Counter><PlainValue>${value}</PlainValue></Counter>`;

  it('reads a counter above 2^53 exactly', () => {
    const { xml, key } = keyWrappedFile({ counter: plainCounter('9007199254740993') });

    expect(parsePskc({ xml, preSharedKey: key }).tokens[0]!.counter).toBe(9_007_199_254_740_993n);
  });

  it('reads the largest 64-bit counter, and refuses one past it, naming the counter', () => {
    const largest = keyWrappedFile({ counter: plainCounter('18446744073709551615') });
    expect(parsePskc({ xml: largest.xml, preSharedKey: largest.key }).tokens[0]!.counter).toBe(2n ** 64n - 1n);

    const past = keyWrappedFile({ counter: plainCounter('18446744073709551616') });
    expect(parsePskc({ xml: past.xml, preSharedKey: past.key }).errors).toEqual([{ index: 0, serialNumber: '987654321', reason: 'the counter does not fit in 64 bits' }]);
  });
});
