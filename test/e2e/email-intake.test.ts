// Every message of the corpus (test/fixtures/email) end to end, twice: through the local porting
// mailbox (SMTP -> S3 stand-in -> intake handler, as `npm start` runs it) and through the AWS event
// shape (the raw message in S3 and the SES receipt event a receipt rule's Lambda action sends, with
// the verdicts the fixture needs). Each ends as its index says: the order moved on, the documents
// filed, or the message quarantined with its reason, readable through the operator API.
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SESEvent } from 'aws-lambda';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { CARRIERS, CUSTOMERS, EMAIL_FIXTURES, NUMBERS, OTHER_NUMBERS, loadFixture, type EmailFixture } from '../email/fixtures.ts';
import { sesReceiptEvent } from '../../local/aws/ses-receipt.ts';
import { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';
import type { Market } from '../../shared/rules/types.ts';

let t: TestRuntime;
let intake: (event: SESEvent) => Promise<unknown>;
let blobs: S3BlobStore;
const carriers = {} as Record<Market, { id: string; apiKey: string }>;
const accounts = {} as Record<Market, { id: string }>;
const CURRENCY = { AU: 'AUD', GB: 'GBP', FR: 'EUR' } as const;
const ADDRESS = {
  AU: { line1: '1 Queen Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
  GB: { line1: '1 High Street', locality: 'London', postcode: 'EC1A 1AA', country: 'GB' },
  FR: { line1: '1 rue de Rivoli', locality: 'Paris', postcode: '75001', country: 'FR' },
} as const;

beforeAll(async () => {
  t = await startTestRuntime();
  await t.setClock('2026-09-01T00:00:00Z');
  ({ handler: intake } = (await import('../../functions/email/intake.ts')) as { handler: (event: SESEvent) => Promise<unknown> });
  blobs = new S3BlobStore({ bucket: 'portdesk-mail', endpoint: t.runtime.s3Endpoint, region: 'ap-southeast-2' });
  for (const market of ['AU', 'GB', 'FR'] as const) {
    carriers[market] = await t.ok('POST', '/v1/carriers', { body: CARRIERS[market] });
    const customer = CUSTOMERS[market];
    const currency = CURRENCY[market];
    accounts[market] = await t.ok('POST', '/v1/accounts', {
      body: {
        name: customer.accountName,
        market,
        adminEmail: customer.email,
        plan: { active: true, portingEnabled: true, monthlyFee: { currency, amountMinor: 3000 } },
      },
    });
    if (market === 'GB') {
      for (const direction of ['outbound', 'inbound']) {
        await t.ok('POST', `/v1/accounts/${accounts.GB.id}/call-activity`, { body: { direction, at: '2026-08-01T09:00:00Z' } });
      }
    }
  }
}, 180_000);

afterAll(async () => t?.close());

/** The order the message is about, through the API, a fortnight before the message was sent. */
async function orderFor(f: EmailFixture, number: string): Promise<string> {
  const market = f.market;
  const customer = CUSTOMERS[market];
  const order = await t.ok('POST', '/v1/port-ins', {
    body: {
      accountId: accounts[market].id,
      numbers: [{ number, lineType: 'pstn' }],
      carrierId: carriers[market].id,
      losingCarrierAccountNumber: 'ACC-2026',
      accountHolder: market === 'FR' ? { firstName: customer.firstName, lastName: customer.lastName } : { businessName: customer.accountName },
      serviceAddress: ADDRESS[market],
      ...(market === 'FR' ? { primaryNumber: number } : {}),
      submitterEmail: customer.email,
      termsAccepted: true,
    },
  });
  await t.ok('POST', `/v1/port-ins/${order.id}/submit`);
  await t.ok('POST', `/v1/port-ins/${order.id}/signature`, { body: { signerName: `${customer.firstName} ${customer.lastName}`, agreed: true } });
  if (f.given.status === 'scheduled') {
    await t.ok('POST', `/v1/port-ins/${order.id}/carrier-events`, { key: carriers[market].apiKey, body: { type: 'transfer_date', transferDate: f.given.transferDate } });
  }
  return order.id;
}

/** Leaves the fixture's numbers free for the next message: live orders cancelled, ported numbers taken off the inventory. */
async function release(f: EmailFixture, orderIds: string[]): Promise<void> {
  for (const id of orderIds) {
    const order = await t.ok('GET', `/v1/port-ins/${id}`);
    if (['submitted', 'rejected', 'scheduled'].includes(order.status)) await t.ok('POST', `/v1/port-ins/${id}/cancel`, { body: {} });
  }
  // Test hygiene only: a completed port put the number in the inventory, and the next message needs it as a port-in again.
  for (const e164 of [NUMBERS[f.market], OTHER_NUMBERS[f.market]]) {
    await t.repositoryClient.send(new DeleteCommand({ TableName: t.tableName, Key: { pk: `NUMBER#${e164}`, sk: 'INVENTORY' } }));
  }
  await t.settle();
}

/** Delivers the message; returns the id of its inbound-email record. */
async function send(path: 'smtp' | 'aws', f: EmailFixture, raw: Buffer): Promise<string> {
  if (path === 'smtp') {
    const transport = createTransport({ host: '127.0.0.1', port: t.runtime.smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: f.mime.from, to: [t.runtime.intakeAddress] }, raw });
    transport.close();
    await t.runtime.intakeIdle();
    await t.settle();
    // Found by its Message-ID (SMTP ends a message that lacks a final line break with one, so its id
    // is not always the hash of the bytes we sent).
    const messageId = /^Message-ID:\s*<([^>]+)>/im.exec(raw.toString('latin1'))?.[1];
    let cursor: string | null = null;
    do {
      const page = await t.ok('GET', `/v1/inbound-emails?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const found = page.items.find((m: { messageId: string | null }) => m.messageId === messageId);
      if (found) return found.id as string;
      cursor = page.nextCursor;
    } while (cursor);
    throw new Error(`No inbound email with Message-ID ${messageId}`);
  }
  {
    const messageId = `e2e${randomUUID().replace(/-/g, '')}`;
    await blobs.put(`inbound/${messageId}`, raw, 'message/rfc822');
    const [outcome] = (await intake(
      await sesReceiptEvent({ raw, messageId, mailFrom: f.mime.from, recipients: [t.runtime.intakeAddress], receivedAt: new Date(f.sentAt), verdicts: f.verdicts }),
    )) as { id: string }[];
    await t.settle();
    return outcome!.id;
  }
}

function withMessageIdPrefix(raw: Buffer, prefix: string): Buffer {
  const text = raw.toString('latin1');
  return Buffer.from(text.replace(/^(Message-ID:\s*<)/im, `$1${prefix}.`), 'latin1');
}

/** Locally there is no DNS: the mailbox reports SPF and DKIM as passed, so messages that need other verdicts go the AWS way only. */
const needsVerdicts = (f: EmailFixture) => f.verdicts !== undefined && Object.values(f.verdicts).some((v) => v !== 'PASS');

describe.each(['smtp', 'aws'] as const)('every fixture through the %s path', (path) => {
  const fixtures = EMAIL_FIXTURES.filter((f) => path === 'aws' || !needsVerdicts(f));
  it.each(fixtures.map((f) => [f.file, f] as const))('%s', async (_file, f) => {
    await t.setClock(new Date(Date.parse(f.sentAt) - 14 * 86_400_000).toISOString());
    const orderId = await orderFor(f, NUMBERS[f.market]);
    const otherOrderId = f.orders.includes('otherOrderId') ? await orderFor(f, OTHER_NUMBERS[f.market]) : undefined;
    await t.settle();
    await t.setClock(f.sentAt);
    // Each path sends its own copy: a Message-ID seen once is a duplicate the second time (that is the point).
    const raw = withMessageIdPrefix(loadFixture(f.file, { orderId, ...(otherOrderId ? { otherOrderId } : {}) }), path);
    try {
      const id = await send(path, f, raw);
      const record = await t.ok('GET', `/v1/inbound-emails/${id}`);
      const order = await t.ok('GET', `/v1/port-ins/${orderId}`);
      const expected = f.expect;
      if (expected.kind === 'quarantine') {
        expect(record, f.title).toMatchObject({ status: 'quarantined', reason: { code: expected.code } });
        expect(order.status).toBe(f.given.status);
        const worklist = await t.ok('GET', '/v1/inbound-emails?status=quarantined&limit=100');
        expect(worklist.items.map((m: { id: string }) => m.id)).toContain(id);
        expect(record.rawUrl).toMatch(/^http/); // the operator can read the raw message
      } else if (expected.kind === 'attach') {
        expect(record, f.title).toMatchObject({ status: 'attached', orderId });
        expect(record.attachments.filter((a: { documentId: string | null }) => a.documentId !== null)).toHaveLength(expected.documents);
        expect(order.status).toBe(f.given.status);
      } else {
        expect(record, f.title).toMatchObject({ status: 'applied', orderId });
        const answer = expected.answer;
        if (answer.type === 'transfer_date') expect(order).toMatchObject({ status: 'scheduled', transferDate: answer.transferDate });
        if (answer.type === 'completed') expect(order).toMatchObject({ status: 'completed', completedOn: answer.completedOn });
        if (answer.type === 'rejected') {
          expect(order.status).toBe('rejected');
          expect(order.lastRejection.reasonCode).toBe(answer.reasonCode);
          expect(order.lastRejection.reason).toContain(answer.reasonIncludes);
        }
        // The same message again (a redelivery) changes nothing.
        const events = (await t.ok('GET', `/v1/port-ins/${orderId}/events?limit=100`)).items.length;
        await send(path, f, raw);
        expect((await t.ok('GET', `/v1/port-ins/${orderId}/events?limit=100`)).items.length).toBe(events);
      }
    } finally {
      await release(f, otherOrderId ? [orderId, otherOrderId] : [orderId]);
    }
  }, 60_000);
});
