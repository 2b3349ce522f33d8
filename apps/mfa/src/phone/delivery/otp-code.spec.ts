import { codeMatches, generateNumericCode, hashCode } from './otp-code';

const PEPPER = Buffer.from('a-pepper-of-at-least-16-bytes!!!');

describe('generated codes', () => {
  it('are 6 digits by default, and as many as asked for', () => {
    expect(generateNumericCode()).toMatch(/^\d{6}$/);
    expect(generateNumericCode(8)).toMatch(/^\d{8}$/);
    expect(generateNumericCode(12)).toMatch(/^\d{12}$/);
  });

  it('refuse lengths that are guessable or beyond the generator', () => {
    for (const digits of [0, 4, 5, 13, 6.5, Number.NaN]) expect(() => generateNumericCode(digits)).toThrow(RangeError);
  });

  it('use every digit in every position, leading zeros included, about equally often', () => {
    const draws = Array.from({ length: 10_000 }, () => generateNumericCode());
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    for (const code of draws) for (let position = 0; position < 6; position++) counts[position][Number(code[position])]++;

    // 1,000 expected per cell with a standard deviation of 30: 200 either way is far beyond chance
    for (const position of counts) for (const count of position) expect(Math.abs(count - 1_000)).toBeLessThan(200);
    expect(draws.some((code) => code.startsWith('0'))).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(9_900);
  });
});

describe('a code hash', () => {
  it('is HMAC-SHA256 of "<challengeId>:<code>" under the pepper, in hex', () => {
    // fixed vector: `printf 'ch-1:042917' | openssl dgst -sha256 -hmac 'a-pepper-of-at-least-16-bytes!!!'`
    expect(hashCode('042917', 'ch-1', PEPPER)).toBe('2e6d79e835c768a50bcfc197d0d70ab6e69b7f85764df7e586d07b11337fa113');
  });

  it('matches its code for its challenge', () => {
    const stored = hashCode('042917', 'ch-1', PEPPER);
    expect(codeMatches('042917', 'ch-1', PEPPER, stored)).toBe(true);
    expect(codeMatches('042917', 'ch-1', PEPPER, stored.toUpperCase())).toBe(true);
  });

  it('does not match the same code for another challenge', () => {
    const stored = hashCode('042917', 'ch-1', PEPPER);
    expect(codeMatches('042917', 'ch-2', PEPPER, stored)).toBe(false);
    expect(hashCode('042917', 'ch-2', PEPPER)).not.toBe(stored);
  });

  it('does not match another code, another pepper, or anything malformed', () => {
    const stored = hashCode('042917', 'ch-1', PEPPER);
    expect(codeMatches('042918', 'ch-1', PEPPER, stored)).toBe(false);
    expect(codeMatches('42917', 'ch-1', PEPPER, stored)).toBe(false);
    expect(codeMatches('042917', 'ch-1', Buffer.from('another-pepper-of-16-bytes-or-more'), stored)).toBe(false);
    expect(codeMatches('', 'ch-1', PEPPER, stored)).toBe(false);
    expect(codeMatches('04 29 17', 'ch-1', PEPPER, stored)).toBe(false);
    expect(codeMatches('042917', '', PEPPER, stored)).toBe(false);
    expect(codeMatches('042917', 'ch-1', PEPPER, stored.slice(2))).toBe(false);
    expect(codeMatches('042917', 'ch-1', PEPPER, 'not a hash')).toBe(false);
  });

  it('refuses to hash what is not a code, or with a short pepper', () => {
    expect(() => hashCode('12ab56', 'ch-1', PEPPER)).toThrow(RangeError);
    expect(() => hashCode('042917', 'ch-1', Buffer.alloc(8))).toThrow(RangeError);
  });
});
