// Email intake (design decision 5): every message sent to the porting mailbox is read once, matched
// to an order, weighed (sender and SES verdicts) and applied through the same use case as the API
// (recordCarrierEvent), or kept in quarantine with its reason for an operator. Nothing is dropped:
// the raw message stays in the blob store and every message has a record.
//
// Exactly once, as built here:
//   1. The record's id is the SHA-256 of the raw bytes; the claim also writes a Message-ID guard in
//      the same transaction. A second delivery of the same bytes or the same Message-ID finds the
//      first record: nothing more happens (`duplicate`), unless it is the same bytes still in
//      `received` (a retry after a crash or a transient failure), which resumes the work.
//   2. Before an answer is applied, the record gets an `applying` marker (order, answer, the order's
//      version, the time, the actor) in a conditional update. Then recordCarrierEvent runs; then one
//      conditional update moves the record from `received` to its final status and clears the marker.
//   3. A retry that finds the marker checks the order before applying again: an unchanged version
//      means nothing was written; otherwise the order's timeline is searched for the answer's event
//      by the same actor since the marker was set. Found: the answer was applied (the crash came
//      between the order write and the record's final update), so it is not applied again.
//      Rejections are the reason this matters: a second rejection withdraws an order.
//      The operator's apply uses the same marker and check.
//   4. A gaining carrier's port-out request (no reference) goes to requestPortOut, like the API's.
//      Its port-out id is derived from the record's id (portOutIdFor) and its documents' ids from
//      the record's id too: a retry stores the same documents and finds the port-out already
//      there, which requestPortOut returns as it is (no second decision, no second email).
//   5. A gaining carrier's reply naming a port-out ([PD-pout_…]) can only report the port's
//      completion; it goes to recordPortOutCarrierEvent, like the API's `completed` event, without
//      a marker: the use case takes a completion with the port-out's own date as done already and
//      returns the port-out unchanged (no second event, no second email). So a retry after a
//      crash, a concurrent delivery (its version conflict is transient; the retry finds it done) or
//      the carrier sending its reply twice all leave one completion. Its documents' ids come from
//      the record's id, as above.
//
// Logs carry ids, codes and counts only: never addresses, subjects or bodies.
import { createHash } from 'node:crypto';
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import type {
  Caller,
  CarrierRecord,
  DocumentKind,
  DocumentRecord,
  InboundEmailRecord,
  InboundEmailStatus,
  PageRequest,
  ParsedAttachment,
  ParsedEmail,
} from '../ports.ts';
import { documentBlobKey } from '../ports.ts';
import { actorOf, type IntakeDeps } from '../context.ts';
import { logger } from '../logger.ts';
import { recordCarrierEvent } from './port-ins.ts';
import { normalizePortOutNumbers, recordPortOutCarrierEvent, requestPortOut } from './port-outs.ts';
import { ConcurrentModificationError, DomainError, NotFoundError, RuleViolationError } from '../../rules/errors.ts';
import { HttpError } from '../../http/problem.ts';
import { formatPath } from '../../http/handler.ts';
import { CreatePortOutBody } from '../../http/schemas.ts';
import { policyFor } from '../../rules/markets.ts';
import { MARKETS, type Actor, type PortInEvent, type PortInOrder } from '../../rules/types.ts';
import type { CarrierAnswer, QuarantineCode, ReceiptVerdicts } from '../../rules/email/types.ts';
import { findOrderReferences } from '../../rules/email/references.ts';
import { isForwardSubject, newestPart } from '../../rules/email/quotes.ts';
import { readCarrierAnswer } from '../../rules/email/answers.ts';
import { isPortOutRequest, readPortOutRequest } from '../../rules/email/port-out-request.ts';
import { isWithinDomain, judgeSender, normalizeDomain, parseAddress } from '../../rules/email/trust.ts';

// ---- types ----------------------------------------------------------------------------------------------

/** What the operator's routes need: everything of the intake but the MIME parser (they never parse). */
export type InboxDeps = Omit<IntakeDeps, 'mime'>;

/** An answer about to be applied (see "Exactly once" above). */
export interface ApplyingMarker {
  orderId: string;
  answer: CarrierAnswer;
  /** The order's version read just before applying. */
  orderVersion: number;
  /** When the marker was set: the answer's timeline event, if written, is at or after it. */
  at: string;
  /** Who applies it (the carrier for the intake, the operator for a decision). */
  actor: Actor;
}

/** An operator's decision on a quarantined message. */
export interface OperatorDecision {
  action: 'applied' | 'dismissed';
  /** The operator's principal id. */
  by: string;
  at: string;
  /** Why the message was quarantined before the decision (a dismissal replaces `reason`). */
  quarantineReason: { code: string; message: string } | null;
}

/**
 * The record as this module keeps it: the port's fields plus the marker and the decision. The
 * DynamoDB store keeps the record as one document, so the extra fields are stored as they are.
 */
export type InboundEmailState = InboundEmailRecord & { applying?: ApplyingMarker | null; decision?: OperatorDecision | null };

export interface ReceiveInboundEmailInput {
  /** Where the raw message is in the blob store (`inbound/<SES message id>`). */
  rawKey: string;
  sesMessageId: string;
  /** When SES (or the local SMTP server) received it (ISO instant). */
  receivedAt: string;
  verdicts: ReceiptVerdicts;
  /** The envelope recipients. */
  recipients: string[];
}

export type ReceiveOutcome =
  | { status: 'duplicate'; id: string; existingStatus: InboundEmailStatus }
  | { status: Exclude<InboundEmailStatus, 'received' | 'dismissed'>; id: string; orderId: string | null; reasonCode: string | null };

/** The end of one message's processing: what the final update writes. */
interface Outcome {
  status: 'applied' | 'attached' | 'quarantined';
  reason: { code: string; message: string } | null;
  orderId: string | null;
  applied: CarrierAnswer | null;
}

// ---- limits -----------------------------------------------------------------------------------------------

/** Characters of plain text kept on the record for the operator. */
export const TEXT_PREVIEW_CHARS = 20_000;
// The record is one DynamoDB item (400 KB at most): what it keeps of a message is bounded.
const MAX_HEADERS = 30;
const MAX_HEADER_VALUE_CHARS = 1_000;
/** Attachments listed (and filed as documents) per message; the raw message keeps the rest. */
const MAX_ATTACHMENTS = 50;
const MAX_FILENAME_CHARS = 200;
const MAX_SUBJECT_CHARS = 1_000;
const MAX_RECIPIENTS = 50;
/** Bytes searched for the header block of an oversized message (it is otherwise never parsed). */
const OVERSIZED_HEAD_BYTES = 64 * 1024;
/** Phone numbers read from one message, and orders they may point at: more is not a match anyway. */
const MAX_NUMBERS = 50;
const MAX_CANDIDATE_ORDERS = 20;
const MAX_CARRIER_PAGES = 20;
const MAX_ERROR_CHARS = 500;

// ---- the intake -------------------------------------------------------------------------------------------

/** A failure of our own record's conditional update: another delivery is working on the message. */
class InboundRaceError extends Error {
  override readonly name = 'InboundRaceError';
}

/** Transient: anything but a rule's answer (a DomainError), or a concurrent change that a retry resolves. */
function isTransient(error: unknown): boolean {
  return !(error instanceof DomainError) || error instanceof ConcurrentModificationError;
}

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** `ibm_` + the first 32 hex digits of the raw message's SHA-256. */
export const inboundEmailId = (raw: Buffer): string => `ibm_${sha256Hex(raw).slice(0, 32)}`;

/**
 * Reads one raw message from the blob store and takes it as far as it can go. Returns what became of
 * it; throws (after counting the attempt) on a transient failure so that the delivery is retried,
 * until `maxAttempts`, when the message is quarantined as `failed_repeatedly`.
 */
export async function receiveInboundEmail(deps: IntakeDeps, input: ReceiveInboundEmailInput): Promise<ReceiveOutcome> {
  const raw = await deps.blobs.get(input.rawKey);
  const rawSha256 = sha256Hex(raw);
  const id = `ibm_${rawSha256.slice(0, 32)}`;
  const oversized = raw.length > deps.intake.maxMessageBytes;

  // Oversized: never parsed; only its header block is read (for the Message-ID and the operator).
  let parsed: ParsedEmail | null = null;
  let parseFailure: string | null = null;
  try {
    parsed = await deps.mime.parse(oversized ? headerBlock(raw) : raw);
  } catch (error) {
    if (!oversized) parseFailure = errorText(error);
  }

  const now = deps.clock.now().toISOString();
  const fresh = newRecord(id, rawSha256, raw.length, input, parsed, now);
  if (oversized) {
    settle(fresh, { status: 'quarantined', orderId: null, applied: null, reason: reason('oversized', `The message is ${raw.length} bytes; messages above ${deps.intake.maxMessageBytes} bytes are kept unread.`) });
  } else if (parsed === null) {
    settle(fresh, { status: 'quarantined', orderId: null, applied: null, reason: reason('unparseable', `The MIME parser failed: ${parseFailure ?? 'no result'}.`) });
  } else if (unreadable(parsed)) {
    settle(fresh, { status: 'quarantined', orderId: null, applied: null, reason: reason('unparseable', `The message could not be read: ${parsed.defects.slice(0, 5).join('; ')}.`) });
  }

  const claim = await deps.inboundEmails.claim(fresh);
  if (claim.created && fresh.status !== 'received') {
    logger.info('inbound email processed', { inboundId: id, status: fresh.status, reason: fresh.reason?.code, bytes: raw.length });
  }
  let record: InboundEmailState = fresh;
  if (!claim.created) {
    const existing = claim.existing as InboundEmailState;
    // Another message with this Message-ID, or this one already finished: nothing more happens.
    if (existing.id !== id || existing.status !== 'received') {
      logger.info('inbound email duplicate', { inboundId: id, existingId: existing.id, existingStatus: existing.status });
      return { status: 'duplicate', id: existing.id, existingStatus: existing.status };
    }
    record = existing; // the same bytes still in `received`: a retry resumes the work
    logger.info('inbound email resumed', { inboundId: id, attempts: existing.attempts, applying: existing.applying ? 1 : 0 });
  }
  if (record.status !== 'received') return finished(record);

  const holder = { record };
  try {
    if (parsed === null) {
      await writeFinal(deps, holder, quarantine('unparseable', 'The MIME parser gave no result.'));
      return finished(holder.record);
    }
    const outcome = await processMessage(deps, holder, parsed);
    await writeFinal(deps, holder, outcome);
    return finished(holder.record);
  } catch (error) {
    if (error instanceof InboundRaceError) {
      const latest = (await deps.inboundEmails.get(id)) as InboundEmailState | null;
      if (latest !== null && latest.status !== 'received') return { status: 'duplicate', id, existingStatus: latest.status };
      throw error;
    }
    if (!isTransient(error)) {
      // A rule's answer outside the apply step (those are handled there): the operator decides.
      const domain = error as DomainError;
      await writeFinal(deps, holder, { status: 'quarantined', orderId: holder.record.orderId, applied: null, reason: reason('rejected_by_rules', domain.message, domain.code) });
      return finished(holder.record);
    }
    return countFailure(deps, holder, error);
  }
}

/** A transient failure: one more attempt counted and the error rethrown, or quarantine once they are spent. */
async function countFailure(deps: IntakeDeps, holder: { record: InboundEmailState }, error: unknown): Promise<ReceiveOutcome> {
  const record = holder.record;
  const attempts = record.attempts + 1;
  const name = error instanceof Error ? error.name : 'Error';
  if (attempts >= deps.intake.maxAttempts) {
    logger.error('inbound email failed repeatedly; quarantined', { inboundId: record.id, attempts, error: name });
    try {
      await writeFinal(deps, holder, { status: 'quarantined', orderId: record.orderId, applied: null, reason: reason('failed_repeatedly', `Failed ${attempts} times; last error: ${errorText(error)}`) }, attempts);
      return finished(holder.record);
    } catch {
      throw error; // the record could not be written either: the delivery is retried
    }
  }
  logger.warn('inbound email failed; it will be retried', { inboundId: record.id, attempts, error: name });
  try {
    const next: InboundEmailState = { ...record, attempts, updatedAt: deps.clock.now().toISOString(), version: record.version + 1 };
    await deps.inboundEmails.update(next, record.version);
    holder.record = next;
  } catch {
    // Counting failed too (same outage, or another delivery moved the record): the retry finds out.
  }
  throw error;
}

function finished(record: InboundEmailState): ReceiveOutcome {
  const status = record.status as Exclude<InboundEmailStatus, 'received' | 'dismissed'>;
  return { status, id: record.id, orderId: record.orderId, reasonCode: record.reason?.code ?? null };
}

/** Moves the record to its final status in one conditional update (from `received`, or claims it so). */
async function writeFinal(deps: InboxDeps, holder: { record: InboundEmailState }, outcome: Outcome, attempts?: number): Promise<void> {
  const record = holder.record;
  const next: InboundEmailState = { ...record, attempts: attempts ?? record.attempts, updatedAt: deps.clock.now().toISOString(), version: record.version + 1 };
  settle(next, outcome);
  next.applying = null;
  await updateRecord(deps, next, record.version);
  holder.record = next;
  logger.info('inbound email processed', {
    inboundId: next.id,
    status: next.status,
    reason: next.reason?.code,
    orderId: next.orderId ?? undefined,
    attachments: next.attachments.length,
    documents: next.attachments.filter((a) => a.documentId !== null).length,
    attempts: next.attempts,
  });
}

function settle(record: InboundEmailState, outcome: Outcome): void {
  record.status = outcome.status;
  record.reason = outcome.reason;
  record.orderId = outcome.orderId;
  record.applied = outcome.applied;
}

async function updateRecord(deps: InboxDeps, next: InboundEmailState, expectedVersion: number): Promise<void> {
  try {
    await deps.inboundEmails.update(next, expectedVersion);
  } catch (error) {
    if (error instanceof ConcurrentModificationError) throw new InboundRaceError(`inbound email ${next.id} changed meanwhile`);
    throw error;
  }
}

const reason = (code: QuarantineCode, message: string, detailCode?: string) => ({
  code,
  message: (detailCode ? `${detailCode}: ${message}` : message).slice(0, 2_000),
});
const quarantine = (code: QuarantineCode, message: string, orderId: string | null = null, detailCode?: string): Outcome => ({
  status: 'quarantined',
  reason: reason(code, message, detailCode),
  orderId,
  applied: null,
});

/** The part of the work between the claim and the final update. Throws only transient errors. */
async function processMessage(deps: IntakeDeps, holder: { record: InboundEmailState }, parsed: ParsedEmail): Promise<Outcome> {
  const { verdicts } = holder.record;
  // Virus and spam verdicts outrank everything (the trust rule's first checks): not even matched.
  const gate = judgeSender({ fromAddress: null, verdicts, carriers: [], customerAddresses: [] });
  if (gate.kind === 'untrusted' && (gate.code === 'virus' || gate.code === 'spam')) return quarantine(gate.code, gate.message);

  const sender = parsed.from?.address.trim().toLowerCase() ?? null;
  const carriers = await allCarriers(deps);
  const newest = newestPart(parsed.text, { forwardedMessage: isForwardSubject(parsed.subject) });

  // A gaining carrier asking us to release numbers: no order to match, the message makes a port-out.
  // (A message carrying a [PD-…] reference is about something that exists, never a new request.)
  if (isPortOutRequest(parsed.subject, parsed.text)) return portOutRequest(deps, holder, parsed, sender, carriers);

  // Which order: the [PD-<id>] reference, else the numbers in the newest part and the sender's carrier.
  const references = findOrderReferences(parsed.subject, parsed.text);
  let order: PortInOrder | null;
  if (references.length > 1) {
    return quarantine('several_references', `The message names ${references.length} orders; an operator picks the one it is about.`);
  } else if (references.length === 1 && references[0]!.startsWith('pout_')) {
    return portOutReply(deps, holder, parsed, references[0]!, newest, sender, carriers);
  } else if (references.length === 1) {
    order = await deps.repository.getOrder(references[0]!);
    if (order === null) return quarantine('unknown_order', `No order ${references[0]} exists.`);
  } else {
    const match = await matchByNumbers(deps, newest, sender, carriers);
    if (match.kind === 'none') return quarantine('no_reference', 'The message names no order ([PD-<order id>]) and its numbers match no order of the sender\'s carrier.');
    if (match.kind === 'several') return quarantine('several_references', `The message's numbers match ${match.count} orders of the sender's carrier; an operator picks one.`);
    order = match.order;
  }

  // Who the sender is for this order: a carrier (any: the rule refuses a domain two carriers
  // claim), this order's customer, or nobody.
  const account = await deps.repository.getAccount(order.accountId);
  const customerAddresses = [account?.adminEmail, order.details.submitterEmail]
    .filter((address): address is string => typeof address === 'string' && address !== '')
    .map((address) => ({ accountId: order.accountId, address }));
  const trust = judgeSender({
    fromAddress: sender,
    verdicts,
    carriers: carriers.map(({ id, emailDomains }) => ({ id, emailDomains })),
    customerAddresses,
  });
  if (trust.kind === 'untrusted') return quarantine(trust.code, trust.message, order.id);

  if (trust.kind === 'customer') {
    if (trust.accountId !== order.accountId) return quarantine('unknown_sender', 'The sender is not a customer of this order.', order.id);
    const stored = await storeAttachments(deps, holder, order.id, parsed, 'customer');
    if (stored === 0) {
      return quarantine('customer_cannot_change_orders', 'A customer\'s message can only bring documents (PDF, PNG or JPEG); this one has none. An operator reads it.', order.id);
    }
    if (asksForChange(newest)) {
      return quarantine('customer_cannot_change_orders', `The customer asks for a change, which email cannot make; ${stored} document(s) were filed. An operator reads it.`, order.id);
    }
    return { status: 'attached', reason: null, orderId: order.id, applied: null };
  }

  // A carrier: only the order's losing carrier may answer for it.
  if (order.details.carrierId !== trust.carrierId) {
    return quarantine('sender_not_order_carrier', 'The sender belongs to a carrier that is not this order\'s losing carrier.', order.id);
  }
  await storeAttachments(deps, holder, order.id, parsed, 'carrier');
  const understanding = readCarrierAnswer(newest, order.market);
  if (understanding.kind === 'unclear') return quarantine('unclear_answer', understanding.message, order.id, understanding.code);

  const caller: Caller = { role: 'carrier', principalId: `email:${holder.record.id}`, accountId: null, carrierId: trust.carrierId };
  try {
    await applyOnce(deps, holder, caller, order.id, understanding.answer);
  } catch (error) {
    if (error instanceof NotFoundError) return quarantine('sender_not_order_carrier', 'The order is not visible to the sender\'s carrier.', order.id);
    if (error instanceof DomainError && !(error instanceof ConcurrentModificationError)) {
      return quarantine('rejected_by_rules', error.message, order.id, error.code);
    }
    throw error;
  }
  return { status: 'applied', reason: null, orderId: order.id, applied: understanding.answer };
}

// ---- port-out requests by email ---------------------------------------------------------------------------

/**
 * `pout_` + 16 base32 characters (newId's alphabet) of the SHA-256 of the inbound email's id: every
 * retry of one message finds the same port-out, which requestPortOut then returns as it is.
 */
export function portOutIdFor(inboundId: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const digest = createHash('sha256').update(inboundId).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[digest[i]! & 31];
  return `pout_${out}`;
}

const LOA_WORDS = /\b(loa|letter of authori[sz]ation|letter of authority|authori[sz]ation|authority|mandat|mandate|lettre d'autorisation|autorisation)\b/i;

/**
 * Which attachment is the signed Letter of Authority: a PDF (by its bytes) named like one, else the
 * first PDF that is not named as a bill. Null: there is none.
 */
export function loaAttachmentIndex(attachments: readonly Pick<ParsedAttachment, 'filename' | 'content'>[]): number | null {
  const pdfs = attachments
    .slice(0, MAX_ATTACHMENTS)
    .map((attachment, index) => ({ attachment, index }))
    .filter(({ attachment }) => sniffDocumentType(attachment.content)?.contentType === 'application/pdf');
  const words = (filename: string | null) => (filename ?? '').replace(/[_\-.]+/g, ' ');
  const named = pdfs.find(({ attachment }) => LOA_WORDS.test(words(attachment.filename)));
  const notBill = pdfs.find(({ attachment }) => documentKindOf(attachment.filename, '') !== 'bill_copy');
  return (named ?? notBill)?.index ?? null;
}

/**
 * A gaining carrier's port-out request (issue 6, part 7), through the same use case as the API: the
 * sender must be a carrier, the request complete, its LOA attached (a PDF). The attachments become
 * documents of the port-out (the LOA as `loa_signed`). Accepted or rejected by the rules, the
 * message is `applied`: the use case answers the carrier by email. A request the rules refuse
 * outright (numbers not in E.164: nothing is stored) waits for an operator.
 */
async function portOutRequest(deps: IntakeDeps, holder: { record: InboundEmailState }, parsed: ParsedEmail, sender: string | null, carriers: CarrierRecord[]): Promise<Outcome> {
  const inboundId = holder.record.id;
  // Only carriers ask for port-outs: customers' addresses do not count here.
  const trust = judgeSender({
    fromAddress: sender,
    verdicts: holder.record.verdicts,
    carriers: carriers.map(({ id, emailDomains }) => ({ id, emailDomains })),
    customerAddresses: [],
  });
  if (trust.kind === 'untrusted') return quarantine(trust.code, trust.message);
  if (trust.kind !== 'carrier' || sender === null) return quarantine('unknown_sender', 'Only a carrier can request a port-out.');

  const reading = readPortOutRequest(parsed.text, { forwardedMessage: isForwardSubject(parsed.subject) });
  if (reading.kind === 'incomplete') return quarantine('port_out_request_incomplete', reading.message);
  const { numbers, accountNumber, pin, authorizedName, requestedDate } = reading.input;
  // The API's limits hold for email too (how many numbers, how long each field).
  const body = CreatePortOutBody.safeParse({ numbers, accountNumber: accountNumber ?? undefined, pin: pin ?? undefined, authorizedName, requestedDate });
  if (!body.success) {
    const issues = body.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    return quarantine('port_out_request_incomplete', `The port-out request's fields are out of bounds: ${issues}.`);
  }

  const loaIndex = loaAttachmentIndex(parsed.attachments);
  if (loaIndex === null) {
    return quarantine('port_out_loa_missing', 'A port-out request by email needs the signed Letter of Authority attached as a PDF; this message has none. An operator asks the carrier for it.');
  }

  const portOutId = portOutIdFor(inboundId);
  const caller: Caller = { role: 'carrier', principalId: `email:${inboundId}`, accountId: null, carrierId: trust.carrierId };
  try {
    // Numbers the use case would refuse (422, nothing stored) are refused before any document is filed.
    normalizePortOutNumbers(body.data.numbers);
    await storeAttachments(deps, holder, portOutId, parsed, 'carrier', loaIndex);
    const loaDocumentId = holder.record.attachments[loaIndex]?.documentId ?? null;
    const view = await requestPortOut(deps, caller, body.data, { channel: 'email', id: portOutId, inboundEmailId: inboundId, loaDocumentId, replyTo: sender });
    logger.info('inbound email port-out request', { inboundId, portOutId, status: view.status, code: view.rejection?.code });
  } catch (error) {
    if (error instanceof RuleViolationError) {
      const details = error.issues.map((issue) => issue.message).join(' ');
      return quarantine('rejected_by_rules', details === '' ? error.message : `${error.message} ${details}`, null, error.code);
    }
    throw error;
  }
  return { status: 'applied', reason: null, orderId: portOutId, applied: null };
}

/**
 * A gaining carrier's reply about one of its port-outs (the answer we sent it asks for one when the
 * port completes). Only its carrier may answer, and only with the completion: a withdrawal goes
 * through the API, and anything else waits for an operator. The completion goes through
 * recordPortOutCarrierEvent like the API's; the rules' refusals (not accepted, a date before the
 * acceptance or in the future) wait for an operator with their code. Applied at most once: see the
 * top of this file (5).
 */
async function portOutReply(
  deps: IntakeDeps,
  holder: { record: InboundEmailState },
  parsed: ParsedEmail,
  portOutId: string,
  newest: string,
  sender: string | null,
  carriers: CarrierRecord[],
): Promise<Outcome> {
  const portOut = await deps.repository.getPortOut(portOutId);
  if (portOut === null) return quarantine('unknown_order', `No port-out ${portOutId} exists.`);

  // Only carriers report on port-outs: customers' addresses do not count here.
  const trust = judgeSender({
    fromAddress: sender,
    verdicts: holder.record.verdicts,
    carriers: carriers.map(({ id, emailDomains }) => ({ id, emailDomains })),
    customerAddresses: [],
  });
  if (trust.kind === 'untrusted') return quarantine(trust.code, trust.message, portOut.id);
  if (trust.kind !== 'carrier') return quarantine('unknown_sender', 'Only the gaining carrier can report on a port-out.', portOut.id);
  if (trust.carrierId !== portOut.carrierId) {
    return quarantine('sender_not_order_carrier', 'The sender belongs to a carrier that is not this port-out\'s gaining carrier.', portOut.id);
  }

  await storeAttachments(deps, holder, portOut.id, parsed, 'carrier');
  const onlyCompletion = 'A port-out email can only report the port\'s completion (a withdrawal goes through the API: a "withdrawn" event on the port-out). An operator reads it.';
  const understanding = readCarrierAnswer(newest, portOut.market ?? 'GB');
  if (understanding.kind === 'unclear') return quarantine('unclear_answer', `${understanding.message} ${onlyCompletion}`, portOut.id, understanding.code);
  const answer = understanding.answer;
  if (answer.type !== 'completed') {
    const reads = answer.type === 'rejected' ? 'a rejection' : 'a transfer date';
    return quarantine('unclear_answer', `The reply reads as ${reads}. ${onlyCompletion}`, portOut.id);
  }

  const caller: Caller = { role: 'carrier', principalId: `email:${holder.record.id}`, accountId: null, carrierId: trust.carrierId };
  try {
    const view = await recordPortOutCarrierEvent(deps, caller, portOut.id, { type: 'completed', completedOn: answer.completedOn });
    logger.info('inbound email port-out completion', { inboundId: holder.record.id, portOutId: portOut.id, status: view.status });
  } catch (error) {
    if (error instanceof NotFoundError) return quarantine('sender_not_order_carrier', 'The port-out is not visible to the sender\'s carrier.', portOut.id);
    if (error instanceof DomainError && !(error instanceof ConcurrentModificationError)) {
      return quarantine('rejected_by_rules', error.message, portOut.id, error.code);
    }
    throw error;
  }
  return { status: 'applied', reason: null, orderId: portOut.id, applied: answer };
}

// ---- exactly once ------------------------------------------------------------------------------------------

/**
 * Applies `answer` to the order through recordCarrierEvent, at most once per record: sets the
 * marker first, and on a retry applies only when the order does not already show it (see the top
 * of this file). Throws what recordCarrierEvent throws. Leaves the record (with its marker) in `holder`.
 *
 * Two deliveries of one message working at once (SES delivers at least once) are covered too: both
 * markers keep the first one's time, the order's own rules refuse the same rejection or completion
 * twice (409) and take the same transfer date twice as a no-op, and a refusal whose answer the
 * timeline shows since the first marker counts as applied, not as a rule violation.
 */
async function applyOnce(deps: InboxDeps, holder: { record: InboundEmailState }, caller: Caller, orderId: string, answer: CarrierAnswer): Promise<'applied' | 'already_applied'> {
  const actor = actorOf(caller);
  const previous = holder.record.applying ?? null;
  const order = await deps.repository.getOrder(orderId);
  if (order === null) throw new NotFoundError('port-in order', orderId);
  // A marker left by an earlier attempt (the intake's, or an operator's): was its answer written?
  if (previous !== null && previous.orderId === orderId && order.version !== previous.orderVersion && (await timelineShows(deps, previous))) {
    logger.info('inbound email answer already applied', { inboundId: holder.record.id, orderId });
    if (sameAnswer(previous.answer, answer)) return 'already_applied';
    throw new HttpError(409, 'inbound_email_already_applied', `This email's answer (${previous.answer.type}) was applied to order ${orderId} already; record any other change through the order.`);
  }
  const retrying = previous !== null && previous.orderId === orderId && sameAnswer(previous.answer, answer) && sameActor(previous.actor, actor);
  const record = holder.record;
  const now = deps.clock.now().toISOString();
  const marker: ApplyingMarker = { orderId, answer, orderVersion: order.version, at: retrying ? previous.at : now, actor };
  const next: InboundEmailState = { ...record, applying: marker, updatedAt: now, version: record.version + 1 };
  await updateRecord(deps, next, record.version);
  holder.record = next;
  try {
    await recordCarrierEvent(deps, caller, orderId, answer);
  } catch (error) {
    if (error instanceof DomainError && !(error instanceof ConcurrentModificationError) && (await timelineShows(deps, marker))) {
      logger.info('inbound email answer applied by a concurrent delivery', { inboundId: record.id, orderId });
      return 'already_applied';
    }
    throw error;
  }
  return 'applied';
}

const sameActor = (a: Actor, b: Actor): boolean => a.kind === b.kind && a.id === b.id;

function sameAnswer(a: CarrierAnswer, b: CarrierAnswer): boolean {
  switch (a.type) {
    case 'rejected':
      return b.type === 'rejected' && a.reasonCode === b.reasonCode && a.reason === b.reason;
    case 'transfer_date':
      return b.type === 'transfer_date' && a.transferDate === b.transferDate;
    case 'completed':
      return b.type === 'completed' && a.completedOn === b.completedOn;
  }
}

/** Whether the order's timeline has the marker's answer, by its actor, written since the marker. */
async function timelineShows(deps: InboxDeps, marker: ApplyingMarker): Promise<boolean> {
  let cursor: string | null = null;
  do {
    const page = await deps.repository.listOrderEvents(marker.orderId, { cursor, limit: 100 });
    if (page.items.some((event) => event.at >= marker.at && sameActor(event.actor, marker.actor) && eventShows(event, marker.answer))) return true;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return false;
}

function eventShows(event: PortInEvent, answer: CarrierAnswer): boolean {
  const data = event.data;
  switch (answer.type) {
    case 'rejected':
      // A first rejection (to rejected) and a second one (to withdrawn) are both `rejected` events.
      return event.type === 'rejected' && data.reasonCode === answer.reasonCode;
    case 'transfer_date':
      return (event.type === 'transfer_date_set' && data.transferDate === answer.transferDate) || (event.type === 'transfer_date_changed' && data.to === answer.transferDate);
    case 'completed':
      return event.type === 'completed' && data.completedOn === answer.completedOn;
  }
}

// ---- matching by numbers -----------------------------------------------------------------------------------

type NumberMatch = { kind: 'one'; order: PortInOrder } | { kind: 'none' } | { kind: 'several'; count: number };

/** Every carrier (a few dozen at most: a porting desk's counterparts), for the sender rule. */
async function allCarriers(deps: InboxDeps): Promise<CarrierRecord[]> {
  const carriers: CarrierRecord[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_CARRIER_PAGES; page++) {
    const result = await deps.repository.listCarriers({ cursor, limit: 100 });
    carriers.push(...result.items);
    cursor = result.nextCursor;
    if (cursor === null) break;
  }
  return carriers;
}

/** Whether `domain` is one of the carrier's domains or a subdomain of one (the trust rule's comparison). */
function carrierOwns(carrier: CarrierRecord, domain: string): boolean {
  return carrier.emailDomains.some((listed) => {
    const normalized = normalizeDomain(listed);
    return normalized !== null && isWithinDomain(domain, normalized);
  });
}

/** Every valid number in `text`, read in the conventions of each of our markets. */
export function numbersIn(text: string): string[] {
  const found = new Set<string>();
  const sample = text.slice(0, TEXT_PREVIEW_CHARS);
  for (const market of MARKETS) {
    const country = policyFor(market).country as CountryCode;
    for (const match of findPhoneNumbersInText(sample, { defaultCountry: country })) {
      if (match.number.isValid()) found.add(match.number.number);
      if (found.size >= MAX_NUMBERS) return [...found];
    }
  }
  return [...found];
}

/** The live port-in orders holding the numbers of the newest part, kept when the sender's carrier is theirs. */
async function matchByNumbers(deps: InboxDeps, newest: string, sender: string | null, carriers: CarrierRecord[]): Promise<NumberMatch> {
  const domain = sender === null ? null : (parseAddress(sender)?.domain ?? null);
  if (domain === null) return { kind: 'none' };
  const senderCarriers = new Set(carriers.filter((carrier) => carrierOwns(carrier, domain)).map((carrier) => carrier.id));
  if (senderCarriers.size === 0) return { kind: 'none' };
  const numbers = numbersIn(newest);
  if (numbers.length === 0) return { kind: 'none' };
  const locks = await deps.repository.getNumberLocks(numbers);
  const orderIds = [...new Set([...locks.values()].filter((lock) => lock.orderKind === 'port_in').map((lock) => lock.orderId))].slice(0, MAX_CANDIDATE_ORDERS);
  const orders = (await Promise.all(orderIds.map((orderId) => deps.repository.getOrder(orderId)))).filter(
    (order): order is PortInOrder => order !== null && order.details.carrierId !== null && senderCarriers.has(order.details.carrierId),
  );
  if (orders.length === 0) return { kind: 'none' };
  if (orders.length > 1) return { kind: 'several', count: orders.length };
  return { kind: 'one', order: orders[0]! };
}

// ---- documents ---------------------------------------------------------------------------------------------

/** The file types kept as documents, recognised from their first bytes (never from the declared type). */
export function sniffDocumentType(content: Buffer): { contentType: string; extension: string } | null {
  if (content.length >= 5 && content.subarray(0, 5).toString('latin1') === '%PDF-') return { contentType: 'application/pdf', extension: 'pdf' };
  if (content.length >= 8 && content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { contentType: 'image/png', extension: 'png' };
  if (content.length >= 3 && content[0] === 0xff && content[1] === 0xd8 && content[2] === 0xff) return { contentType: 'image/jpeg', extension: 'jpg' };
  return null;
}

const BILL_WORDS = /\b(bill|bills|billing|invoice|invoices|facture|factures|facturation)\b/i;

export function documentKindOf(filename: string | null, subject: string): DocumentKind {
  return BILL_WORDS.test(filename ?? '') || BILL_WORDS.test((filename ?? '').replace(/[_\-.]+/g, ' ')) || BILL_WORDS.test(subject) ? 'bill_copy' : 'other';
}

/** Deterministic per message and attachment: storing again on a retry writes the same document. */
function documentIdFor(inboundId: string, index: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const digest = createHash('sha256').update(`${inboundId}#${index}`).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[digest[i]! & 31];
  return `doc_${out}`;
}

/**
 * Stores the message's PDF, PNG and JPEG attachments as documents of the order or port-out (blob first, then
 * the record; both idempotent). Other types are skipped and stay listed on the record without a
 * document id. Returns how many documents the message has.
 */
async function storeAttachments(
  deps: InboxDeps,
  holder: { record: InboundEmailState },
  orderId: string,
  parsed: ParsedEmail,
  from: 'customer' | 'carrier',
  /** The attachment that is the signed Letter of Authority (a port-out request's). */
  loaIndex: number | null = null,
): Promise<number> {
  const record = holder.record;
  let stored = 0;
  const attachments = await Promise.all(
    parsed.attachments.slice(0, MAX_ATTACHMENTS).map(async (attachment: ParsedAttachment, index) => {
      const summary = record.attachments[index] ?? attachmentSummary(attachment);
      const type = sniffDocumentType(attachment.content);
      if (type === null) return { ...summary, documentId: null };
      const documentId = documentIdFor(record.id, index);
      const blobKey = documentBlobKey(orderId, documentId);
      await deps.blobs.put(blobKey, attachment.content, type.contentType);
      const document: DocumentRecord = {
        id: documentId,
        orderId,
        kind: index === loaIndex ? 'loa_signed' : documentKindOf(attachment.filename, parsed.subject),
        filename: safeFilename(attachment.filename, index, type.extension),
        contentType: type.contentType,
        size: attachment.content.length,
        sha256: sha256Hex(attachment.content),
        blobKey,
        source: { channel: 'email', inboundEmailId: record.id },
        createdAt: record.receivedAt,
      };
      await deps.documents.putDocument(document);
      stored += 1;
      return { ...summary, documentId };
    }),
  );
  holder.record = { ...record, attachments };
  logger.info('inbound email attachments', { inboundId: record.id, orderId, from, attachments: attachments.length, documents: stored });
  return stored;
}

function safeFilename(filename: string | null, index: number, extension: string): string {
  const cleaned = (filename ?? '').replace(/[\u0000-\u001f\u007f/\\]+/g, '_').trim().slice(0, MAX_FILENAME_CHARS);
  return cleaned !== '' ? cleaned : `attachment-${index + 1}.${extension}`;
}

const CHANGE_WORDS =
  /\b(cancel|cancell?ation|change|changes|modify|amend|update|correct|correction|postpone|withdraw|annuler|annulation|modifier|modification|changer|corriger|reporter|résilier)\b/i;

/** A customer asking us to change something: email cannot, so an operator reads it. */
export function asksForChange(newest: string): boolean {
  return CHANGE_WORDS.test(newest);
}

// ---- the record --------------------------------------------------------------------------------------------

function attachmentSummary(attachment: ParsedAttachment): InboundEmailRecord['attachments'][number] {
  return {
    filename: attachment.filename === null ? null : attachment.filename.slice(0, MAX_FILENAME_CHARS),
    contentType: attachment.contentType.slice(0, 200),
    size: attachment.size,
    sha256: attachment.sha256,
    documentId: null,
  };
}

function newRecord(id: string, rawSha256: string, size: number, input: ReceiveInboundEmailInput, parsed: ParsedEmail | null, now: string): InboundEmailState {
  return {
    id,
    rawSha256,
    rawKey: input.rawKey,
    messageId: parsed?.messageId?.trim() ? parsed.messageId.trim().slice(0, 1_000) : null,
    receivedAt: input.receivedAt,
    sizeBytes: size,
    verdicts: input.verdicts,
    from: parsed?.from?.address ?? null,
    to: (parsed && parsed.to.length > 0 ? parsed.to : input.recipients).slice(0, MAX_RECIPIENTS),
    subject: (parsed?.subject ?? '').slice(0, MAX_SUBJECT_CHARS),
    textPreview: (parsed?.text ?? '').slice(0, TEXT_PREVIEW_CHARS),
    headers: (parsed?.headers ?? []).slice(0, MAX_HEADERS).map(({ name, value }) => ({ name, value: value.slice(0, MAX_HEADER_VALUE_CHARS) })),
    attachments: (parsed?.attachments ?? []).slice(0, MAX_ATTACHMENTS).map(attachmentSummary),
    status: 'received',
    reason: null,
    orderId: null,
    applied: null,
    attempts: 0,
    updatedAt: now,
    version: 1,
    applying: null,
    decision: null,
  };
}

/**
 * The parser could not read the message (its `unparseable: …` defect), or nothing usable came out
 * of a defective one: no sender, no text, no attachment. Other defects are kept in mind, not fatal.
 */
function unreadable(parsed: ParsedEmail): boolean {
  if (parsed.defects.some((defect) => defect.split(':', 1)[0]!.trim() === 'unparseable')) return true;
  return parsed.defects.length > 0 && parsed.from === null && parsed.text.trim() === '' && parsed.attachments.length === 0;
}

/** The header block of a raw message (up to the first blank line), at most 64 KB. */
function headerBlock(raw: Buffer): Buffer {
  const head = raw.subarray(0, OVERSIZED_HEAD_BYTES);
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  const end = ends.length > 0 ? Math.min(...ends) : head.length;
  return Buffer.concat([head.subarray(0, end), Buffer.from('\r\n\r\n')]);
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, ' ').slice(0, MAX_ERROR_CHARS);
}

// ---- the operator's API ------------------------------------------------------------------------------------

function requireOperator(caller: Caller): void {
  if (caller.role !== 'operator') throw new HttpError(403, 'forbidden', 'Only operators work with inbound emails.');
}

async function loadRecord(deps: InboxDeps, id: string): Promise<InboundEmailState> {
  const record = (await deps.inboundEmails.get(id)) as InboundEmailState | null;
  if (record === null) throw new NotFoundError('inbound email', id);
  return record;
}

/** 409 unless the message waits for an operator (quarantined). */
function expectQuarantined(record: InboundEmailState, action: 'apply' | 'dismiss'): void {
  const refusals: Record<Exclude<InboundEmailStatus, 'quarantined'>, [string, string]> = {
    applied: ['inbound_email_already_applied', 'This email has been applied already'],
    dismissed: ['inbound_email_dismissed', 'This email has been dismissed'],
    attached: ['inbound_email_already_attached', "This email's documents were filed with its order"],
    received: ['inbound_email_in_progress', 'This email is still being processed; retry in a few minutes'],
  };
  if (record.status === 'quarantined') return;
  const [code, why] = refusals[record.status];
  throw new HttpError(409, code, `${why}; only a quarantined email can be ${action === 'apply' ? 'applied' : 'dismissed'}.`);
}

export type InboundEmailSummary = ReturnType<typeof summaryOf>;

function summaryOf(record: InboundEmailState) {
  return {
    id: record.id,
    status: record.status,
    // The sender's Message-ID: how an operator finds the message a carrier or customer refers to.
    messageId: record.messageId,
    receivedAt: record.receivedAt,
    from: record.from,
    subject: record.subject,
    reason: record.reason,
    orderId: record.orderId,
    attachmentCount: record.attachments.length,
    attempts: record.attempts,
    updatedAt: record.updatedAt,
  };
}

/** Seconds a raw-message link stays valid. */
export const RAW_URL_SECONDS = 900;

async function viewOf(deps: InboxDeps, record: InboundEmailState) {
  const order = record.orderId ? await deps.repository.getOrder(record.orderId) : null;
  return {
    id: record.id,
    status: record.status,
    receivedAt: record.receivedAt,
    messageId: record.messageId,
    from: record.from,
    to: record.to,
    subject: record.subject,
    sizeBytes: record.sizeBytes,
    rawSha256: record.rawSha256,
    verdicts: record.verdicts,
    headers: record.headers,
    textPreview: record.textPreview,
    attachments: record.attachments,
    reason: record.reason,
    orderId: record.orderId,
    order:
      order === null
        ? null
        : { id: order.id, status: order.status, market: order.market, accountId: order.accountId, carrierId: order.details.carrierId, transferDate: order.transferDate, completedOn: order.completedOn },
    applied: record.applied,
    /** Set while an answer is being applied (or when a failure left it): the order may show it already. */
    applying: record.applying ?? null,
    decision: record.decision ?? null,
    attempts: record.attempts,
    updatedAt: record.updatedAt,
    rawUrl: await deps.blobs.downloadUrl(record.rawKey, RAW_URL_SECONDS),
  };
}

export async function listInboundEmails(deps: InboxDeps, caller: Caller, query: { status?: InboundEmailStatus } & PageRequest) {
  requireOperator(caller);
  const page = await deps.inboundEmails.list({ status: query.status }, { cursor: query.cursor, limit: query.limit });
  return { items: page.items.map((record) => summaryOf(record as InboundEmailState)), nextCursor: page.nextCursor };
}

export async function getInboundEmail(deps: InboxDeps, caller: Caller, id: string) {
  requireOperator(caller);
  return viewOf(deps, await loadRecord(deps, id));
}

/**
 * The operator's decision on a quarantined email: `event` applied to `orderId` through
 * recordCarrierEvent with the operator as the caller (404, 409 and 422 of the rules pass through;
 * the email stays quarantined then). Applied once, even if the request is repeated after a failure.
 */
export async function applyInboundEmail(deps: InboxDeps, caller: Caller, id: string, input: { orderId: string; event: CarrierAnswer }) {
  requireOperator(caller);
  const holder = { record: await loadRecord(deps, id) };
  expectQuarantined(holder.record, 'apply');
  const quarantineReason = holder.record.reason;
  try {
    await applyOnce(deps, holder, caller, input.orderId, input.event);
  } catch (error) {
    if (error instanceof InboundRaceError) throw new ConcurrentModificationError('inbound email', id);
    throw error;
  }
  const record = holder.record;
  const now = deps.clock.now().toISOString();
  const next: InboundEmailState = {
    ...record,
    status: 'applied',
    orderId: input.orderId,
    applied: input.event,
    applying: null,
    decision: { action: 'applied', by: caller.principalId, at: now, quarantineReason },
    updatedAt: now,
    version: record.version + 1,
  };
  try {
    await deps.inboundEmails.update(next, record.version);
  } catch (error) {
    // Applied to the order; the record keeps its marker, so repeating the request does not apply twice.
    throw error instanceof ConcurrentModificationError ? new ConcurrentModificationError('inbound email', id) : error;
  }
  logger.info('inbound email applied by operator', { inboundId: id, orderId: input.orderId, event: input.event.type, principal: caller.principalId });
  return viewOf(deps, next);
}

/** The operator closes a quarantined email without applying anything (it stays listed, raw kept). */
export async function dismissInboundEmail(deps: InboxDeps, caller: Caller, id: string, input: { reason: string }) {
  requireOperator(caller);
  const record = await loadRecord(deps, id);
  expectQuarantined(record, 'dismiss');
  const now = deps.clock.now().toISOString();
  const next: InboundEmailState = {
    ...record,
    status: 'dismissed',
    reason: { code: 'dismissed', message: input.reason },
    applying: null,
    decision: { action: 'dismissed', by: caller.principalId, at: now, quarantineReason: record.reason },
    updatedAt: now,
    version: record.version + 1,
  };
  await deps.inboundEmails.update(next, record.version);
  logger.info('inbound email dismissed by operator', { inboundId: id, principal: caller.principalId });
  return viewOf(deps, next);
}
