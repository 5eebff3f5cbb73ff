// The email corpus (test/fixtures/email/*.eml): carrier and customer messages written for PortDesk,
// per market (FR in French), including the nasty ones. Each entry says what the message is and what
// the intake should conclude, so that parser tests and end-to-end tests iterate over the same list.
//
// Order ids: the files hold the placeholders of PLACEHOLDERS (`pin_aaaaaaaaaaaaaaaa`, and
// `pin_bbbbbbbbbbbbbbbb` for a second order), valid ids in form and length. Tests put real ids in
// with loadFixture(file, { orderId, otherOrderId }). Bodies in base64 never hold a placeholder (the
// reference is in their subject), so a byte substitution reaches every one.
//
// Everything is invented: companies, people, domains (all under example.test), documentation IP
// ranges; numbers are the SAMPLE numbers of test/support/api.ts (AU 07 3212 3456, GB 020 7946 0000 in
// Ofcom's drama range, FR 01 42 68 53 00). The 20 MB attachment is built at test time
// (bigAttachmentMessage), never committed.
import { readFileSync } from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MimeDefectCode } from '../../shared/adapters/email/mime.ts';
import type { QuarantineCode, ReceiptVerdicts } from '../../shared/rules/email/types.ts';
import type { IsoDate, Market } from '../../shared/rules/types.ts';

export const FIXTURE_DIR = new URL('../fixtures/email/', import.meta.url);

/** The order ids as written in the corpus; loadFixture replaces them. */
export const PLACEHOLDERS = { orderId: 'pin_aaaaaaaaaaaaaaaa', otherOrderId: 'pin_bbbbbbbbbbbbbbbb' } as const;
export type OrderPlaceholder = keyof typeof PLACEHOLDERS;

/** The porting mailbox the corpus writes to (To:). The SMTP envelope recipient is the test's to choose. */
export const INTAKE_ADDRESS = 'porting@portdesk.example.test';

/** The losing carrier of each market, as the corpus writes it: create it with these emailDomains. */
export const CARRIERS: Record<Market, { name: string; emailDomains: string[]; portingEmail: string }> = {
  AU: { name: 'Coral Networks', emailDomains: ['coralnet.example.test'], portingEmail: 'porting@coralnet.example.test' },
  GB: { name: 'Thames Line Communications', emailDomains: ['thamesline.example.test'], portingEmail: 'porting.desk@thamesline.example.test' },
  FR: { name: 'Hexatel', emailDomains: ['hexatel.example.test'], portingEmail: 'portabilite@hexatel.example.test' },
};

/** The customer of each market: its account's adminEmail or the order's submitterEmail must be `email`. */
export const CUSTOMERS: Record<Market, { accountName: string; email: string; firstName: string; lastName: string }> = {
  AU: { accountName: 'Quokka Widgets Pty Ltd', email: 'robin.ng@quokkawidgets.example.test', firstName: 'Robin', lastName: 'Ng' },
  GB: { accountName: 'Bramble & Finch Ltd', email: 'priya.raman@bramblefinch.example.test', firstName: 'Priya', lastName: 'Raman' },
  FR: { accountName: 'Boulangerie Lavande SARL', email: 'gestion@lavande-boulangerie.example.test', firstName: 'Élodie', lastName: 'Marchand' },
};

/** The number of each market's order (E.164), as the messages write it in national form. */
export const NUMBERS: Record<Market, string> = { AU: '+61732123456', GB: '+442079460000', FR: '+33142685300' };
/** The second order's number (the two-references message). */
export const OTHER_NUMBERS: Record<Market, string> = { AU: '+61732123457', GB: '+442079460001', FR: '+33142685301' };

export type ExpectedAnswer =
  | { type: 'transfer_date'; transferDate: IsoDate }
  | { type: 'completed'; completedOn: IsoDate }
  /** `reasonIncludes`: a phrase of the carrier's reason that the recorded reason text holds. */
  | { type: 'rejected'; reasonCode: string; reasonIncludes: string };

/** What the intake should conclude. */
export type IntakeExpectation =
  /** Applied to the order: found by its `[PD-…]` reference, or by its numbers and the sender's carrier. */
  | { kind: 'answer'; answer: ExpectedAnswer; matchedBy: 'reference' | 'numbers'; documents?: number }
  /** A customer's documents filed with the order (PDF, PNG, JPEG attachments). */
  | { kind: 'attach'; documents: number }
  | { kind: 'quarantine'; code: QuarantineCode };

export interface ExpectedAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
}

/** What the MIME parser must read from the file as stored (placeholders in place). */
export interface MimeExpectation {
  subject: string;
  /** The From address (lower case). */
  from: string;
  /** Phrases the plain text holds (decoded: accents, curly quotes). */
  textIncludes: string[];
  /** Whether the message has an HTML part. */
  html: boolean;
  attachments: ExpectedAttachment[];
  /** The defect codes the parser reports (any order); [] for a clean message. */
  defects: MimeDefectCode[];
}

export interface EmailFixture {
  file: string;
  market: Market;
  /** Who really sent it ('other' for a forger, whatever its From says). */
  sender: 'carrier' | 'customer' | 'other';
  title: string;
  /** The Date header: an end-to-end test's clock should be at or after it (completions are dated that day). */
  sentAt: string;
  /** The placeholders the message holds. */
  orders: OrderPlaceholder[];
  /** The order (NUMBERS[market], CARRIERS[market], CUSTOMERS[market]) before the message arrives. */
  given: { status: 'submitted' } | { status: 'scheduled'; transferDate: IsoDate };
  /** SES verdicts to deliver it with; PASS for every one not named. */
  verdicts?: Partial<ReceiptVerdicts>;
  /** E.164 numbers the message names. */
  numbers: string[];
  expect: IntakeExpectation;
  mime: MimeExpectation;
  notes?: string;
}

const BILL_PDF: ExpectedAttachment = {
  filename: 'coral-networks-bill-oct-2026.pdf',
  contentType: 'application/pdf',
  size: 1122,
  sha256: '1d2115754d4d107f7541a5dcbcad567b8830bb17d5dbcdca19475b830559c431',
};
const LOA_PNG: ExpectedAttachment = {
  filename: 'signed-loa-photo.png',
  contentType: 'image/png',
  size: 304,
  sha256: 'caecc2e037e3c32f40fc72a1116c6c03ff8fafe2ea739455f825224e460aece9',
};
const MANDATE_PDF: ExpectedAttachment = {
  filename: 'mandat signé.pdf',
  contentType: 'application/pdf',
  size: 1089,
  sha256: 'df6708b6aab71c053266d259b0ca03c4c0440cb06ec60fa9c39cc175931cab29',
};
/** The CSV report of the cut-off message: what survives of it (its end is missing). */
const CUT_CSV: ExpectedAttachment = {
  filename: 'compte-rendu-portage.csv',
  contentType: 'text/csv',
  size: 193,
  sha256: 'd7286a70a5b3d7888c2a630c8ec1a83286d864f8f329d0eb8e0a94bcd2a908a1',
};

const A = PLACEHOLDERS.orderId;
const B = PLACEHOLDERS.otherOrderId;
const SUBMITTED = { status: 'submitted' } as const;
const AU_CARRIER = CARRIERS.AU.portingEmail;
const GB_CARRIER = CARRIERS.GB.portingEmail;
const FR_CARRIER = CARRIERS.FR.portingEmail;

export const EMAIL_FIXTURES: EmailFixture[] = [
  // ---- AU: Coral Networks (carrier), Quokka Widgets Pty Ltd (customer) -------------------------------
  {
    file: 'au-carrier-transfer-date.eml',
    market: 'AU',
    sender: 'carrier',
    title: 'AU carrier: transfer date, structured lines (Status:, Transfer date: 03/12/2026)',
    sentAt: '2026-11-19T00:14:02.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.AU],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-03' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: AU_CARRIER, textIncludes: ['Status: Accepted', 'Transfer date: 03/12/2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'au-carrier-rejection.eml',
    market: 'AU',
    sender: 'carrier',
    title: 'AU carrier: rejection in free text (account number does not match)',
    sentAt: '2026-11-18T05:41:27.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.AU],
    expect: {
      kind: 'answer',
      answer: { type: 'rejected', reasonCode: 'account_number_mismatch', reasonIncludes: 'account number supplied does not match' },
      matchedBy: 'reference',
    },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: AU_CARRIER, textIncludes: ['unable to proceed with the port of 07 3212 3456'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'au-carrier-completion.eml',
    market: 'AU',
    sender: 'carrier',
    title: 'AU carrier: completion in free text (completed on 3 December 2026)',
    sentAt: '2026-12-03T00:42:55.000Z',
    orders: ['orderId'],
    given: { status: 'scheduled', transferDate: '2026-12-03' },
    numbers: [NUMBERS.AU],
    expect: { kind: 'answer', answer: { type: 'completed', completedOn: '2026-12-03' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: AU_CARRIER, textIncludes: ['was completed on 3 December 2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'au-carrier-transfer-date-base64.eml',
    market: 'AU',
    sender: 'carrier',
    title: 'AU carrier: transfer date in a base64 text body (scheduled for Thursday 3 December 2026)',
    sentAt: '2026-11-19T00:20:41.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.AU],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-03' }, matchedBy: 'reference' },
    mime: {
      subject: `Port booking confirmation [PD-${A}]`,
      from: AU_CARRIER,
      textIncludes: ['has been scheduled for Thursday\n3 December 2026', 'Coral Networks’ porting system'],
      html: false,
      attachments: [],
      defects: [],
    },
    notes: 'The reference is in the subject only (a placeholder in base64 could not be substituted).',
  },
  {
    file: 'au-carrier-reply-chain.eml',
    market: 'AU',
    sender: 'carrier',
    title: 'AU carrier: reply quoting its older rejection ABOVE the new transfer date (bottom-posted)',
    sentAt: '2026-11-22T23:03:11.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.AU],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-07' }, matchedBy: 'reference' },
    mime: {
      subject: `Re: [PD-${A}] Corrected port-in request (resubmission)`,
      from: 'mia.hollis@coralnet.example.test',
      textIncludes: ['> Status: Rejected', 'Transfer date: 07/12/2026'],
      html: false,
      attachments: [],
      defects: [],
    },
    notes: 'The quoted "Status: Rejected / Reason code: AN-01" must not count: only the text under the quote is new.',
  },
  {
    file: 'au-carrier-no-reference.eml',
    market: 'AU',
    sender: 'carrier',
    title: 'AU carrier: no [PD-…] reference; found by the number and the carrier (FOC date: 03/12/2026)',
    sentAt: '2026-11-19T03:55:17.000Z',
    orders: [],
    given: SUBMITTED,
    numbers: [NUMBERS.AU],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-03' }, matchedBy: 'numbers' },
    mime: { subject: 'Port notification - 07 3212 3456', from: AU_CARRIER, textIncludes: ['FOC date: 03/12/2026', 'Status: Confirmed'], html: false, attachments: [], defects: [] },
    notes: 'Needs exactly one live order holding +61732123456 with CARRIERS.AU as its losing carrier.',
  },
  {
    file: 'au-customer-bill-copy.eml',
    market: 'AU',
    sender: 'customer',
    title: 'AU customer: reply with a bill copy (PDF), quoting our request',
    sentAt: '2026-11-17T23:47:58.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.AU],
    expect: { kind: 'attach', documents: 1 },
    mime: {
      subject: `Re: [PD-${A}] Your port-in request: a bill copy is needed`,
      from: CUSTOMERS.AU.email,
      textIncludes: ['Please find attached a copy of our latest Coral Networks bill'],
      html: true,
      attachments: [BILL_PDF],
      defects: [],
    },
    notes: 'The document is a bill copy (the file name says "bill").',
  },
  {
    file: 'au-customer-asks-change.eml',
    market: 'AU',
    sender: 'customer',
    title: 'AU customer: asks to change the transfer date (no attachment)',
    sentAt: '2026-11-19T22:10:33.000Z',
    orders: ['orderId'],
    given: { status: 'scheduled', transferDate: '2026-12-03' },
    numbers: [],
    expect: { kind: 'quarantine', code: 'customer_cannot_change_orders' },
    mime: { subject: `Re: [PD-${A}] Your port-in request has a transfer date`, from: CUSTOMERS.AU.email, textIncludes: ['change the transfer date to Tuesday 8 December 2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'au-spoofed-carrier.eml',
    market: 'AU',
    sender: 'other',
    title: "AU forged From: the carrier's address, sent from elsewhere (SPF, DKIM, DMARC fail)",
    sentAt: '2026-11-19T02:31:08.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    verdicts: { spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' },
    numbers: [],
    expect: { kind: 'quarantine', code: 'sender_not_authenticated' },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: AU_CARRIER, textIncludes: ['Status: Rejected', "customer's port-out PIN"], html: false, attachments: [], defects: [] },
    notes: 'Its Reply-To points to the forger; Received and Authentication-Results show the foreign relay.',
  },
  {
    file: 'au-spoofed-carrier-aligned-spf.eml',
    market: 'AU',
    sender: 'other',
    title: "AU forged From with the forger's own envelope: SPF passes (for the forger's domain), DMARC fails",
    sentAt: '2026-11-19T02:40:47.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    verdicts: { spf: 'PASS', dkim: 'GRAY', dmarc: 'FAIL' },
    numbers: [NUMBERS.AU],
    expect: { kind: 'quarantine', code: 'sender_not_authenticated' },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: AU_CARRIER, textIncludes: ['Status: Completed'], html: false, attachments: [], defects: [] },
    notes:
      "SES's SPF verdict is about the MAIL FROM domain (bulk-sender.example.test here), not the From header: only DMARC ties SPF or DKIM to the From domain. A rule trusting spf=PASS alone applies this forged completion.",
  },
  {
    file: 'au-broken-bad-base64.eml',
    market: 'AU',
    sender: 'customer',
    title: 'AU customer: bill copy whose base64 holds a line of garbage (bad base64)',
    sentAt: '2026-11-18T00:05:14.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [],
    expect: { kind: 'attach', documents: 1 },
    mime: {
      subject: `Re: [PD-${A}] Your port-in request: a bill copy is needed`,
      from: CUSTOMERS.AU.email,
      textIncludes: ['sending the bill copy once more'],
      html: false,
      attachments: [BILL_PDF],
      defects: ['bad_base64'],
    },
    notes: 'The garbage bytes are outside the base64 alphabet: decoders skip them and the PDF comes out whole (same sha256).',
  },

  // ---- GB: Thames Line Communications (carrier), Bramble & Finch Ltd (customer) -----------------------
  {
    file: 'gb-carrier-transfer-date.eml',
    market: 'GB',
    sender: 'carrier',
    title: 'GB carrier: transfer date, structured lines (Transfer date: 08/12/2026)',
    sentAt: '2026-11-20T11:02:47.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.GB],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-08' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: GB_CARRIER, textIncludes: ['Transfer date:   08/12/2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'gb-carrier-rejection.eml',
    market: 'GB',
    sender: 'carrier',
    title: 'GB carrier: rejection in free text (installation address does not match)',
    sentAt: '2026-11-19T14:20:31.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.GB],
    expect: {
      kind: 'answer',
      answer: { type: 'rejected', reasonCode: 'address_mismatch', reasonIncludes: 'installation address given does not match' },
      matchedBy: 'reference',
    },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: GB_CARRIER, textIncludes: ['We have rejected port request TLC/PO/2026/118804'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'gb-carrier-completion.eml',
    market: 'GB',
    sender: 'carrier',
    title: 'GB carrier: completion in free text (completed on 8 December 2026)',
    sentAt: '2026-12-08T12:31:09.000Z',
    orders: ['orderId'],
    given: { status: 'scheduled', transferDate: '2026-12-08' },
    numbers: [NUMBERS.GB],
    expect: { kind: 'answer', answer: { type: 'completed', completedOn: '2026-12-08' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Port-in request: 1 number`, from: GB_CARRIER, textIncludes: ['successfully completed on 8 December 2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'gb-carrier-transfer-date-qp.eml',
    market: 'GB',
    sender: 'carrier',
    title: 'GB carrier: transfer date, Outlook multipart/alternative in quoted-printable',
    sentAt: '2026-11-23T09:47:12.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.GB],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-08' }, matchedBy: 'reference' },
    mime: {
      subject: `RE: [PD-${A}] Port-in request: 1 number`,
      from: 'harriet.okafor@thamesline.example.test',
      textIncludes: ['Apologies for the delay – we’ve now been able to validate the order.', 'is confirmed for Tuesday 8 December 2026', 'Transfer date: 08/12/2026'],
      html: true,
      attachments: [],
      defects: [],
    },
  },
  {
    file: 'gb-carrier-rejection-html-only.eml',
    market: 'GB',
    sender: 'carrier',
    title: "GB carrier portal: rejection as HTML only (layout tables, entities), from a subdomain of the carrier's",
    sentAt: '2026-11-19T16:05:09.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.GB],
    expect: {
      kind: 'answer',
      answer: { type: 'rejected', reasonCode: 'name_mismatch', reasonIncludes: 'Account holder name mismatch' },
      matchedBy: 'reference',
    },
    mime: {
      subject: `[PD-${A}] Port order TLC/PO/2026/118804 rejected`,
      from: 'no-reply@portal.thamesline.example.test',
      textIncludes: ['Status: Rejected', 'Reason code: NM-02', 'Reason: Account holder name mismatch (we hold "Bramble & Finch Holdings Ltd")', 'doesn’t match our records'],
      html: true,
      attachments: [],
      defects: [],
    },
    notes: 'The text must come out without tags or entities, one table row per line, cells apart.',
  },
  {
    file: 'gb-carrier-forwarded.eml',
    market: 'GB',
    sender: 'carrier',
    title: "GB carrier: the desk's answer forwarded by a colleague (Gmail-style forward, nothing written above)",
    sentAt: '2026-11-20T15:30:02.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.GB],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-08' }, matchedBy: 'reference' },
    mime: { subject: `Fwd: RE: [PD-${A}] Port-in request: 1 number`, from: 'harriet.okafor@thamesline.example.test', textIncludes: ['---------- Forwarded message ---------', 'Transfer date: 08/12/2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'gb-carrier-forwarded-outlook.eml',
    market: 'GB',
    sender: 'carrier',
    title: "GB carrier: the desk's answer auto-forwarded by Outlook from an old mailbox (FW:, From/Sent/To/Subject block)",
    sentAt: '2026-11-20T11:03:36.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.GB],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-08' }, matchedBy: 'reference' },
    mime: { subject: `FW: [PD-${A}] Port-in request: 1 number`, from: 'porting-legacy@thamesline.example.test', textIncludes: ['Sent: 20 November 2026 11:02', 'Transfer date: 08/12/2026'], html: false, attachments: [], defects: [] },
    notes: 'Outlook keeps the original subject in the inner header block; the FW: is on the outer Subject only (Auto-Submitted: auto-forwarded).',
  },
  {
    file: 'gb-customer-loa-image.eml',
    market: 'GB',
    sender: 'customer',
    title: 'GB customer: photo of the signed LOA (PNG), iPhone Mail',
    sentAt: '2026-11-18T17:26:39.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [],
    expect: { kind: 'attach', documents: 1 },
    mime: {
      subject: `Re: [PD-${A}] Your port-in request: signature needed`,
      from: CUSTOMERS.GB.email,
      textIncludes: ['Photo of the signed letter of authority attached', 'I’ve signed', 'Sent from my iPhone'],
      html: false,
      attachments: [LOA_PNG],
      defects: [],
    },
  },
  {
    file: 'gb-carrier-auto-reply.eml',
    market: 'GB',
    sender: 'carrier',
    title: 'GB carrier staff: out-of-office auto-reply (Auto-Submitted: auto-replied)',
    sentAt: '2026-11-20T11:02:58.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [],
    expect: { kind: 'quarantine', code: 'unclear_answer' },
    mime: { subject: `Automatic reply: [PD-${A}] Port-in request: 1 number`, from: 'harriet.okafor@thamesline.example.test', textIncludes: ['out of the office until Monday 30 November'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'gb-other-newsletter.eml',
    market: 'GB',
    sender: 'other',
    title: 'GB third party: a webinar newsletter (no reference, not a carrier)',
    sentAt: '2026-11-24T08:00:03.000Z',
    orders: [],
    given: SUBMITTED,
    numbers: [],
    expect: { kind: 'quarantine', code: 'no_reference' },
    mime: { subject: 'Webinar: number porting in 2027 - reserve your place', from: 'events@lattice-consulting.example.test', textIncludes: ['Join our free 45-minute webinar'], html: true, attachments: [], defects: [] },
  },

  // ---- FR: Hexatel (opérateur), Boulangerie Lavande SARL (client) -------------------------------------
  {
    file: 'fr-carrier-transfer-date.eml',
    market: 'FR',
    sender: 'carrier',
    title: 'FR opérateur : date de portage, lignes structurées (Statut : Accepté, Date de portage : 10/12/2026)',
    sentAt: '2026-11-23T09:05:44.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.FR],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-10' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Demande de portabilité : 1 numéro`, from: FR_CARRIER, textIncludes: ['Statut : Accepté', 'Date de portage : 10/12/2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'fr-carrier-rejection.eml',
    market: 'FR',
    sender: 'carrier',
    title: 'FR opérateur : rejet en texte libre (code RIO invalide)',
    sentAt: '2026-11-20T15:12:09.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.FR],
    expect: { kind: 'answer', answer: { type: 'rejected', reasonCode: 'pin_invalid', reasonIncludes: 'RIO communiqué est invalide' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Demande de portabilité : 1 numéro`, from: FR_CARRIER, textIncludes: ['a été rejetée : le code\nRIO communiqué est invalide'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'fr-carrier-completion.eml',
    market: 'FR',
    sender: 'carrier',
    title: 'FR opérateur : portage effectué le 10 décembre 2026 (texte libre)',
    sentAt: '2026-12-10T10:20:37.000Z',
    orders: ['orderId'],
    given: { status: 'scheduled', transferDate: '2026-12-10' },
    numbers: [NUMBERS.FR],
    expect: { kind: 'answer', answer: { type: 'completed', completedOn: '2026-12-10' }, matchedBy: 'reference' },
    mime: { subject: `RE: [PD-${A}] Demande de portabilité : 1 numéro`, from: FR_CARRIER, textIncludes: ['a bien été effectué le 10 décembre 2026'], html: false, attachments: [], defects: [] },
  },
  {
    file: 'fr-carrier-transfer-date-latin1.eml',
    market: 'FR',
    sender: 'carrier',
    title: 'FR opérateur : date de portage en ISO-8859-1 (programmé le jeudi 17 déc. 2026)',
    sentAt: '2026-11-25T13:44:01.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.FR],
    expect: { kind: 'answer', answer: { type: 'transfer_date', transferDate: '2026-12-17' }, matchedBy: 'reference' },
    mime: {
      subject: `Re: [PD-${A}] Date de portage programmée`,
      from: FR_CARRIER,
      textIncludes: ['Suite à votre relance', 'est programmé le jeudi 17 déc. 2026', "Hexatel - 18 rue de l'Échiquier"],
      html: false,
      attachments: [],
      defects: [],
    },
  },
  {
    file: 'fr-carrier-two-references.eml',
    market: 'FR',
    sender: 'carrier',
    title: 'FR opérateur : deux références [PD-…] dans un même message',
    sentAt: '2026-11-24T08:31:22.000Z',
    orders: ['orderId', 'otherOrderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.FR, OTHER_NUMBERS.FR],
    expect: { kind: 'quarantine', code: 'several_references' },
    mime: { subject: `RE: [PD-${A}] [PD-${B}] Demandes de portabilité`, from: FR_CARRIER, textIncludes: [`[PD-${B}] 01 42 68 53 01 : date de portage 11/12/2026`], html: false, attachments: [], defects: [] },
    notes: 'Two orders of the same carrier, one per number (OTHER_NUMBERS.FR for the second).',
  },
  {
    file: 'fr-customer-signed-mandate.eml',
    market: 'FR',
    sender: 'customer',
    title: 'FR client : mandat signé (PDF, nom de fichier RFC 2231 accentué), Thunderbird',
    sentAt: '2026-11-19T13:58:17.000Z',
    orders: ['orderId'],
    given: SUBMITTED,
    numbers: [NUMBERS.FR],
    expect: { kind: 'attach', documents: 1 },
    mime: {
      subject: `Re: [PD-${A}] Votre demande de portabilité : signature nécessaire`,
      from: CUSTOMERS.FR.email,
      textIncludes: ['Veuillez trouver ci-joint le mandat de portabilité signé', 'Élodie Marchand'],
      html: false,
      attachments: [MANDATE_PDF],
      defects: [],
    },
  },
  {
    file: 'fr-broken-missing-closing-boundary.eml',
    market: 'FR',
    sender: 'carrier',
    title: 'FR opérateur : portage réalisé, message coupé (pas de frontière finale, base64 tronqué)',
    sentAt: '2026-12-10T10:35:14.000Z',
    orders: ['orderId'],
    given: { status: 'scheduled', transferDate: '2026-12-10' },
    numbers: [NUMBERS.FR],
    expect: { kind: 'answer', answer: { type: 'completed', completedOn: '2026-12-10' }, matchedBy: 'reference', documents: 0 },
    mime: {
      subject: `RE: [PD-${A}] Portage réalisé`,
      from: FR_CARRIER,
      textIncludes: ['a été réalisé le 10/12/2026'],
      html: false,
      attachments: [CUT_CSV],
      defects: ['missing_closing_boundary', 'bad_base64'],
    },
    notes: 'The text part is whole; the attached CSV report is cut off (not a document type, so nothing is filed).',
  },
];

export function fixture(file: string): EmailFixture {
  const found = EMAIL_FIXTURES.find((entry) => entry.file === file);
  if (!found) throw new Error(`No email fixture ${file}`);
  return found;
}

export type FixtureSubstitutions = Partial<Record<OrderPlaceholder, string>>;

const ORDER_ID = /^pin_[a-z2-7]{16}$/;

/** Replaces the placeholders in raw bytes (latin1 view: other bytes pass unchanged; the ids are ASCII and as long as the placeholders). */
export function substitute(raw: Buffer, substitutions: FixtureSubstitutions = {}): Buffer {
  let text = raw.toString('latin1');
  for (const key of Object.keys(substitutions) as OrderPlaceholder[]) {
    const id = substitutions[key];
    if (id === undefined) continue;
    if (!ORDER_ID.test(id)) throw new Error(`${key} must be an order id (pin_ + 16 of a-z2-7), not ${id}`);
    text = text.replaceAll(PLACEHOLDERS[key], id);
  }
  return Buffer.from(text, 'latin1');
}

/** The raw bytes of a fixture, with real order ids in place of the placeholders. */
export function loadFixture(file: string, substitutions: FixtureSubstitutions = {}): Buffer {
  return substitute(readFileSync(new URL(file, FIXTURE_DIR)), substitutions);
}

/** What the 20 MB message is and what the intake should conclude (not a file: see bigAttachmentMessage). */
export const BIG_ATTACHMENT: Omit<EmailFixture, 'file' | 'mime'> & { attachmentFilename: string } = {
  market: 'AU',
  sender: 'customer',
  title: 'AU customer: a scanned bill of 20 MB (the raw message is about 27 MB once base64-encoded)',
  sentAt: '2026-11-18T01:12:40.000Z',
  orders: ['orderId'],
  given: SUBMITTED,
  numbers: [NUMBERS.AU],
  expect: { kind: 'quarantine', code: 'oversized' },
  attachmentFilename: 'bill-scan-october-2026.pdf',
  notes: 'Oversized against the default 25 MiB limit (MAX_MESSAGE_BYTES); the attachment itself is exactly `bytes` long.',
};

/** Deterministic filler: a PDF header, then a 4,093-byte pseudo-random block repeated (content the same on every run). */
export function bigAttachmentContent(bytes: number): Buffer {
  const content = Buffer.alloc(bytes);
  const block = Buffer.alloc(4093);
  let state = 0x2545f491;
  for (let i = 0; i < block.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    block[i] = state & 0xff;
  }
  for (let at = 0; at < bytes; at += block.length) block.copy(content, at, 0, Math.min(block.length, bytes - at));
  Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1').copy(content, 0, 0, Math.min(15, bytes));
  return content;
}

/** The customer's message with a `bytes`-long PDF attachment (built with nodemailer's MailComposer, base64). */
export async function bigAttachmentMessage(bytes = 20 * 1024 * 1024, substitutions: FixtureSubstitutions = {}): Promise<Buffer> {
  const orderId = substitutions.orderId ?? PLACEHOLDERS.orderId;
  const raw = await new MailComposer({
    from: `${CUSTOMERS.AU.firstName} ${CUSTOMERS.AU.lastName} <${CUSTOMERS.AU.email}>`,
    to: `PortDesk <${INTAKE_ADDRESS}>`,
    subject: `Re: [PD-${orderId}] Your port-in request: a bill copy is needed`,
    date: new Date(BIG_ATTACHMENT.sentAt),
    messageId: '<CAF3k9x2QW7m1nP0vB8sT4yR6uE5iO9aZ2cL1dH3fJ7gZ1@mail.quokkawidgets.example.test>',
    text: 'Hi PortDesk team,\n\nHere is the scan of our October bill. Sorry it is so large, the scanner only does high resolution.\n\nRobin Ng\nQuokka Widgets Pty Ltd\n',
    attachments: [{ filename: BIG_ATTACHMENT.attachmentFilename, content: bigAttachmentContent(bytes), contentType: 'application/pdf' }],
  })
    .compile()
    .build();
  return raw;
}
