import busboy from 'busboy';

/**
 * A multipart/form-data body (RFC 7578), already read whole and bounded by the route's body limit, split into its
 * parts by busboy. Whatever busboy cannot read, and whatever passes a limit, is refused with the reason.
 */

export type FormPart = { name: string; fileName: string | null; contentType: string; data: Buffer };

export type FormLimits = { parts: number; files: number; fileBytes: number; fieldBytes: number };

/** `kind` says which answer fits: not a form at all, a file over its size, or a form that cannot be read. */
export class MultipartRejected extends Error {
  constructor(
    message: string,
    readonly kind: 'notAForm' | 'tooLarge' | 'malformed' = 'malformed',
  ) {
    super(message);
  }
}

export function readMultipartForm(body: Buffer, contentType: string | undefined, limits: FormLimits): Promise<FormPart[]> {
  let form: busboy.Busboy;
  try {
    form = busboy({
      headers: { 'content-type': contentType },
      // one more than allowed: busboy signals a limit when it is reached, and reaching it is still allowed here
      limits: { parts: limits.parts + 1, files: limits.files, fileSize: limits.fileBytes + 1, fieldSize: limits.fieldBytes + 1 },
    });
  } catch {
    // busboy throws here only for the content type: not multipart/form-data, or no boundary
    return Promise.reject(new MultipartRejected('the content type is not multipart/form-data with a boundary', 'notAForm'));
  }
  return new Promise((resolve, reject) => {
    const parts: FormPart[] = [];
    let refused: MultipartRejected | null = null;
    const refuse = (error: MultipartRejected) => (refused ??= error);

    form.on('field', (name: string | undefined, value, info) => {
      if (!name) return refuse(new MultipartRejected('a part has no name'));
      if (info.valueTruncated) refuse(new MultipartRejected(`the field "${name.slice(0, 50)}" is longer than ${limits.fieldBytes} bytes`));
      parts.push({ name, fileName: null, contentType: info.mimeType, data: Buffer.from(value, 'utf8') });
    });
    form.on('file', (name: string | undefined, stream, info) => {
      if (!name) refuse(new MultipartRejected('a part has no name'));
      // in the parts' order; the bytes arrive after
      const part: FormPart = { name: name ?? '', fileName: info.filename ?? '', contentType: info.mimeType, data: Buffer.alloc(0) };
      parts.push(part);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => refuse(new MultipartRejected(`a file is larger than ${limits.fileBytes} bytes`, 'tooLarge')));
      stream.on('end', () => (part.data = Buffer.concat(chunks)));
    });
    form.on('partsLimit', () => refuse(new MultipartRejected(`at most ${limits.parts} parts`)));
    form.on('filesLimit', () => refuse(new MultipartRejected(`at most ${limits.files} file${limits.files === 1 ? '' : 's'}`)));
    form.on('fieldsLimit', () => refuse(new MultipartRejected('too many fields')));
    // busboy's messages name no content: "Unexpected end of form", "Malformed part header" and the like
    form.on('error', (error: Error) => reject(refused ?? new MultipartRejected(error.message.toLowerCase())));
    form.on('close', () => (refused ? reject(refused) : resolve(parts)));
    form.end(body);
  });
}
