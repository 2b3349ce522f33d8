import { escapeUnsafeText, stringifyJsonSafely } from './unsafe-text';

const hostile = 'Evil\r\nX-Forged: yes\x1b[31m\u0000\u0085\u202eevil\u2066\u2028';

describe('unsafe text', () => {
  it('writes every control character, separator and bidi override as a visible escape, and keeps the rest', () => {
    expect(escapeUnsafeText(hostile)).toBe('Evil\\u000d\\u000aX-Forged: yes\\u001b[31m\\u0000\\u0085\\u202eevil\\u2066\\u2028');
    expect(escapeUnsafeText('Mozilla/5.0 (Windows NT 10.0) é ü 中文 \u202f')).toBe('Mozilla/5.0 (Windows NT 10.0) é ü 中文 \u202f');
  });

  it('gives JSON whose bytes hold none of them and that parses back to the exact value', () => {
    const json = stringifyJsonSafely({ userAgent: hostile, n: 1 });
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(json)).toEqual({ userAgent: hostile, n: 1 });
    expect(stringifyJsonSafely({ plain: 'text' })).toBe(JSON.stringify({ plain: 'text' }));
  });
});
