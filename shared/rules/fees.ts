// Cancellation and rejection fees (rulebook "Fees and cancellation", "Rejection and resubmission"),
// and the FR monthly charge for numbers beyond those included with seats.
import { policyFor, type MarketPolicy } from './markets.ts';
import { multiplyMoney, percentOfMoney, zeroMoney } from './money.ts';
import type { CancellationRates, IsoDate, Market, Money, OrderStatus, PlanPrices } from './types.ts';

export type CancellationStage = 'free' | 'beforeCarrier' | 'withCarrier' | 'onTransferDate' | 'afterTransferDate';

/**
 * How far an order had got when it is cancelled `today` (market date); null when it cannot be
 * cancelled any more (completed, withdrawn, cancelled, expired).
 */
export function cancellationStage(status: OrderStatus, transferDate: IsoDate | null, today: IsoDate): CancellationStage | null {
  switch (status) {
    case 'draft':
      return 'free';
    case 'awaiting_signature':
    case 'on_hold': // never sent to the carrier: counts as "submitted to us"
      return 'beforeCarrier';
    case 'submitted':
    case 'rejected': // was with the carrier and has no transfer date
      return 'withCarrier';
    case 'scheduled':
      // A scheduled order without a transfer date is still "with the carrier, before the transfer date".
      if (transferDate === null || today < transferDate) return 'withCarrier';
      return today === transferDate ? 'onTransferDate' : 'afterTransferDate';
    case 'completed':
    case 'withdrawn':
    case 'cancelled':
    case 'expired':
      return null;
  }
}

/** Percent of the order's porting fees for the stage; rates come from the price list or the market default. */
export const cancellationFee = (portingFees: Money, rates: CancellationRates, stage: CancellationStage): Money =>
  stage === 'free' ? zeroMoney(portingFees.currency) : percentOfMoney(portingFees, rates[stage]);

/** Fee for one carrier rejection of an order of `numberCount` numbers, or null where rejections are free. */
export function rejectionFee(market: Market, numberCount: number): Money | null {
  const perNumber = policyFor(market).rejectionFeePerNumber;
  if (!Number.isSafeInteger(numberCount) || numberCount < 0) throw new RangeError(`Number count must be a whole number ≥ 0: ${numberCount}`);
  return perNumber === null ? null : multiplyMoney(perNumber, numberCount);
}

/**
 * FR: one number per seat is included and each further number costs the market's monthly fee. The
 * change in the account's monthly number charges when its active numbers go from `before` to `after`
 * (a port-in quote: more; a port-out: fewer); null where the market has no such charge.
 */
export function monthlyNumberChargeChange(policy: MarketPolicy, plan: Pick<PlanPrices, 'seats'>, before: number, after: number): Money | null {
  const fee = policy.additionalNumberMonthlyFee;
  if (!fee) return null;
  const seats = plan.seats ?? 1;
  const extra = Math.max(0, after - seats) - Math.max(0, before - seats);
  return multiplyMoney(fee, extra);
}
