// Dates in carriers' and customers' email (issue 4 "Parsing"): day first in AU, GB and FR,
// English and French month names, ISO; anything ambiguous is no date.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoDayOfWeek } from '../../shared/rules/calendar.ts';
import { DATE_CONVENTIONS, findDates, parseMarketDate } from '../../shared/rules/email/dates.ts';
import { MARKETS, type Market } from '../../shared/rules/types.ts';

const DAY_MS = 86_400_000;
const isoOfDay = (epochDay: number) => new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
const epochDay = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
/** Any date 1990-01-01 … 2100-12-31. */
const anyDate = fc.integer({ min: epochDay('1990-01-01'), max: epochDay('2100-12-31') }).map(isoOfDay);
const anyMarket = fc.constantFrom(...MARKETS);

describe('parseMarketDate: the formats carriers write, in every market', () => {
  const thursday3Dec: [string, string][] = [
    ['03/12/2026', 'numeric, slashes'],
    ['3/12/2026', 'numeric, no leading zero'],
    ['03-12-2026', 'numeric, hyphens'],
    ['03.12.2026', 'numeric, dots'],
    ['3.12.2026', 'numeric, dots, no leading zero'],
    ['3 December 2026', 'English, day first'],
    ['3rd December 2026', 'English ordinal'],
    ['3rd of December, 2026', 'English "of" and comma'],
    ['the 3rd of December 2026', 'English with "the"'],
    ['Thursday 3 December 2026', 'English with weekday'],
    ['Thursday, 3 December 2026', 'English with weekday and comma'],
    ['Thu 3 Dec 2026', 'English abbreviations'],
    ['3 Dec 2026', 'English month abbreviation'],
    ['3 Dec. 2026', 'English month abbreviation with a dot'],
    ['3-Dec-2026', 'carrier system style'],
    ['03-DEC-2026', 'carrier system style, capitals'],
    ['December 3, 2026', 'English, month first (carriers do write it)'],
    ['Thursday, December 3rd, 2026', 'English, month first with weekday and ordinal'],
    ['Dec 3 2026', 'English, month first, no comma'],
    ['3 décembre 2026', 'French'],
    ['3 déc. 2026', 'French abbreviation'],
    ['3 decembre 2026', 'French without accents'],
    ['jeudi 3 décembre 2026', 'French with weekday'],
    ['jeu. 3 déc. 2026', 'French, all abbreviated'],
    ['JEUDI 3 DÉCEMBRE 2026', 'French in capitals'],
    ['le jeudi 3 décembre 2026', 'French with "le"'],
    ['2026-12-03', 'ISO'],
    ['2026/12/03', 'year first with slashes'],
    ['  3 December 2026.  ', 'surrounding blanks and a full stop'],
    ['3\u00a0December\u00a02026', 'non-breaking spaces (HTML)'],
  ];
  for (const market of MARKETS) {
    it.each(thursday3Dec)(`${market}: %s (%s) is 2026-12-03`, (text) => {
      expect(parseMarketDate(text, market)).toBe('2026-12-03');
    });
  }

  it.each<[string, Market, string]>([
    ['1er mars 2027', 'FR', '2027-03-01'],
    ['lundi 1er mars 2027', 'FR', '2027-03-01'],
    ['1 mars 2027', 'FR', '2027-03-01'],
    ['1st March 2027', 'GB', '2027-03-01'],
    ['29 février 2028', 'FR', '2028-02-29'],
    ['29/02/2028', 'AU', '2028-02-29'],
    ['12/03/2026', 'AU', '2026-03-12'], // 12 March, never December 3
    ['12/03/2026', 'GB', '2026-03-12'],
    ['12/03/2026', 'FR', '2026-03-12'],
    ['31.12.2026', 'FR', '2026-12-31'],
    ['1 août 2026', 'FR', '2026-08-01'],
    ['15 aout 2026', 'FR', '2026-08-15'],
    ['14 juil. 2026', 'FR', '2026-07-14'],
    ['5 févr. 2027', 'FR', '2027-02-05'],
    ['5 Sept 2026', 'GB', '2026-09-05'],
    ['Tue 5 May 2026', 'AU', '2026-05-05'],
    ['8 mai 2026', 'FR', '2026-05-08'],
    ['Monday, 28 December 2026', 'GB', '2026-12-28'],
    ['26 January 2027', 'AU', '2027-01-26'],
  ])('%s in %s is %s', (text, market, iso) => {
    expect(parseMarketDate(text, market)).toBe(iso);
  });

  it.each<[string, string]>([
    ['31/02/2026', 'no 31 February'],
    ['29/02/2026', '2026 is not a leap year'],
    ['31 April 2026', 'no 31 April'],
    ['00/12/2026', 'day 0'],
    ['03/13/2026', 'month 13 (a month-first reading is never tried)'],
    ['12/31/2026', 'month-first US date'],
    ['2026-02-30', 'ISO, not a calendar date'],
    ['03/12/26', 'two-digit year: ambiguous'],
    ['3 Dec 26', 'two-digit year, month name'],
    ['3 December', 'no year'],
    ['December 2026', 'no day'],
    ['03/12-2026', 'mixed separators'],
    ['Friday 3 December 2026', 'the weekday contradicts the date'],
    ['vendredi 3 décembre 2026', 'the French weekday contradicts the date'],
    ['3er mars 2027', '"er" only on the 1st'],
    ['décembre 3, 2026', 'French is never month first'],
    ['2026-12-03T10:00:00Z', 'an instant: its market day depends on the time zone'],
    ['03/12/0026', 'year 26 is a typo'],
    ['3 December 2026 at 10:00', 'more than a date'],
    ['3 December 2026 or 4 December 2026', 'two dates'],
    ['tomorrow', 'relative'],
    ['today', 'relative: never guessed'],
    ['', 'empty'],
    ['013/12/2026', 'part of a longer number'],
  ])('%s -> null (%s)', (text) => {
    for (const market of MARKETS) expect(parseMarketDate(text, market)).toBeNull();
  });

  it('every market reads numeric dates day first', () => {
    for (const market of MARKETS) expect(DATE_CONVENTIONS[market].numericOrder).toBe('dmy');
  });
});

describe('findDates: dates inside sentences', () => {
  it('finds every date with its text and position, in order', () => {
    const text = 'Moved from 1 December 2026 to Thursday 3 December 2026 (ref 03/12/2026).';
    expect(findDates(text, 'GB')).toEqual([
      { date: '2026-12-01', raw: '1 December 2026', index: 11 },
      { date: '2026-12-03', raw: 'Thursday 3 December 2026', index: 30 },
      { date: '2026-12-03', raw: '03/12/2026', index: 60 },
    ]);
  });

  it('reads French sentences', () => {
    expect(findDates('La portabilité est prévue le jeu. 3 déc. 2026 entre 8h et 10h.', 'FR')).toEqual([
      { date: '2026-12-03', raw: 'jeu. 3 déc. 2026', index: 29 },
    ]);
  });

  it.each<[string, string]>([
    ['Call us on 01.23.45.67.89 or 02 9876 5432.', 'French and Australian phone numbers'],
    ['Order 2026-12-0345 and ticket 12/12/20261.', 'longer runs of digits'],
    ['Version 1.12.2026.4 of the form.', 'a version string'],
    ['Reference AB03/12/2026', 'glued to letters'],
    ['Dates: 03/12/26 and 3 Dec.', 'two-digit year, no year'],
  ])('finds nothing in %s (%s)', (text) => {
    expect(findDates(text, 'FR')).toEqual([]);
  });

  it('never throws and only returns valid dates found at their index, on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), anyMarket, (text, market) => {
        for (const found of findDates(text, market)) {
          expect(text.slice(found.index, found.index + found.raw.length)).toBe(found.raw);
          expect(parseMarketDate(found.raw, market)).toBe(found.date);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('round trip: every valid date written in every supported format reads back', () => {
  const EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const EN_SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const FR = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
  const FR_SHORT = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];
  const EN_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  const FR_DAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
  const ordinal = (d: number) => (d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th');
  const pad = (n: number) => String(n).padStart(2, '0');

  const formats: Record<string, (y: number, m: number, d: number, iso: string) => string> = {
    'dd/mm/yyyy': (y, m, d) => `${pad(d)}/${pad(m)}/${y}`,
    'd/m/yyyy': (y, m, d) => `${d}/${m}/${y}`,
    'dd-mm-yyyy': (y, m, d) => `${pad(d)}-${pad(m)}-${y}`,
    'dd.mm.yyyy': (y, m, d) => `${pad(d)}.${pad(m)}.${y}`,
    'd Month yyyy': (y, m, d) => `${d} ${EN[m - 1]} ${y}`,
    'dth Month yyyy': (y, m, d) => `${d}${ordinal(d)} ${EN[m - 1]} ${y}`,
    'Weekday d Month yyyy': (y, m, d, iso) => `${EN_DAYS[isoDayOfWeek(iso) - 1]} ${d} ${EN[m - 1]} ${y}`,
    'd Mon yyyy': (y, m, d) => `${d} ${EN_SHORT[m - 1]} ${y}`,
    'Month d, yyyy': (y, m, d) => `${EN[m - 1]} ${d}, ${y}`,
    'd mois yyyy': (y, m, d) => `${d === 1 ? '1er' : d} ${FR[m - 1]} ${y}`,
    'd abr. yyyy': (y, m, d) => `${d} ${FR_SHORT[m - 1]} ${y}`,
    'jour d mois yyyy': (y, m, d, iso) => `${FR_DAYS[isoDayOfWeek(iso) - 1]} ${d} ${FR[m - 1]} ${y}`,
    'yyyy-mm-dd': (_y, _m, _d, iso) => iso,
  };

  for (const [name, write] of Object.entries(formats)) {
    it(name, () => {
      fc.assert(
        fc.property(anyDate, anyMarket, (iso, market) => {
          const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
          const written = write(y, m, d, iso);
          expect(parseMarketDate(written, market)).toBe(iso);
          expect(findDates(`Your port: ${written}.`, market).map((f) => f.date)).toEqual([iso]);
        }),
        { numRuns: 300 },
      );
    });
  }
});
