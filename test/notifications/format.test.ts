// Formatting in each market's conventions: dates, instants, deadlines, money from minor units, escaping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalOf, escapeHtml, formatDate, formatDeadline, formatInstant, formatMoney, oneLine, safeUrl, styleFor } from '../../shared/notifications/format.ts';
import { resubmissionDeadline } from '../../shared/rules/deadlines.ts';
import type { Currency, Market } from '../../shared/rules/types.ts';

const NBSP = '\u00a0';
const CURRENCY: Record<Market, Currency> = { AU: 'AUD', GB: 'GBP', FR: 'EUR' };

describe('formatDate', () => {
  it('writes a market date in words, without a comma after the weekday', () => {
    expect(formatDate('2026-12-03', styleFor('AU'))).toBe('Thursday 3 December 2026');
    expect(formatDate('2026-12-03', styleFor('GB'))).toBe('Thursday 3 December 2026');
    expect(formatDate('2026-12-03', styleFor('FR'))).toBe('jeudi 3 décembre 2026');
  });

  it('writes "1er" for the first of the month in French', () => {
    expect(formatDate('2026-07-01', styleFor('FR'))).toBe('mercredi 1er juillet 2026');
    expect(formatDate('2026-07-01', styleFor('GB'))).toBe('Wednesday 1 July 2026');
  });

  it('formats the date as given, whatever the market zone (no shift across midnight)', () => {
    for (const market of ['AU', 'GB', 'FR'] as const) {
      expect(formatDate('2026-01-01', styleFor(market))).toMatch(/^(Thursday 1 January 2026|jeudi 1er janvier 2026)$/);
    }
  });

  it('refuses what is not a date', () => {
    expect(() => formatDate('03/12/2026', styleFor('AU'))).toThrow(RangeError);
  });
});

describe('formatInstant', () => {
  it('shows the market time and the zone name', () => {
    const at = '2026-12-03T13:59:00Z';
    expect(formatInstant(at, styleFor('AU'))).toBe('Thursday 3 December 2026 at 11:59 pm AEST');
    expect(formatInstant(at, styleFor('GB'))).toBe('Thursday 3 December 2026 at 13:59 GMT');
    expect(formatInstant(at, styleFor('FR'))).toBe('jeudi 3 décembre 2026 à 14:59 (heure de Paris, UTC+1)');
  });

  it('follows summer time in GB and FR', () => {
    const at = '2026-07-03T13:59:00Z';
    expect(formatInstant(at, styleFor('GB'))).toBe('Friday 3 July 2026 at 14:59 BST');
    expect(formatInstant(at, styleFor('FR'))).toBe('vendredi 3 juillet 2026 à 15:59 (heure de Paris, UTC+2)');
    expect(formatInstant(at, styleFor('AU'))).toBe('Friday 3 July 2026 at 11:59 pm AEST'); // Queensland has no DST
  });

  it('takes the market date from the zone, not from UTC', () => {
    // 20:00 UTC on 3 December is already 4 December in Brisbane.
    expect(formatInstant('2026-12-03T20:00:00Z', styleFor('AU'))).toBe('Friday 4 December 2026 at 6:00 am AEST');
  });
});

describe('formatDeadline', () => {
  it('shows an end-of-day deadline (00:00 the next day) as 23:59 on the last day', () => {
    // Rejected Thursday 5 March 2026: the 5th business day after is Thursday 12 March.
    for (const [market, expected] of [
      ['AU', 'Thursday 12 March 2026 at 11:59 pm AEST'],
      ['GB', 'Thursday 12 March 2026 at 23:59 GMT'],
      ['FR', 'jeudi 12 mars 2026 à 23:59 (heure de Paris, UTC+1)'],
    ] as const) {
      expect(formatDeadline(resubmissionDeadline(market, '2026-03-05'), styleFor(market))).toBe(expected);
    }
  });

  it('shows any other instant as it is', () => {
    expect(formatDeadline('2026-03-12T05:30:00Z', styleFor('GB'))).toBe('Thursday 12 March 2026 at 05:30 GMT');
  });
});

describe('formatMoney', () => {
  it('writes each market’s currency convention from minor units', () => {
    expect(formatMoney({ currency: 'AUD', amountMinor: 2000 }, styleFor('AU'))).toBe('A$20.00');
    expect(formatMoney({ currency: 'GBP', amountMinor: 2000 }, styleFor('GB'))).toBe('£20.00');
    expect(formatMoney({ currency: 'EUR', amountMinor: 2000 }, styleFor('FR'))).toBe(`20,00${NBSP}€`);
    expect(formatMoney({ currency: 'AUD', amountMinor: 123456789 }, styleFor('AU'))).toBe('A$1,234,567.89');
    expect(formatMoney({ currency: 'EUR', amountMinor: 995 }, styleFor('FR'))).toBe(`9,95${NBSP}€`);
    expect(formatMoney({ currency: 'GBP', amountMinor: 5 }, styleFor('GB'))).toBe('£0.05');
    expect(formatMoney({ currency: 'GBP', amountMinor: -296 }, styleFor('GB'))).toBe('-£2.96');
  });

  it('keeps the last cent of the largest amounts (where amountMinor / 100 as a float would not)', () => {
    const max = Number.MAX_SAFE_INTEGER; // 90,071,992,547,409.91
    expect(formatMoney({ currency: 'AUD', amountMinor: max }, styleFor('AU'))).toBe('A$90,071,992,547,409.91');
    expect(decimalOf({ currency: 'GBP', amountMinor: -max })).toBe('-90071992547409.91');
  });

  it('never loses a cent and never shows float artefacts, for any amount (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<Market>('AU', 'GB', 'FR'), fc.maxSafeInteger(), (market, amountMinor) => {
        const text = formatMoney({ currency: CURRENCY[market], amountMinor }, styleFor(market));
        // Every digit shown is a digit of the amount, in order, with exactly two after the separator.
        expect(text.replace(/\D/g, '')).toBe(String(Math.abs(amountMinor)).padStart(3, '0'));
        const fraction = market === 'FR' ? /,(\d+)\u00a0€$/.exec(text) : /\.(\d+)$/.exec(text);
        expect(fraction?.[1]).toHaveLength(2);
        expect(text.includes('-')).toBe(amountMinor < 0);
        expect(text).not.toMatch(/e[+-]?\d|NaN|Infinity/);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses an amount that is not a safe integer', () => {
    expect(() => formatMoney({ currency: 'AUD', amountMinor: 10.5 }, styleFor('AU'))).toThrow(RangeError);
  });
});

describe('escaping and header safety', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  });

  it('keeps a subject on one line', () => {
    expect(oneLine('Port-in\r\nBcc: someone@example.test\tnow')).toBe('Port-in Bcc: someone@example.test now');
  });

  it('accepts only http(s) links', () => {
    expect(safeUrl('https://portdesk.example.test/orders/pin_1')).toBe('https://portdesk.example.test/orders/pin_1');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('/orders/pin_1')).toBeNull();
  });
});
