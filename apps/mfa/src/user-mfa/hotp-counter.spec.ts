import { addToCounter, isAfter, laterOf, storedCounter } from './hotp-counter';

describe('HOTP counters of 64 bits', () => {
  const big = 2n ** 60n + 5n;

  it('are stored as numbers while safe, as exact decimal strings beyond', () => {
    expect(storedCounter(0n)).toBe(0);
    expect(storedCounter(-1n)).toBe(-1);
    expect(storedCounter(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(storedCounter(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBe('9007199254740992');
    expect(storedCounter(big)).toBe('1152921504606846981');
    expect(storedCounter(2n ** 64n - 1n)).toBe('18446744073709551615');
  });

  it('compare exactly, across both forms, where doubles cannot tell them apart', () => {
    expect(isAfter('1152921504606846981', '1152921504606846980')).toBe(true);
    expect(isAfter('1152921504606846980', '1152921504606846981')).toBe(false);
    expect(isAfter('1152921504606846981', '1152921504606846981')).toBe(false);
    expect(isAfter('9007199254740992', Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isAfter(10, '9')).toBe(true);
    expect(isAfter(0, -1)).toBe(true);
    expect(laterOf('18446744073709551610', '18446744073709551612')).toBe('18446744073709551612');
    expect(laterOf(7, 3)).toBe(7);
  });

  it('add exactly, crossing 2^53 in either direction', () => {
    expect(addToCounter('1152921504606846981', -1)).toBe('1152921504606846980');
    expect(addToCounter('1152921504606846981', 1)).toBe('1152921504606846982');
    expect(addToCounter(Number.MAX_SAFE_INTEGER, 1)).toBe('9007199254740992');
    expect(addToCounter('9007199254740992', -1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(addToCounter(0, -1)).toBe(-1);
  });
});
