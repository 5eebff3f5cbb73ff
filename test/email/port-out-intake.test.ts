// A gaining carrier's port-out request by email (issue 6, part 7), through the intake use case on
// real parts: DynamoDB Local, the S3 stand-in, the mailparser MIME parser, the port-out use case and
// rules; fakes only for the outside services. The request goes through requestPortOut like the
// API's: stored with channel `email`, its LOA filed as a document of the port-out, the administrator
// and the carrier answered by email; what cannot be read, or comes without an LOA or from anyone but
// a carrier, waits in quarantine with the raw message kept.
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import MailComposer from 'nodemailer/lib/mail-composer';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IntakeDeps } from '../../shared/app/context.ts';
import type { Caller, OutboxItem, Repository } from '../../shared/app/ports.ts';
import { addInventoryNumbers, createAccount } from '../../shared/app/use-cases/accounts.ts';
import { createCarrier } from '../../shared/app/use-cases/carriers.ts';
import { inboundEmailId, loaAttachmentIndex, portOutIdFor, type InboundEmailState } from '../../shared/app/use-cases/inbound-email.ts';
import type { ReceiptVerdicts } from '../../shared/rules/email/types.ts';
import type { PortOutRequest } from '../../shared/rules/port-out/types.ts';
import type { Market } from '../../shared/rules/types.ts';
import { newSesMessageId } from '../../local/aws/ses-receipt.ts';
import type { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';
import { CapturingMailer } from '../schedule/support.ts';
import { createTestBucket } from '../support/blobs.ts';
import { createTestTable } from '../support/dynamo.ts';
import { AU_PLAN, crashingStore, deliverRaw, inboundRecord, intakeTestDeps, type Delivery } from './world.ts';

// ---- the world ------------------------------------------------------------------------------------------

const OPERATOR: Caller = { role: 'operator', principalId: 'op_port_out_intake', accountId: null, carrierId: null };
/** The gaining carriers (they ask us to release numbers). */
const KESTREL = 'porting@kestrel.example';
const LAVANDE_TEL = 'portabilite@lavandetel.example';
const AU_ADMIN = 'admin@acme.example';
const FR_ADMIN = 'gestion@boulangerie.example';
const PIN = '4821';

let deps: IntakeDeps;
let blobs: S3BlobStore;
let mailer: CapturingMailer;
let now = new Date('2026-03-02T00:00:00Z');
let kestrelId: string;
let lavandeTelId: string;
const accounts = {} as Record<Market, string>;
let serial = 0;

beforeAll(async () => {
  const table = await createTestTable();
  blobs = (await createTestBucket()).blobs;
  deps = intakeTestDeps(table, blobs, { now: () => new Date(now.getTime()) }, {
    intake: { address: 'porting@portdesk.test', maxMessageBytes: 5_000_000, maxAttempts: 3 },
  });
  mailer = deps.services.mailer as CapturingMailer;
  kestrelId = (await createCarrier(deps, { name: 'Kestrel Telecom', emailDomains: ['kestrel.example'] })).id;
  lavandeTelId = (await createCarrier(deps, { name: 'LavandeTel', emailDomains: ['lavandetel.example'] })).id;
  accounts.AU = (
    await createAccount(deps, {
      name: 'Acme Plumbing',
      market: 'AU',
      adminEmail: AU_ADMIN,
      losingCarrierAccountNumber: 'ACC-2026',
      portOutPin: PIN,
      plan: AU_PLAN,
    })
  ).id;
  accounts.FR = (
    await createAccount(deps, {
      name: 'Boulangerie Lavande SARL',
      market: 'FR',
      adminEmail: FR_ADMIN,
      plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'EUR', amountMinor: 3000 } },
    })
  ).id;
}, 60_000);

beforeEach(() => {
  now = new Date('2026-03-02T00:00:00Z'); // Monday 2 March 2026
});

/** Fresh active numbers on the market's account (E.164), so that each test's port-out holds its own. */
async function activeNumbers(market: Market, count: number): Promise<string[]> {
  const numbers = Array.from({ length: count }, () => {
    serial += 1;
    const tail = String(serial).padStart(4, '0');
    return market === 'AU' ? `+6173212${tail}` : `+3314268${tail}`;
  });
  await addInventoryNumbers(deps, OPERATOR, accounts[market], { numbers: numbers.map((number) => ({ number, origin: 'provisioned' as const })) });
  return numbers;
}

/** "+61732120001" as a carrier writes it: "+61 7 3212 0001". */
const spaced = (e164: string) => (e164.startsWith('+61') ? `+61 ${e164[3]} ${e164.slice(4, 8)} ${e164.slice(8)}` : `+33 ${e164[3]} ${e164.slice(4, 6)} ${e164.slice(6, 8)} ${e164.slice(8, 10)} ${e164.slice(10)}`);

async function loaPdf(signer: string): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage();
  page.drawText(`Letter of Authority - signed by ${signer}`, { x: 50, y: 700, size: 14, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await pdf.save());
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-test-image')]);

interface Attachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

async function mail(m: { from: string; subject: string; text: string; attachments?: Attachment[] }): Promise<Buffer> {
  serial += 1;
  return new MailComposer({
    from: m.from,
    to: 'PortDesk <porting@portdesk.test>',
    subject: m.subject,
    date: now,
    messageId: `<port-out-${serial}-${Date.now()}@mail.test>`,
    text: m.text,
    attachments: m.attachments ?? [],
  })
    .compile()
    .build();
}

function englishRequest(numbers: string[], fields: { pin?: string; accountNumber?: string; date?: string } = {}): string {
  return [
    'Hello PortDesk,',
    '',
    'Please release the following numbers to Kestrel Telecom.',
    '',
    'Numbers:',
    ...numbers.map(spaced),
    '',
    `Account number: ${fields.accountNumber ?? 'ACC-2026'}`,
    `PIN: ${fields.pin ?? PIN}`,
    'Authorised name: Jane Citizen',
    `Requested date: ${fields.date ?? '16/03/2026'}`,
    '',
    'Regards,',
    'Kestrel Telecom porting desk',
  ].join('\n');
}

/** Delivers the raw message now, with the test's deps unless others are given (see deliverRaw). */
const deliver = (raw: Buffer, options: { verdicts?: Partial<ReceiptVerdicts>; rawKey?: string; deps?: IntakeDeps } = {}): Promise<Delivery> =>
  deliverRaw(options.deps ?? deps, raw, now, options);

const recordOf = (id: string): Promise<InboundEmailState> => inboundRecord(deps, id);

async function portOutOf(id: string): Promise<PortOutRequest> {
  const portOut = await deps.repository.getPortOut(id);
  if (portOut === null) throw new Error(`no port-out ${id}`);
  return portOut;
}

async function outboxOf(subjectId: string): Promise<OutboxItem[]> {
  return (await deps.repository.listOutbox({ subjectId }, { cursor: null, limit: 100 })).items;
}

const emailsOf = (items: OutboxItem[]) =>
  items.flatMap((item) => (item.message.kind === 'email' ? [{ purpose: item.purpose, to: item.message.email.to, subject: item.message.email.subject, text: item.message.email.text }] : []));

/** Nothing was stored for the message: no port-out under its id, no document. */
async function expectNothingStored(inboundId: string): Promise<void> {
  const portOutId = portOutIdFor(inboundId);
  expect(await deps.repository.getPortOut(portOutId)).toBeNull();
  expect((await deps.documents.listDocuments(portOutId, { cursor: null, limit: 10 })).items).toEqual([]);
  expect(await outboxOf(portOutId)).toEqual([]);
}

// ---- accepted and rejected --------------------------------------------------------------------------------

describe('a port-out request by email goes through requestPortOut', () => {
  it('accepted: stored with channel email, its LOA filed as a document, the administrator and the carrier told', async () => {
    const numbers = await activeNumbers('AU', 2);
    const loa = await loaPdf('Jane Citizen');
    const raw = await mail({
      from: `Kestrel Porting <${KESTREL}>`,
      subject: 'Port-out request – Acme Plumbing',
      text: englishRequest(numbers),
      attachments: [
        { filename: 'site-photo.png', content: PNG, contentType: 'image/png' },
        { filename: 'LOA-acme-signed.pdf', content: loa, contentType: 'application/pdf' },
      ],
    });
    const sentBefore = mailer.sent.length;
    const { outcome, rawKey } = await deliver(raw);

    const portOutId = portOutIdFor(outcome.id);
    expect(portOutId).toMatch(/^pout_[a-z2-7]{16}$/);
    expect(outcome).toEqual({ status: 'applied', id: outcome.id, orderId: portOutId, reasonCode: null });

    const portOut = await portOutOf(portOutId);
    expect(portOut).toMatchObject({
      status: 'accepted',
      carrierId: kestrelId,
      accountId: accounts.AU,
      market: 'AU',
      channel: 'email',
      inboundEmailId: outcome.id,
      accountNumber: 'ACC-2026',
      pinGiven: true,
      authorizedName: 'Jane Citizen',
      requestedDate: '2026-03-16',
      rejection: null,
    });
    expect(portOut.lines.map((l) => l.e164)).toEqual(numbers);
    // The numbers are held like a port-in holds them.
    const locks = await deps.repository.getNumberLocks(numbers);
    expect([...locks.values()].map((lock) => [lock.orderId, lock.orderKind])).toEqual(numbers.map(() => [portOutId, 'port_out']));

    // The LOA is a document of the port-out, with the bytes the carrier sent; the photo is filed too.
    expect(portOut.loaDocumentId).toMatch(/^doc_[a-z2-7]{16}$/);
    const document = await deps.documents.getDocument(portOutId, portOut.loaDocumentId!);
    expect(document).toMatchObject({ orderId: portOutId, kind: 'loa_signed', filename: 'LOA-acme-signed.pdf', contentType: 'application/pdf', size: loa.length, source: { channel: 'email', inboundEmailId: outcome.id } });
    expect((await blobs.get(document!.blobKey)).equals(loa)).toBe(true);
    const documents = (await deps.documents.listDocuments(portOutId, { cursor: null, limit: 10 })).items;
    expect(documents.map((d) => [d.kind, d.contentType]).sort()).toEqual([['loa_signed', 'application/pdf'], ['other', 'image/png']]);

    // The record: applied, with the port-out as its "order", its attachments pointing at the documents.
    const record = await recordOf(outcome.id);
    expect(record).toMatchObject({ status: 'applied', orderId: portOutId, reason: null, applied: null, applying: null });
    expect(record.attachments.map((a) => a.documentId)).toEqual([expect.stringMatching(/^doc_/), portOut.loaDocumentId]);
    expect((await blobs.get(rawKey)).equals(raw)).toBe(true);

    // The outbox: the administrator's warning and the carrier's answer, each sent once.
    const emails = emailsOf(await outboxOf(portOutId));
    expect(emails.map((e) => [e.purpose, e.to]).sort()).toEqual([
      ['port_out_accepted', [AU_ADMIN]],
      ['port_out_answer', [KESTREL]],
    ]);
    for (const email of emails) expect(email.subject).toContain(`[PD-${portOutId}]`);
    const sent = mailer.sent.slice(sentBefore);
    expect(sent.map((e) => e.to).sort()).toEqual([[AU_ADMIN], [KESTREL]]);
  });

  it('rejected by the rules (pin_mismatch): still applied, and the carrier gets the answer by email', async () => {
    const numbers = await activeNumbers('AU', 1);
    const raw = await mail({
      from: KESTREL,
      subject: 'Port out request',
      text: englishRequest(numbers, { pin: '0000' }),
      attachments: [{ filename: 'loa.pdf', content: await loaPdf('Jane Citizen'), contentType: 'application/pdf' }],
    });
    const { outcome } = await deliver(raw);
    const portOutId = portOutIdFor(outcome.id);
    expect(outcome).toMatchObject({ status: 'applied', orderId: portOutId, reasonCode: null });

    const portOut = await portOutOf(portOutId);
    expect(portOut).toMatchObject({ status: 'rejected', channel: 'email', inboundEmailId: outcome.id, rejection: { code: 'pin_mismatch' } });
    expect(portOut.loaDocumentId).not.toBeNull();
    // A rejection holds nothing and the administrator is not emailed; the carrier is answered.
    expect((await deps.repository.getNumberLocks(numbers)).size).toBe(0);
    const emails = emailsOf(await outboxOf(portOutId));
    expect(emails.map((e) => [e.purpose, e.to])).toEqual([['port_out_answer', [KESTREL]]]);
    expect(emails[0]!.text).toContain('pin_mismatch');
    expect(await recordOf(outcome.id)).toMatchObject({ status: 'applied', orderId: portOutId, reason: null });
  });

  it('a French request (labels in French, the list under "Numéros :", a day-first date) is accepted', async () => {
    const numbers = await activeNumbers('FR', 2);
    const text = [
      'Bonjour,',
      '',
      'Merci de bien vouloir traiter la demande de portabilité sortante suivante.',
      '',
      'Numéros :',
      ...numbers.map(spaced),
      '',
      'Nom du signataire : Élodie Marchand',
      'Date souhaitée : 20/03/2026',
      '',
      'Cordialement,',
      'Service portabilité LavandeTel',
    ].join('\n');
    const raw = await mail({
      from: `LavandeTel <${LAVANDE_TEL}>`,
      subject: 'Demande de portabilité sortante',
      text,
      attachments: [{ filename: 'mandat signé.pdf', content: await loaPdf('Élodie Marchand'), contentType: 'application/pdf' }],
    });
    const { outcome } = await deliver(raw);
    const portOutId = portOutIdFor(outcome.id);
    expect(outcome).toMatchObject({ status: 'applied', orderId: portOutId });
    const portOut = await portOutOf(portOutId);
    expect(portOut).toMatchObject({ status: 'accepted', carrierId: lavandeTelId, accountId: accounts.FR, market: 'FR', authorizedName: 'Élodie Marchand', requestedDate: '2026-03-20', pinGiven: false });
    expect(portOut.lines.map((l) => l.e164)).toEqual(numbers);
    expect(await deps.documents.getDocument(portOutId, portOut.loaDocumentId!)).toMatchObject({ kind: 'loa_signed', filename: 'mandat signé.pdf' });
    const emails = emailsOf(await outboxOf(portOutId));
    expect(emails.map((e) => [e.purpose, e.to]).sort()).toEqual([
      ['port_out_accepted', [FR_ADMIN]],
      ['port_out_answer', [LAVANDE_TEL]],
    ]);
  });

  it('"Demande de portage" with the request in the body and an ISO date is read the same way', async () => {
    const numbers = await activeNumbers('FR', 1);
    const raw = await mail({
      from: LAVANDE_TEL,
      subject: 'Demande de portage',
      text: `Numéros : ${numbers[0]}\nNom du signataire : Élodie Marchand\nDate souhaitée : 2026-03-23\n`,
      attachments: [{ filename: 'autorisation.pdf', content: await loaPdf('Élodie Marchand'), contentType: 'application/pdf' }],
    });
    const { outcome } = await deliver(raw);
    expect(outcome.status).toBe('applied');
    expect(await portOutOf(portOutIdFor(outcome.id))).toMatchObject({ status: 'accepted', requestedDate: '2026-03-23' });
  });
});

// ---- quarantine -----------------------------------------------------------------------------------------------

describe('what cannot go through waits for an operator', () => {
  it('an incomplete request is quarantined with what is missing; the raw message is kept, nothing stored', async () => {
    const numbers = await activeNumbers('AU', 1);
    const text = englishRequest(numbers, { date: '16/03/26' }).replace('Authorised name: Jane Citizen\n', '');
    const raw = await mail({ from: KESTREL, subject: 'Port-out request', text, attachments: [{ filename: 'loa.pdf', content: await loaPdf('x'), contentType: 'application/pdf' }] });
    const { outcome, rawKey } = await deliver(raw);
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: null, reasonCode: 'port_out_request_incomplete' });
    const record = await recordOf(outcome.id);
    expect(record.reason?.message).toContain('authorised name');
    expect(record.reason?.message).toContain('16/03/26');
    expect(record.textPreview).toContain('Requested date: 16/03/26');
    expect(record.attachments.map((a) => a.documentId)).toEqual([null]);
    expect((await blobs.get(rawKey)).equals(raw)).toBe(true);
    await expectNothingStored(outcome.id);
    expect((await deps.repository.getNumberLocks(numbers)).size).toBe(0);
  });

  it('no LOA (no attachment, or only an image) is quarantined port_out_loa_missing', async () => {
    const numbers = await activeNumbers('AU', 1);
    for (const attachments of [[], [{ filename: 'signed-loa-photo.png', content: PNG, contentType: 'image/png' }]]) {
      const { outcome } = await deliver(await mail({ from: KESTREL, subject: 'Port-out request', text: englishRequest(numbers), attachments }));
      expect(outcome).toMatchObject({ status: 'quarantined', reasonCode: 'port_out_loa_missing' });
      await expectNothingStored(outcome.id);
    }
    expect((await deps.repository.getNumberLocks(numbers)).size).toBe(0);
  });

  it('a sender that is no carrier is quarantined: an unknown domain, the account\'s own administrator, a forged carrier', async () => {
    const numbers = await activeNumbers('AU', 1);
    const attachments = [{ filename: 'loa.pdf', content: await loaPdf('x'), contentType: 'application/pdf' }];
    const cases: [string, Partial<ReceiptVerdicts>, string][] = [
      ['porting@stranger.example', {}, 'unknown_sender'],
      [AU_ADMIN, {}, 'unknown_sender'],
      [KESTREL, { spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' }, 'sender_not_authenticated'],
    ];
    for (const [from, verdicts, code] of cases) {
      const { outcome } = await deliver(await mail({ from, subject: 'Port-out request', text: englishRequest(numbers), attachments }), { verdicts });
      expect(outcome, from).toMatchObject({ status: 'quarantined', reasonCode: code });
      await expectNothingStored(outcome.id);
    }
  });

  it('numbers not in E.164 are refused by the rules (numbers_invalid): quarantined, nothing stored', async () => {
    const numbers = await activeNumbers('AU', 1);
    const national = `07 3212 ${numbers[0]!.slice(-4)}`;
    const text = englishRequest(numbers).replace(spaced(numbers[0]!), national);
    const { outcome } = await deliver(await mail({ from: KESTREL, subject: 'Port-out request', text, attachments: [{ filename: 'loa.pdf', content: await loaPdf('x'), contentType: 'application/pdf' }] }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: null, reasonCode: 'rejected_by_rules' });
    const record = await recordOf(outcome.id);
    expect(record.reason?.message).toMatch(/^numbers_invalid: /);
    expect(record.reason?.message).toContain(national);
    await expectNothingStored(outcome.id);
  });

  it('more numbers than a request may hold (the API\'s limit, 1000) is quarantined as incomplete', async () => {
    const many = Array.from({ length: 1_001 }, (_, i) => `+6128${String(1_000_000 + i).slice(1)}0`);
    const text = ['Numbers:', ...many, '', 'Authorised name: Jane Citizen', 'Requested date: 2026-03-16'].join('\n');
    const { outcome } = await deliver(await mail({ from: KESTREL, subject: 'Port-out request', text, attachments: [{ filename: 'loa.pdf', content: await loaPdf('x'), contentType: 'application/pdf' }] }));
    expect(outcome).toMatchObject({ status: 'quarantined', reasonCode: 'port_out_request_incomplete' });
    expect((await recordOf(outcome.id)).reason?.message).toMatch(/out of bounds: numbers: .*1000/);
    await expectNothingStored(outcome.id);
  });

  it('a message carrying a [PD-…] reference is never a new request', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { outcome } = await deliver(
      await mail({ from: KESTREL, subject: 'Port-out request [PD-pout_aaaaaaaaaaaaaaaa]', text: englishRequest(numbers), attachments: [{ filename: 'loa.pdf', content: await loaPdf('x'), contentType: 'application/pdf' }] }),
    );
    // It is read as a reply about that port-out, which does not exist: nothing is created.
    expect(outcome).toMatchObject({ status: 'quarantined', reasonCode: 'unknown_order' });
    await expectNothingStored(outcome.id);
    expect((await deps.repository.getNumberLocks(numbers)).size).toBe(0);
  });
});

// ---- the gaining carrier's reply: completion ------------------------------------------------------------------

describe('the gaining carrier replies [PD-pout_…] to report the completion', () => {
  /** A request by email from Kestrel, accepted; returns the port-out id and the answer we emailed Kestrel. */
  async function acceptedByEmail(numbers: string[]): Promise<{ portOutId: string; answer: { subject: string; text: string } }> {
    const raw = await mail({
      from: `Kestrel Porting <${KESTREL}>`,
      subject: 'Port-out request – Acme Plumbing',
      text: englishRequest(numbers),
      attachments: [{ filename: 'LOA-signed.pdf', content: await loaPdf('Jane Citizen'), contentType: 'application/pdf' }],
    });
    const { outcome } = await deliver(raw);
    const portOutId = portOutIdFor(outcome.id);
    expect((await portOutOf(portOutId)).status).toBe('accepted');
    const answer = emailsOf(await outboxOf(portOutId)).find((e) => e.purpose === 'port_out_answer');
    if (!answer) throw new Error('no answer emailed to the carrier');
    return { portOutId, answer };
  }

  /** A reply to one of our emails: "Re: <its subject>", the new text on top, ours quoted below. */
  async function replyTo(ours: { subject: string; text: string }, m: { from: string; text: string; attachments?: Attachment[] }): Promise<Buffer> {
    const quoted = ours.text
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
    return mail({ from: m.from, subject: `Re: ${ours.subject}`, text: `${m.text}\n\nOn Mon, 2 Mar 2026 at 11:00, PortDesk <porting@portdesk.test> wrote:\n${quoted}`, attachments: m.attachments });
  }

  const completionEmails = async (portOutId: string) => emailsOf(await outboxOf(portOutId)).filter((e) => e.purpose === 'port_out_completed');

  async function completedEvents(portOutId: string): Promise<number> {
    const page = await deps.repository.listPortOutEvents(portOutId, { cursor: null, limit: 100 });
    return page.items.filter((event) => event.type === 'completed').length;
  }

  it('"Port completed on …": the port-out completes, the numbers leave the inventory, the administrator is told', async () => {
    const numbers = await activeNumbers('AU', 2);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    expect(answer.subject).toContain(`[PD-${portOutId}]`);
    const activeBefore = (await deps.repository.getAccount(accounts.AU))!.activeNumberCount;

    now = new Date('2026-03-16T03:00:00Z'); // 16 March, market time (Sydney)
    const sentBefore = mailer.sent.length;
    const raw = await replyTo(answer, {
      from: `Kestrel Porting <${KESTREL}>`,
      text: 'Hello,\n\nPort completed on 2026-03-16.\n\nRegards,\nKestrel Telecom porting desk',
      attachments: [{ filename: 'completion-notice.pdf', content: await loaPdf('Kestrel Telecom'), contentType: 'application/pdf' }],
    });
    const { outcome } = await deliver(raw);

    expect(outcome).toEqual({ status: 'applied', id: outcome.id, orderId: portOutId, reasonCode: null });
    const record = await recordOf(outcome.id);
    expect(record).toMatchObject({ status: 'applied', orderId: portOutId, reason: null, applied: { type: 'completed', completedOn: '2026-03-16' } });
    expect(await portOutOf(portOutId)).toMatchObject({ status: 'completed', completedOn: '2026-03-16' });
    expect(await completedEvents(portOutId)).toBe(1);

    const inventory = await deps.repository.getInventoryNumbers(numbers);
    for (const number of numbers) {
      expect(inventory.get(number), number).toMatchObject({ status: 'ported_out', portOutId, chargesStopOn: '2026-03-16', portedOutAt: now.toISOString() });
    }
    expect((await deps.repository.getNumberLocks(numbers)).size).toBe(0);
    expect((await deps.repository.getAccount(accounts.AU))!.activeNumberCount).toBe(activeBefore - 2);

    // The carrier's attachment is filed with the port-out, like a request's LOA.
    const documentId = record.attachments[0]!.documentId;
    expect(documentId).not.toBeNull();
    expect(await deps.documents.getDocument(portOutId, documentId!)).toMatchObject({ filename: 'completion-notice.pdf', source: { channel: 'email', inboundEmailId: outcome.id } });

    const completed = await completionEmails(portOutId);
    expect(completed.map((e) => e.to)).toEqual([[AU_ADMIN]]);
    expect(completed[0]!.subject).toContain(`[PD-${portOutId}]`);
    expect(mailer.sent.slice(sentBefore).map((e) => e.to)).toEqual([[AU_ADMIN]]);
  });

  it('the same reply again (re-delivered, or sent twice by the carrier): still one completion, no second email', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-10T01:00:00Z');
    const reply = { from: KESTREL, text: 'Port completed on 2026-03-10.' };
    const raw = await replyTo(answer, reply);
    const first = await deliver(raw);
    expect(first.outcome).toMatchObject({ status: 'applied', orderId: portOutId });
    const completed = await portOutOf(portOutId);
    expect(completed.status).toBe('completed');
    const sentBefore = mailer.sent.length;

    // SES delivering the same bytes again: the claim finds the first record.
    const again = await deliver(raw);
    expect(again.outcome).toEqual({ status: 'duplicate', id: first.outcome.id, existingStatus: 'applied' });

    // The carrier sending its reply a second time (a new message): the use case finds it done.
    now = new Date('2026-03-10T05:00:00Z');
    const resent = await deliver(await replyTo(answer, reply));
    expect(resent.outcome.id).not.toBe(first.outcome.id);
    expect(resent.outcome).toMatchObject({ status: 'applied', orderId: portOutId, reasonCode: null });

    expect(await portOutOf(portOutId)).toEqual(completed);
    expect(await completedEvents(portOutId)).toBe(1);
    expect(await completionEmails(portOutId)).toHaveLength(1);
    expect(mailer.sent.length).toBe(sentBefore);
  });

  it('a crash after the completion was written: the retry finds it done, one completion, one email', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-11T01:00:00Z');
    const raw = await replyTo(answer, { from: KESTREL, text: 'Port completed on 2026-03-11.' });
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    const crashing = { ...deps, inboundEmails: crashingStore(deps.inboundEmails).store };

    await expect(deliver(raw, { rawKey, deps: crashing })).rejects.toThrow(/connection reset/);
    const id = inboundEmailId(raw);
    const written = await portOutOf(portOutId);
    expect(written).toMatchObject({ status: 'completed', completedOn: '2026-03-11' });
    expect((await recordOf(id)).status).toBe('received');

    now = new Date('2026-03-11T01:05:00Z'); // the Lambda's retry
    const retry = await deliver(raw, { rawKey, deps: crashing });
    expect(retry.outcome).toMatchObject({ status: 'applied', id, orderId: portOutId });
    expect(await portOutOf(portOutId)).toEqual(written);
    expect(await completedEvents(portOutId)).toBe(1);
    expect(await completionEmails(portOutId)).toHaveLength(1);
  });

  it('a reply from another carrier is quarantined sender_not_order_carrier; the port-out stays accepted', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-10T01:00:00Z');
    const { outcome } = await deliver(await replyTo(answer, { from: LAVANDE_TEL, text: 'Port completed on 2026-03-10.' }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: portOutId, reasonCode: 'sender_not_order_carrier' });
    expect(await portOutOf(portOutId)).toMatchObject({ status: 'accepted', completedOn: null });
    expect(await completionEmails(portOutId)).toEqual([]);
  });

  it('only a trusted carrier: the administrator replying, or Kestrel failing authentication, is quarantined', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-10T01:00:00Z');
    const cases: [string, Partial<ReceiptVerdicts>, string][] = [
      [AU_ADMIN, {}, 'unknown_sender'],
      [KESTREL, { spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' }, 'sender_not_authenticated'],
    ];
    for (const [from, verdicts, code] of cases) {
      const { outcome } = await deliver(await replyTo(answer, { from, text: 'Port completed on 2026-03-10.' }), { verdicts });
      expect(outcome, from).toMatchObject({ status: 'quarantined', orderId: portOutId, reasonCode: code });
    }
    expect((await portOutOf(portOutId)).status).toBe('accepted');
  });

  it.each<[string, string]>([
    ['a rejection', 'Status: Rejected\nReason: The customer cancelled the port.'],
    ['a transfer date', 'The port is scheduled for 20/03/2026.'],
    ['nothing we can read', 'Thanks for the update, we will be in touch.'],
  ])('a reply reading as %s is quarantined unclear_answer: email only reports completion', async (_name, text) => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-10T01:00:00Z');
    const { outcome } = await deliver(await replyTo(answer, { from: KESTREL, text }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: portOutId, reasonCode: 'unclear_answer' });
    expect((await recordOf(outcome.id)).reason?.message).toContain('can only report the port\'s completion');
    expect(await portOutOf(portOutId)).toMatchObject({ status: 'accepted', withdrawnReason: null });
    expect((await deps.repository.getNumberLocks(numbers)).size).toBe(1);
  });

  it('a completion date before the acceptance is refused by the rules: rejected_by_rules (completion_date_invalid)', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-10T01:00:00Z');
    const { outcome } = await deliver(await replyTo(answer, { from: KESTREL, text: 'Port completed on 2026-02-27.' }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: portOutId, reasonCode: 'rejected_by_rules' });
    expect((await recordOf(outcome.id)).reason?.message).toMatch(/^completion_date_invalid: .*2026-02-27/);
    expect(await portOutOf(portOutId)).toMatchObject({ status: 'accepted', completedOn: null });
    expect(await completionEmails(portOutId)).toEqual([]);
    expect((await deps.repository.getInventoryNumbers(numbers)).get(numbers[0]!)?.status).toBe('active');
  });

  it('a completion of a port-out that is not accepted (rejected) is refused: rejected_by_rules (port_out_not_accepted)', async () => {
    const numbers = await activeNumbers('AU', 1);
    const raw = await mail({ from: KESTREL, subject: 'Port-out request', text: englishRequest(numbers, { pin: '0000' }), attachments: [{ filename: 'loa.pdf', content: await loaPdf('x'), contentType: 'application/pdf' }] });
    const portOutId = portOutIdFor((await deliver(raw)).outcome.id);
    expect((await portOutOf(portOutId)).status).toBe('rejected');
    const answer = emailsOf(await outboxOf(portOutId)).find((e) => e.purpose === 'port_out_answer')!;
    now = new Date('2026-03-10T01:00:00Z');
    const { outcome } = await deliver(await replyTo(answer, { from: KESTREL, text: 'Port completed on 2026-03-10.' }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: portOutId, reasonCode: 'rejected_by_rules' });
    expect((await recordOf(outcome.id)).reason?.message).toMatch(/^port_out_not_accepted: /);
    expect((await portOutOf(portOutId)).status).toBe('rejected');
  });

  it('an unknown port-out id is quarantined unknown_order', async () => {
    const { outcome } = await deliver(await mail({ from: KESTREL, subject: 'Re: Port-out request accepted [PD-pout_zzzzzzzzzzzzzzzz]', text: 'Port completed on 2026-03-02.' }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: null, reasonCode: 'unknown_order' });
    expect((await recordOf(outcome.id)).reason?.message).toBe('No port-out pout_zzzzzzzzzzzzzzzz exists.');
  });

  it('a reply naming a port-out and a port-in is about several orders: several_references, nothing applied', async () => {
    const numbers = await activeNumbers('AU', 1);
    const { portOutId, answer } = await acceptedByEmail(numbers);
    now = new Date('2026-03-10T01:00:00Z');
    const { outcome } = await deliver(await replyTo(answer, { from: KESTREL, text: 'Port completed on 2026-03-10. Also see PD-pin_k3vq7x2mzt5hr4na.' }));
    expect(outcome).toMatchObject({ status: 'quarantined', orderId: null, reasonCode: 'several_references' });
    expect((await portOutOf(portOutId)).status).toBe('accepted');
  });
});

// ---- once -------------------------------------------------------------------------------------------------------

describe('one message, one port-out', () => {
  const request = async (numbers: string[]) =>
    mail({ from: KESTREL, subject: 'Port-out request', text: englishRequest(numbers), attachments: [{ filename: 'loa.pdf', content: await loaPdf('Jane Citizen'), contentType: 'application/pdf' }] });

  const carrierPortOuts = async () => {
    const all: PortOutRequest[] = [];
    let cursor: string | null = null;
    do {
      const page = await deps.repository.listPortOuts({ carrierId: kestrelId }, { cursor, limit: 100 });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return all;
  };

  it('the same message delivered twice makes one port-out and one pair of emails', async () => {
    const numbers = await activeNumbers('AU', 1);
    const raw = await request(numbers);
    const before = (await carrierPortOuts()).length;
    const first = await deliver(raw);
    const second = await deliver(raw);
    expect(first.outcome.status).toBe('applied');
    expect(second.outcome).toEqual({ status: 'duplicate', id: first.outcome.id, existingStatus: 'applied' });
    expect((await carrierPortOuts()).length).toBe(before + 1);
    expect(emailsOf(await outboxOf(portOutIdFor(first.outcome.id)))).toHaveLength(2);
  });

  it('a crash after the port-out was written: the retry finds the same port-out, no second decision, no second email', async () => {
    const numbers = await activeNumbers('AU', 1);
    const raw = await request(numbers);
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    const crashing = { ...deps, inboundEmails: crashingStore(deps.inboundEmails).store };
    const sentBefore = mailer.sent.length;

    await expect(deliver(raw, { rawKey, deps: crashing })).rejects.toThrow(/connection reset/);
    const id = inboundEmailId(raw);
    const portOutId = portOutIdFor(id);
    const written = await portOutOf(portOutId);
    expect(written.status).toBe('accepted');
    expect((await recordOf(id)).status).toBe('received');

    now = new Date('2026-03-02T00:05:00Z'); // the Lambda's retry
    const retry = await deliver(raw, { rawKey, deps: crashing });
    expect(retry.outcome).toMatchObject({ status: 'applied', id, orderId: portOutId });
    expect(await portOutOf(portOutId)).toEqual(written);
    expect((await carrierPortOuts()).filter((p) => p.inboundEmailId === id)).toHaveLength(1);
    expect(mailer.sent.slice(sentBefore).map((e) => e.to).sort()).toEqual([[AU_ADMIN], [KESTREL]]);
    expect((await recordOf(id)).attachments[0]!.documentId).toBe(written.loaDocumentId);
  });

  it('a transient failure writing the port-out: the retry creates it (once)', async () => {
    const numbers = await activeNumbers('AU', 1);
    const raw = await request(numbers);
    const rawKey = `inbound/${newSesMessageId()}`;
    await blobs.put(rawKey, raw, 'message/rfc822');
    let failed = false;
    const repository = new Proxy(deps.repository, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property === 'savePortOut' && !failed) {
          return async () => {
            failed = true;
            throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as Repository;
    const failing = { ...deps, repository };
    await expect(deliver(raw, { rawKey, deps: failing })).rejects.toThrow(/socket hang up/);
    const id = inboundEmailId(raw);
    expect(await deps.repository.getPortOut(portOutIdFor(id))).toBeNull();
    expect((await recordOf(id)).attempts).toBe(1);
    const retry = await deliver(raw, { rawKey, deps: failing });
    expect(retry.outcome).toMatchObject({ status: 'applied', orderId: portOutIdFor(id) });
    expect((await portOutOf(portOutIdFor(id))).status).toBe('accepted');
  });
});

describe('helpers', () => {
  it('derives the port-out id from the message id: stable, in the id alphabet, different per message', () => {
    const a = portOutIdFor('ibm_0123456789abcdef0123456789abcdef');
    expect(a).toMatch(/^pout_[a-z2-7]{16}$/);
    expect(portOutIdFor('ibm_0123456789abcdef0123456789abcdef')).toBe(a);
    expect(portOutIdFor('ibm_0123456789abcdef0123456789abcdee')).not.toBe(a);
  });

  it('picks the LOA among the attachments: a PDF named like one, else the first PDF not named as a bill', () => {
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const at = (filename: string | null, content = pdf) => ({ filename, content });
    expect(loaAttachmentIndex([at('bill-march.pdf'), at('scan.pdf'), at('signed LOA.pdf')])).toBe(2);
    expect(loaAttachmentIndex([at('invoice.pdf'), at('scan.pdf')])).toBe(1);
    expect(loaAttachmentIndex([at('Mandat_signe.pdf')])).toBe(0);
    expect(loaAttachmentIndex([at('loa.pdf', PNG)])).toBeNull(); // a PDF by its bytes, not its name
    expect(loaAttachmentIndex([at('facture.pdf')])).toBeNull();
    expect(loaAttachmentIndex([])).toBeNull();
  });
});
