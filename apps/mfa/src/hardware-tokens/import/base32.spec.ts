import { decodeBase32 } from './base32';

describe('a base32 secret as vendors print it', () => {
  it('reads upper or lower case, spaced groups, with or without padding, as the same bytes', () => {
    for (const text of ['MZXW6YTBOI', 'mzxw 6ytb oi', 'MZXW6YTBOI======']) {
      expect(decodeBase32(text)).toEqual({ ok: true, bytes: Buffer.from('foobar'), canonical: 'MZXW6YTBOI' });
    }
  });

  it('ignores set bits past the last whole byte, and gives the canonical form', () => {
    expect(decodeBase32('MZXW6YTBOJ')).toEqual({ ok: true, bytes: Buffer.from('foobar'), canonical: 'MZXW6YTBOI' });
  });

  it('tells a character outside the alphabet from a length or padding base32 cannot have', () => {
    expect(decodeBase32('MZXW6YTB01')).toEqual({ ok: false, problem: 'alphabet' });
    expect(decodeBase32('MZX=W6YTBOI')).toEqual({ ok: false, problem: 'alphabet' });
    expect(decodeBase32('MZXW6YTBO')).toEqual({ ok: false, problem: 'length' });
    expect(decodeBase32('MZXW6YTBOI==')).toEqual({ ok: false, problem: 'length' });
  });
});
