// When the scheduled check must next look at an order: the earliest of its pending deadlines.
// Stored on the order as `dueAt` (the sparse due index), recomputed by every decision, so the
// check reads only orders that are due and never scans the table.
import { addBusinessDays, addDays, startOfMarketDay } from '../calendar.ts';
import { policyFor } from '../markets.ts';
import type { PortInOrder } from '../types.ts';
import { signingReminderDueAt } from './signing.ts';

/** Drafts untouched this long expire (scheduled check). */
export const DRAFT_EXPIRY_DAYS = 30;

/** The instant a draft last edited at `updatedAt` expires: 00:00 UTC, DRAFT_EXPIRY_DAYS calendar days on. */
export const draftExpiresAt = (updatedAt: string): Date => new Date(`${addDays(updatedAt.slice(0, 10), DRAFT_EXPIRY_DAYS)}T00:00:00Z`);

/**
 * The order's next deadline as an ISO instant, or null when nothing is pending:
 * - draft: expiry after 30 idle days;
 * - rejected: the end of the resubmission window (withdrawal);
 * - awaiting a signature (after submit, or after an edit of a rejected order): the one reminder;
 * - with the carrier: 00:00 market time the day after the due date (overdue, once), 00:00 on the
 *   transfer date (confirmation), and for GB each market day compensation accrues on.
 */
export function nextDueAt(order: PortInOrder): string | null {
  const market = order.market;
  const candidates: Date[] = [];
  switch (order.status) {
    case 'draft':
      candidates.push(draftExpiresAt(order.updatedAt));
      break;
    case 'awaiting_signature':
      break;
    case 'rejected':
      if (order.resubmitBy) candidates.push(new Date(order.resubmitBy));
      break;
    case 'submitted':
    case 'scheduled':
      if (order.dueDate && order.overdueSince === null) candidates.push(startOfMarketDay(addDays(order.dueDate, 1), market));
      if (order.status === 'scheduled' && order.transferDate) {
        if (order.confirmedTransferDate !== order.transferDate) {
          candidates.push(startOfMarketDay(order.transferDate, market));
        } else if (policyFor(market).lateTransferCompensation) {
          const accruesFrom = addBusinessDays(order.transferDate, 2, market);
          const nextDay =
            order.compensationAccruedTo && order.compensationAccruedTo >= accruesFrom ? addDays(order.compensationAccruedTo, 1) : accruesFrom;
          candidates.push(startOfMarketDay(nextDay, market));
        }
      }
      break;
    default:
      break;
  }
  const reminder = signingReminderDueAt(order);
  if (reminder) candidates.push(reminder);
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates.map((d) => d.getTime()))).toISOString();
}
