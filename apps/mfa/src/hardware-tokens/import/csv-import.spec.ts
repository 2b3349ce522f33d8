import { parseTokenCsv } from './csv-import';
import { TokenImportFormatError } from './token-import.types';

const HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';
/** base32 of the ASCII digits "12345678901234567890", the RFC 4226 test secret */
const SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const SECRET_HEX = '3132333435363738393031323334353637383930';

const csv = (...lines: string[]) => Buffer.from([HEADER, ...lines].join('\r\n') + '\r\n', 'utf8');
const row = (serial: string, secret = SECRET_BASE32, interval = '30', upn = 'alice@example.com') => `${upn},${serial},${secret},${interval},Contoso,H1`;

function refusal(file: Buffer | string): string {
  try {
    parseTokenCsv(file);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenImportFormatError);
    return (error as TokenImportFormatError).reason;
  }
  throw new Error('expected the file to be refused');
}

describe('hardware token CSV import', () => {
  describe('a file with the header and valid rows', () => {
    it('turns each row into a TOTP token with the decoded secret, numbered as a spreadsheet shows it', () => {
      const { tokens, errors } = parseTokenCsv(csv(row('SN-1'), row('SN-2', SECRET_BASE32, '60', 'bob@example.com')));

      expect(errors).toEqual([]);
      expect(tokens).toEqual([
        {
          row: 2,
          upn: 'alice@example.com',
          serialNumber: 'SN-1',
          secret: Buffer.from(SECRET_HEX, 'hex'),
          secretBase32: SECRET_BASE32,
          timeIntervalInSeconds: 30,
          manufacturer: 'Contoso',
          model: 'H1',
          algorithm: 'totp',
          hashFunction: 'hmacsha1',
          digits: 6,
        },
        expect.objectContaining({ row: 3, upn: 'bob@example.com', serialNumber: 'SN-2', timeIntervalInSeconds: 60 }),
      ]);
    });

    it('accepts the header in any case, with spaces around the names, LF line endings and a byte order mark', () => {
      const file = '\uFEFF UPN , Serial Number,SECRET KEY ,Time Interval,Manufacturer, Model\n' + row('SN-1') + '\n';

      expect(parseTokenCsv(Buffer.from(file, 'utf8')).tokens).toHaveLength(1);
    });

    it('reads RFC 4180 quoted fields: commas, doubled quotes and line breaks inside quotes', () => {
      const { tokens } = parseTokenCsv(csv(`"alice@example.com", "SN-1" ,"${SECRET_BASE32}",30,"Contoso, Inc.","H1 ""Gen 2""\r\nrev B"`, row('SN-2')));

      expect(tokens[0]).toEqual(expect.objectContaining({ serialNumber: 'SN-1', manufacturer: 'Contoso, Inc.', model: 'H1 "Gen 2"\nrev B' }));
      expect(tokens[1].row).toBe(4);
    });

    it('numbers rows alike whatever the line endings: lone CR, LF and CRLF mixed, a quoted line break counted once', () => {
      const file = [HEADER, row('SN-1'), `"alice@example.com","SN-2","${SECRET_BASE32}",30,Contoso,"H1\r\nrev B"`, '', row('SN-3')].join('\r') + '\n';
      const { tokens, errors } = parseTokenCsv(Buffer.from(file.replace('\r', '\n'), 'utf8'));

      expect(errors).toEqual([]);
      expect(tokens.map((token) => [token.row, token.serialNumber, token.model])).toEqual([
        [2, 'SN-1', 'H1'],
        [3, 'SN-2', 'H1\nrev B'],
        [6, 'SN-3', 'H1'],
      ]);
    });

    it('reads a secret in lower case, in spaced groups and with padding as the same secret', () => {
      const spaced = 'gezd gnbv gy3t qojq gezd gnbv gy3t qojq';
      const padded = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGE======';
      const { tokens } = parseTokenCsv(csv(row('SN-1', spaced), row('SN-2', padded)));

      expect(tokens[0].secret.toString('hex')).toBe(SECRET_HEX);
      expect(tokens[0].secretBase32).toBe(SECRET_BASE32);
      expect(tokens[1].secret.toString('hex')).toBe(SECRET_HEX + '31');
      expect(tokens[1].secretBase32).toBe(SECRET_BASE32 + 'GE');
    });

    it('skips blank lines and rows of empty fields, as spreadsheets leave them', () => {
      const { tokens, errors } = parseTokenCsv(csv('', row('SN-1'), ',,,,,', ''));

      expect(errors).toEqual([]);
      expect(tokens.map((token) => token.row)).toEqual([3]);
    });

    it('imports nothing and refuses nothing from a file with only the header', () => {
      expect(parseTokenCsv(csv())).toEqual({ tokens: [], errors: [] });
    });
  });

  describe('rows with problems', () => {
    it('refuses a secret with characters outside base32 without quoting the secret', () => {
      const secret = 'GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJ8';
      const { tokens, errors } = parseTokenCsv(csv(row('SN-1', secret), row('SN-2')));

      expect(errors).toEqual([{ row: 2, serialNumber: 'SN-1', reason: 'secret key is not base32 (only letters A-Z, digits 2-7 and "=" padding are allowed)' }]);
      expect(tokens.map((token) => token.serialNumber)).toEqual(['SN-2']);
      expectNoPartOf(secret, errors[0].reason);
    });

    it('refuses a secret longer than 128 characters', () => {
      const { errors } = parseTokenCsv(csv(row('SN-1', 'A'.repeat(136))));

      expect(errors).toEqual([{ row: 2, serialNumber: 'SN-1', reason: 'secret key is longer than 128 characters' }]);
    });

    it('refuses a secret shorter than 80 bits', () => {
      const { errors } = parseTokenCsv(csv(row('SN-1', 'GEZDGNBVGY3TQOI')));

      expect(errors[0].reason).toBe('secret key is shorter than 80 bits (10 bytes, 16 base32 characters)');
    });

    it('refuses a secret whose length or padding base32 cannot have', () => {
      const { errors } = parseTokenCsv(csv(row('SN-1', SECRET_BASE32 + 'G'), row('SN-2', SECRET_BASE32 + 'GE=='), row('SN-3', 'GE=ZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')));

      expect(errors.map((error) => error.reason)).toEqual([
        'secret key is not base32 (its length or padding is not valid)',
        'secret key is not base32 (its length or padding is not valid)',
        'secret key is not base32 (only letters A-Z, digits 2-7 and "=" padding are allowed)',
      ]);
    });

    it.each(['45', '', '30s', '0x1e'])('refuses the time interval %p', (interval) => {
      const { errors } = parseTokenCsv(csv(row('SN-1', SECRET_BASE32, interval)));

      expect(errors).toEqual([{ row: 2, serialNumber: 'SN-1', reason: 'time interval must be 30 or 60' }]);
    });

    it('refuses a row without a serial number, a upn or a secret, naming every problem', () => {
      const { errors } = parseTokenCsv(csv(row('', '', '30', '')));

      expect(errors).toEqual([{ row: 2, reason: 'upn is missing; serial number is missing; secret key is missing' }]);
    });

    it('refuses a upn that is not name@domain', () => {
      const { errors } = parseTokenCsv(csv(row('SN-1', SECRET_BASE32, '30', 'alice')));

      expect(errors[0].reason).toBe('upn is not a user principal name (name@domain)');
    });

    it('refuses a row with the wrong number of fields without quoting any of them', () => {
      const { errors } = parseTokenCsv(csv(`alice@example.com,${SECRET_BASE32},30,Contoso,H1`));

      expect(errors).toEqual([{ row: 2, reason: 'the row has 5 fields; expected 6' }]);
    });

    it('refuses every row of a serial number that appears twice, whatever its case, and imports the others', () => {
      const { tokens, errors } = parseTokenCsv(csv(row('SN-1'), row('SN-2'), row('sn-1')));

      expect(errors).toEqual([
        { row: 2, serialNumber: 'SN-1', reason: 'duplicate serial number in this file' },
        { row: 4, serialNumber: 'sn-1', reason: 'duplicate serial number in this file' },
      ]);
      expect(tokens.map((token) => token.serialNumber)).toEqual(['SN-2']);
    });
  });

  describe('files that are not such a CSV', () => {
    it('refuses a file without the header, without quoting its first line', () => {
      const reason = refusal(Buffer.from(row('SN-1') + '\n'));

      expect(reason).toBe('the first line must be the header "upn,serial number,secret key,time interval,manufacturer,model"');
      expectNoPartOf(SECRET_BASE32, reason);
    });

    it.each([
      ['reordered columns', 'serial number,upn,secret key,time interval,manufacturer,model'],
      ['an extra column', `${HEADER},notes`],
      ['a missing column', 'upn,serial number,secret key,time interval,manufacturer'],
    ])('refuses a header with %s', (_, header) => {
      expect(refusal(`${header}\n`)).toMatch(/^the first line must be the header/);
    });

    it('refuses an empty file', () => {
      expect(refusal(Buffer.alloc(0))).toMatch(/^the first line must be the header/);
    });

    it('refuses binary content', () => {
      expect(refusal(Buffer.concat([csv(row('SN-1')), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])]))).toBe(
        'the file contains NUL bytes: it is binary, not a CSV text file',
      );
    });

    it('refuses text that is not UTF-8', () => {
      expect(refusal(Buffer.from(`${HEADER}\nalice@example.com,SN-1,${SECRET_BASE32},30,Soci\xe9t\xe9,H1\n`, 'latin1'))).toBe('the file is not UTF-8 text');
    });

    it('refuses quoting it cannot read unambiguously', () => {
      expect(refusal(csv(`alice@example.com,"SN-1,${SECRET_BASE32},30,Contoso,H1`))).toBe('the file is not valid CSV: the quote opened on line 2 is never closed');
      expect(refusal(csv(`alice@example.com,"SN-1"x,${SECRET_BASE32},30,Contoso,H1`))).toBe('the file is not valid CSV: text after a closing quote on line 2');
      expect(refusal(csv(`alice@example.com,SN"1,${SECRET_BASE32},30,Contoso,H1`))).toBe('the file is not valid CSV: a quote inside an unquoted field on line 2');
    });

    it('refuses more than 10,000 rows', () => {
      const rows = Array.from({ length: 10_001 }, (_, i) => row(`SN-${i}`));

      expect(refusal(csv(...rows))).toBe('the file has more than 10000 rows');
    });
  });
});

/** No run of 4 or more characters of the secret appears in the text. */
function expectNoPartOf(secret: string, text: string): void {
  for (let start = 0; start + 4 <= secret.length; start++) {
    expect(text.toUpperCase()).not.toContain(secret.slice(start, start + 4));
  }
}
