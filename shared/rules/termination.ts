// Account termination (rulebook "Port-out"): warn the administrator once when numbers remain and
// the termination date is less than 2 months away; after termination the numbers stay portable for
// the market's window and are then released. The account's next deadline drives the same sparse
// due index as orders, so the scheduled check reads only accounts that are due.
import { addDays, addMonths, marketDate, startOfMarketDay } from './calendar.ts';
import { policyFor, type MarketPolicy } from './markets.ts';
import type { IsoDate, Market } from './types.ts';

/** Months before termination from which the administrator is warned. */
export const TERMINATION_WARNING_MONTHS = 2;

export interface TerminationFacts {
  market: Market;
  terminationDate: IsoDate | null;
  terminationWarnedAt: string | null;
  /** When the numbers left after the post-termination window were released (once). */
  numbersReleasedAt: string | null;
  activeNumberCount: number;
}

export interface TerminationCheck {
  /** Send the warning now (and record it). */
  warn: boolean;
  /** Release the account's remaining numbers now (and record it): the post-termination window is over. */
  release: boolean;
  /** When to look at the account again (ISO instant), or null. */
  dueAt: string | null;
}

/** 00:00 market time on the first day of the warning period (termination date minus 2 months). */
export const terminationWarningFrom = (terminationDate: IsoDate, market: Market): Date =>
  startOfMarketDay(addMonths(terminationDate, -TERMINATION_WARNING_MONTHS), market);

/**
 * 00:00 market time on the first day the numbers are no longer portable: the account terminates at
 * 00:00 on `terminationDate` and its numbers stay portable for the market's window (AU 0 days: none).
 */
export const numbersReleaseAt = (terminationDate: IsoDate, market: Market, policy: MarketPolicy = policyFor(market)): Date =>
  startOfMarketDay(addDays(terminationDate, policy.postTerminationPortabilityDays), market);

const NOTHING: TerminationCheck = { warn: false, release: false, dueAt: null };

/**
 * What the check does at `now`: before the warning period, come back when it starts; inside it,
 * warn once if numbers remain, or look again tomorrow (numbers may still be added); a warning not
 * sent before the termination date is not sent afterwards. Once warned, or from the termination date
 * on, come back when the post-termination window ends and release then; once released, nothing.
 */
export function checkTermination(account: TerminationFacts, now: Date): TerminationCheck {
  const { terminationDate, market } = account;
  if (terminationDate === null || account.numbersReleasedAt !== null) return NOTHING;
  const releaseAt = numbersReleaseAt(terminationDate, market);
  if (now.getTime() >= releaseAt.getTime()) return { warn: false, release: true, dueAt: null };
  const waitForRelease: TerminationCheck = { warn: false, release: false, dueAt: releaseAt.toISOString() };
  if (account.terminationWarnedAt !== null) return waitForRelease;
  if (now.getTime() >= startOfMarketDay(terminationDate, market).getTime()) return waitForRelease;
  const warnFrom = terminationWarningFrom(terminationDate, market);
  if (now.getTime() < warnFrom.getTime()) return { warn: false, release: false, dueAt: warnFrom.toISOString() };
  if (account.activeNumberCount > 0) return { warn: true, release: false, dueAt: releaseAt.toISOString() };
  return { warn: false, release: false, dueAt: startOfMarketDay(addDays(marketDate(now, market), 1), market).toISOString() };
}

/** The account's first deadline, when it is created or its termination date changes. */
export const terminationDueAt = (account: TerminationFacts, now: Date): string | null => {
  const check = checkTermination(account, now);
  return check.warn || check.release ? now.toISOString() : check.dueAt;
};
