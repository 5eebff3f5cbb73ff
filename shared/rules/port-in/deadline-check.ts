// What the scheduled check does to one order at an instant: pure, so it is table-tested at chosen
// instants around holidays. Running it twice at the same instant changes nothing the second time:
// each deadline leaves a mark on the order (overdueSince, confirmedTransferDate,
// compensationAccruedTo) or moves it to a final status, and a decision without events is not written.
import { addDays, marketDate } from '../calendar.ts';
import { isOverdue, isTransferDateConfirmed } from '../deadlines.ts';
import type { PortInEvent, PortInOrder } from '../types.ts';
import { compensationOf, decide, type Decision, type OrderContext } from './order.ts';
import { draftExpiresAt, nextDueAt } from './next-deadline.ts';
import { signingReminderDueAt } from './signing.ts';

/**
 * Emails a deadline causes (the app layer composes and queues them with the order change). A
 * withdrawal is told by the workflow, which the check resumes, like any other status change.
 */
export type DeadlineNotice = 'overdue' | 'compensation_started' | 'signing_reminder';

/** What the check may need that is not pure: a new link secret's hash for a signing reminder. */
export interface FreshValues {
  signingTokenHash: string;
}

export interface DeadlineOutcome {
  decision: Decision;
  notices: DeadlineNotice[];
}

export function checkDeadlines(order: PortInOrder, ctx: OrderContext, fresh?: FreshValues): DeadlineOutcome {
  const now = ctx.now;
  const unchanged: DeadlineOutcome = {
    decision: { order, events: [], lock: [], release: [], activate: null },
    notices: [],
  };
  switch (order.status) {
    case 'draft':
      return now.getTime() >= draftExpiresAt(order.updatedAt).getTime()
        ? { decision: decide(order, { type: 'expire' }, ctx), notices: [] }
        : unchanged;
    case 'awaiting_signature':
      return remindSigner(order, ctx, fresh) ?? unchanged;
    case 'rejected':
      return order.resubmitBy !== null && now.getTime() >= Date.parse(order.resubmitBy)
        ? { decision: decide(order, { type: 'withdraw_expired_rejection' }, ctx), notices: [] }
        : (remindSigner(order, ctx, fresh) ?? unchanged);
    case 'submitted':
    case 'scheduled':
      return withCarrier(order, ctx) ?? unchanged;
    default:
      return unchanged;
  }
}

/** The one reminder of an unsigned LOA, 3 days after the request (it carries a second link). */
function remindSigner(order: PortInOrder, ctx: OrderContext, fresh: FreshValues | undefined): DeadlineOutcome | null {
  const due = signingReminderDueAt(order);
  if (due === null || ctx.now.getTime() < due.getTime()) return null;
  if (!fresh) throw new Error(`Order ${order.id}: a signing reminder needs a new link (FreshValues)`);
  return { decision: decide(order, { type: 'remind_signer', tokenHash: fresh.signingTokenHash }, ctx), notices: ['signing_reminder'] };
}

/** Overdue flag, transfer-date confirmation and GB compensation accrual: marks, not status changes. */
function withCarrier(order: PortInOrder, ctx: OrderContext): DeadlineOutcome | null {
  const market = order.market;
  const today = marketDate(ctx.now, market);
  const at = ctx.now.toISOString();
  const next: PortInOrder = { ...order, updatedAt: at, version: order.version + 1 };
  const events: PortInEvent[] = [];
  const notices: DeadlineNotice[] = [];
  const record = (type: PortInEvent['type'], data: Record<string, unknown>) =>
    events.push({ type, at, actor: ctx.actor, data });

  if (order.dueDate && order.overdueSince === null && isOverdue(order.dueDate, ctx.now, market)) {
    next.overdueSince = addDays(order.dueDate, 1);
    record('overdue', { dueDate: order.dueDate, overdueSince: next.overdueSince });
    notices.push('overdue');
  }
  if (order.status === 'scheduled' && order.transferDate && isTransferDateConfirmed(order.transferDate, ctx.now, market)) {
    if (order.confirmedTransferDate !== order.transferDate) {
      next.confirmedTransferDate = order.transferDate;
      record('transfer_date_confirmed', { transferDate: order.transferDate });
    }
    const compensation = compensationOf(order, ctx.now, ctx.policy, null);
    // `<`, not `!==`: a late or re-driven run with an older "now" never moves the mark back.
    if (compensation.eligible && (next.compensationAccruedTo === null || next.compensationAccruedTo < today)) {
      if (order.compensationAccruedTo === null) notices.push('compensation_started');
      next.compensationAccruedTo = today;
      record('compensation_accrued', { through: today, daysLate: compensation.daysLate, amount: compensation.amount, accruesFrom: compensation.accruesFrom });
    }
  }
  if (events.length === 0) return null;
  next.dueAt = nextDueAt(next);
  return { decision: { order: next, events, lock: [], release: [], activate: null }, notices };
}
