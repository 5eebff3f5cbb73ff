// Dates as carriers and customers write them in email (rulebook "Markets"; issue 4 "Parsing"):
// numeric dates are day first in every market we serve (03/12/2026 is 3 December in AU, GB and
// FR), month names come in English or French, and ISO dates are accepted everywhere.
// Why so strict: a misread date moves a real number on the wrong day. Whatever is ambiguous
// (a two-digit year, no year, a weekday that contradicts the date, an ISO instant whose day depends
// on its time zone) is not a date here, so the message goes to an operator instead.
import { isoDayOfWeek, isValidIsoDate } from '../calendar.ts';
import type { IsoDate, Market } from '../types.ts';

/** How a market writes numeric dates. Every market we serve is day-first; a month-first market would say so here. */
export interface DateConventions {
  numericOrder: 'dmy' | 'mdy';
}

export const DATE_CONVENTIONS: Readonly<Record<Market, DateConventions>> = {
  AU: { numericOrder: 'dmy' },
  GB: { numericOrder: 'dmy' },
  FR: { numericOrder: 'dmy' },
};

/** A date found in a text: the date, the text as written and where it starts. */
export interface FoundDate {
  date: IsoDate;
  raw: string;
  index: number;
}

/** Years accepted: four digits, 1900–2999. `0026` is a typo, not the year 26. */
const MIN_YEAR = 1900;
const MAX_YEAR = 2999;

// Month names, full and abbreviated, English and French, with and without accents (carriers'
// systems often strip them). Matching is case-insensitive.
const MONTH_NAMES: readonly (readonly [string, number])[] = [
  ['january', 1], ['jan', 1], ['janvier', 1], ['janv', 1],
  ['february', 2], ['feb', 2], ['février', 2], ['fevrier', 2], ['févr', 2], ['fevr', 2], ['fév', 2], ['fev', 2],
  ['march', 3], ['mar', 3], ['mars', 3],
  ['april', 4], ['apr', 4], ['avril', 4], ['avr', 4],
  ['may', 5], ['mai', 5],
  ['june', 6], ['jun', 6], ['juin', 6],
  ['july', 7], ['jul', 7], ['juillet', 7], ['juil', 7],
  ['august', 8], ['aug', 8], ['août', 8], ['aout', 8],
  ['september', 9], ['sept', 9], ['sep', 9], ['septembre', 9],
  ['october', 10], ['oct', 10], ['octobre', 10],
  ['november', 11], ['nov', 11], ['novembre', 11],
  ['december', 12], ['dec', 12], ['décembre', 12], ['decembre', 12], ['déc', 12],
];
const EN_MONTH_NAMES = new Set([
  'january', 'jan', 'february', 'feb', 'march', 'mar', 'april', 'apr', 'may', 'june', 'jun', 'july', 'jul',
  'august', 'aug', 'september', 'sept', 'sep', 'october', 'oct', 'november', 'nov', 'december', 'dec',
]);
const MONTHS = new Map(MONTH_NAMES.map(([name, month]) => [name, month]));

// ISO weekday (1 = Monday) of each weekday name, full and abbreviated.
const WEEKDAY_NAMES: readonly (readonly [string, number])[] = [
  ['monday', 1], ['mon', 1], ['lundi', 1], ['lun', 1],
  ['tuesday', 2], ['tues', 2], ['tue', 2], ['mardi', 2], ['mar', 2],
  ['wednesday', 3], ['wed', 3], ['mercredi', 3], ['mer', 3],
  ['thursday', 4], ['thurs', 4], ['thur', 4], ['thu', 4], ['jeudi', 4], ['jeu', 4],
  ['friday', 5], ['fri', 5], ['vendredi', 5], ['ven', 5],
  ['saturday', 6], ['sat', 6], ['samedi', 6], ['sam', 6],
  ['sunday', 7], ['sun', 7], ['dimanche', 7], ['dim', 7],
];
const WEEKDAYS = new Map(WEEKDAY_NAMES.map(([name, day]) => [name, day]));

const alternation = (names: Iterable<string>) =>
  [...new Set(names)].sort((a, b) => b.length - a.length).join('|');
const MONTH = `(${alternation(MONTHS.keys())})`;
const WEEKDAY = `(${alternation(WEEKDAYS.keys())})`;
// Letters and digits on either side would make the date part of a longer token.
const START = '(?<![\\p{L}\\p{N}])';
const END = '(?![\\p{L}\\p{N}])';
const SP = '[\\s\\u00a0\\u202f]+';
const WEEKDAY_PREFIX = `(?:${WEEKDAY}\\.?,?${SP}(?:the${SP})?)?`;

// "Thursday 3 December 2026", "3rd of December, 2026", "jeudi 1er mars 2027", "3 déc. 2026", "03-DEC-2026".
const DAY_MONTH_YEAR = new RegExp(
  `${START}${WEEKDAY_PREFIX}(\\d{1,2})(st|nd|rd|th|er)?(?:${SP}(?:of${SP})?|-)${MONTH}(?:\\.?,?${SP}|\\.?-)(\\d{4})${END}`,
  'giu',
);
// "December 3, 2026", "Thursday, Dec 3rd 2026" (English only: French never writes month first).
const MONTH_DAY_YEAR = new RegExp(`${START}${WEEKDAY_PREFIX}${MONTH}\\.?${SP}(\\d{1,2})(?:st|nd|rd|th)?,?${SP}(\\d{4})${END}`, 'giu');
// "03/12/2026", "3.12.2026", "03-12-2026": the separator is the same twice. Not part of a longer run
// of numbers (a French phone number written 01.23.45.67.89 or a version string).
const NUMERIC = /(?<![\p{L}\p{N}]|\d[./-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\p{L}\p{N}]|[./-]\d)/gu;
// "2026-12-03" (also 2026/12/03): year first is never ambiguous.
const YEAR_FIRST = /(?<![\p{L}\p{N}]|\d[./-])(\d{4})([/-])(\d{2})\2(\d{2})(?![\p{L}\p{N}]|[./-]\d)/gu;

function isoOf(year: number, month: number, day: number): IsoDate | null {
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isValidIsoDate(iso) ? iso : null;
}

/** The date, or null when it is not a calendar date or the weekday written beside it is another day. */
function checked(year: number, month: number, day: number, weekday: string | undefined): IsoDate | null {
  const iso = isoOf(year, month, day);
  if (iso === null || weekday === undefined) return iso;
  return WEEKDAYS.get(weekday.toLowerCase()) === isoDayOfWeek(iso) ? iso : null;
}

interface Candidate extends FoundDate {
  end: number;
}

function candidates(text: string, market: Market): Candidate[] {
  const found: Candidate[] = [];
  const push = (m: RegExpExecArray, date: IsoDate | null) => {
    if (date !== null) found.push({ date, raw: m[0], index: m.index, end: m.index + m[0].length });
  };
  for (const m of text.matchAll(DAY_MONTH_YEAR)) {
    const [, weekday, day, ordinal, month, year] = m;
    const monthNumber = MONTHS.get((month ?? '').toLowerCase());
    // French writes "1er" on the 1st only ("3er" is a typo, not a date).
    if (monthNumber === undefined || (ordinal?.toLowerCase() === 'er' && Number(day) !== 1)) continue;
    push(m, checked(Number(year), monthNumber, Number(day), weekday));
  }
  for (const m of text.matchAll(MONTH_DAY_YEAR)) {
    const [, weekday, month, day, year] = m;
    const name = (month ?? '').toLowerCase();
    const monthNumber = MONTHS.get(name);
    if (monthNumber === undefined || !EN_MONTH_NAMES.has(name)) continue;
    push(m, checked(Number(year), monthNumber, Number(day), weekday));
  }
  const order = DATE_CONVENTIONS[market].numericOrder;
  for (const m of text.matchAll(NUMERIC)) {
    const [first, second] = [Number(m[1]), Number(m[3])];
    push(m, order === 'dmy' ? isoOf(Number(m[4]), second, first) : isoOf(Number(m[4]), first, second));
  }
  for (const m of text.matchAll(YEAR_FIRST)) push(m, isoOf(Number(m[1]), Number(m[3]), Number(m[4])));
  return found;
}

/**
 * Every date in `text` written in the market's conventions, in text order. Where two readings
 * overlap, the longer one wins ("Thursday 3 December 2026" over "3 December 2026").
 * Why: a carrier's answer names its date in a sentence; the reader needs where it is, not only what it is.
 */
export function findDates(text: string, market: Market): FoundDate[] {
  const sorted = candidates(text, market).sort((a, b) => a.index - b.index || b.end - a.end);
  const kept: FoundDate[] = [];
  let reached = 0;
  for (const c of sorted) {
    if (c.index < reached) continue;
    kept.push({ date: c.date, raw: c.raw, index: c.index });
    reached = c.end;
  }
  return kept;
}

/**
 * The date a text is, or null: the whole text (trimmed, trailing punctuation and a leading "the",
 * "le" or "on" aside) must be one date in the market's conventions. Two-digit years, impossible dates (31/02/2026) and anything
 * else give null.
 * Why: a structured line ("Transfer date: 03/12/2026") must say a date and nothing more; any extra
 * words make it something an operator should read.
 */
export function parseMarketDate(text: string, market: Market): IsoDate | null {
  const trimmed = text
    .replace(/^[\s\u00a0\u202f(]+|[\s\u00a0\u202f.,;:!)]+$/gu, '')
    .replace(/^(?:the|le|on)[\s\u00a0]+(?=\p{L}*[\s\u00a0]*\d)/iu, '');
  if (trimmed === '') return null;
  const found = findDates(trimmed, market);
  const only = found.length === 1 ? found[0] : undefined;
  return only !== undefined && only.index === 0 && only.raw.length === trimmed.length ? only.date : null;
}
