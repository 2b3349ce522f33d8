import { octetCounted, rfc5424, syslogSeverity } from './rfc5424';

describe('syslog framing', () => {
  const header = { time: Date.parse('2026-11-21T22:40:00.123Z'), hostname: 'idp-api-1', appName: 'bulwark', msgId: 'MfaDenied', cefSeverity: 8 };

  it('writes an RFC 5424 header: PRI of authpriv and the CEF severity band, UTC time, nil PROCID and SD', () => {
    expect(rfc5424('CEF:0|x', header)).toBe('<84>1 2026-11-21T22:40:00.123Z idp-api-1 bulwark - MfaDenied - CEF:0|x');
    expect([0, 3, 4, 6, 7, 8, 9, 10].map(syslogSeverity)).toEqual([6, 6, 5, 5, 4, 4, 2, 2]);
  });

  it('keeps header fields printable ASCII and within their lengths', () => {
    const message = rfc5424('CEF:0|x', { ...header, hostname: 'host name\n', appName: 'a'.repeat(60), msgId: '' });
    expect(message).toBe(`<84>1 2026-11-21T22:40:00.123Z host_name_ ${'a'.repeat(48)} - - - CEF:0|x`);
  });

  it('counts octets, not characters (RFC 6587 §3.4.1)', () => {
    const framed = octetCounted('<84>1 - - - - - - CEF:0|Zoë|€');
    const text = framed.toString('utf8');
    const [length, ...rest] = text.split(' ');
    expect(Number(length)).toBe(Buffer.byteLength(rest.join(' ')));
    expect(Number(length)).toBeGreaterThan(rest.join(' ').length);
  });
});
