// Exact money arithmetic on integer minor units (rulebook "Words": compute exactly, round half-up
// to the minor unit once, at the end). Products go through BigInt so nothing is lost above 2^53;
// every result must fit back into a safe integer.
import type { Currency, Money } from './types.ts';

function integer(name: string, n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be a safe integer: ${n}`);
  return BigInt(n);
}

function money(currency: Currency, amount: bigint): Money {
  const amountMinor = Number(amount);
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`${currency} amount out of range: ${amount}`);
  return { currency, amountMinor };
}

export const zeroMoney = (currency: Currency): Money => ({ currency, amountMinor: 0 });

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new Error(`Cannot add ${a.currency} and ${b.currency}`);
  return money(a.currency, integer('amountMinor', a.amountMinor) + integer('amountMinor', b.amountMinor));
}

export const sumMoney = (currency: Currency, items: readonly Money[]): Money =>
  items.reduce(addMoney, zeroMoney(currency));

export const multiplyMoney = (m: Money, factor: number): Money =>
  money(m.currency, integer('amountMinor', m.amountMinor) * integer('factor', factor));

/** m × numerator ÷ denominator, exact, then rounded once to the minor unit, halves away from zero. */
export function scaleMoney(m: Money, numerator: number, denominator: number): Money {
  const p = integer('amountMinor', m.amountMinor) * integer('numerator', numerator);
  const d = integer('denominator', denominator);
  if (d === 0n) throw new RangeError('denominator must not be 0');
  const abs = (x: bigint) => (x < 0n ? -x : x);
  // round(|p| / |d|) half-up = floor((2|p| + |d|) / 2|d|); BigInt division truncates, and both are ≥ 0.
  const magnitude = (2n * abs(p) + abs(d)) / (2n * abs(d));
  return money(m.currency, (p < 0n) !== (d < 0n) ? -magnitude : magnitude);
}

export const percentOfMoney = (m: Money, percent: number): Money => scaleMoney(m, percent, 100);

/** The tax contained in a tax-inclusive price: gross × rate ÷ (100 + rate), e.g. A$20.00 incl. 10 % GST holds A$1.82. */
export function includedTax(gross: Money, ratePercent: number): Money {
  if (!Number.isSafeInteger(ratePercent) || ratePercent < 0) throw new RangeError(`Tax rate must be a whole percent ≥ 0: ${ratePercent}`);
  return scaleMoney(gross, ratePercent, 100 + ratePercent);
}
