import { boundaryOf, MultipartRejected, parseMultipart } from './multipart-form';

const body = (boundary: string, parts: string[]) => Buffer.from(parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('') + `--${boundary}--\r\n`, 'latin1');

describe('a multipart/form-data body', () => {
  it('finds the boundary in the content type, quoted or not', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/json')).toBeNull();
    expect(boundaryOf('multipart/form-data')).toBeNull();
  });

  it('reads fields and a file, binary bytes intact', async () => {
    const form = new FormData();
    form.append('messageType', 'greeting');
    form.append('language', 'en-US');
    const audio = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    form.append('file', new Blob([audio], { type: 'audio/wav' }), 'hello.wav');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const boundary = boundaryOf(request.headers.get('content-type')!)!;
    const parts = parseMultipart(Buffer.from(await request.arrayBuffer()), boundary);
    expect(parts.map(({ name, fileName }) => [name, fileName])).toEqual([
      ['messageType', null],
      ['language', null],
      ['file', 'hello.wav'],
    ]);
    expect(parts[0]!.data.toString()).toBe('greeting');
    expect(parts[2]!.data.equals(audio)).toBe(true);
    expect(parts[2]!.contentType).toBe('audio/wav');
  });

  it('refuses a body cut before its closing boundary, and parts without a name', () => {
    const whole = body('xyz', ['Content-Disposition: form-data; name="a"\r\n\r\nvalue']);
    expect(() => parseMultipart(whole.subarray(0, whole.length - 12), 'xyz')).toThrow(MultipartRejected);
    expect(() => parseMultipart(body('xyz', ['Content-Disposition: form-data\r\n\r\nvalue']), 'xyz')).toThrow(/no name/);
    expect(() => parseMultipart(body('xyz', ['Content-Type: text/plain\r\n\r\nvalue']), 'xyz')).toThrow(/Content-Disposition/);
    expect(() => parseMultipart(Buffer.from('no parts here'), 'xyz')).toThrow(/no part/);
  });

  it('refuses more than 10 parts', () => {
    const many = Array.from({ length: 11 }, (_, i) => `Content-Disposition: form-data; name="f${i}"\r\n\r\nx`);
    expect(() => parseMultipart(body('xyz', many), 'xyz')).toThrow(/at most 10 parts/);
  });
});
