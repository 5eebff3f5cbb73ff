// Market policies: the per-market rule set (rulebook "Markets" and the per-market rules).
// Everything a rule needs to know about a market comes from here, never from `if (market === ...)`
// scattered through the code.
import type { CancellationRates, Currency, Market, Money } from './types.ts';

export type SlaRule = { kind: 'calendar_days'; days: number } | { kind: 'business_days'; days: number };

export interface MarketPolicy {
  market: Market;
  /** ISO 3166 country whose numbers belong to the market. */
  country: 'AU' | 'GB' | 'FR';
  /** IANA time zone in which market dates are taken. */
  timeZone: string;
  /** date-holidays region: country and state/region. */
  holidayRegion: { country: string; state?: string };
  currency: Currency;
  /** Tax rate contained in prices (AU GST 10 %, FR VAT 20 %), or null where prices are "as configured". */
  includedTaxPercent: number | null;
  /** Overdue after this long from the commencement date, per category. */
  sla: { standard: SlaRule; complex: SlaRule };
  /** Business days after the rejection date the customer has to resubmit. */
  resubmissionBusinessDays: number;
  /** Fee per number for each carrier rejection, or null where rejections are free. */
  rejectionFeePerNumber: Money | null;
  /** Default cancellation rates (percent of porting fees), overridable by the account's price list. */
  cancellationRates: CancellationRates;
  /** Porting is free whatever the price list says (FR). */
  portingAlwaysFree: boolean;
  /** GB: the account must have made and received a call before the order goes to the carrier. */
  requiresCallActivityBeforeSubmission: boolean;
  /** GB: late transfers earn compensation. */
  lateTransferCompensation: boolean;
  /** AU: plan must be active and allow porting; lines with other services need acknowledgement. */
  auPlanAndServiceChecks: boolean;
  /** FR-specific order checks: DSL separation, primary number, first and last name, Paris-area warning. */
  frOrderChecks: boolean;
  /** Warn the customer to keep the old service active until the port completes. */
  warnKeepServiceActive: boolean;
  /** FR: price of each number beyond the ones included with seats, per month. */
  additionalNumberMonthlyFee: Money | null;
  /** Days after account termination during which numbers stay portable. */
  postTerminationPortabilityDays: number;
  /** Port-outs must come in batches (market policy flag). */
  portOutInBatchesOnly: boolean;
}

const FREE: CancellationRates = { beforeCarrier: 0, withCarrier: 0, onTransferDate: 0, afterTransferDate: 0 };

export const MARKET_POLICIES: Readonly<Record<Market, MarketPolicy>> = {
  AU: {
    market: 'AU',
    country: 'AU',
    timeZone: 'Australia/Brisbane',
    holidayRegion: { country: 'AU', state: 'QLD' },
    currency: 'AUD',
    includedTaxPercent: 10,
    sla: { standard: { kind: 'calendar_days', days: 30 }, complex: { kind: 'calendar_days', days: 120 } },
    resubmissionBusinessDays: 5,
    rejectionFeePerNumber: { currency: 'AUD', amountMinor: 2000 },
    cancellationRates: { beforeCarrier: 50, withCarrier: 100, onTransferDate: 150, afterTransferDate: 50 },
    portingAlwaysFree: false,
    requiresCallActivityBeforeSubmission: false,
    lateTransferCompensation: false,
    auPlanAndServiceChecks: true,
    frOrderChecks: false,
    warnKeepServiceActive: false,
    additionalNumberMonthlyFee: null,
    postTerminationPortabilityDays: 0,
    portOutInBatchesOnly: false,
  },
  GB: {
    market: 'GB',
    country: 'GB',
    timeZone: 'Europe/London',
    // England & Wales share their bank holidays.
    holidayRegion: { country: 'GB', state: 'ENG' },
    currency: 'GBP',
    includedTaxPercent: null,
    sla: { standard: { kind: 'business_days', days: 20 }, complex: { kind: 'business_days', days: 20 } },
    resubmissionBusinessDays: 5,
    rejectionFeePerNumber: null,
    cancellationRates: FREE,
    portingAlwaysFree: false,
    requiresCallActivityBeforeSubmission: true,
    lateTransferCompensation: true,
    auPlanAndServiceChecks: false,
    frOrderChecks: false,
    warnKeepServiceActive: true,
    additionalNumberMonthlyFee: null,
    postTerminationPortabilityDays: 30,
    portOutInBatchesOnly: false,
  },
  FR: {
    market: 'FR',
    country: 'FR',
    timeZone: 'Europe/Paris',
    holidayRegion: { country: 'FR' },
    currency: 'EUR',
    includedTaxPercent: 20,
    sla: { standard: { kind: 'calendar_days', days: 28 }, complex: { kind: 'calendar_days', days: 28 } },
    resubmissionBusinessDays: 5,
    rejectionFeePerNumber: null,
    cancellationRates: FREE,
    portingAlwaysFree: true,
    requiresCallActivityBeforeSubmission: false,
    lateTransferCompensation: false,
    auPlanAndServiceChecks: false,
    frOrderChecks: true,
    warnKeepServiceActive: true,
    additionalNumberMonthlyFee: { currency: 'EUR', amountMinor: 995 },
    postTerminationPortabilityDays: 40,
    portOutInBatchesOnly: false,
  },
};

export const policyFor = (market: Market): MarketPolicy => MARKET_POLICIES[market];
