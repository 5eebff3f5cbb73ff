// The operator's inbound-email API over HTTP, on the real handlers (local API Gateway stand-in),
// DynamoDB Local and the local S3 server. Messages arrive as in AWS: the raw message stored under
// `inbound/<SES message id>` and the intake Lambda handler (functions/email/intake.ts) invoked with
// the SES receipt event. Then: list (by status, paged), read (headers, text, attachments, reason,
// order, a working link to the raw message), apply (through recordCarrierEvent as the operator,
// once), dismiss; every refusal with its status and code; operators only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SESEvent } from 'aws-lambda';
import { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';
import type { ReceiveOutcome } from '../../shared/app/use-cases/inbound-email.ts';
import type { ReceiptVerdicts } from '../../shared/rules/email/types.ts';
import { newSesMessageId, sesReceiptEvent } from '../../local/aws/ses-receipt.ts';
import { accountBody, startTestApi, type TestApi } from '../support/api.ts';

const TELSTRA = 'porting@telstra.example';
const PASSED: ReceiptVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

let api: TestApi;
let blobs: S3BlobStore;
let intake: (event: SESEvent) => Promise<ReceiveOutcome[]>;
let account: { id: string; apiKey: string };
let carrier: { id: string; apiKey: string };
let numberSerial = 0;
let mailSerial = 0;

beforeAll(async () => {
  process.env.MAX_MESSAGE_BYTES = '200000';
  // The test API made the bucket and pointed the handlers at it (RAW_MAIL_BUCKET, S3_ENDPOINT).
  api = await startTestApi();
  blobs = new S3BlobStore({ bucket: process.env.RAW_MAIL_BUCKET!, endpoint: process.env.S3_ENDPOINT!, region: 'ap-southeast-2' });
  // Imported once the settings are in place (the composition root reads them when loaded).
  intake = (await import('../../functions/email/intake.ts')).handler;
  await api.setClock('2026-03-02T00:00:00Z');
  carrier = (await api.call('POST', '/v1/carriers', { body: { name: 'Telstra Wholesale', emailDomains: ['telstra.example'] } })).body;
  account = (await api.call('POST', '/v1/accounts', { body: accountBody('AU', { adminEmail: 'admin@acme.example' }) })).body;
});

afterAll(async () => {
  await api?.setClock(null);
  await api?.close();
});

/** An AU order with the carrier (created, submitted and signed by the customer). */
async function newOrder(): Promise<string> {
  numberSerial += 1;
  const number = `+6173213${String(numberSerial).padStart(4, '0')}`;
  const created = await api.call('POST', '/v1/port-ins', {
    key: account.apiKey,
    body: {
      numbers: [{ number, lineType: 'pstn' }],
      carrierId: carrier.id,
      losingCarrierAccountNumber: 'TEL-1',
      accountHolder: { businessName: 'Acme Pty Ltd' },
      serviceAddress: { line1: '1 Eagle Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
      submitterEmail: 'submitter@acme.example',
      termsAccepted: true,
    },
  });
  expect(created.status).toBe(201);
  await api.call('POST', `/v1/port-ins/${created.body.id}/submit`, { key: account.apiKey });
  const signed = await api.call('POST', `/v1/port-ins/${created.body.id}/signature`, { key: account.apiKey, body: { signerName: 'Jane', agreed: true } });
  expect(signed.body.status).toBe('submitted');
  return created.body.id;
}

function rawMail(from: string, subject: string, text: string, attachment?: { filename: string; content: Buffer }): Buffer {
  mailSerial += 1;
  const head = [`From: ${from}`, 'To: porting@portdesk.local', `Subject: ${subject}`, 'Date: Mon, 02 Mar 2026 00:00:00 +0000', `Message-ID: <api-${mailSerial}-${Date.now()}@mail.test>`, 'MIME-Version: 1.0'];
  const body = text.replace(/\r?\n/g, '\r\n');
  if (!attachment) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));
  const b = `b${mailSerial}`;
  return Buffer.from(
    [
      ...head,
      `Content-Type: multipart/mixed; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      `--${b}`,
      `Content-Type: application/pdf; name="${attachment.filename}"`,
      `Content-Disposition: attachment; filename="${attachment.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      attachment.content.toString('base64'),
      `--${b}--`,
      '',
    ].join('\r\n'),
  );
}

/** As SES does it: the raw message into the bucket, then the intake function with the receipt event. */
async function receive(raw: Buffer, verdicts: Partial<ReceiptVerdicts> = {}): Promise<ReceiveOutcome & { raw: Buffer }> {
  const messageId = newSesMessageId();
  await blobs.put(`inbound/${messageId}`, raw, 'message/rfc822');
  const event = await sesReceiptEvent({
    raw,
    messageId,
    mailFrom: 'bounces@telstra.example',
    recipients: ['porting@portdesk.local'],
    receivedAt: new Date(Date.UTC(2026, 2, 2) + mailSerial * 1000), // distinct and in order
    verdicts: { ...PASSED, ...verdicts },
  });
  const [outcome] = await intake(event);
  return { ...outcome!, raw };
}

const rejection = 'Status: Rejected\nReason code: ACCOUNT_NUMBER_MISMATCH\nReason: The account number does not match our records.';

describe('list and read', () => {
  it('lists quarantined messages newest first, page by page, and reads one with a link to its raw message', async () => {
    const first = await receive(rawMail(TELSTRA, 'Port update', 'Status: Scheduled\nTransfer date: 16/03/2026'));
    const second = await receive(rawMail(TELSTRA, 'Another update', 'We are looking into it.'));
    const third = await receive(rawMail('someone@elsewhere.example', 'Hello', 'Hi'));
    for (const received of [first, second, third]) expect(received).toMatchObject({ status: 'quarantined', reasonCode: 'no_reference' });

    const all = await api.call('GET', '/v1/inbound-emails?status=quarantined&limit=100');
    expect(all.status).toBe(200);
    const ids = all.body.items.map((item: { id: string }) => item.id);
    expect(ids.indexOf(third.id)).toBeLessThan(ids.indexOf(second.id));
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
    expect(all.body.items.find((item: { id: string }) => item.id === first.id)).toMatchObject({
      status: 'quarantined',
      from: TELSTRA,
      subject: 'Port update',
      reason: { code: 'no_reference' },
      orderId: null,
      attachmentCount: 0,
    });

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/v1/inbound-emails?status=quarantined&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      paged.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(ids);

    const read = await api.call('GET', `/v1/inbound-emails/${first.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: first.id,
      status: 'quarantined',
      from: TELSTRA,
      subject: 'Port update',
      verdicts: PASSED,
      reason: { code: 'no_reference' },
      order: null,
      attachments: [],
      sizeBytes: first.raw.length,
    });
    expect(read.body.textPreview).toContain('Transfer date: 16/03/2026');
    expect(read.body.headers).toContainEqual({ name: 'Subject', value: 'Port update' });
    const downloaded = await fetch(read.body.rawUrl);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(first.raw)).toBe(true);

    // Without a status: every message, whatever its status.
    const any = await api.call('GET', '/v1/inbound-emails?limit=100');
    expect(any.body.items.map((item: { id: string }) => item.id)).toEqual(expect.arrayContaining([first.id, second.id, third.id]));
  });

  it('shows what the intake did: an applied answer and its order; a customer\'s documents', async () => {
    const orderId = await newOrder();
    const applied = await receive(rawMail(TELSTRA, `[PD-${orderId}]`, 'Status: Scheduled\nTransfer date: 16/03/2026'));
    expect(applied).toMatchObject({ status: 'applied', orderId });
    const read = await api.call('GET', `/v1/inbound-emails/${applied.id}`);
    expect(read.body).toMatchObject({ status: 'applied', applied: { type: 'transfer_date', transferDate: '2026-03-16' }, order: { id: orderId, status: 'scheduled', transferDate: '2026-03-16', carrierId: carrier.id } });

    const attached = await receive(rawMail('submitter@acme.example', `Bill [PD-${orderId}]`, 'Attached.', { filename: 'bill.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }));
    expect(attached).toMatchObject({ status: 'attached', orderId });
    const doc = await api.call('GET', `/v1/inbound-emails/${attached.id}`);
    expect(doc.body.attachments).toHaveLength(1);
    expect(doc.body.attachments[0]).toMatchObject({ filename: 'bill.pdf', contentType: 'application/pdf' });
    expect(doc.body.attachments[0].documentId).toMatch(/^doc_[a-z2-7]{16}$/);
    expect((await api.call('GET', '/v1/inbound-emails?status=attached')).body.items.map((i: { id: string }) => i.id)).toContain(attached.id);

    for (const [id, code] of [
      [applied.id, 'inbound_email_already_applied'],
      [attached.id, 'inbound_email_already_attached'],
    ] as const) {
      const again = await api.call('POST', `/v1/inbound-emails/${id}/apply`, { body: { orderId, event: { type: 'transfer_date', transferDate: '2026-03-20' } } });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe(code);
      expect((await api.call('POST', `/v1/inbound-emails/${id}/dismiss`, { body: { reason: 'x' } })).body.code).toBe(code);
    }
  });

  it('keeps an oversized message unread, and quarantines a virus', async () => {
    const big = await receive(rawMail(TELSTRA, 'Scans', 'See attached', { filename: 'scan.pdf', content: Buffer.alloc(250_000, 1) }));
    expect(big).toMatchObject({ status: 'quarantined', reasonCode: 'oversized' });
    const read = await api.call('GET', `/v1/inbound-emails/${big.id}`);
    expect(read.body).toMatchObject({ subject: 'Scans', textPreview: '', attachments: [] });
    const virus = await receive(rawMail(TELSTRA, 'Invoice', 'Open me'), { virus: 'FAIL' });
    expect(virus).toMatchObject({ status: 'quarantined', reasonCode: 'virus' });
  });
});

describe('apply and dismiss', () => {
  it("applies the operator's reading through the carrier-event rules, as the operator, once", async () => {
    const orderId = await newOrder();
    const quarantined = await receive(rawMail(TELSTRA, 'Port update', `Your port for the Acme order: ${rejection}`));
    expect(quarantined.status).toBe('quarantined');

    const body = { orderId, event: { type: 'rejected', reasonCode: 'account_number_mismatch', reason: 'The account number does not match our records.' } };
    const applied = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body, headers: { 'idempotency-key': `apply-${quarantined.id}` } });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      status: 'applied',
      orderId,
      applied: body.event,
      order: { id: orderId, status: 'rejected' },
      reason: { code: 'no_reference' },
      decision: { action: 'applied', quarantineReason: { code: 'no_reference' } },
      applying: null,
    });
    expect(applied.body.decision.by).toEqual(expect.any(String));
    expect(Date.parse(applied.body.decision.at)).not.toBeNaN();

    const events = await api.call('GET', `/v1/port-ins/${orderId}/events`);
    const rejected = events.body.items.filter((e: { type: string }) => e.type === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].actor.kind).toBe('operator');

    // The same request again with its key: replayed, nothing applied twice.
    const replay = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body, headers: { 'idempotency-key': `apply-${quarantined.id}` } });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // Without the key: refused, the email is applied already.
    const again = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('inbound_email_already_applied');
    const order = await api.call('GET', `/v1/port-ins/${orderId}`);
    expect(order.body).toMatchObject({ status: 'rejected', rejectionCount: 1 });
  });

  it('passes rule violations through (422, 409, 404) and leaves the email quarantined', async () => {
    const orderId = await newOrder();
    const quarantined = await receive(rawMail(TELSTRA, 'Update', 'Something about a port.'));

    const past = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body: { orderId, event: { type: 'transfer_date', transferDate: '2026-02-27' } } });
    expect(past.status).toBe(422);
    expect(past.body.code).toBe('transfer_date_in_past');

    const unknownOrder = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body: { orderId: 'pin_aaaaaaaaaaaaaaaa', event: { type: 'completed', completedOn: '2026-03-02' } } });
    expect(unknownOrder.status).toBe(404);
    expect(unknownOrder.body.code).toBe('not_found');

    await api.call('POST', `/v1/port-ins/${orderId}/cancel`, { key: account.apiKey });
    const cancelled = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body: { orderId, event: { type: 'completed', completedOn: '2026-03-02' } } });
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.code).toBe('order_final');

    const read = await api.call('GET', `/v1/inbound-emails/${quarantined.id}`);
    expect(read.body).toMatchObject({ status: 'quarantined', reason: { code: 'no_reference' }, decision: null, applied: null });
  });

  it('dismisses a quarantined email with the reason; then neither apply nor dismiss again', async () => {
    const quarantined = await receive(rawMail('newsletter@elsewhere.example', 'Our offers', 'Buy now'));
    const dismissed = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/dismiss`, { body: { reason: 'Marketing, not about a port.' } });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({
      status: 'dismissed',
      reason: { code: 'dismissed', message: 'Marketing, not about a port.' },
      decision: { action: 'dismissed', quarantineReason: { code: 'no_reference' } },
    });
    expect((await api.call('GET', '/v1/inbound-emails?status=dismissed')).body.items.map((i: { id: string }) => i.id)).toContain(quarantined.id);
    expect((await api.call('GET', '/v1/inbound-emails?status=quarantined&limit=100')).body.items.map((i: { id: string }) => i.id)).not.toContain(quarantined.id);

    const again = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/dismiss`, { body: { reason: 'again' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('inbound_email_dismissed');
    const apply = await api.call('POST', `/v1/inbound-emails/${quarantined.id}/apply`, { body: { orderId: 'pin_aaaaaaaaaaaaaaaa', event: { type: 'completed', completedOn: '2026-03-02' } } });
    expect(apply.status).toBe(409);
    expect(apply.body.code).toBe('inbound_email_dismissed');
  });
});

describe('refusals', () => {
  it('404 for an unknown email on every route', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/inbound-emails/ibm_00000000000000000000000000000000', undefined],
      ['POST', '/v1/inbound-emails/ibm_00000000000000000000000000000000/apply', { orderId: 'pin_aaaaaaaaaaaaaaaa', event: { type: 'completed', completedOn: '2026-03-02' } }],
      ['POST', '/v1/inbound-emails/ibm_00000000000000000000000000000000/dismiss', { reason: 'x' }],
    ] as const) {
      const answer = await api.call(method, path, { body });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.code).toBe('not_found');
    }
  });

  it('400 for malformed requests', async () => {
    const badStatus = await api.call('GET', '/v1/inbound-emails?status=lost');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.code).toBe('invalid_request');
    const badCursor = await api.call('GET', '/v1/inbound-emails?status=quarantined&cursor=bm9wZQ');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.code).toBe('invalid_cursor');
    const noOrder = await api.call('POST', '/v1/inbound-emails/ibm_00000000000000000000000000000000/apply', { body: { event: { type: 'completed', completedOn: '2026-03-02' } } });
    expect(noOrder.status).toBe(400);
    expect(noOrder.body.errors.map((e: { path: string }) => e.path)).toContain('orderId');
    const badEvent = await api.call('POST', '/v1/inbound-emails/ibm_00000000000000000000000000000000/apply', { body: { orderId: 'pin_x', event: { type: 'cancelled' } } });
    expect(badEvent.status).toBe(400);
    const noReason = await api.call('POST', '/v1/inbound-emails/ibm_00000000000000000000000000000000/dismiss', { body: {} });
    expect(noReason.status).toBe(400);
  });

  it('customer and carrier keys get 403 on every inbound-email route', async () => {
    const quarantined = await receive(rawMail(TELSTRA, 'Anything', 'Hello'));
    for (const key of [account.apiKey, carrier.apiKey]) {
      for (const [method, path, body] of [
        ['GET', '/v1/inbound-emails?status=quarantined', undefined],
        ['GET', `/v1/inbound-emails/${quarantined.id}`, undefined],
        ['POST', `/v1/inbound-emails/${quarantined.id}/apply`, { orderId: 'pin_aaaaaaaaaaaaaaaa', event: { type: 'completed', completedOn: '2026-03-02' } }],
        ['POST', `/v1/inbound-emails/${quarantined.id}/dismiss`, { reason: 'mine' }],
      ] as const) {
        const answer = await api.call(method, path, { key, body });
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body.code).toBe('forbidden');
      }
    }
    expect((await api.call('GET', `/v1/inbound-emails/${quarantined.id}`)).body.status).toBe('quarantined');
  });

  it('the OpenAPI document lists the inbound-email routes', async () => {
    const doc = await api.call('GET', '/openapi.json', { key: null });
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/inbound-emails', '/v1/inbound-emails/{id}', '/v1/inbound-emails/{id}/apply', '/v1/inbound-emails/{id}/dismiss']));
  });
});
