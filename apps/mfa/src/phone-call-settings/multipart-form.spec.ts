import { FormLimits, MultipartRejected, readMultipartForm } from './multipart-form';

const LIMITS: FormLimits = { parts: 10, files: 1, fileBytes: 64, fieldBytes: 16 };
const CONTENT_TYPE = 'multipart/form-data; boundary=xyz';
const body = (parts: string[]) => Buffer.from(parts.map((part) => `--xyz\r\n${part}\r\n`).join('') + `--xyz--\r\n`, 'latin1');
const field = (name: string, value = 'x') => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;

async function refusal(form: Promise<unknown>): Promise<MultipartRejected> {
  const error = await form.then(() => null, (error: unknown) => error);
  expect(error).toBeInstanceOf(MultipartRejected);
  return error as MultipartRejected;
}

describe('a multipart/form-data body', () => {
  it('reads fields and a file in their order, binary bytes intact', async () => {
    const form = new FormData();
    form.append('messageType', 'greeting');
    form.append('language', 'en-US');
    const audio = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    form.append('file', new Blob([audio], { type: 'audio/wav' }), 'hello.wav');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const parts = await readMultipartForm(Buffer.from(await request.arrayBuffer()), request.headers.get('content-type')!, LIMITS);
    expect(parts.map(({ name, fileName }) => [name, fileName])).toEqual([
      ['messageType', null],
      ['language', null],
      ['file', 'hello.wav'],
    ]);
    expect(parts[0]!.data.toString()).toBe('greeting');
    expect(parts[2]!.data.equals(audio)).toBe(true);
    expect(parts[2]!.contentType).toBe('audio/wav');
  });

  it('takes the boundary quoted or not, and refuses a content type that is not a form with a boundary', async () => {
    expect(await readMultipartForm(Buffer.from(body([field('a')]).toString().replaceAll('xyz', 'a b')), 'multipart/form-data; boundary="a b"', LIMITS)).toHaveLength(1);
    for (const contentType of ['application/json', 'multipart/form-data', undefined]) {
      expect((await refusal(readMultipartForm(body([field('a')]), contentType, LIMITS))).kind).toBe('notAForm');
    }
  });

  it('refuses a body cut before its closing boundary, a body without parts, and parts without a name', async () => {
    const whole = body([field('a', 'value')]);
    expect((await refusal(readMultipartForm(whole.subarray(0, whole.length - 12), CONTENT_TYPE, LIMITS))).message).toBe('unexpected end of form');
    expect((await refusal(readMultipartForm(Buffer.from('no parts here'), CONTENT_TYPE, LIMITS))).message).toBe('unexpected end of form');
    expect((await refusal(readMultipartForm(body(['Content-Disposition: form-data\r\n\r\nvalue']), CONTENT_TYPE, LIMITS))).message).toMatch(/no name/);
  });

  it('ignores a part that is not form-data, as RFC 7578 parts must be', async () => {
    expect(await readMultipartForm(body(['Content-Type: text/plain\r\n\r\nvalue', field('a')]), CONTENT_TYPE, LIMITS)).toEqual([expect.objectContaining({ name: 'a' })]);
  });

  it('refuses more than 10 parts, but not 10', async () => {
    const parts = (count: number) => body(Array.from({ length: count }, (_, i) => field(`f${i}`)));
    expect(await readMultipartForm(parts(10), CONTENT_TYPE, LIMITS)).toHaveLength(10);
    expect((await refusal(readMultipartForm(parts(11), CONTENT_TYPE, LIMITS))).message).toBe('at most 10 parts');
  });

  it('refuses a second file, a file over its size (as tooLarge) and a field over its size', async () => {
    const file = (name: string, bytes: number) => `Content-Disposition: form-data; name="${name}"; filename="${name}.wav"\r\nContent-Type: audio/wav\r\n\r\n${'a'.repeat(bytes)}`;
    expect((await refusal(readMultipartForm(body([file('one', 1), file('two', 1)]), CONTENT_TYPE, LIMITS))).message).toBe('at most 1 file');
    expect(await refusal(readMultipartForm(body([file('file', 65)]), CONTENT_TYPE, LIMITS))).toMatchObject({ kind: 'tooLarge', message: 'a file is larger than 64 bytes' });
    expect(await readMultipartForm(body([file('file', 64)]), CONTENT_TYPE, LIMITS)).toHaveLength(1);
    expect(await readMultipartForm(body([field('language', 'x'.repeat(16))]), CONTENT_TYPE, LIMITS)).toHaveLength(1);
    expect(await refusal(readMultipartForm(body([field('language', 'x'.repeat(17))]), CONTENT_TYPE, LIMITS))).toMatchObject({ kind: 'malformed', message: 'the field "language" is longer than 16 bytes' });
  });
});
