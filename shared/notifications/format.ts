// Formatting for emails in each market's conventions: dates and instants in the market's time zone
// and locale, money from integer minor units, counts, HTML escaping. Pure functions over Intl.
import { policyFor } from '../rules/markets.ts';
import type { Currency, IsoDate, Market, Money } from '../rules/types.ts';

/** Language of an email: English (en-AU / en-GB conventions) or French. */
export type Language = 'en' | 'fr';

/** The language each market's customers, account administrators and carriers are written to in. */
export const MARKET_LANGUAGE: Readonly<Record<Market, Language>> = { AU: 'en', GB: 'en', FR: 'fr' };

/** Locale per market and language: AU en-AU, GB en-GB, FR fr-FR (en-GB for an English email about an FR order). */
const LOCALES: Readonly<Record<Market, Record<Language, string>>> = {
  AU: { en: 'en-AU', fr: 'fr-FR' },
  GB: { en: 'en-GB', fr: 'fr-FR' },
  FR: { en: 'en-GB', fr: 'fr-FR' },
};

/**
 * Symbols that replace the locale's own where it would be ambiguous: en-AU writes a bare `$` for
 * AUD, and a carrier abroad or an operator reading several markets should see A$.
 */
const CURRENCY_SYMBOLS: Readonly<Partial<Record<Language, Partial<Record<Currency, string>>>>> = {
  en: { AUD: 'A$' },
};

/** Everything that decides how an email of one market writes its facts. */
export interface EmailStyle {
  market: Market;
  language: Language;
  /** BCP 47 locale, e.g. `en-AU`; also the HTML `lang`. */
  locale: string;
  /** IANA time zone of the market. */
  timeZone: string;
}

export function styleFor(market: Market, language: Language = MARKET_LANGUAGE[market]): EmailStyle {
  return { market, language, locale: LOCALES[market][language], timeZone: policyFor(market).timeZone };
}

// ---- HTML ---------------------------------------------------------------------------------------

export { escapeHtml } from '../html.ts';

/** One line for a header (subject): control characters and line breaks become single spaces. */
export const oneLine = (value: string): string =>
  // eslint-disable-next-line no-control-regex
  value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();

/** An http(s) URL, or null for anything else (never put a `javascript:` or relative link in an email). */
export function safeUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

// ---- dates and instants -------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, format);
  }
  return format;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A market calendar date in words: "Thursday 3 December 2026" (en-AU, en-GB), "jeudi 3 décembre 2026"
 * (fr-FR, with "1er" on the first of the month). The date is already a market date, so it is formatted
 * as it is, whatever the host's zone.
 */
export function formatDate(date: IsoDate, style: EmailStyle): string {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const utc = new Date(0);
  utc.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const parts = dateTimeFormat(style.locale, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).formatToParts(utc);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // Assembled from parts: en-GB's ICU pattern puts a comma after the weekday ("Thursday, 3 December").
  const day = style.language === 'fr' && part('day') === '1' ? '1er' : part('day');
  return `${part('weekday')} ${day} ${part('month')} ${part('year')}`;
}

/** The market calendar date an instant falls on. */
export function marketDateOf(instant: Date, style: EmailStyle): IsoDate {
  const parts = dateTimeFormat('en-CA', { timeZone: style.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function toDate(instant: string | Date): Date {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not an instant: ${String(instant)}`);
  return date;
}

/**
 * An instant in market time with its zone: "Thursday 3 December 2026 at 11:59 pm AEST" (en-AU),
 * "… at 23:59 GMT" / "BST" (en-GB), "jeudi 3 décembre 2026 à 23:59 (heure de Paris, UTC+1)" (fr-FR).
 */
export function formatInstant(instant: string | Date, style: EmailStyle): string {
  const at = toDate(instant);
  const date = formatDate(marketDateOf(at, style), style);
  const time = dateTimeFormat(style.locale, { timeZone: style.timeZone, hour: hourStyle(style.locale), minute: '2-digit' }).format(at);
  if (style.language === 'fr') {
    const offset = zoneName(at, style, 'shortOffset');
    const city = (style.timeZone.split('/').pop() ?? style.timeZone).replace(/_/g, ' ');
    return `${date} à ${time} (heure de ${city}, ${offset})`;
  }
  return `${date} at ${time} ${zoneName(at, style, 'short')}`;
}

/** 12-hour locales write "5:30 pm", 24-hour ones "05:30". */
function hourStyle(locale: string): 'numeric' | '2-digit' {
  const cycle = dateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h11' || cycle === 'h12' ? 'numeric' : '2-digit';
}

function zoneName(at: Date, style: EmailStyle, kind: 'short' | 'shortOffset'): string {
  const parts = dateTimeFormat(style.locale, { timeZone: style.timeZone, timeZoneName: kind }).formatToParts(at);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? style.timeZone;
}

/**
 * A deadline instant as a person reads it. Deadlines at the end of a market day are stored as 00:00
 * of the next day (exclusive); they are shown as the last minute of the day itself, 23:59, so that
 * "Friday 13 March, 00:00" never reads as "you have Friday too".
 */
export function formatDeadline(instant: string | Date, style: EmailStyle): string {
  const at = toDate(instant);
  const time = dateTimeFormat('en-GB', { timeZone: style.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
  const endOfDay = time === '00:00:00' && at.getUTCMilliseconds() === 0;
  return formatInstant(endOfDay ? new Date(at.getTime() - 60_000) : at, style);
}

// ---- money and counts ---------------------------------------------------------------------------

const MINOR_DIGITS: Readonly<Record<Currency, number>> = { AUD: 2, GBP: 2, EUR: 2 };

/**
 * The exact decimal of integer minor units, as a string ("-1234.05"): no division in floating point,
 * so no amount ever loses a cent, however large.
 */
export function decimalOf(money: Money): `${number}` {
  const { amountMinor, currency } = money;
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amountMinor must be a safe integer: ${amountMinor}`);
  const digits = MINOR_DIGITS[currency];
  const magnitude = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const sign = amountMinor < 0 ? '-' : '';
  const decimal = digits === 0 ? `${sign}${magnitude}` : `${sign}${magnitude.slice(0, -digits)}.${magnitude.slice(-digits)}`;
  return decimal as `${number}`;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** "A$20.00" (en-AU), "£20.00" (en-GB), "20,00 €" (fr-FR), from integer minor units, exactly. */
export function formatMoney(money: Money, style: EmailStyle): string {
  const format = numberFormat(style.locale, { style: 'currency', currency: money.currency });
  // Intl formats a decimal string exactly (ECMA-402 NumberFormat v3): the amount never passes through a float.
  const parts = format.formatToParts(decimalOf(money));
  const symbol = CURRENCY_SYMBOLS[style.language]?.[money.currency];
  return parts.map((p) => (p.type === 'currency' && symbol ? symbol : p.value)).join('');
}

/** A whole number with the locale's grouping: "5,000" / "5 000". */
export const formatCount = (n: number, style: EmailStyle): string => numberFormat(style.locale, { maximumFractionDigits: 0 }).format(n);

/** "1 number", "5,000 numbers"; French counts 0 and 1 as singular. */
export function countOf(n: number, one: string, other: string, style: EmailStyle): string {
  const plural = new Intl.PluralRules(style.locale).select(n);
  return `${formatCount(n, style)} ${plural === 'one' ? one : other}`;
}
