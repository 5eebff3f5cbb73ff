// Account termination (rulebook "Port-out"): warn the administrator once when numbers remain and
// the termination date is less than 2 months away. The account's next deadline drives the same
// sparse due index as orders, so the scheduled check reads only accounts that are due.
import { addDays, addMonths, marketDate, startOfMarketDay } from './calendar.ts';
import type { IsoDate, Market } from './types.ts';

/** Months before termination from which the administrator is warned. */
export const TERMINATION_WARNING_MONTHS = 2;

export interface TerminationFacts {
  market: Market;
  terminationDate: IsoDate | null;
  terminationWarnedAt: string | null;
  activeNumberCount: number;
}

export interface TerminationCheck {
  /** Send the warning now (and record it). */
  warn: boolean;
  /** When to look at the account again (ISO instant), or null. */
  dueAt: string | null;
}

/** 00:00 market time on the first day of the warning period (termination date minus 2 months). */
export const terminationWarningFrom = (terminationDate: IsoDate, market: Market): Date =>
  startOfMarketDay(addMonths(terminationDate, -TERMINATION_WARNING_MONTHS), market);

/**
 * What the check does at `now`: before the warning period, come back when it starts; inside it,
 * warn once if numbers remain, or look again tomorrow (numbers may still be added); from the
 * termination date on, nothing more to warn about.
 */
export function checkTermination(account: TerminationFacts, now: Date): TerminationCheck {
  const { terminationDate, market } = account;
  if (terminationDate === null || account.terminationWarnedAt !== null) return { warn: false, dueAt: null };
  const terminationStarts = startOfMarketDay(terminationDate, market);
  if (now.getTime() >= terminationStarts.getTime()) return { warn: false, dueAt: null };
  const warnFrom = terminationWarningFrom(terminationDate, market);
  if (now.getTime() < warnFrom.getTime()) return { warn: false, dueAt: warnFrom.toISOString() };
  if (account.activeNumberCount > 0) return { warn: true, dueAt: null };
  return { warn: false, dueAt: startOfMarketDay(addDays(marketDate(now, market), 1), market).toISOString() };
}

/** The account's first deadline, when it is created or its termination date changes. */
export const terminationDueAt = (account: TerminationFacts, now: Date): string | null => {
  const check = checkTermination(account, now);
  return check.warn ? now.toISOString() : check.dueAt;
};
