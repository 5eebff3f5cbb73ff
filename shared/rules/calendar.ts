// Market calendars (rulebook "Words": business day). Dates are `YYYY-MM-DD` in the market's time zone.
// Holidays come from date-holidays' own rules, sliced to our markets in holiday-data.json
// (regenerate with local/tools/extract-holiday-data.ts) and evaluated by date-holidays-parser:
// the full date-holidays package carries every country and would blow the Lambda bundle budget.
// The parser's exports map hides its typings (types/index.d.ts declares the module); pull them in.
/// <reference path="../../node_modules/date-holidays-parser/types/index.d.ts" />
import Holidays from 'date-holidays-parser';
import { DateTime } from 'luxon';
import holidayData from './holiday-data.json' with { type: 'json' };
import { policyFor } from './markets.ts';
import type { IsoDate, Market } from './types.ts';

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Milliseconds since the epoch of 00:00 UTC on the date, or NaN when it is not a real date. */
function utcMs(date: string): number {
  const m = ISO_DATE.exec(date);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? t.getTime() : NaN;
}

function parse(date: IsoDate): number {
  const ms = utcMs(date);
  if (Number.isNaN(ms)) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return ms;
}

function format(ms: number): IsoDate {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`Date out of range: year ${y}`);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export const isValidIsoDate = (s: string): boolean => !Number.isNaN(utcMs(s));

export function addDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`Days must be an integer: ${n}`);
  return format(parse(date) + n * DAY_MS);
}

/** The same day `n` months later (or earlier, n < 0), clamped to the month's last day (31 Mar − 1 month = 28/29 Feb). */
export function addMonths(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`Months must be an integer: ${n}`);
  parse(date);
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ months: n }).toISODate() as IsoDate;
}

/** to − from, in calendar days. */
export const daysBetween = (from: IsoDate, to: IsoDate): number => (parse(to) - parse(from)) / DAY_MS;

/** 1 = Monday … 7 = Sunday. */
export const isoDayOfWeek = (date: IsoDate): number => new Date(parse(date)).getUTCDay() || 7;

export function marketDate(instant: Date, market: Market): IsoDate {
  const date = DateTime.fromJSDate(instant, { zone: policyFor(market).timeZone }).toISODate();
  if (date === null || !isValidIsoDate(date)) throw new RangeError(`Not a representable instant: ${instant}`);
  return date;
}

export function startOfMarketDay(date: IsoDate, market: Market): Date {
  parse(date);
  return DateTime.fromISO(date, { zone: policyFor(market).timeZone }).startOf('day').toJSDate();
}

const holidayYears = new Map<string, ReadonlyMap<IsoDate, string>>();
const parsers = new Map<Market, Holidays>();

function parserFor(market: Market): Holidays {
  let parser = parsers.get(market);
  if (!parser) {
    parser = new Holidays(holidayData, policyFor(market).holidayRegion, { types: ['public', 'bank'] });
    // No time zone: the parser then reports each holiday in wall-clock time (as host-local Dates),
    // which is all a market calendar needs, and it never consults moment-timezone's zone data, so a
    // Lambda bundle may alias that 700 KB package to its data-free core.
    parser.setTimezone(undefined as unknown as string);
    parsers.set(market, parser);
  }
  return parser;
}

/** Whole-day public and bank holidays (substitute days included) from the rules of `year`. */
function holidaysOfYear(market: Market, year: number): ReadonlyMap<IsoDate, string> {
  const key = `${market}:${year}`;
  let days = holidayYears.get(key);
  if (days) return days;
  const found = new Map<IsoDate, string>();
  // Work in wall-clock time on a UTC timeline, where every day is 24 h. The start comes from the
  // parser's own wall-clock text ("2026-12-24 18:00:00"), immune to the host's DST; the end from
  // the host-local end Date.
  const utc = { zone: 'utc' };
  for (const h of parserFor(market).getHolidays(year, 'en')) {
    const start = DateTime.fromFormat(h.date.slice(0, 19), 'yyyy-MM-dd HH:mm:ss', utc);
    const end = DateTime.fromJSDate(h.end).setZone('utc', { keepLocalTime: true });
    // Only days the holiday covers from 00:00 to 24:00 stop business: a part-day holiday such as
    // Queensland's Christmas Eve from 18:00 leaves its day a business day (rulebook "Words").
    for (let day = start.startOf('day'); day.plus({ days: 1 }) <= end; day = day.plus({ days: 1 })) {
      const iso = day.toISODate();
      if (day >= start && iso && !found.has(iso)) found.set(iso, h.name);
    }
  }
  days = found;
  holidayYears.set(key, days);
  return days;
}

export function holidayOn(date: IsoDate, market: Market): string | null {
  const year = new Date(parse(date)).getUTCFullYear();
  // A year's rules can spill over New Year (a substitute or multi-day holiday), so ask the neighbours too.
  for (const y of [year, year - 1, year + 1]) {
    const name = holidaysOfYear(market, y).get(date);
    if (name !== undefined) return name;
  }
  return null;
}

export const isBusinessDay = (date: IsoDate, market: Market): boolean =>
  isoDayOfWeek(date) <= 5 && holidayOn(date, market) === null;

/** The n-th business day strictly after `date`; n = 0 returns `date` as it is. */
export function addBusinessDays(date: IsoDate, n: number, market: Market): IsoDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Business days must be a whole number ≥ 0: ${n}`);
  let day = date;
  parse(day);
  for (let left = n; left > 0; ) {
    day = addDays(day, 1);
    if (isBusinessDay(day, market)) left--;
  }
  return day;
}
