// Deadlines in market time: service level (overdue), resubmission window, transfer-date confirmation.
import { addBusinessDays, addDays, daysBetween, marketDate, startOfMarketDay } from './calendar.ts';
import { policyFor } from './markets.ts';
import type { Category, IsoDate, Market } from './types.ts';

/** Last day on time for a port (rulebook "Service level"): calendar or business days after commencement. */
export function slaDueDate(market: Market, category: Category, commencementDate: IsoDate): IsoDate {
  const rule = policyFor(market).sla[category];
  return rule.kind === 'calendar_days'
    ? addDays(commencementDate, rule.days)
    : addBusinessDays(commencementDate, rule.days, market);
}

/** Overdue once the market date is past the due date; the due date itself is still on time. */
export const isOverdue = (dueDate: IsoDate, now: Date, market: Market): boolean =>
  daysBetween(dueDate, marketDate(now, market)) > 0;

/** The 5th (policy) business day after the rejection date: the last day a resubmission is accepted. */
export const resubmissionLastDay = (market: Market, rejectedOn: IsoDate): IsoDate =>
  addBusinessDays(rejectedOn, policyFor(market).resubmissionBusinessDays, market);

/** End of the last resubmission day in market time, i.e. 00:00 the day after; allowed while now < deadline. */
export const resubmissionDeadline = (market: Market, rejectedOn: IsoDate): Date =>
  startOfMarketDay(addDays(resubmissionLastDay(market, rejectedOn), 1), market);

/** From 00:00 market time on the transfer date the date is confirmed and can no longer change. */
export const isTransferDateConfirmed = (transferDate: IsoDate, now: Date, market: Market): boolean =>
  now.getTime() >= startOfMarketDay(transferDate, market).getTime();
