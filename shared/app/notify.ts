// Who is told what, and through which outbox item. The composers in ../notifications write the
// words; this module picks the recipients (rulebook and issue: customer emails to the order's
// submitter, else the account's administrator; operator emails to PORTDESK_OPERATOR_EMAIL;
// carrier submissions to the carrier's porting desk) and gives each email a deterministic outbox
// id, so a retried workflow step or a re-run check never sends the same email twice.
import type { UseCaseDeps } from './context.ts';
import type { AccountRecord, DocumentRecord, EmailAttachment, EmailMessage, OutboxItem } from './ports.ts';
import { emailItem, enqueue } from './outbox.ts';
import { composeNotification, orderReference, type NotificationInputs, type NotificationKind } from '../notifications/index.ts';
import type { DeadlineNotice } from '../rules/port-in/deadline-check.ts';
import { compensationOf } from '../rules/port-in/order.ts';
import { policyFor } from '../rules/markets.ts';
import { marketDate } from '../rules/calendar.ts';
import { zeroMoney } from '../rules/money.ts';
import type { CancellationStage } from '../rules/fees.ts';
import type { IsoDate, Money, PortInEvent, PortInOrder } from '../rules/types.ts';
import { logger } from './logger.ts';
import { TransientError } from './use-cases/workflow.ts';

/** What the workflow tells about an order (its Notify steps and submission step). */
export type OrderNotice =
  | 'carrier_submission'
  | 'rejection'
  | 'transfer_date'
  | 'completion'
  | 'cancellation'
  | 'withdrawal'
  | 'exception';

/** The links every customer email carries. */
export const links = (deps: UseCaseDeps) => ({ order: `${deps.services.settings.publicBaseUrl.replace(/\/$/, '')}/v1/port-ins` });

function message(
  to: string[],
  kind: NotificationKind,
  input: NotificationInputs[typeof kind],
  reference?: string,
  attachments: EmailAttachment[] = [],
): EmailMessage {
  const composed = composeNotification(kind, input as never);
  return { to, ...composed, ...(reference ? { reference } : {}), ...(attachments.length > 0 ? { attachments } : {}) };
}

const attachmentOf = (document: DocumentRecord): EmailAttachment => ({
  filename: document.filename,
  contentType: document.contentType,
  blobKey: document.blobKey,
});

/**
 * The signed Letter of Authority of a signed order; null when the order is not signed. A signature
 * whose document is missing is an inconsistency the carrier must not see: it throws (TransientError,
 * so the workflow step retries, then records an exception for the operator).
 */
export async function signedLoaDocument(deps: UseCaseDeps, order: PortInOrder): Promise<DocumentRecord | null> {
  const signature = order.signature;
  if (!signature) return null;
  const document = await deps.documents.getDocument(order.id, signature.signedDocumentId);
  if (!document) {
    throw new TransientError(`Order ${order.id} is signed but its signed Letter of Authority (document ${signature.signedDocumentId}) is missing`);
  }
  return document;
}

/** The order's bill copies, oldest first as stored: the losing carrier checks them against its records. */
async function billCopies(deps: UseCaseDeps, orderId: string): Promise<DocumentRecord[]> {
  const bills: DocumentRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.documents.listDocuments(orderId, { cursor, limit: 100 });
    bills.push(...page.items.filter((d) => d.kind === 'bill_copy'));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return bills;
}

/** Where customer emails about an order go: its submitter, else the account's administrator. */
export const customerAddress = (order: PortInOrder, account: AccountRecord): string => order.details.submitterEmail ?? account.adminEmail;

/** The emails a deadline decision causes, as outbox items to write with the order change. */
export function deadlineNoticeItems(deps: UseCaseDeps, order: PortInOrder, account: AccountRecord, notices: readonly DeadlineNotice[], now: Date): OutboxItem[] {
  const items: OutboxItem[] = [];
  const ref = orderReference(order.id);
  for (const notice of notices) {
    if (notice === 'overdue') {
      const operator = deps.services.settings.operatorEmail;
      if (!operator) continue;
      const email = message([operator], 'overdue', { order, links: links(deps), today: marketDate(now, order.market) }, ref);
      items.push(emailItem(`${order.id}.overdue.${order.dueDate}`, 'overdue', order.id, email, now));
    } else {
      const compensation = compensationOf(order, now, policyFor(order.market), null);
      const asOf = marketDate(now, order.market);
      const email = message([customerAddress(order, account)], 'compensation_started', { order, links: links(deps), compensation, asOf }, ref);
      items.push(emailItem(`${order.id}.compensation_started.${order.confirmedTransferDate}`, 'compensation_started', order.id, email, now));
    }
  }
  return items;
}

/** What the scheduled check tells an account's administrator about its termination. */
export type AccountNotice =
  | { kind: 'termination_warning' }
  /** The post-termination window ended: these numbers (E.164) were released, their charges stop on `releasedOn`. */
  | { kind: 'numbers_released'; releasedOn: IsoDate; numbers: string[] };

/** Termination emails to the account's administrator; each id is fixed per termination date (sent once). */
export function accountNoticeItems(deps: UseCaseDeps, account: AccountRecord, notice: AccountNotice, now: Date): OutboxItem[] {
  if (account.terminationDate === null) return [];
  const about = { id: account.id, name: account.name, market: account.market };
  const id = `${account.id}.${notice.kind}.${account.terminationDate}`;
  if (notice.kind === 'numbers_released') {
    const email = message([account.adminEmail], 'numbers_released', {
      account: about,
      terminationDate: account.terminationDate,
      releasedOn: notice.releasedOn,
      numbers: notice.numbers,
    });
    return [emailItem(id, 'numbers_released', account.id, email, now)];
  }
  const email = message([account.adminEmail], 'termination_warning', {
    account: about,
    terminationDate: account.terminationDate,
    remainingNumbers: account.activeNumberCount,
    links: { numbers: `${deps.services.settings.publicBaseUrl.replace(/\/$/, '')}/v1/accounts/${account.id}/numbers` },
  });
  return [emailItem(id, 'termination_warning', account.id, email, now)];
}

/**
 * Queues (once per `key`) and tries to send one workflow email about the order. An email with no
 * one to go to (no operator address, a carrier without a porting desk) is skipped and logged.
 */
export async function notifyOrder(deps: UseCaseDeps, order: PortInOrder, notice: OrderNotice, key: string): Promise<void> {
  const now = deps.clock.now();
  const email = await buildOrderEmail(deps, order, notice);
  if (email === null) {
    logger.info('notification skipped: no recipient', { orderId: order.id, notice });
    return;
  }
  await enqueue(deps, [emailItem(`${order.id}.${notice}.${key}`, notice, order.id, email, now)]);
}

async function buildOrderEmail(deps: UseCaseDeps, order: PortInOrder, notice: OrderNotice): Promise<EmailMessage | null> {
  const ref = orderReference(order.id);
  const base = { order, links: links(deps) };
  if (notice === 'exception') {
    const operator = deps.services.settings.operatorEmail;
    return operator ? message([operator], 'exception', base, ref) : null;
  }
  if (notice === 'carrier_submission') {
    const carrier = order.details.carrierId ? await deps.repository.getCarrier(order.details.carrierId) : null;
    if (!carrier?.portingEmail) return null;
    const kind = order.rejectionCount > 0 ? 'carrier_resubmission' : 'carrier_submission';
    const account = await deps.repository.getAccount(order.accountId);
    const loa = await signedLoaDocument(deps, order);
    const bills = await billCopies(deps, order.id);
    const attached = { signedLoa: loa?.filename ?? null, billCopies: bills.map((b) => b.filename) };
    const input = { ...base, carrier: { id: carrier.id, name: carrier.name }, accountName: account?.name, attached };
    return message([carrier.portingEmail], kind, input, ref, [...(loa ? [loa] : []), ...bills].map(attachmentOf));
  }
  const account = await deps.repository.getAccount(order.accountId);
  if (!account) throw new Error(`Order ${order.id} belongs to a missing account`);
  const to = [customerAddress(order, account)];
  switch (notice) {
    case 'rejection':
      return message(to, 'rejection', base, ref);
    case 'transfer_date': {
      const changed = (await orderEvents(deps, order.id)).findLast((e) => e.type === 'transfer_date_changed' && e.data.to === order.transferDate);
      return message(to, 'transfer_date', { ...base, previousTransferDate: (changed?.data.from as string | undefined) ?? null }, ref);
    }
    case 'completion': {
      const events = await orderEvents(deps, order.id);
      const call = events.findLast((e) => e.type === 'test_call_placed');
      const testCall = call ? { number: String(call.data.number), answered: call.data.answered === true } : null;
      return message(to, 'completion', { ...base, testCall }, ref);
    }
    case 'cancellation': {
      const cancelled = (await orderEvents(deps, order.id)).findLast((e) => e.type === 'cancelled');
      const stage = (cancelled?.data.stage as CancellationStage | undefined) ?? 'free';
      const fee = (cancelled?.data.fee as Money | undefined) ?? zeroMoney(policyFor(order.market).currency);
      return message(to, 'cancellation', { ...base, stage, fee, cancelledAt: cancelled?.at }, ref);
    }
    case 'withdrawal':
      return message(to, 'withdrawal', { ...base, reason: order.rejectionCount >= 2 ? 'second_rejection' : 'resubmission_deadline_passed' }, ref);
  }
}

/** The order's timeline (a handful of items for any order; the lines are not events). */
async function orderEvents(deps: UseCaseDeps, orderId: string): Promise<PortInEvent[]> {
  const events: PortInEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.repository.listOrderEvents(orderId, { cursor, limit: 500 });
    events.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return events;
}
