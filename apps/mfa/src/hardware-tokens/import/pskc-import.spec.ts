import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PskcImportInput, parsePskc } from './pskc-import';
import { TokenImportFormatError } from './token-import.types';

const figure = (n: number) => readFileSync(join(__dirname, 'fixtures', `rfc6030-figure${n}.xml`), 'utf8');

/** RFC 4226's test secret, the ASCII digits "12345678901234567890", which RFC 6030's examples carry */
const RFC_SECRET = Buffer.from('3132333435363738393031323334353637383930', 'hex');
/** figure 6's pre-shared key, as the RFC states it */
const PRE_SHARED_KEY = Buffer.from('12345678901234567890123456789012', 'hex');
const FIGURE_6_VALUE_MAC = 'Su+NvtQfmvfJzF6bmQiJqoLRExc=';
const FIGURE_6_SECRET_CIPHER = 'AAECAwQFBgcICQoLDA0OD+cIHItlB3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv';

function refusal(input: PskcImportInput): string {
  try {
    parsePskc(input);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenImportFormatError);
    return (error as TokenImportFormatError).reason;
  }
  throw new Error('expected the file to be refused');
}

/** The same base64 value with one bit of one byte flipped. */
function flipped(base64: string, byte = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[byte] ^= 0x01;
  return bytes.toString('base64');
}

const container = (keyPackages: string, attributes = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"${attributes}>${keyPackages}</KeyContainer>`;

const totpPackage = ({ algorithm = 'urn:ietf:params:xml:ns:keyprov:pskc#totp', parameters = '', data = '', secret = RFC_SECRET.toString('base64') } = {}) => `
  <KeyPackage>
    <DeviceInfo><Manufacturer>Feitian</Manufacturer><SerialNo>2600123</SerialNo><Model>c200</Model></DeviceInfo>
    <Key Id="2600123" Algorithm="${algorithm}">
      <AlgorithmParameters>${parameters}</AlgorithmParameters>
      <Data><Secret><PlainValue>${secret}</PlainValue></Secret>${data}</Data>
    </Key>
  </KeyPackage>`;

describe('PSKC import', () => {
  describe('RFC 6030 examples with plain secrets', () => {
    it('figure 3: imports the HOTP key with its secret "12345678901234567890", 8 digits and counter 0', () => {
      expect(parsePskc({ xml: figure(3) })).toEqual({
        tokens: [
          {
            index: 0,
            serialNumber: '987654321',
            manufacturer: 'Manufacturer',
            model: '',
            keyId: '12345678',
            userId: 'UID=jsmith,DC=example-bank,DC=net',
            algorithm: 'hotp',
            secret: RFC_SECRET,
            digits: 8,
            counter: 0n,
            hashFunction: 'hmacsha1',
          },
        ],
        errors: [],
      });
    });

    it('figure 2: refuses its key, which has no serial number and whose secret "1234" (MTIzNA==) is 32 bits', () => {
      expect(parsePskc({ xml: figure(2) })).toEqual({
        tokens: [],
        errors: [{ index: 0, reason: 'serial number is missing (DeviceInfo/SerialNo); the secret is shorter than 80 bits (10 bytes)' }],
      });
    });

    it('figure 4: refuses its key, which carries no secret but a reference to a master key', () => {
      expect(parsePskc({ xml: figure(4) }).errors).toEqual([
        { index: 0, serialNumber: '987654321', reason: 'the key has no secret: keys derived from a master key (KeyReference) are not supported' },
      ]);
    });

    it('figure 5: imports the HOTP key and refuses the PIN key beside it', () => {
      const { tokens, errors } = parsePskc({ xml: figure(5) });

      expect(tokens).toEqual([expect.objectContaining({ index: 0, serialNumber: '987654321', secret: RFC_SECRET, digits: 8, counter: 0n })]);
      expect(errors).toEqual([
        { index: 1, serialNumber: '987654321', reason: 'the key algorithm is not supported: "urn:ietf:params:xml:ns:keyprov:pskc:pin"' },
      ]);
    });

    it('figure 9: imports the key of a signed container; the signature is not verified', () => {
      expect(parsePskc({ xml: figure(9) }).tokens).toEqual([
        expect.objectContaining({ serialNumber: '0755225266', keyId: '123', secret: RFC_SECRET, digits: 6, counter: 0n }),
      ]);
    });

    it('figure 10: imports every key of a bulk file, two of them for one device in different months', () => {
      const { tokens, errors } = parsePskc({ xml: figure(10) });

      expect(errors).toEqual([]);
      expect(tokens.map(({ serialNumber, keyId }) => [serialNumber, keyId])).toEqual([
        ['654321', '1'],
        ['123456', '2'],
        ['9999999', '3'],
        ['9999999', '4'],
      ]);
      expect(tokens.every((token) => token.secret.equals(RFC_SECRET) && token.counter === 0n)).toBe(true);
    });
  });

  describe('figure 6: encrypted with a pre-shared AES-128 key', () => {
    it('decrypts the secret to 3132333435363738393031323334353637383930 after checking its MAC', () => {
      expect(parsePskc({ xml: figure(6), preSharedKey: PRE_SHARED_KEY })).toEqual({
        tokens: [
          {
            index: 0,
            serialNumber: '987654321',
            manufacturer: 'Manufacturer',
            model: '',
            keyId: '12345678',
            algorithm: 'hotp',
            secret: RFC_SECRET,
            digits: 8,
            counter: 0n,
            hashFunction: 'hmacsha1',
          },
        ],
        errors: [],
      });
    });

    it('refuses the file when no pre-shared key is supplied', () => {
      expect(refusal({ xml: figure(6) })).toBe('the file is encrypted with a pre-shared key; supply the pre-shared key');
    });

    it('refuses the file with a wrong pre-shared key', () => {
      const wrongKey = Buffer.from('12345678901234567890123456789013', 'hex');

      expect(refusal({ xml: figure(6), preSharedKey: wrongKey })).toBe('the MAC key could not be decrypted: the padding is wrong: wrong key or password');
    });

    it('refuses the file with a wrong pre-shared key that happens to decrypt the MAC key with valid padding', () => {
      // found by trying keys: with this one the MAC key decrypts to garbage ending in a plausible padding byte
      const wrongKey = Buffer.from('12345678901234567890123456780016', 'hex');

      expect(refusal({ xml: figure(6), preSharedKey: wrongKey })).toBe('key package 1 (serial number "987654321"): MAC does not match: wrong key or tampered file; nothing in the file was imported');
    });

    it('refuses the file when a pre-shared key of the wrong length is supplied', () => {
      expect(refusal({ xml: figure(6), preSharedKey: Buffer.alloc(32, 1) })).toBe(
        'the file uses aes-128-cbc, which needs a 16-byte key; the key supplied has 32 bytes',
      );
    });

    it('refuses the file when its only MAC has a flipped byte', () => {
      const tampered = figure(6).replace(FIGURE_6_VALUE_MAC, flipped(FIGURE_6_VALUE_MAC));

      expect(refusal({ xml: tampered, preSharedKey: PRE_SHARED_KEY })).toBe('key package 1 (serial number "987654321"): MAC does not match: wrong key or tampered file; nothing in the file was imported');
    });

    it('refuses the file when its only encrypted secret has a flipped byte', () => {
      const tampered = figure(6).replace(FIGURE_6_SECRET_CIPHER, flipped(FIGURE_6_SECRET_CIPHER, 40));

      expect(refusal({ xml: tampered, preSharedKey: PRE_SHARED_KEY })).toBe('key package 1 (serial number "987654321"): MAC does not match: wrong key or tampered file; nothing in the file was imported');
    });

    it('refuses the whole file, naming the key, when one MAC of several does not match', () => {
      const xml = figure(6);
      const keyPackage = xml.slice(xml.indexOf('<KeyPackage>'), xml.indexOf('</KeyPackage>') + '</KeyPackage>'.length);
      const tamperedCopy = keyPackage.replace('987654321', '987654322').replace(FIGURE_6_VALUE_MAC, flipped(FIGURE_6_VALUE_MAC, 5));

      expect(refusal({ xml: xml.replace('</KeyContainer>', `${tamperedCopy}</KeyContainer>`), preSharedKey: PRE_SHARED_KEY })).toBe(
        'key package 2 (serial number "987654322"): MAC does not match: wrong key or tampered file; nothing in the file was imported',
      );
    });

    it('refuses the whole file when an encrypted secret has no MAC', () => {
      const xml = figure(6).replace(/<ValueMAC>[^<]*<\/ValueMAC>/, '');

      expect(refusal({ xml, preSharedKey: PRE_SHARED_KEY })).toBe('key package 1 (serial number "987654321"): the encrypted value has no ValueMAC; nothing in the file was imported');
    });
  });

  describe('figure 7: encrypted with a key derived by PBKDF2 from a password', () => {
    it('decrypts the secret with the password "qwerty" to the ASCII digits "12345678901234567890"', () => {
      const { tokens, errors } = parsePskc({ xml: figure(7), password: 'qwerty' });

      expect(errors).toEqual([]);
      expect(tokens).toEqual([
        {
          index: 0,
          serialNumber: '987654321',
          manufacturer: 'TokenVendorAcme',
          model: '',
          keyId: '123456',
          algorithm: 'hotp',
          secret: Buffer.from('12345678901234567890', 'ascii'),
          digits: 8,
          counter: 0n,
          hashFunction: 'hmacsha1',
        },
      ]);
    });

    it('refuses the file when no password is supplied, even with a pre-shared key', () => {
      expect(refusal({ xml: figure(7), preSharedKey: PRE_SHARED_KEY })).toBe('the file is encrypted with a password; supply the password');
    });

    it('refuses the file with a wrong password', () => {
      expect(refusal({ xml: figure(7), password: 'qwertz' })).toBe('the MAC key could not be decrypted: the padding is wrong: wrong key or password');
    });

    it('refuses an iteration count that would tie up the import job', () => {
      const xml = figure(7).replace('<IterationCount>1000</IterationCount>', '<IterationCount>50000000</IterationCount>');

      expect(refusal({ xml, password: 'qwerty' })).toBe('the PBKDF2 iteration count must be between 1 and 1000000');
    });
  });

  describe('figure 8: encrypted to a certificate', () => {
    it('refuses the file, as asymmetric encryption is not supported', () => {
      expect(refusal({ xml: figure(8), preSharedKey: PRE_SHARED_KEY })).toBe(
        'the file is encrypted to a certificate; only pre-shared keys and passwords are supported',
      );
    });
  });

  describe('TOTP keys', () => {
    it('reads the time interval, time drift, hash suite and digits', () => {
      const xml = container(
        totpPackage({
          parameters: '<Suite>HMAC-SHA256</Suite><ResponseFormat Length="6" Encoding="DECIMAL"/>',
          data: '<Time><PlainValue>0</PlainValue></Time><TimeInterval><PlainValue>60</PlainValue></TimeInterval><TimeDrift><PlainValue>-1</PlainValue></TimeDrift>',
        }),
      );

      expect(parsePskc({ xml }).tokens).toEqual([
        {
          index: 0,
          serialNumber: '2600123',
          manufacturer: 'Feitian',
          model: 'c200',
          keyId: '2600123',
          algorithm: 'totp',
          secret: RFC_SECRET,
          digits: 6,
          timeIntervalInSeconds: 60,
          timeDriftInIntervals: -1,
          hashFunction: 'hmacsha256',
        },
      ]);
    });

    it('defaults to 30 seconds, 6 digits and HMAC-SHA1, under either spelling of the TOTP algorithm', () => {
      const xml = container(totpPackage() + totpPackage({ algorithm: 'urn:ietf:params:xml:ns:keyprov:pskc:totp' }));

      expect(parsePskc({ xml }).tokens).toEqual([
        expect.objectContaining({ index: 0, algorithm: 'totp', timeIntervalInSeconds: 30, digits: 6, hashFunction: 'hmacsha1' }),
        expect.objectContaining({ index: 1, algorithm: 'totp', timeIntervalInSeconds: 30, digits: 6, hashFunction: 'hmacsha1' }),
      ]);
    });

    it('refuses a key with an unsupported suite, response encoding or length, naming each problem', () => {
      const xml = container(totpPackage({ parameters: '<Suite>HMAC-MD5</Suite><ResponseFormat Length="4" Encoding="DECIMAL"/>' }) + totpPackage({ parameters: '<ResponseFormat Length="8" Encoding="HEXADECIMAL"/>' }));

      expect(parsePskc({ xml }).errors.map((error) => error.reason)).toEqual([
        'the response length must be 6 to 10 digits; the hash suite is not supported: "HMAC-MD5"',
        'the response encoding is not supported: "HEXADECIMAL"',
      ]);
    });

    it('refuses a secret that is not base64 without quoting it', () => {
      const secret = 'MTIzNDU2Nzg5MDEy!zQ1Njc4OTA=';
      const { errors } = parsePskc({ xml: container(totpPackage({ secret })) });

      expect(errors).toEqual([{ index: 0, serialNumber: '2600123', reason: 'the secret is not valid base64' }]);
      expect(JSON.stringify(errors)).not.toContain('MTIz');
    });
  });

  describe('hostile and foreign files', () => {
    it('refuses a DOCTYPE with nested entities (billion laughs) before parsing', () => {
      const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage><Key Id="&lol9;"/></KeyPackage></KeyContainer>`;

      expect(refusal({ xml: laughs })).toBe('the file declares a DOCTYPE, which is not allowed');
    });

    it('refuses an external entity (XXE) without reading it', () => {
      const xxe = `<?xml version="1.0"?>
<!DOCTYPE KeyContainer [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage><DeviceInfo><SerialNo>&xxe;</SerialNo></DeviceInfo></KeyPackage>
</KeyContainer>`;

      const reason = refusal({ xml: xxe });
      expect(reason).toBe('the file declares a DOCTYPE, which is not allowed');
      expect(reason).not.toContain('root:');
    });

    it('refuses an entity declaration even outside a DOCTYPE', () => {
      expect(refusal({ xml: container('<!ENTITY x "y">') })).toBe('the file declares an ENTITY, which is not allowed');
    });

    it('refuses a reference to an entity that is not one of the five predefined ones', () => {
      const xml = container('<KeyPackage><DeviceInfo><SerialNo>&xxe;</SerialNo></DeviceInfo></KeyPackage>');

      expect(refusal({ xml })).toMatch(/^the file is not well-formed XML \(line 1, column \d+\)$/);
    });

    it('reads the five predefined entities and character references as text', () => {
      const xml = container(totpPackage().replace('<Manufacturer>Feitian</Manufacturer>', '<Manufacturer>A&amp;B &lt;&gt;&quot;&apos;&#x41;</Manufacturer>'));

      expect(parsePskc({ xml }).tokens[0].manufacturer).toBe('A&B <>"\'A');
    });

    it.each([
      ['a CSV file', 'upn,serial number,secret key,time interval,manufacturer,model\n'],
      ['JSON', '{"KeyContainer": {}}'],
      ['an empty file', ''],
      ['truncated XML', figure(3).slice(0, 400)],
    ])('refuses %s as not well-formed XML', (_, xml) => {
      expect(refusal({ xml })).toMatch(/^the file is not well-formed XML/);
    });

    it('refuses binary content', () => {
      expect(refusal({ xml: 'PK\u0003\u0004\u0000\u0000' })).toBe('the file contains NUL characters: it is binary, not XML');
    });

    it('refuses XML that is not a PSKC KeyContainer', () => {
      expect(refusal({ xml: '<KeyContainer Version="1.0"/>' })).toBe('the file is not a PSKC KeyContainer');
      expect(refusal({ xml: '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>' })).toBe('the file is not a PSKC KeyContainer');
    });

    it('refuses another PSKC version', () => {
      expect(refusal({ xml: container('').replace('Version="1.0"', 'Version="2.0"') })).toBe('PSKC version "2.0" is not supported');
    });

    it('refuses more than 10,000 key packages', () => {
      expect(refusal({ xml: container('<KeyPackage/>'.repeat(10_001)) })).toBe('the file has more than 10000 key packages');
    });

    it('refuses absurdly deep nesting', () => {
      expect(refusal({ xml: container('<a>'.repeat(100) + '</a>'.repeat(100)) })).toBe('the XML is nested deeper than 64 elements');
    });
  });
});
