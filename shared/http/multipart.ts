// multipart/form-data uploads (busboy): exactly one file part plus a few short text fields. Every
// refusal is a 4xx problem that says what to send instead, and a file past the limit stops the
// reading at once rather than after the whole body.
import busboy from 'busboy';
import { HttpError } from './problem.ts';

export interface MultipartOptions {
  /** The name of the one file part, e.g. `file`. */
  fileField: string;
  /** Text fields that may come with it (each at most once); any other part is refused. */
  textFields: readonly string[];
  /** Largest file accepted (bytes): one byte more answers 413 document_too_large. */
  maxFileBytes: number;
  /** Largest text field value (bytes). */
  maxFieldBytes: number;
}

export interface MultipartForm {
  file: {
    /** As the client named it (untrusted; empty when it gave none). */
    filename: string;
    /** As the client declared it (untrusted). */
    declaredType: string;
    bytes: Buffer;
  };
  fields: Record<string, string>;
}

/** Bytes handed to the parser at a time: the most read past a limit before the parsing stops. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Parses a multipart/form-data body (a buffer, e.g. the decoded Lambda body, or a stream). Refuses:
 * another content type (415), a malformed body (400), a part it does not expect, a second file or a
 * repeated field, a text field past `maxFieldBytes` (400), a missing file part (400), a file past
 * `maxFileBytes` (413).
 */
export function parseMultipart(body: Buffer | AsyncIterable<Uint8Array>, contentType: string | undefined, options: MultipartOptions): Promise<MultipartForm> {
  const expected = `a "${options.fileField}" part with the file${options.textFields.length ? ` and optionally ${options.textFields.map((f) => `"${f}"`).join(', ')}` : ''}`;
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    return Promise.reject(
      new HttpError(415, 'unsupported_media_type', `Send the upload as multipart/form-data with ${expected}; the body was ${contentType ? contentType.split(';')[0] : 'sent without a Content-Type'}.`),
    );
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      // Browsers and curl send UTF-8 filenames as raw bytes in the part headers.
      defParamCharset: 'utf8',
      // Busboy signals a limit once it is reached, not passed: one byte more tells a file of exactly
      // the limit from a larger one. A second file is signalled (filesLimit); an unknown or repeated
      // field is refused as it comes, so no field count is needed.
      limits: {
        files: 1,
        fileSize: options.maxFileBytes + 1,
        fieldSize: options.maxFieldBytes,
        fieldNameSize: 100,
      },
    });
  } catch {
    return Promise.reject(new HttpError(400, 'invalid_multipart', 'The Content-Type multipart/form-data has no boundary; let your HTTP client build the multipart body (e.g. curl -F file=@bill.pdf).'));
  }
  const bb = parser;

  return new Promise<MultipartForm>((resolve, reject) => {
    let failure: HttpError | null = null;
    let file: MultipartForm['file'] | null = null;
    const fields: Record<string, string> = {};
    const fail = (error: HttpError) => {
      if (failure) return;
      failure = error;
      reject(error);
      // Nothing more is parsed; the feeding loop stops at its next chunk.
      bb.destroy();
    };
    const unexpected = (name: string) =>
      new HttpError(400, 'unexpected_part', `The form has a part named "${name.slice(0, 100)}"; send only ${expected}.`);

    bb.on('file', (name, stream, info) => {
      // Destroying the parser after a refusal errors the open file stream: nothing waits for it then.
      stream.on('error', () => undefined);
      if (name !== options.fileField) {
        stream.resume();
        fail(unexpected(name));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        chunks.push(chunk);
      });
      stream.on('limit', () =>
        fail(new HttpError(413, 'document_too_large', `The file is larger than ${options.maxFileBytes} bytes; send a smaller one (e.g. a lower-resolution scan).`)),
      );
      stream.on('end', () => {
        if (!failure) file = { filename: info.filename ?? '', declaredType: info.mimeType, bytes: Buffer.concat(chunks, size) };
      });
    });
    bb.on('field', (name, value, info) => {
      if (!options.textFields.includes(name)) fail(unexpected(name));
      else if (info.valueTruncated) fail(new HttpError(400, 'field_too_long', `The "${name}" field is longer than ${options.maxFieldBytes} bytes; send one of the values the API documents.`));
      else if (name in fields) fail(new HttpError(400, 'duplicate_field', `The "${name}" field is sent twice; send it once.`));
      else fields[name] = value;
    });
    bb.on('filesLimit', () => fail(new HttpError(400, 'too_many_files', `The form has more than one file; send exactly one, in the "${options.fileField}" part.`)));
    bb.on('error', (error: Error) =>
      fail(new HttpError(400, 'invalid_multipart', `The multipart body cannot be read (${error.message}); let your HTTP client build it (e.g. curl -F file=@bill.pdf).`)),
    );
    bb.on('close', () => {
      if (failure) return;
      if (file === null) fail(new HttpError(400, 'file_part_missing', `The form has no file; send ${expected}.`));
      else resolve({ file, fields });
    });

    void (async () => {
      try {
        for await (const chunk of chunked(body)) {
          if (failure) return;
          if (!bb.write(chunk)) await drained(bb);
        }
        if (!failure) bb.end();
      } catch (error) {
        fail(new HttpError(400, 'invalid_multipart', `The upload could not be read (${error instanceof Error ? error.message : 'error'}); send it again.`));
      }
    })();
  });
}

/** Resolves when the parser takes more data, or is closed (after a refusal). */
function drained(bb: busboy.Busboy): Promise<void> {
  return new Promise((done) => {
    const settle = () => {
      bb.off('drain', settle).off('close', settle);
      done();
    };
    bb.on('drain', settle).on('close', settle);
  });
}

/** A buffer as slices (no copies), a stream as it comes. */
async function* chunked(body: Buffer | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (!Buffer.isBuffer(body)) {
    yield* body;
    return;
  }
  for (let at = 0; at < body.byteLength; at += CHUNK_BYTES) yield body.subarray(at, at + CHUNK_BYTES);
}
