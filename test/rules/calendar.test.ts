import { build } from 'esbuild';
import { ESBUILD_OPTIONS } from '../../infra/bundling.ts';
import Holidays from 'date-holidays';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import HolidaysParser from 'date-holidays-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addDays,
  daysBetween,
  holidayOn,
  isBusinessDay,
  isoDayOfWeek,
  isValidIsoDate,
  marketDate,
  startOfMarketDay,
} from '../../shared/rules/calendar.ts';
import holidayData from '../../shared/rules/holiday-data.json' with { type: 'json' };
import { policyFor } from '../../shared/rules/markets.ts';
import { MARKETS, type Market } from '../../shared/rules/types.ts';

const DAY_MS = 86_400_000;
const isoOfDay = (epochDay: number) => new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
const epochDay = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
/** Any date 2000-01-01 … 2100-12-31. */
const anyDate = fc.integer({ min: epochDay('2000-01-01'), max: epochDay('2100-12-31') }).map(isoOfDay);
const anyMarket = fc.constantFrom(...MARKETS);

describe('plain calendar arithmetic', () => {
  it('validates strict, real dates', () => {
    for (const ok of ['2024-02-29', '2026-12-31', '2000-01-01', '0001-01-01']) expect(isValidIsoDate(ok), ok).toBe(true);
    for (const bad of ['2025-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-01', '26-01-01', '2026-01-01T00:00', ' 2026-01-01', '2026/01/01', ''])
      expect(isValidIsoDate(bad), bad).toBe(false);
  });

  it('adds days and measures distances across month, leap and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
    expect(daysBetween('2024-03-01', '2024-02-01')).toBe(-29);
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2026-02-01', 0.5)).toThrow(RangeError);
  });

  it('numbers weekdays from Monday', () => {
    expect(isoDayOfWeek('2026-03-30')).toBe(1);
    expect(isoDayOfWeek('2026-04-03')).toBe(5);
    expect(isoDayOfWeek('2026-04-05')).toBe(7);
  });

  it('round-trips addDays and daysBetween', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -40_000, max: 40_000 }), (d, n) => {
        const e = addDays(d, n);
        expect(isValidIsoDate(e)).toBe(true);
        expect(daysBetween(d, e)).toBe(n);
        expect(addDays(e, -n)).toBe(d);
      }),
    );
  });
});

describe('market time', () => {
  it.each<[string, Market, string]>([
    // 23:30 UTC on the night London springs forward is already 00:30 BST on the 30th.
    ['2026-03-29T23:30:00Z', 'GB', '2026-03-30'],
    ['2026-01-15T23:30:00Z', 'GB', '2026-01-15'],
    ['2026-06-30T22:00:00Z', 'FR', '2026-07-01'],
    ['2026-06-30T13:59:59.999Z', 'AU', '2026-06-30'],
    ['2026-06-30T14:00:00Z', 'AU', '2026-07-01'],
  ])('%s is %s date %s', (instant, market, date) => {
    expect(marketDate(new Date(instant), market)).toBe(date);
  });

  it.each<[string, Market, string]>([
    // Europe/London: BST starts Sun 29 Mar 2026 01:00 GMT and ends Sun 25 Oct 2026 01:00 GMT.
    ['2026-03-29', 'GB', '2026-03-29T00:00:00.000Z'],
    ['2026-03-30', 'GB', '2026-03-29T23:00:00.000Z'],
    ['2026-10-25', 'GB', '2026-10-24T23:00:00.000Z'],
    ['2026-10-26', 'GB', '2026-10-26T00:00:00.000Z'],
    // Europe/Paris switches the same night.
    ['2026-03-29', 'FR', '2026-03-28T23:00:00.000Z'],
    ['2026-03-30', 'FR', '2026-03-29T22:00:00.000Z'],
    // Australia/Brisbane has no DST: always UTC+10, even when Sydney changes (5 Apr and 4 Oct 2026).
    ['2026-04-05', 'AU', '2026-04-04T14:00:00.000Z'],
    ['2026-04-06', 'AU', '2026-04-05T14:00:00.000Z'],
    ['2026-10-05', 'AU', '2026-10-04T14:00:00.000Z'],
  ])('%s starts in %s at %s', (date, market, instant) => {
    expect(startOfMarketDay(date, market).toISOString()).toBe(instant);
  });

  it('has 23- and 25-hour days in London but not in Brisbane', () => {
    const hours = (d: string, m: Market) =>
      (startOfMarketDay(addDays(d, 1), m).getTime() - startOfMarketDay(d, m).getTime()) / 3_600_000;
    expect(hours('2026-03-29', 'GB')).toBe(23);
    expect(hours('2026-10-25', 'GB')).toBe(25);
    expect(hours('2026-04-05', 'AU')).toBe(24);
  });

  it('marketDate(startOfMarketDay(d)) === d in every market, 2000–2100', () => {
    fc.assert(
      fc.property(anyDate, anyMarket, (d, m) => {
        const start = startOfMarketDay(d, m);
        expect(marketDate(start, m)).toBe(d);
        expect(marketDate(new Date(start.getTime() - 1), m)).toBe(addDays(d, -1));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('holidays', () => {
  it.each<[Market, string, string | null]>([
    // England & Wales 2026
    ['GB', '2026-04-03', 'Good Friday'],
    ['GB', '2026-04-06', 'Easter Monday'],
    ['GB', '2026-04-02', null],
    ['GB', '2026-04-07', null],
    ['GB', '2026-12-25', 'Christmas Day'],
    ['GB', '2026-12-28', 'Boxing Day (substitute day)'], // 26 Dec is a Saturday
    ['GB', '2025-12-26', 'Boxing Day'],
    ['GB', '2027-01-01', "New Year's Day"],
    // Queensland 2026
    ['AU', '2026-04-03', 'Good Friday'],
    ['AU', '2026-04-04', 'Easter Saturday'],
    ['AU', '2026-04-06', 'Easter Monday'],
    ['AU', '2026-12-24', null], // Christmas Eve is a holiday only from 18:00
    ['AU', '2026-12-25', 'Christmas Day'],
    ['AU', '2026-12-28', 'Boxing Day (substitute day)'],
    ['AU', '2026-05-04', 'Labour Day'], // QLD: first Monday in May
    ['AU', '2026-06-08', null], // King's Birthday elsewhere in Australia, not in QLD
    // France
    ['FR', '2026-04-06', 'Easter Monday'], // Lundi de Pâques
    ['FR', '2026-04-03', null], // Good Friday only in Alsace-Moselle
    ['FR', '2025-12-26', null], // so is St Stephen's Day
    ['FR', '2026-12-25', 'Christmas Day'],
    ['FR', '2027-01-01', "New Year's Day"],
    ['FR', '2026-05-25', 'Whit Monday'],
  ])('%s %s: %s', (market, date, name) => {
    expect(holidayOn(date, market)).toBe(name);
    expect(isBusinessDay(date, market)).toBe(name === null && isoDayOfWeek(date) <= 5);
  });

  it('treats Queensland Christmas Eve (Thu 24 Dec 2026) as a business day', () => {
    expect(isBusinessDay('2026-12-24', 'AU')).toBe(true);
    expect(addBusinessDays('2026-12-23', 1, 'AU')).toBe('2026-12-24');
    expect(addBusinessDays('2026-12-24', 1, 'AU')).toBe('2026-12-29');
  });

  it('never counts weekends', () => {
    expect(isBusinessDay('2026-04-04', 'FR')).toBe(false);
    expect(isBusinessDay('2026-04-05', 'GB')).toBe(false);
  });

  it.each<[Market, string]>([
    ['GB', '2026-04-07'],
    ['AU', '2026-04-07'],
    ['FR', '2026-04-03'],
  ])('the business day after Thu 2 Apr 2026 (Easter) in %s is %s', (market, next) => {
    expect(addBusinessDays('2026-04-02', 1, market)).toBe(next);
  });

  it('adds zero business days as a no-op and refuses negatives', () => {
    expect(addBusinessDays('2026-04-04', 0, 'GB')).toBe('2026-04-04');
    expect(() => addBusinessDays('2026-04-04', -1, 'GB')).toThrow(RangeError);
  });

  it('addBusinessDays lands on a business day with exactly n business days in (date, result]', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 1, max: 40 }), anyMarket, (d, n, m) => {
        const r = addBusinessDays(d, n, m);
        expect(isBusinessDay(r, m)).toBe(true);
        let count = 0;
        for (let x = addDays(d, 1); x <= r; x = addDays(x, 1)) if (isBusinessDay(x, m)) count++;
        expect(count).toBe(n);
      }),
      { numRuns: 500 },
    );
  });
});

describe('holiday-data.json, the slice of date-holidays shared code loads', () => {
  const years = Array.from({ length: 21 }, (_, i) => 2020 + i);

  it.each(MARKETS)('%s: gives exactly the holidays of the full date-holidays package, 2020–2040', (market) => {
    const { country, state } = policyFor(market).holidayRegion;
    const region = { country, ...(state ? { state } : {}) };
    const full = new Holidays(region);
    const slice = new HolidaysParser(holidayData, region);
    for (const year of years) {
      expect(slice.getHolidays(year), `${market} ${year}`).toEqual(full.getHolidays(year));
      expect(slice.getHolidays(year, 'en'), `${market} ${year} en`).toEqual(full.getHolidays(year, 'en'));
    }
  });

  it.each(MARKETS)('%s: holidayOn matches the full package’s whole-day public and bank holidays, 2020–2040', (market) => {
    const { country, state } = policyFor(market).holidayRegion;
    const full = new Holidays({ country, ...(state ? { state } : {}) }, { types: ['public', 'bank'] });
    const expected = new Map<string, string>();
    for (const year of [2019, ...years, 2041])
      for (const h of full.getHolidays(year, 'en'))
        // Part-day holidays (not starting at 00:00, e.g. "2026-12-24 18:00:00") do not close the day.
        if (h.date.slice(11) === '00:00:00' && !expected.has(h.date.slice(0, 10))) expected.set(h.date.slice(0, 10), h.name);
    let holidays = 0;
    for (let d = '2020-01-01'; d <= '2040-12-31'; d = addDays(d, 1)) {
      expect(holidayOn(d, market), `${market} ${d}`).toBe(expected.get(d) ?? null);
      if (expected.has(d)) holidays++;
    }
    expect(holidays).toBeGreaterThan(21 * 8); // at least 8 a year in each market: the comparison is not vacuous
  });

  it('holds only our markets', () => {
    expect(Object.keys(holidayData.holidays).sort()).toEqual(['AU', 'FR', 'GB']);
  });
});

describe('calendar.ts bundled as the Lambdas are (no zone data, no equinox series)', () => {
  // date-holidays-parser imports moment-timezone, whose zone data (~700 KB) alone breaks the
  // 750 KB Lambda budget. calendar.ts never hands the parser a time zone, so a bundle may alias
  // moment-timezone to its data-free core; this proves the aliased bundle fits and agrees.
  it('fits in 750 KB minified and gives the same holidays, 2020–2040', async () => {
    // The exact settings every Lambda is bundled with (module aliases included).
    const out = await build({ ...ESBUILD_OPTIONS, entryPoints: ['shared/rules/calendar.ts'], write: false, logLevel: 'silent' });
    const code = out.outputFiles[0]!.contents;
    expect(code.byteLength).toBeLessThan(750_000);
    const dir = await mkdtemp(join(tmpdir(), 'calendar-bundle-'));
    try {
      const file = join(dir, 'calendar.mjs');
      await writeFile(file, code);
      const bundled = (await import(pathToFileURL(file).href)) as typeof import('../../shared/rules/calendar.ts');
      for (const market of MARKETS)
        for (let d = '2020-01-01'; d <= '2040-12-31'; d = addDays(d, 1))
          expect(bundled.holidayOn(d, market), `${market} ${d}`).toBe(holidayOn(d, market));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
