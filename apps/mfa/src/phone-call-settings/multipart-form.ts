/**
 * A multipart/form-data body (RFC 7578) read from a buffer the size limit has already bounded. Small on purpose:
 * parts are found by their boundary, each with its Content-Disposition name (and filename) and Content-Type;
 * anything malformed is refused with the reason, never guessed at.
 */

export type FormPart = { name: string; fileName: string | null; contentType: string | null; data: Buffer };

export class MultipartRejected extends Error {}

const MAX_PARTS = 10;
const MAX_HEADER_BYTES = 2048;

/** The boundary of a multipart/form-data content type; null when it is not one. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]!) : null;
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const between = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // a preamble before the first delimiter is allowed, and ignored
  let offset = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : body.indexOf(between);
  if (offset < 0) throw new MultipartRejected('the body has no part with the boundary its content type names');
  offset += offset === 0 ? delimiter.length : between.length;
  const parts: FormPart[] = [];
  for (;;) {
    if (body.toString('latin1', offset, offset + 2) === '--') return parts;
    if (body.toString('latin1', offset, offset + 2) !== '\r\n') throw new MultipartRejected('a boundary line is not followed by a line break');
    if (parts.length === MAX_PARTS) throw new MultipartRejected(`at most ${MAX_PARTS} parts`);
    const headerStart = offset + 2;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart, 'latin1');
    if (headerEnd < 0 || headerEnd - headerStart > MAX_HEADER_BYTES) throw new MultipartRejected('a part has no end to its headers');
    const headers = parseHeaders(body.toString('utf8', headerStart, headerEnd));
    const dataStart = headerEnd + 4;
    const dataEnd = body.indexOf(between, dataStart);
    if (dataEnd < 0) throw new MultipartRejected('the body ends before its closing boundary');
    parts.push({ ...headers, data: body.subarray(dataStart, dataEnd) });
    offset = dataEnd + between.length;
  }
}

function parseHeaders(text: string): Omit<FormPart, 'data'> {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new MultipartRejected('a part has a malformed header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    if (name === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartRejected('a part has no Content-Disposition: form-data header');
  const parameter = (key: string) => {
    const match = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition!) ?? new RegExp(`;\\s*${key}=([^\\s;"]+)`, 'i').exec(disposition!);
    return match ? match[1]!.replace(/\\(.)/g, '$1') : null;
  };
  const name = parameter('name');
  if (!name) throw new MultipartRejected('a part has no name');
  return { name, fileName: parameter('filename'), contentType };
}
