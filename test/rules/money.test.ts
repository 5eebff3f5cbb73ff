import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMoney,
  includedTax,
  multiplyMoney,
  percentOfMoney,
  scaleMoney,
  sumMoney,
  zeroMoney,
} from '../../shared/rules/money.ts';
import type { Money } from '../../shared/rules/types.ts';

const aud = (amountMinor: number): Money => ({ currency: 'AUD', amountMinor });
const gbp = (amountMinor: number): Money => ({ currency: 'GBP', amountMinor });

/** Reference: truncating quotient and remainder, then bump the magnitude when the remainder is at least half. */
function referenceScale(amount: number, numerator: number, denominator: number): number {
  const p = BigInt(amount) * BigInt(numerator);
  const d = BigInt(denominator);
  let q = p / d;
  const r = p % d;
  const twiceR = 2n * (r < 0n ? -r : r);
  if (twiceR >= (d < 0n ? -d : d)) q += (p < 0n) === (d < 0n) ? 1n : -1n;
  return Number(q);
}

describe('zeroMoney, addMoney, sumMoney', () => {
  it('adds in one currency', () => {
    expect(zeroMoney('EUR')).toEqual({ currency: 'EUR', amountMinor: 0 });
    expect(addMoney(aud(1999), aud(1))).toEqual(aud(2000));
    expect(sumMoney('AUD', [aud(2000), aud(-500), aud(1)])).toEqual(aud(1501));
    expect(sumMoney('GBP', [])).toEqual(gbp(0));
  });

  it('refuses to mix currencies', () => {
    expect(() => addMoney(aud(1), gbp(1))).toThrow(/AUD.*GBP/);
    expect(() => sumMoney('AUD', [gbp(1)])).toThrow(Error);
  });

  it('refuses results beyond a safe integer', () => {
    expect(() => addMoney(aud(Number.MAX_SAFE_INTEGER), aud(1))).toThrow(RangeError);
  });
});

describe('multiplyMoney', () => {
  it('multiplies by integers only', () => {
    expect(multiplyMoney(aud(2000), 3)).toEqual(aud(6000));
    expect(multiplyMoney(aud(2000), 0)).toEqual(aud(0));
    expect(multiplyMoney(aud(-5), -3)).toEqual(aud(15));
    expect(() => multiplyMoney(aud(2000), 1.5)).toThrow(RangeError);
    expect(() => multiplyMoney(aud(2 ** 40), 2 ** 20)).toThrow(RangeError);
  });

  it('never yields negative zero', () => {
    expect(Object.is(multiplyMoney(aud(-5), 0).amountMinor, 0)).toBe(true);
  });
});

describe('scaleMoney', () => {
  it.each([
    // amount, numerator, denominator, expected
    [5, 1, 2, 3], // 2.5 -> 3
    [-5, 1, 2, -3], // -2.5 -> -3 (half away from zero)
    [5, -1, 2, -3],
    [5, 1, -2, -3],
    [4, 1, 3, 1], // 1.33 -> 1
    [5, 1, 3, 2], // 1.67 -> 2
    [-4, 1, 3, -1],
    [3000, 120, 365, 986], // £30 × 12 × 10 / 365 = 986.30
    [1, 0, 7, 0],
  ])('%i × %i ÷ %i = %i', (amount, n, d, expected) => {
    expect(scaleMoney(aud(amount), n, d)).toEqual(aud(expected));
  });

  it('stays exact where the product exceeds 2^53', () => {
    // 9007199254740991 × 3 ÷ 6 = 4503599627370495.5 -> 4503599627370496; floating point gets this wrong.
    expect(scaleMoney(aud(Number.MAX_SAFE_INTEGER), 3, 6)).toEqual(aud(4503599627370496));
  });

  it('rejects a zero denominator and non-integers', () => {
    expect(() => scaleMoney(aud(1), 1, 0)).toThrow(RangeError);
    expect(() => scaleMoney(aud(1), 0.5, 1)).toThrow(RangeError);
    expect(() => scaleMoney(aud(1.5), 1, 1)).toThrow(RangeError);
  });

  it('equals a BigInt reference with half away from zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }), // × 1e6 stays within a safe result
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: -1e6, max: 1e6 }).filter((d) => d !== 0),
        (amount, n, d) => {
          expect(scaleMoney(aud(amount), n, d)).toEqual(aud(referenceScale(amount, n, d)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('equals the reference where amount × numerator exceeds 2^53', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -9e15, max: 9e15 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1000, max: 1e6 }),
        (amount, n, d) => {
          expect(scaleMoney(aud(amount), n, d)).toEqual(aud(referenceScale(amount, n, d)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rounds exact halves away from zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (k) => {
        // (2k + 1) / 2 is always a half.
        const expected = k >= 0 ? k + 1 : k;
        expect(scaleMoney(aud(2 * k + 1), 1, 2).amountMinor).toBe(expected);
      }),
    );
  });
});

describe('percentOfMoney and includedTax', () => {
  it('takes percentages', () => {
    expect(percentOfMoney(aud(5000), 150)).toEqual(aud(7500));
    expect(percentOfMoney(aud(333), 50)).toEqual(aud(167)); // 166.5 -> 167
    expect(percentOfMoney(aud(333), 0)).toEqual(aud(0));
  });

  it('finds the tax inside a tax-inclusive price', () => {
    expect(includedTax(aud(2000), 10)).toEqual(aud(182)); // A$20 incl. GST holds A$1.818…
    expect(includedTax(aud(1100), 10)).toEqual(aud(100));
    expect(includedTax({ currency: 'EUR', amountMinor: 995 }, 20)).toEqual({ currency: 'EUR', amountMinor: 166 }); // 165.83
    expect(includedTax({ currency: 'EUR', amountMinor: 3 }, 20)).toEqual({ currency: 'EUR', amountMinor: 1 }); // 0.5 -> 1
    expect(includedTax(aud(2000), 0)).toEqual(aud(0));
    expect(() => includedTax(aud(2000), -10)).toThrow(RangeError);
  });
});
