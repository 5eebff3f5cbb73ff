// multipart/form-data parsing: bodies built by the platform's own FormData (as clients send them)
// or by hand where a client would not build them that way.
import { describe, expect, it } from 'vitest';
import { parseMultipart, type MultipartOptions } from '../../shared/http/multipart.ts';

const OPTIONS: MultipartOptions = { fileField: 'file', textFields: ['kind'], maxFileBytes: 1024, maxFieldBytes: 20 };

/** The body and Content-Type fetch would send for this form. */
async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

function formWith(parts: [name: string, value: string | { bytes: Buffer; filename: string; type?: string }][]): FormData {
  const form = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: value.type ?? 'application/octet-stream' }), value.filename);
  }
  return form;
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  return error as { status: number; code: string; message: string };
}

describe('parseMultipart', () => {
  it('gives the one file with its name and declared type, and the text fields', async () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
    const { body, contentType } = await encode(formWith([['kind', 'other'], ['file', { bytes, filename: 'facture été.pdf', type: 'application/pdf' }]]));
    const form = await parseMultipart(body, contentType, OPTIONS);
    expect(form.fields).toEqual({ kind: 'other' });
    expect(form.file.filename).toBe('facture été.pdf');
    expect(form.file.declaredType).toBe('application/pdf');
    expect(form.file.bytes.equals(bytes)).toBe(true);
  });

  it('accepts a file of exactly the limit, and no text field', async () => {
    const bytes = Buffer.alloc(OPTIONS.maxFileBytes, 7);
    const { body, contentType } = await encode(formWith([['file', { bytes, filename: 'bill.png' }]]));
    const form = await parseMultipart(body, contentType, OPTIONS);
    expect(form.fields).toEqual({});
    expect(form.file.bytes.byteLength).toBe(OPTIONS.maxFileBytes);
  });

  it('refuses another content type with 415, saying to send multipart/form-data with a file part', async () => {
    for (const type of ['application/json', 'text/plain; charset=utf-8', undefined]) {
      const error = await refusal(parseMultipart(Buffer.from('{"file":"x"}'), type, OPTIONS));
      expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      expect(error.message).toMatch(/multipart\/form-data with a "file" part/);
    }
  });

  it('refuses a multipart type without boundary, and a body cut short', async () => {
    expect(await refusal(parseMultipart(Buffer.from('x'), 'multipart/form-data', OPTIONS))).toMatchObject({ status: 400, code: 'invalid_multipart' });
    const { body, contentType } = await encode(formWith([['file', { bytes: Buffer.from('abc'), filename: 'a.pdf' }]]));
    const cut = body.subarray(0, body.byteLength - 20);
    expect(await refusal(parseMultipart(cut, contentType, OPTIONS))).toMatchObject({ status: 400, code: 'invalid_multipart' });
  });

  it('refuses a form without the file part', async () => {
    const { body, contentType } = await encode(formWith([['kind', 'bill_copy']]));
    const error = await refusal(parseMultipart(body, contentType, OPTIONS));
    expect(error).toMatchObject({ status: 400, code: 'file_part_missing' });
    expect(error.message).toMatch(/"file" part/);
  });

  it('refuses two files, even both in the file part', async () => {
    const one = { bytes: Buffer.from('a'), filename: 'a.pdf' };
    const { body, contentType } = await encode(formWith([['file', one], ['file', { ...one, filename: 'b.pdf' }]]));
    const error = await refusal(parseMultipart(body, contentType, OPTIONS));
    expect(error).toMatchObject({ status: 400, code: 'too_many_files' });
    expect(error.message).toMatch(/exactly one/);
  });

  it('refuses a file in another part, and a field it does not know', async () => {
    const moved = await encode(formWith([['document', { bytes: Buffer.from('a'), filename: 'a.pdf' }]]));
    expect(await refusal(parseMultipart(moved.body, moved.contentType, OPTIONS))).toMatchObject({ status: 400, code: 'unexpected_part', message: expect.stringContaining('"document"') });
    const extra = await encode(formWith([['note', 'hello'], ['file', { bytes: Buffer.from('a'), filename: 'a.pdf' }]]));
    expect(await refusal(parseMultipart(extra.body, extra.contentType, OPTIONS))).toMatchObject({ status: 400, code: 'unexpected_part' });
  });

  it('refuses a text field longer than the limit, and one sent twice', async () => {
    const file = { bytes: Buffer.from('a'), filename: 'a.pdf' };
    const long = await encode(formWith([['kind', 'x'.repeat(OPTIONS.maxFieldBytes + 1)], ['file', file]]));
    const error = await refusal(parseMultipart(long.body, long.contentType, OPTIONS));
    expect(error).toMatchObject({ status: 400, code: 'field_too_long' });
    expect(error.message).toMatch(/"kind" field is longer than 20 bytes/);
    const twice = await encode(formWith([['kind', 'other'], ['kind', 'bill_copy'], ['file', file]]));
    expect(await refusal(parseMultipart(twice.body, twice.contentType, OPTIONS))).toMatchObject({ status: 400, code: 'duplicate_field' });
  });

  it('refuses a file over the limit with 413', async () => {
    const { body, contentType } = await encode(formWith([['file', { bytes: Buffer.alloc(OPTIONS.maxFileBytes + 1), filename: 'big.pdf' }]]));
    const error = await refusal(parseMultipart(body, contentType, OPTIONS));
    expect(error).toMatchObject({ status: 413, code: 'document_too_large' });
    expect(error.message).toMatch(/larger than 1024 bytes/);
  });

  it('stops reading a file over the limit early, not after the whole body', async () => {
    const boundary = 'portdesk-test-boundary';
    const chunk = Buffer.alloc(64 * 1024, 1);
    let pulled = 0;
    // Would be 64 GiB if read to the end.
    async function* endless() {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield chunk;
      }
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const limits = { ...OPTIONS, maxFileBytes: 256 * 1024 };
    const error = await refusal(parseMultipart(endless(), `multipart/form-data; boundary=${boundary}`, limits));
    expect(error).toMatchObject({ status: 413, code: 'document_too_large' });
    expect(pulled).toBeGreaterThanOrEqual(4);
    expect(pulled).toBeLessThan(10);
  });
});
