// The carrier submission carries the signed Letter of Authority: the email attaches it (and the
// order's bill copies, which the losing carrier checks) by reference to the blob store; the webhook
// gives a 7-day link to it and the SHA-256 of the LOA that was signed. A signed order whose signed
// document is missing is never sent without it: the step fails with TransientError (retried, then
// an exception for the operator). Orders are written directly (signed as the signing code would
// leave them), with their document records and files, so this does not depend on how signing makes them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifyOrder } from '../../shared/app/notify.ts';
import { documentBlobKey, type DocumentKind, type DocumentRecord } from '../../shared/app/ports.ts';
import { TransientError, submitToCarrier } from '../../shared/app/use-cases/workflow.ts';
import type { Market, PortInOrder } from '../../shared/rules/types.ts';
import { order as orderFixture } from '../notifications/fixtures.ts';
import { createHarness, newAccount, newCarrier, type Harness } from './harness.ts';

const DESK = 'porting@carrier.test';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let h: Harness;
const accounts = {} as Record<Market, string>;
let n = 0;

beforeAll(async () => {
  h = await createHarness();
  accounts.FR = await newAccount(h, 'FR');
  accounts.AU = await newAccount(h, 'AU');
});
afterAll(() => h.close());
beforeEach(() => {
  h.receiver.requests.length = 0;
  h.receiver.status = 202;
});

/** A document record and its file, as the signing code and the upload route store them. */
async function storeDocument(orderId: string, kind: DocumentKind, filename: string, contentType: string, bytes: Buffer, createdAt: string): Promise<DocumentRecord> {
  const id = `doc_${kind}_${++n}`;
  const record: DocumentRecord = {
    id,
    orderId,
    kind,
    filename,
    contentType,
    size: bytes.length,
    sha256: sha256(bytes),
    blobKey: documentBlobKey(orderId, id),
    source: { channel: kind === 'bill_copy' ? 'upload' : 'system' },
    createdAt,
  };
  await h.deps.blobs.put(record.blobKey, bytes, contentType);
  await h.deps.documents.putDocument(record);
  return record;
}

interface Fixture {
  order: PortInOrder;
  unsignedBytes: Buffer;
  signed: DocumentRecord | null;
  signedBytes: Buffer;
  bills: { record: DocumentRecord; bytes: Buffer }[];
}

/**
 * A `submitted` order of `market` for the carrier, with an unsigned LOA, a note (`other`) and two
 * bill copies; `signed`: signed, its signed LOA stored unless `storeSignedLoa` is false.
 */
async function orderWithDocuments(market: Market, carrierId: string, options: { signed: boolean; storeSignedLoa?: boolean; rejectionCount?: number }): Promise<Fixture> {
  const id = `pin_att${++n}`;
  const unsignedBytes = Buffer.from(`%PDF-1.7 unsigned LOA of ${id}`);
  const signedBytes = Buffer.from(`%PDF-1.7 unsigned LOA of ${id} + signature page`);
  const unsigned = await storeDocument(id, 'loa_unsigned', `loa-${id}.pdf`, 'application/pdf', unsignedBytes, '2026-03-01T01:00:00.000Z');
  const bills = [];
  for (const [i, [filename, contentType]] of [
    ['facture-janvier.pdf', 'application/pdf'],
    ['bill photo.jpg', 'image/jpeg'],
  ].entries()) {
    const bytes = Buffer.from(`${filename} of ${id}`);
    bills.push({ record: await storeDocument(id, 'bill_copy', filename!, contentType!, bytes, `2026-03-01T0${2 + i}:00:00.000Z`), bytes });
  }
  await storeDocument(id, 'other', 'carrier-reply.txt', 'text/plain', Buffer.from('a reply'), '2026-03-01T05:00:00.000Z');
  const signedId = `doc_loa_signed_${id}`;
  const signed =
    options.signed && options.storeSignedLoa !== false
      ? await storeDocument(id, 'loa_signed', `loa-${id}-signed.pdf`, 'application/pdf', signedBytes, '2026-03-02T00:00:00.000Z')
      : null;
  const base = orderFixture(market);
  const rejected = (options.rejectionCount ?? 0) > 0;
  const order: PortInOrder = {
    ...base,
    id,
    accountId: accounts[market],
    details: { ...base.details, carrierId },
    signature: options.signed
      ? {
          ...base.signature!,
          signerName: 'Robin Example',
          documentSha256: unsigned.sha256,
          signedDocumentId: signed?.id ?? signedId,
        }
      : null,
    rejectionCount: options.rejectionCount ?? 0,
    lastRejection: rejected ? { reasonCode: 'name_mismatch', reason: 'Holder name differs', rejectedOn: '2026-03-05', at: '2026-03-05T01:00:00.000Z' } : null,
    version: 1,
  };
  await h.deps.repository.saveOrder({ order, expectedVersion: null, events: [], lock: [], release: [], activate: null });
  return { order, unsignedBytes, signed, signedBytes, bills };
}

const submissionsOf = (orderId: string) => h.mailer.to(DESK).filter((e) => e.subject.includes(`[PD-${orderId}]`));

describe('the carrier submission email', () => {
  it('attaches the signed LOA, then the bill copies (not the unsigned LOA nor other documents), by blob reference', async () => {
    const carrierId = await newCarrier(h, { portingEmail: DESK });
    const f = await orderWithDocuments('FR', carrierId, { signed: true });

    await notifyOrder(h.deps, f.order, 'carrier_submission', '0');

    const [email, ...more] = submissionsOf(f.order.id);
    expect(more).toEqual([]);
    expect(email!.attachments).toEqual([
      { filename: f.signed!.filename, contentType: 'application/pdf', blobKey: f.signed!.blobKey },
      ...f.bills.map(({ record }) => ({ filename: record.filename, contentType: record.contentType, blobKey: record.blobKey })),
    ]);
    // Each reference leads to the file itself.
    const files = await Promise.all(email!.attachments!.map((a) => h.deps.blobs.get(a.blobKey)));
    expect(files.map(sha256)).toEqual([sha256(f.signedBytes), ...f.bills.map((b) => sha256(b.bytes))]);
    // The porting desk is told what is attached (French for FR).
    const said = `Le mandat signé est joint (${f.signed!.filename}), avec 2 copies de facture (facture-janvier.pdf, bill photo.jpg).`;
    expect(email!.text).toContain(said);
    expect(email!.html).toContain(said);
    // The outbox item keeps references only: the files are read when the email is sent.
    const item = await h.deps.repository.getOutbox(`${f.order.id}.carrier_submission.0`);
    expect(item?.message).toMatchObject({ kind: 'email', email: { attachments: email!.attachments } });
    expect(JSON.stringify(item)).not.toContain(f.signedBytes.toString('base64'));
  });

  it('attaches them to the corrected resubmission too', async () => {
    const carrierId = await newCarrier(h, { portingEmail: DESK });
    const f = await orderWithDocuments('AU', carrierId, { signed: true, rejectionCount: 1 });
    await notifyOrder(h.deps, f.order, 'carrier_submission', '1');
    const [email] = submissionsOf(f.order.id);
    expect(email!.subject).toContain('corrected resubmission');
    expect(email!.attachments?.map((a) => a.blobKey)).toEqual([f.signed!.blobKey, ...f.bills.map((b) => b.record.blobKey)]);
    expect(email!.text).toContain(`The signed Letter of Authority is attached (${f.signed!.filename}), with 2 bill copies (facture-janvier.pdf, bill photo.jpg).`);
  });

  it('attaches only the bill copies of an order that is not signed', async () => {
    const carrierId = await newCarrier(h, { portingEmail: DESK });
    const f = await orderWithDocuments('AU', carrierId, { signed: false });
    await notifyOrder(h.deps, f.order, 'carrier_submission', '0');
    const [email] = submissionsOf(f.order.id);
    expect(email!.attachments?.map((a) => a.filename)).toEqual(['facture-janvier.pdf', 'bill photo.jpg']);
    expect(email!.text).toContain('Attached: 2 bill copies (facture-janvier.pdf, bill photo.jpg).');
    expect(email!.text).not.toContain('Letter of Authority is attached');
  });

  it('is not sent when the signed LOA is missing: TransientError naming it, and no outbox item', async () => {
    const carrierId = await newCarrier(h, { portingEmail: DESK });
    const f = await orderWithDocuments('FR', carrierId, { signed: true, storeSignedLoa: false });
    const error = await submitToCarrier(h.deps, f.order.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain(f.order.signature!.signedDocumentId);
    expect((error as Error).message).toMatch(/signed Letter of Authority .* is missing/);
    expect(submissionsOf(f.order.id)).toEqual([]);
    expect(await h.deps.repository.getOutbox(`${f.order.id}.carrier_submission.0`)).toBeNull();
  });
});

describe('the carrier submission webhook', () => {
  it('links to the signed LOA through the API (a link that does not expire with a Lambda session) and gives the SHA-256 of the LOA that was signed', async () => {
    const carrierId = await newCarrier(h, { webhookUrl: `${h.receiver.url}/orders` });
    const f = await orderWithDocuments('AU', carrierId, { signed: true });

    expect((await submitToCarrier(h.deps, f.order.id)).channels).toEqual(['webhook']);
    expect(h.receiver.requests).toHaveLength(1);
    const body = JSON.parse(h.receiver.requests[0]!.body) as { letterOfAuthority: Record<string, string> };
    expect(body.letterOfAuthority).toEqual({
      signedBy: 'Robin Example',
      signedAt: f.order.signature!.at,
      documentUrl: expect.any(String),
      documentSha256: sha256(f.unsignedBytes),
    });
    // The carrier reads it with its own key; the API answers with a fresh download link each time.
    expect(body.letterOfAuthority.documentUrl).toBe(
      `${h.deps.services.settings.publicBaseUrl}/v1/port-ins/${f.order.id}/documents/${f.order.signature!.signedDocumentId}`,
    );
  });

  it('sends null for an order that is not signed, and nothing when the signed LOA is missing', async () => {
    const carrierId = await newCarrier(h, { webhookUrl: `${h.receiver.url}/orders` });
    const unsigned = await orderWithDocuments('AU', carrierId, { signed: false });
    await submitToCarrier(h.deps, unsigned.order.id);
    expect(JSON.parse(h.receiver.requests[0]!.body)).toMatchObject({ orderId: unsigned.order.id, letterOfAuthority: null });

    const missing = await orderWithDocuments('AU', carrierId, { signed: true, storeSignedLoa: false });
    await expect(submitToCarrier(h.deps, missing.order.id)).rejects.toBeInstanceOf(TransientError);
    expect(h.receiver.requests).toHaveLength(1);
  });
});
