// The email intake use case (receiveInboundEmail) on real parts: DynamoDB Local (a fresh table),
// the local S3 server with the S3 blob store, the mailparser MIME parser, the rules, and orders made
// through the port-in use cases. Fakes only for the outside services (mail, bus, webhooks, voice).
// Covers every branch: applied answers, duplicates (bytes, Message-ID), each quarantine code,
// attachments as documents, transient failures (attempts, then failed_repeatedly), and that an
// answer is never applied twice, even across a crash between the order write and the record's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { DynamoInboundEmailStore } from '../../shared/adapters/dynamo/inbound-email-store.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';
import type { IntakeDeps } from '../../shared/app/context.ts';
import type { Caller, DocumentRecord, InboundEmailRecord, Repository } from '../../shared/app/ports.ts';
import { createAccount } from '../../shared/app/use-cases/accounts.ts';
import { createCarrier } from '../../shared/app/use-cases/carriers.ts';
import { createPortIn, recordCarrierEvent, signPortIn, submitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import { documentKindOf, inboundEmailId, sniffDocumentType, type InboundEmailState } from '../../shared/app/use-cases/inbound-email.ts';
import type { ReceiptVerdicts } from '../../shared/rules/email/types.ts';
import type { Market, PortInEvent, PortInOrder } from '../../shared/rules/types.ts';
import { startLocalS3, type LocalS3 } from '../../local/s3.ts';
import { newSesMessageId } from '../../local/aws/ses-receipt.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { BIG_ATTACHMENT, CARRIERS, CUSTOMERS, EMAIL_FIXTURES, NUMBERS, OTHER_NUMBERS, bigAttachmentMessage, loadFixture, type EmailFixture } from './fixtures.ts';
import { AU_PLAN, PASSED, corpusAccount, crashingStore, deliverRaw, inboundRecord, intakeTestDeps, type Delivery } from './world.ts';

// ---- raw messages ------------------------------------------------------------------------------------

interface TestAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

interface TestMail {
  from: string;
  subject: string;
  text?: string;
  /** null: no Message-ID header. */
  messageId?: string | null;
  attachments?: TestAttachment[];
  /** Extra header lines (to change the bytes, not the message). */
  headers?: string[];
}

let mailSerial = 0;

/** A raw RFC 5322 message, written by hand so each test knows its exact bytes. */
function rawMail(mail: TestMail): Buffer {
  mailSerial += 1;
  const messageId = mail.messageId === undefined ? `<intake-${mailSerial}-${Date.now()}@mail.test>` : mail.messageId;
  const head = [
    `From: ${mail.from}`,
    'To: porting@portdesk.test',
    `Subject: ${mail.subject}`,
    'Date: Mon, 02 Mar 2026 00:00:00 +0000',
    ...(messageId === null ? [] : [`Message-ID: ${messageId}`]),
    ...(mail.headers ?? []),
    'MIME-Version: 1.0',
  ];
  const text = (mail.text ?? '').replace(/\r?\n/g, '\r\n');
  const attachments = mail.attachments ?? [];
  if (attachments.length === 0) {
    return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text, ''].join('\r\n'), 'utf8');
  }
  const boundary = `----=_Part_${mailSerial}_boundary`;
  const parts = [
    [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text].join('\r\n'),
    ...attachments.map((a) =>
      [
        `--${boundary}`,
        `Content-Type: ${a.contentType}; name="${a.filename}"`,
        `Content-Disposition: attachment; filename="${a.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        a.content.toString('base64').replace(/.{76}/g, '$&\r\n'),
      ].join('\r\n'),
    ),
  ];
  return Buffer.from([...head, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts, `--${boundary}--`, ''].join('\r\n'), 'utf8');
}

const FILES = {
  pdf: (body = 'bill') => Buffer.from(`%PDF-1.4\n% ${body}\n%%EOF\n`),
  png: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-test-image')]),
  jpeg: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF-test-image')]),
  text: () => Buffer.from('just some notes\n'),
};

// ---- the harness -------------------------------------------------------------------------------------

const BUCKET = 'portdesk-intake-test';
const OPERATOR: Caller = { role: 'operator', principalId: 'op_intake_test', accountId: null, carrierId: null };
const ADMIN = 'admin@acme.example';
const SUBMITTER = 'submitter@acme.example';
const TELSTRA = 'porting@telstra.example';
const OPTUS = 'porting@optus.example';

let table: TestTable;
let s3: LocalS3;
let s3Dir: string;
let blobs: S3BlobStore;
let deps: IntakeDeps;
let now = new Date('2026-03-02T00:00:00Z');
let accountId: string;
let telstraId: string;
let optusId: string;
let numberSerial = 0;

beforeAll(async () => {
  table = await createTestTable();
  s3Dir = mkdtempSync(join(tmpdir(), 'portdesk-intake-s3-'));
  s3 = await startLocalS3({ port: 0, dataDir: s3Dir, buckets: [BUCKET] });
  blobs = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, region: 'ap-southeast-2' });
  deps = intakeTestDeps(table, blobs, { now: () => new Date(now.getTime()) }, {
    intake: { address: 'porting@portdesk.test', maxMessageBytes: 1_000_000, maxAttempts: 3 },
  });
  telstraId = (await createCarrier(deps, { name: 'Telstra Wholesale', emailDomains: ['telstra.example'] })).id;
  optusId = (await createCarrier(deps, { name: 'Optus Wholesale', emailDomains: ['optus.example'] })).id;
  accountId = (
    await createAccount(deps, {
      name: 'Acme Plumbing',
      market: 'AU',
      adminEmail: ADMIN,
      plan: AU_PLAN,
    })
  ).id;
});

afterAll(async () => {
  await s3?.close();
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
});

beforeEach(() => {
  now = new Date('2026-03-02T00:00:00Z'); // Monday 2 March 2026, 10:00 in Brisbane
});

/** A fresh Brisbane number: 07 3212 xxxx. */
function nextNumber(): { e164: string; national: string } {
  numberSerial += 1;
  const tail = String(numberSerial).padStart(4, '0');
  return { e164: `+6173212${tail}`, national: `07 3212 ${tail}` };
}

/** An AU order created, submitted and signed through the use cases: `submitted` (with the carrier). */
async function orderWith(carrierId: string): Promise<{ id: string; national: string }> {
  const number = nextNumber();
  const created = await createPortIn(deps, OPERATOR, {
    accountId,
    numbers: [{ number: number.e164, lineType: 'pstn' }],
    carrierId,
    losingCarrierAccountNumber: 'TEL-123456',
    accountHolder: { businessName: 'Acme Plumbing Pty Ltd' },
    serviceAddress: { line1: '12 Eagle Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
    submitterEmail: SUBMITTER,
    termsAccepted: true,
  });
  await submitPortIn(deps, OPERATOR, created.id);
  const signed = await signPortIn(deps, OPERATOR, created.id, { signerName: 'Jane Citizen' });
  expect(signed.status).toBe('submitted');
  return { id: created.id, national: number.national };
}

/** Delivers the raw message now, with the test's deps unless others are given (see deliverRaw). */
const deliver = (raw: Buffer, options: { verdicts?: Partial<ReceiptVerdicts>; rawKey?: string; deps?: IntakeDeps } = {}): Promise<Delivery> =>
  deliverRaw(options.deps ?? deps, raw, now, options);

const mail = (m: TestMail) => rawMail(m);

const recordOf = (id: string): Promise<InboundEmailState> => inboundRecord(deps, id);

async function orderOf(id: string): Promise<PortInOrder> {
  const order = await deps.repository.getOrder(id);
  if (order === null) throw new Error(`no order ${id}`);
  return order;
}

async function eventsOf(id: string): Promise<PortInEvent[]> {
  return (await deps.repository.listOrderEvents(id, { cursor: null, limit: 500 })).items;
}

/**
 * The documents emails brought to the order. Every order here was submitted and signed, so the rest
 * must be exactly the system's two LOAs (the unsigned one of the submission and the signed one).
 */
async function emailedDocuments(orderId: string, d: IntakeDeps = deps): Promise<DocumentRecord[]> {
  const all = (await d.documents.listDocuments(orderId, { cursor: null, limit: 100 })).items;
  const others = all.filter((doc) => doc.source.channel !== 'email');
  expect(others.map((doc) => [doc.kind, doc.source.channel]).sort()).toEqual([
    ['loa_signed', 'system'],
    ['loa_unsigned', 'system'],
  ]);
  return all.filter((doc) => doc.source.channel === 'email');
}

const STRUCTURED = {
  transfer: (date: string) => `Hello,\n\nStatus: Scheduled\nTransfer date: ${date}\n\nRegards,\nPorting desk`,
  rejection: 'Hello,\n\nStatus: Rejected\nReason code: ACCOUNT_NUMBER_MISMATCH\nReason: The account number does not match our records.\n\nRegards',
  completion: (date: string) => `Status: Completed\nCompleted on: ${date}`,
};

// ---- carriers' answers ----------------------------------------------------------------------------------

describe('carrier answers are applied through recordCarrierEvent', () => {
  it('applies a transfer date, as the carrier, and records what it applied', async () => {
    const order = await orderWith(telstraId);
    const { outcome } = await deliver(mail({ from: `Telstra Porting <${TELSTRA}>`, subject: `RE: Port request [PD-${order.id}]`, text: STRUCTURED.transfer('16/03/2026') }));
    expect(outcome).toMatchObject({ status: 'applied', orderId: order.id, reasonCode: null });
    expect(outcome.id).toMatch(/^ibm_[0-9a-f]{32}$/);

    const after = await orderOf(order.id);
    expect(after).toMatchObject({ status: 'scheduled', transferDate: '2026-03-16' });
    const last = (await eventsOf(order.id)).at(-1)!;
    expect(last).toMatchObject({ type: 'transfer_date_set', actor: { kind: 'carrier', id: telstraId } });

    const record = await recordOf(outcome.id);
    expect(record).toMatchObject({
      status: 'applied',
      orderId: order.id,
      applied: { type: 'transfer_date', transferDate: '2026-03-16' },
      applying: null,
      attempts: 0,
      from: TELSTRA,
      reason: null,
    });
    expect(record.textPreview).toContain('Transfer date: 16/03/2026');
    expect(record.headers.map((h) => h.name)).toContain('Subject');
    expect(record.version).toBe(3); // claimed, marked, settled
  });

  it('applies a rejection with its reason code', async () => {
    const order = await orderWith(telstraId);
    const { outcome } = await deliver(mail({ from: TELSTRA, subject: `Rejected [PD-${order.id}]`, text: STRUCTURED.rejection }));
    expect(outcome.status).toBe('applied');
    const after = await orderOf(order.id);
    expect(after.status).toBe('rejected');
    expect(after.lastRejection).toMatchObject({ reasonCode: 'account_number_mismatch' });
    expect(after.rejectionCount).toBe(1);
  });

  it('applies a completion', async () => {
    const order = await orderWith(telstraId);
    const { outcome } = await deliver(mail({ from: TELSTRA, subject: `Completed [PD-${order.id}]`, text: STRUCTURED.completion('02/03/2026') }));
    expect(outcome.status).toBe('applied');
    expect(await orderOf(order.id)).toMatchObject({ status: 'completed', completedOn: '2026-03-02' });
  });

  it('reads only the newest part of a reply quoting an older rejection', async () => {
    const order = await orderWith(telstraId);
    const text = `Status: Scheduled\nTransfer date: 20/03/2026\n\nOn Mon, 2 Mar 2026 at 09:00, Porting <${TELSTRA}> wrote:\n> Status: Rejected\n> Reason code: ACCOUNT_NUMBER_MISMATCH\n> Reason: The account number does not match.`;
    const { outcome } = await deliver(mail({ from: TELSTRA, subject: `Re: [PD-${order.id}]`, text }));
    expect(outcome.status).toBe('applied');
    expect(await orderOf(order.id)).toMatchObject({ status: 'scheduled', transferDate: '2026-03-20', rejectionCount: 0 });
  });

  it('matches by the phone number and the sender\'s carrier when there is no reference', async () => {
    const order = await orderWith(telstraId);
    await orderWith(optusId); // another carrier's order is no candidate
    const text = `Hi team,\n\nFor number ${order.national}:\nStatus: Scheduled\nTransfer date: 18/03/2026\n`;
    const { outcome } = await deliver(mail({ from: TELSTRA, subject: 'Port update', text }));
    expect(outcome).toMatchObject({ status: 'applied', orderId: order.id });
    expect((await orderOf(order.id)).transferDate).toBe('2026-03-18');
  });

  it("stores the carrier's PDF attachment as a document of the order", async () => {
    const order = await orderWith(telstraId);
    const pdf = FILES.pdf('confirmation');
    const { outcome } = await deliver(
      mail({ from: TELSTRA, subject: `[PD-${order.id}] confirmation`, text: STRUCTURED.transfer('17/03/2026'), attachments: [{ filename: 'confirmation.pdf', contentType: 'application/pdf', content: pdf }] }),
    );
    expect(outcome.status).toBe('applied');
    const docs = await emailedDocuments(order.id);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ orderId: order.id, kind: 'other', filename: 'confirmation.pdf', contentType: 'application/pdf', size: pdf.length, source: { channel: 'email', inboundEmailId: outcome.id } });
    expect((await blobs.get(docs[0]!.blobKey)).equals(pdf)).toBe(true);
    expect(docs[0]!.blobKey).toBe(`documents/${order.id}/${docs[0]!.id}`);
    expect((await recordOf(outcome.id)).attachments[0]!.documentId).toBe(docs[0]!.id);
  });
});

// ---- duplicates ----------------------------------------------------------------------------------------------

describe('a message delivered twice is applied once', () => {
  it('the same bytes again: duplicate, nothing more happens', async () => {
    const order = await orderWith(telstraId);
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const first = await deliver(raw);
    const before = await orderOf(order.id);
    const second = await deliver(raw); // stored again under another SES message id
    expect(second.outcome).toEqual({ status: 'duplicate', id: first.outcome.id, existingStatus: 'applied' });
    const after = await orderOf(order.id);
    expect(after.version).toBe(before.version);
    expect(after.status).toBe('rejected'); // not withdrawn by a second rejection
    expect((await recordOf(first.outcome.id)).version).toBe(3);
  });

  it('the same Message-ID with other bytes (and another case): duplicate of the first record', async () => {
    const order = await orderWith(telstraId);
    const messageId = `<Reply-${Date.now()}@Telstra.Example>`;
    const first = await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection, messageId }));
    const again = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection, messageId: messageId.toLowerCase(), headers: ['X-Relayed-By: backup-mx'] });
    const second = await deliver(again);
    expect(second.outcome).toEqual({ status: 'duplicate', id: first.outcome.id, existingStatus: 'applied' });
    expect((await orderOf(order.id)).rejectionCount).toBe(1);
    expect(inboundEmailId(again)).not.toBe(first.outcome.id);
    expect(await deps.inboundEmails.get(inboundEmailId(again))).toBeNull();
  });

  it('concurrent deliveries of one message change the order once', async () => {
    const order = await orderWith(telstraId);
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const results = await Promise.allSettled([deliver(raw), deliver(raw), deliver(raw), deliver(raw)]);
    for (const result of results) {
      // A delivery that lost a race on the record is thrown for a retry, never half-applied.
      if (result.status === 'rejected') expect(String(result.reason)).toMatch(/InboundRaceError|changed meanwhile/);
    }
    // One more delivery finishes the record if every racer was sent back for a retry.
    await deliver(raw);
    expect(await orderOf(order.id)).toMatchObject({ status: 'rejected', rejectionCount: 1 });
    expect((await eventsOf(order.id)).filter((e) => e.type === 'rejected')).toHaveLength(1);
    expect(await recordOf(inboundEmailId(raw))).toMatchObject({ status: 'applied', applying: null });
    expect((await deliver(raw)).outcome).toMatchObject({ status: 'duplicate', existingStatus: 'applied' });
  });
});

// ---- quarantine -------------------------------------------------------------------------------------------------

describe('everything else is quarantined with its reason, the raw message kept', () => {
  async function quarantined(delivery: Delivery, code: string, orderId: string | null = null): Promise<InboundEmailState> {
    expect(delivery.outcome).toMatchObject({ status: 'quarantined', reasonCode: code, orderId });
    const record = await recordOf(delivery.outcome.id);
    expect(record.status).toBe('quarantined');
    expect(record.reason?.code).toBe(code);
    expect(record.reason?.message.length).toBeGreaterThan(0);
    expect((await blobs.get(record.rawKey)).equals(delivery.raw)).toBe(true);
    return record;
  }

  it('virus and spam verdicts (before anything is matched)', async () => {
    const order = await orderWith(telstraId);
    const text = STRUCTURED.rejection;
    await quarantined(await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text }), { verdicts: { virus: 'FAIL' } }), 'virus');
    await quarantined(await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text }), { verdicts: { spam: 'FAIL' } }), 'spam');
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it('oversized: not parsed, but its headers are shown and its Message-ID guards against duplicates', async () => {
    const order = await orderWith(telstraId);
    const small = { ...deps, intake: { ...deps.intake, maxMessageBytes: 2_000 } };
    const messageId = `<big-${Date.now()}@telstra.example>`;
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}] big`, text: STRUCTURED.rejection, messageId, attachments: [{ filename: 'scan.pdf', contentType: 'application/pdf', content: Buffer.concat([FILES.pdf(), Buffer.alloc(4_000, 7)]) }] });
    const delivery = await deliver(raw, { deps: small });
    const record = await quarantined(delivery, 'oversized');
    expect(record).toMatchObject({ from: TELSTRA, subject: `[PD-${order.id}] big`, messageId: messageId.slice(1, -1), sizeBytes: raw.length, attachments: [], textPreview: '' });
    expect((await orderOf(order.id)).status).toBe('submitted');
    const again = await deliver(mail({ from: TELSTRA, subject: 'x', text: 'y', messageId }), { deps: small });
    expect(again.outcome).toMatchObject({ status: 'duplicate', id: delivery.outcome.id });
  });

  it('unparseable: the parser failed', async () => {
    const broken = { ...deps, mime: { parse: async () => Promise.reject(new Error('parser exploded')) } };
    const record = await quarantined(await deliver(Buffer.from('From: x\r\n\r\nbody'), { deps: broken }), 'unparseable');
    expect(record.reason?.message).toContain('parser exploded');
  });

  it('unparseable: the parser could not read it (its unparseable defect)', async () => {
    const reading = {
      ...deps,
      mime: { parse: async () => ({ messageId: null, from: null, replyTo: null, to: [], cc: [], subject: '', date: null, text: '', html: null, headers: [], attachments: [], defects: ['unparseable: timed out after 15000 ms'] }) },
    };
    await quarantined(await deliver(Buffer.from('\u0000\u0001garbage'), { deps: reading }), 'unparseable');
  });

  it('no_reference: no [PD-] reference and no number of an order of the sender\'s carrier', async () => {
    await orderWith(telstraId);
    await quarantined(await deliver(mail({ from: TELSTRA, subject: 'Port update', text: STRUCTURED.transfer('16/03/2026') })), 'no_reference');
  });

  it('several_references: two orders named', async () => {
    const a = await orderWith(telstraId);
    const b = await orderWith(telstraId);
    await quarantined(await deliver(mail({ from: TELSTRA, subject: `[PD-${a.id}] and [PD-${b.id}]`, text: STRUCTURED.rejection })), 'several_references');
    expect((await orderOf(a.id)).status).toBe('submitted');
    expect((await orderOf(b.id)).status).toBe('submitted');
  });

  it("several_references: the numbers match two of the carrier's orders", async () => {
    const a = await orderWith(telstraId);
    const b = await orderWith(telstraId);
    await quarantined(await deliver(mail({ from: TELSTRA, subject: 'Ports', text: `Numbers ${a.national} and ${b.national}\nStatus: Scheduled\nTransfer date: 16/03/2026` })), 'several_references');
  });

  it('unknown_order: the reference names no order', async () => {
    await quarantined(await deliver(mail({ from: TELSTRA, subject: '[PD-pin_aaaaaaaaaaaaaaaa]', text: STRUCTURED.rejection })), 'unknown_order');
  });

  it('unknown_sender: neither a carrier nor the customer', async () => {
    const order = await orderWith(telstraId);
    await quarantined(await deliver(mail({ from: 'someone@elsewhere.example', subject: `[PD-${order.id}]`, text: STRUCTURED.rejection })), 'unknown_sender', order.id);
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it("sender_not_authenticated: the carrier's domain, but neither SPF nor DKIM passed", async () => {
    const order = await orderWith(telstraId);
    const delivery = await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection }), { verdicts: { spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' } });
    await quarantined(delivery, 'sender_not_authenticated', order.id);
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it('sender_not_order_carrier: another carrier answers for the order', async () => {
    const order = await orderWith(telstraId);
    await quarantined(await deliver(mail({ from: OPTUS, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection })), 'sender_not_order_carrier', order.id);
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it('unclear_answer: the carrier says nothing we can apply', async () => {
    const order = await orderWith(telstraId);
    const record = await quarantined(await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: 'Thanks, we are looking into it.' })), 'unclear_answer', order.id);
    expect(record.reason?.message).toMatch(/^no_answer_found: /);
  });

  it('rejected_by_rules: the order refuses the answer (a transfer date in the past), with the rule\'s code', async () => {
    const order = await orderWith(telstraId);
    const record = await quarantined(await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.transfer('27/02/2026') })), 'rejected_by_rules', order.id);
    expect(record.reason?.message).toMatch(/^transfer_date_in_past: /);
    expect(record.applying).toBeNull();
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it('rejected_by_rules: a completion of an order that completed already (409 of the rules)', async () => {
    const order = await orderWith(telstraId);
    await recordCarrierEvent(deps, OPERATOR, order.id, { type: 'completed', completedOn: '2026-03-02' });
    const record = await quarantined(await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.completion('02/03/2026') })), 'rejected_by_rules', order.id);
    expect(record.reason?.message).toMatch(/^order_final: /);
  });
});

// ---- customers ------------------------------------------------------------------------------------------------------

describe("a customer's message can only bring documents", () => {
  it('files PDF, PNG and JPEG attachments (checked by their bytes) as documents; others are listed, not kept', async () => {
    const order = await orderWith(telstraId);
    const attachments: TestAttachment[] = [
      { filename: 'bill-march.pdf', contentType: 'application/pdf', content: FILES.pdf() },
      { filename: 'loa.png', contentType: 'image/png', content: FILES.png() },
      { filename: 'photo.jpg', contentType: 'application/octet-stream', content: FILES.jpeg() },
      { filename: 'notes.txt', contentType: 'text/plain', content: FILES.text() },
      { filename: 'fake.pdf', contentType: 'application/pdf', content: FILES.text() },
    ];
    const { outcome } = await deliver(mail({ from: `Jane <${SUBMITTER}>`, subject: `Documents [PD-${order.id}]`, text: 'Please find the documents attached.', attachments }));
    expect(outcome).toMatchObject({ status: 'attached', orderId: order.id, reasonCode: null });

    const record = await recordOf(outcome.id);
    expect(record.attachments.map((a) => [a.filename, a.documentId !== null])).toEqual([
      ['bill-march.pdf', true],
      ['loa.png', true],
      ['photo.jpg', true],
      ['notes.txt', false],
      ['fake.pdf', false],
    ]);
    const docs = await emailedDocuments(order.id);
    expect(docs.map((d) => [d.filename, d.kind, d.contentType]).sort()).toEqual([
      ['bill-march.pdf', 'bill_copy', 'application/pdf'],
      ['loa.png', 'other', 'image/png'],
      ['photo.jpg', 'other', 'image/jpeg'],
    ]);
    for (const doc of docs) {
      const attachment = attachments.find((a) => a.filename === doc.filename)!;
      expect((await blobs.get(doc.blobKey)).equals(attachment.content)).toBe(true);
      expect(await deps.documents.getDocument(order.id, doc.id)).toEqual(doc);
    }
    // The order is untouched (and still reads whole with documents in its partition).
    const after = await orderOf(order.id);
    expect(after.status).toBe('submitted');
    expect(after.lines).toHaveLength(1);
  });

  it("the account administrator's address counts as the customer too", async () => {
    const order = await orderWith(telstraId);
    const { outcome } = await deliver(mail({ from: ADMIN, subject: `[PD-${order.id}] facture`, text: 'Voici la facture.', attachments: [{ filename: 'scan.pdf', contentType: 'application/pdf', content: FILES.pdf() }] }));
    expect(outcome.status).toBe('attached');
    const docs = await emailedDocuments(order.id);
    expect(docs.map((d) => [d.kind, d.source.inboundEmailId])).toEqual([['bill_copy', outcome.id]]);
  });

  it('customer_cannot_change_orders: no attachment', async () => {
    const order = await orderWith(telstraId);
    const { outcome } = await deliver(mail({ from: SUBMITTER, subject: `[PD-${order.id}]`, text: 'Status: Completed\nCompleted on: 02/03/2026' }));
    expect(outcome).toMatchObject({ status: 'quarantined', reasonCode: 'customer_cannot_change_orders', orderId: order.id });
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it('customer_cannot_change_orders: asks for a change; the documents are filed all the same', async () => {
    const order = await orderWith(telstraId);
    const { outcome } = await deliver(
      mail({ from: SUBMITTER, subject: `[PD-${order.id}]`, text: 'Please cancel this port, here is the bill.', attachments: [{ filename: 'bill.pdf', contentType: 'application/pdf', content: FILES.pdf() }] }),
    );
    expect(outcome).toMatchObject({ status: 'quarantined', reasonCode: 'customer_cannot_change_orders' });
    expect((await emailedDocuments(order.id)).map((d) => [d.filename, d.source.inboundEmailId])).toEqual([['bill.pdf', outcome.id]]);
    expect((await orderOf(order.id)).status).toBe('submitted');
  });
});

// ---- transient failures and exactly once ---------------------------------------------------------------------------

/** A repository whose listCarriers fails `failures` times (a DynamoDB outage), then works. */
function flakyRepository(failures: number): { repository: Repository; calls: () => number } {
  let calls = 0;
  const repository = new Proxy(deps.repository, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'listCarriers') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        calls += 1;
        if (calls <= failures) {
          const error = new Error('Throughput exceeds the current capacity of your table');
          error.name = 'ProvisionedThroughputExceededException';
          throw error;
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { repository, calls: () => calls };
}

describe('transient failures are retried, then quarantined', () => {
  it('counts each failed attempt and succeeds on a retry of the same delivery', async () => {
    const order = await orderWith(telstraId);
    const flaky = { ...deps, repository: flakyRepository(2).repository };
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    await expect(deliver(raw, { rawKey, deps: flaky })).rejects.toThrow(/capacity/);
    const id = inboundEmailId(raw);
    expect((await recordOf(id)).attempts).toBe(1);
    await expect(deliver(raw, { rawKey, deps: flaky })).rejects.toThrow(/capacity/);
    expect((await recordOf(id)).attempts).toBe(2);
    const third = await deliver(raw, { rawKey, deps: flaky });
    expect(third.outcome).toMatchObject({ status: 'applied', id });
    expect(await recordOf(id)).toMatchObject({ status: 'applied', attempts: 2 });
    expect(await orderOf(order.id)).toMatchObject({ status: 'rejected', rejectionCount: 1 });
  });

  it('quarantines failed_repeatedly after maxAttempts, with the error (no stack); later deliveries are duplicates', async () => {
    const order = await orderWith(telstraId);
    const down = { ...deps, repository: flakyRepository(Number.MAX_SAFE_INTEGER).repository };
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    await expect(deliver(raw, { rawKey, deps: down })).rejects.toThrow();
    await expect(deliver(raw, { rawKey, deps: down })).rejects.toThrow();
    const third = await deliver(raw, { rawKey, deps: down });
    expect(third.outcome).toMatchObject({ status: 'quarantined', reasonCode: 'failed_repeatedly' });
    const record = await recordOf(third.outcome.id);
    expect(record.attempts).toBe(3);
    expect(record.reason?.message).toContain('ProvisionedThroughputExceededException: Throughput exceeds the current capacity');
    expect(record.reason?.message).not.toMatch(/\n|\bat .+:\d+:\d+/);
    expect((await deliver(raw, { rawKey, deps: down })).outcome).toMatchObject({ status: 'duplicate', existingStatus: 'quarantined' });
    expect((await orderOf(order.id)).status).toBe('submitted');
  });

  it('an S3 failure reading the raw message is thrown for a retry (no record yet)', async () => {
    await expect(deliver(Buffer.from(''), { rawKey: `inbound/${newSesMessageId()}` })).rejects.toThrow(/No blob/);
  });
});

describe('never applied twice', () => {
  it('a crash between the order write and the final update: the retry sees the answer on the order and does not reject again', async () => {
    const order = await orderWith(telstraId);
    const crash = crashingStore(deps.inboundEmails);
    const crashing = { ...deps, inboundEmails: crash.store };
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');

    await expect(deliver(raw, { rawKey, deps: crashing })).rejects.toThrow(/connection reset/);
    expect(crash.crashed()).toBe(true);
    expect(await orderOf(order.id)).toMatchObject({ status: 'rejected', rejectionCount: 1 });
    const stuck = await recordOf(inboundEmailId(raw));
    expect(stuck).toMatchObject({ status: 'received', attempts: 1, applying: { orderId: order.id, answer: { type: 'rejected' }, actor: { kind: 'carrier', id: telstraId } } });

    // The redelivery (the Lambda's retry) would withdraw the order if it rejected it again.
    const retry = await deliver(raw, { rawKey, deps: crashing });
    expect(retry.outcome).toMatchObject({ status: 'applied', id: stuck.id, orderId: order.id });
    const after = await orderOf(order.id);
    expect(after).toMatchObject({ status: 'rejected', rejectionCount: 1 });
    expect((await eventsOf(order.id)).filter((e) => e.type === 'rejected')).toHaveLength(1);
    expect(await recordOf(stuck.id)).toMatchObject({ status: 'applied', applying: null, applied: { type: 'rejected', reasonCode: 'account_number_mismatch' } });
  });

  it('a crash, then the customer resubmits, then the retry: the old rejection is not applied again (no withdrawal)', async () => {
    const order = await orderWith(telstraId);
    const crashing = { ...deps, inboundEmails: crashingStore(deps.inboundEmails).store };
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    await expect(deliver(raw, { rawKey, deps: crashing })).rejects.toThrow(/connection reset/);
    expect((await orderOf(order.id)).status).toBe('rejected');

    now = new Date('2026-03-02T00:05:00Z');
    await import('../../shared/app/use-cases/port-ins.ts').then((m) => m.resubmitPortIn(deps, OPERATOR, order.id));
    expect((await orderOf(order.id)).status).toBe('submitted');

    now = new Date('2026-03-02T00:07:00Z'); // the Lambda's retry
    const retry = await deliver(raw, { rawKey, deps: crashing });
    expect(retry.outcome).toMatchObject({ status: 'applied', orderId: order.id });
    expect(await orderOf(order.id)).toMatchObject({ status: 'submitted', rejectionCount: 1 });
  });

  it('a crash, then the carrier moves the date through the API, then the retry: the old date is not set back', async () => {
    const order = await orderWith(telstraId);
    const crashing = { ...deps, inboundEmails: crashingStore(deps.inboundEmails).store };
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.transfer('16/03/2026') });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    await expect(deliver(raw, { rawKey, deps: crashing })).rejects.toThrow(/connection reset/);
    const carrier: Caller = { role: 'carrier', principalId: 'key_telstra', accountId: null, carrierId: telstraId };
    await recordCarrierEvent(deps, carrier, order.id, { type: 'transfer_date', transferDate: '2026-03-18' });
    const retry = await deliver(raw, { rawKey, deps: crashing });
    expect(retry.outcome.status).toBe('applied');
    expect((await orderOf(order.id)).transferDate).toBe('2026-03-18');
  });

  it('a failure before the order write: the retry applies the answer (once)', async () => {
    const order = await orderWith(telstraId);
    let failed = false;
    const repository = new Proxy(deps.repository, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'saveOrder') {
          return async (...args: unknown[]) => {
            if (!failed) {
              failed = true;
              throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const failing = { ...deps, repository };
    const raw = mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    await expect(deliver(raw, { rawKey, deps: failing })).rejects.toThrow(/socket hang up/);
    expect((await orderOf(order.id)).status).toBe('submitted');
    const retry = await deliver(raw, { rawKey, deps: failing });
    expect(retry.outcome.status).toBe('applied');
    expect(await orderOf(order.id)).toMatchObject({ status: 'rejected', rejectionCount: 1 });
  });

  it('a second, different rejection email after a resubmission is a new answer: it withdraws the order', async () => {
    const order = await orderWith(telstraId);
    await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}]`, text: STRUCTURED.rejection }));
    await import('../../shared/app/use-cases/port-ins.ts').then((m) => m.resubmitPortIn(deps, OPERATOR, order.id));
    expect((await orderOf(order.id)).status).toBe('submitted');
    const second = await deliver(mail({ from: TELSTRA, subject: `[PD-${order.id}] again`, text: STRUCTURED.rejection }));
    expect(second.outcome.status).toBe('applied');
    expect((await orderOf(order.id)).status).toBe('withdrawn');
  });
});

// ---- the stores ---------------------------------------------------------------------------------------------------------

describe('DynamoInboundEmailStore and DynamoDocumentStore', () => {
  it('lists by status newest first, page by page; a status change moves the record between lists', async () => {
    const store = new DynamoInboundEmailStore(table.client, table.tableName);
    const base = (i: number): InboundEmailRecord => ({
      id: `ibm_list${String(i).padStart(28, '0')}`,
      rawSha256: 'x'.repeat(64),
      rawKey: `inbound/list-${i}`,
      messageId: null,
      receivedAt: `2031-01-01T00:00:0${i}.000Z`,
      sizeBytes: 10,
      verdicts: PASSED,
      from: null,
      to: [],
      subject: '',
      textPreview: '',
      headers: [],
      attachments: [],
      status: 'dismissed',
      reason: null,
      orderId: null,
      applied: null,
      attempts: 0,
      updatedAt: '2031-01-01T00:00:00.000Z',
      version: 1,
    });
    for (let i = 1; i <= 5; i++) expect(await store.claim(base(i))).toEqual({ created: true });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.list({ status: 'dismissed' }, { cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([5, 4, 3, 2, 1].map((i) => base(i).id));

    const moved = { ...base(3), status: 'quarantined' as const, version: 2 };
    await store.update(moved, 1);
    expect((await store.list({ status: 'dismissed' }, { cursor: null, limit: 10 })).items.map((r) => r.id)).not.toContain(base(3).id);
    expect((await store.list({ status: 'quarantined' }, { cursor: null, limit: 100 })).items.map((r) => r.id)).toContain(base(3).id);
    expect((await store.list({}, { cursor: null, limit: 5 })).items.map((r) => r.id)).toEqual([5, 4, 3, 2, 1].map((i) => base(i).id));
    await expect(store.update({ ...moved, version: 3 }, 1)).rejects.toMatchObject({ code: 'concurrent_modification' });
    await expect(store.list({ status: 'dismissed' }, { cursor: 'bm90LWEtY3Vyc29y', limit: 2 })).rejects.toMatchObject({ code: 'invalid_cursor' });
    expect(await store.claim({ ...base(1), rawKey: 'other' })).toMatchObject({ created: false, existing: { id: base(1).id, rawKey: 'inbound/list-1' } });
  });

  it('keeps documents per order, oldest first, idempotent by id', async () => {
    const store = new DynamoDocumentStore(table.client, table.tableName);
    const doc = (i: number) => ({
      id: `doc_store${String(i).padStart(11, '0')}`,
      orderId: 'pin_documentsorder01',
      kind: 'other' as const,
      filename: `f${i}.pdf`,
      contentType: 'application/pdf',
      size: i,
      sha256: 'y'.repeat(64),
      blobKey: `documents/pin_documentsorder01/doc_${i}`,
      source: { channel: 'upload' as const },
      createdAt: `2026-03-0${i}T00:00:00.000Z`,
    });
    for (const i of [3, 1, 2]) await store.putDocument(doc(i));
    await store.putDocument({ ...doc(1), filename: 'changed.pdf' }); // same id: left as it was
    const first = await store.listDocuments('pin_documentsorder01', { cursor: null, limit: 2 });
    expect(first.items.map((d) => d.filename)).toEqual(['f1.pdf', 'f2.pdf']);
    const second = await store.listDocuments('pin_documentsorder01', { cursor: first.nextCursor, limit: 2 });
    expect(second.items.map((d) => d.filename)).toEqual(['f3.pdf']);
    expect(second.nextCursor).toBeNull();
    expect(await store.getDocument('pin_documentsorder01', doc(2).id)).toEqual(doc(2));
    expect(await store.getDocument('pin_otherorder000001', doc(2).id)).toBeNull();
  });
});

describe('helpers', () => {
  it('recognises documents by their bytes and bills by their names', () => {
    expect(sniffDocumentType(FILES.pdf())?.contentType).toBe('application/pdf');
    expect(sniffDocumentType(FILES.png())?.contentType).toBe('image/png');
    expect(sniffDocumentType(FILES.jpeg())?.contentType).toBe('image/jpeg');
    expect(sniffDocumentType(FILES.text())).toBeNull();
    expect(sniffDocumentType(Buffer.alloc(0))).toBeNull();
    expect(documentKindOf('Telstra_Bill_March.pdf', 'hello')).toBe('bill_copy');
    expect(documentKindOf('scan.pdf', 'Ma facture de mars')).toBe('bill_copy');
    expect(documentKindOf('invoice-0042.pdf', '')).toBe('bill_copy');
    expect(documentKindOf('billboard.png', 'signed LOA')).toBe('other');
    expect(documentKindOf(null, 'LOA')).toBe('other');
  });
});

// ---- the fixture corpus ----------------------------------------------------------------------------------------------

const ADDRESS = {
  AU: { line1: '1 Queen Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
  GB: { line1: '1 High Street', locality: 'London', postcode: 'EC1A 1AA', country: 'GB' },
  FR: { line1: '1 rue de Rivoli', locality: 'Paris', postcode: '75001', country: 'FR' },
} as const;

/**
 * A fresh table with the corpus's carriers and the fixture market's customer, and the order(s) the
 * message is about in the state it expects, made through the use cases a fortnight before it was sent.
 */
async function corpusWorld(f: Pick<EmailFixture, 'market' | 'sentAt' | 'orders' | 'given'>) {
  const world = await createTestTable();
  let at = new Date(Date.parse(f.sentAt) - 14 * 86_400_000);
  const d: IntakeDeps = {
    ...deps,
    repository: world.repository,
    webhookStore: new DynamoWebhookStore(world.client, world.tableName),
    clock: { now: () => new Date(at.getTime()) },
    inboundEmails: new DynamoInboundEmailStore(world.client, world.tableName),
    documents: new DynamoDocumentStore(world.client, world.tableName),
  };
  const carrierIds: Partial<Record<Market, string>> = {};
  for (const market of ['AU', 'GB', 'FR'] as const) carrierIds[market] = (await createCarrier(d, { ...CARRIERS[market] })).id;
  const market = f.market;
  const customer = CUSTOMERS[market];
  const accountId = await corpusAccount(d, OPERATOR, market, at);
  const newOrder = async (number: string) => {
    const created = await createPortIn(d, OPERATOR, {
      accountId,
      numbers: [{ number, lineType: 'pstn' }],
      carrierId: carrierIds[market]!,
      losingCarrierAccountNumber: 'ACC-2026',
      accountHolder: market === 'FR' ? { firstName: customer.firstName, lastName: customer.lastName } : { businessName: customer.accountName },
      serviceAddress: { ...ADDRESS[market] },
      ...(market === 'FR' ? { primaryNumber: number } : {}),
      submitterEmail: customer.email,
      termsAccepted: true,
    });
    await submitPortIn(d, OPERATOR, created.id);
    const signed = await signPortIn(d, OPERATOR, created.id, { signerName: `${customer.firstName} ${customer.lastName}` });
    expect(signed.status).toBe('submitted');
    if (f.given.status === 'scheduled') await recordCarrierEvent(d, OPERATOR, created.id, { type: 'transfer_date', transferDate: f.given.transferDate });
    return created.id;
  };
  const orderId = await newOrder(NUMBERS[market]);
  const otherOrderId = f.orders.includes('otherOrderId') ? await newOrder(OTHER_NUMBERS[market]) : undefined;
  at = new Date(f.sentAt);
  return { deps: d, orderId, otherOrderId };
}

describe('the fixture corpus: every message ends as its index says', () => {
  it.each(EMAIL_FIXTURES.map((f) => [f.file, f] as const))('%s', async (_file, f) => {
    const world = await corpusWorld(f);
    const raw = loadFixture(f.file, { orderId: world.orderId, ...(world.otherOrderId ? { otherOrderId: world.otherOrderId } : {}) });
    const { outcome } = await deliver(raw, { deps: world.deps, verdicts: f.verdicts });
    const order = (await world.deps.repository.getOrder(world.orderId))!;
    const documents = await emailedDocuments(world.orderId, world.deps);
    const expected = f.expect;
    if (expected.kind === 'quarantine') {
      expect(outcome, f.title).toMatchObject({ status: 'quarantined', reasonCode: expected.code });
      expect(order.status).toBe(f.given.status);
      return;
    }
    if (expected.kind === 'attach') {
      expect(outcome, f.title).toMatchObject({ status: 'attached', orderId: world.orderId });
      expect(documents).toHaveLength(expected.documents);
      expect(documents.map((d) => d.source.inboundEmailId)).toEqual(documents.map(() => outcome.id));
      expect(order.status).toBe(f.given.status);
      return;
    }
    expect(outcome, f.title).toMatchObject({ status: 'applied', orderId: world.orderId });
    if (expected.documents !== undefined) expect(documents).toHaveLength(expected.documents);
    const answer = expected.answer;
    if (answer.type === 'transfer_date') expect(order).toMatchObject({ status: 'scheduled', transferDate: answer.transferDate });
    if (answer.type === 'completed') expect(order).toMatchObject({ status: 'completed', completedOn: answer.completedOn });
    if (answer.type === 'rejected') {
      expect(order.status).toBe('rejected');
      expect(order.lastRejection?.reasonCode).toBe(answer.reasonCode);
      expect(order.lastRejection?.reason).toContain(answer.reasonIncludes);
    }
  });

  it(`${BIG_ATTACHMENT.title}: quarantined oversized (25 MiB limit), the raw message kept`, async () => {
    const world = await corpusWorld(BIG_ATTACHMENT);
    const raw = await bigAttachmentMessage(20 * 1024 * 1024, { orderId: world.orderId });
    const limited = { ...world.deps, intake: { ...world.deps.intake, maxMessageBytes: 25 * 1024 * 1024 } };
    const { outcome, rawKey } = await deliver(raw, { deps: limited });
    expect(outcome).toMatchObject({ status: 'quarantined', reasonCode: BIG_ATTACHMENT.expect.kind === 'quarantine' ? BIG_ATTACHMENT.expect.code : 'x' });
    const record = (await limited.inboundEmails.get(outcome.id))!;
    expect(record).toMatchObject({ sizeBytes: raw.length, from: CUSTOMERS.AU.email, attachments: [] });
    expect(record.subject).toContain(world.orderId);
    expect((await blobs.get(rawKey)).length).toBe(raw.length);
  }, 60_000);
});
