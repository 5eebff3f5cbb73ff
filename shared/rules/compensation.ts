// Compensation for a late transfer (rulebook "Compensation for a late transfer (GB)").
import { addBusinessDays, daysBetween } from './calendar.ts';
import { policyFor } from './markets.ts';
import { scaleMoney, zeroMoney } from './money.ts';
import type { Compensation, IsoDate, Market, Money } from './types.ts';

export interface LateTransferInput {
  market: Market;
  /** The account's monthly subscription. */
  monthlyFee: Money;
  /** Only a confirmed transfer date counts: delays from rejections or unmet prerequisites never qualify. */
  confirmedTransferDate: IsoDate | null;
  completedOn: IsoDate | null;
  /** Market date now; the end of the count while the port is still pending. */
  today: IsoDate;
}

export function lateTransferCompensation(input: LateTransferInput): Compensation {
  const { market, monthlyFee, confirmedTransferDate, completedOn, today } = input;
  if (!policyFor(market).lateTransferCompensation || confirmedTransferDate === null) {
    return { eligible: false, daysLate: 0, amount: zeroMoney(monthlyFee.currency), accruesFrom: null };
  }
  // Late once not completed by the end of the 1st business day after; accrues from the 2nd.
  const accruesFrom = addBusinessDays(confirmedTransferDate, 2, market);
  const daysLate = Math.max(0, daysBetween(accruesFrom, completedOn ?? today) + 1); // both ends inclusive
  // monthly × 12 ÷ 365 × days, computed exactly and rounded half-up once.
  const amount = scaleMoney(monthlyFee, 12 * daysLate, 365);
  return { eligible: daysLate > 0, daysLate, amount, accruesFrom };
}
