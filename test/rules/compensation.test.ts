import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/rules/calendar.ts';
import { lateTransferCompensation } from '../../shared/rules/compensation.ts';
import type { IsoDate, Money } from '../../shared/rules/types.ts';

const gbp = (amountMinor: number): Money => ({ currency: 'GBP', amountMinor });
const monthlyFee = gbp(3_000); // £30.00 a month
const gb = (confirmedTransferDate: IsoDate | null, completedOn: IsoDate | null, today = '2026-12-31') =>
  lateTransferCompensation({ market: 'GB', monthlyFee, confirmedTransferDate, completedOn, today });

describe('lateTransferCompensation (GB)', () => {
  // Transfer date Mon 2 Mar 2026: 1st business day after is Tue 3, compensation accrues from Wed 4.
  it('worked example: 10 days late at £30.00 a month → £9.86', () => {
    // 3000 × 12 × 10 / 365 = 986.30… → 986
    expect(gb('2026-03-02', '2026-03-13')).toEqual({ eligible: true, daysLate: 10, amount: gbp(986), accruesFrom: '2026-03-04' });
  });

  it('one day late: completed on the 2nd business day after', () => {
    // 3000 × 12 / 365 = 98.63… → 99
    expect(gb('2026-03-02', '2026-03-04')).toEqual({ eligible: true, daysLate: 1, amount: gbp(99), accruesFrom: '2026-03-04' });
  });

  it.each(['2026-03-02', '2026-03-03', '2026-02-27'])('nothing when completed on %s (by the 1st business day after)', (completedOn) => {
    expect(gb('2026-03-02', completedOn)).toEqual({ eligible: false, daysLate: 0, amount: gbp(0), accruesFrom: '2026-03-04' });
  });

  it('counts business days after the transfer date around bank holidays (Easter 2026)', () => {
    // Transfer Thu 2 Apr; Good Friday 3 Apr and Easter Monday 6 Apr are bank holidays, so the
    // 1st business day after is Tue 7 Apr and compensation accrues from Wed 8 Apr.
    // Completed Fri 10 Apr: 3 days, 3000 × 36 / 365 = 295.89… → 296.
    expect(gb('2026-04-02', '2026-04-07').daysLate).toBe(0);
    expect(gb('2026-04-02', '2026-04-10')).toEqual({ eligible: true, daysLate: 3, amount: gbp(296), accruesFrom: '2026-04-08' });
  });

  it('counts calendar days, holidays included, once accruing (Christmas 2026)', () => {
    // Transfer Wed 23 Dec: 1st business day after Thu 24, then 25 Dec and the Boxing Day substitute
    // (Mon 28) are bank holidays: accrues from Tue 29 Dec. Completed Tue 5 Jan 2027: 29 Dec … 5 Jan = 8 days,
    // including New Year's Day and a weekend. 3000 × 96 / 365 = 789.04… → 789.
    expect(gb('2026-12-23', '2027-01-05')).toEqual({ eligible: true, daysLate: 8, amount: gbp(789), accruesFrom: '2026-12-29' });
  });

  it('while pending, counts up to and including today', () => {
    // 4 … 20 Mar = 17 days; 3000 × 204 / 365 = 1676.71… → 1677.
    expect(gb('2026-03-02', null, '2026-03-20')).toEqual({ eligible: true, daysLate: 17, amount: gbp(1_677), accruesFrom: '2026-03-04' });
    expect(gb('2026-03-02', null, '2026-03-03')).toEqual({ eligible: false, daysLate: 0, amount: gbp(0), accruesFrom: '2026-03-04' });
  });

  it('needs a confirmed transfer date (rejections and holds never qualify)', () => {
    expect(gb(null, '2026-12-31')).toEqual({ eligible: false, daysLate: 0, amount: gbp(0), accruesFrom: null });
  });

  it.each(['AU', 'FR'] as const)('%s: never eligible, however late', (market) => {
    const fee: Money = { currency: market === 'AU' ? 'AUD' : 'EUR', amountMinor: 5_000 };
    expect(
      lateTransferCompensation({ market, monthlyFee: fee, confirmedTransferDate: '2026-03-02', completedOn: '2026-06-30', today: '2026-07-01' }),
    ).toEqual({ eligible: false, daysLate: 0, amount: { currency: fee.currency, amountMinor: 0 }, accruesFrom: null });
  });

  it('amount and days late never decrease as completion gets later', () => {
    const anyDay = fc.integer({ min: 0, max: 365 * 20 }).map((n) => addDays('2020-01-01', n));
    fc.assert(
      fc.property(
        anyDay,
        fc.integer({ min: -5, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 100_000 }),
        (transfer, offset, extra, fee) => {
          const run = (completedOn: IsoDate) =>
            lateTransferCompensation({ market: 'GB', monthlyFee: gbp(fee), confirmedTransferDate: transfer, completedOn, today: completedOn });
          const earlier = run(addDays(transfer, offset));
          const later = run(addDays(transfer, offset + extra));
          expect(later.daysLate).toBeGreaterThanOrEqual(earlier.daysLate);
          expect(later.amount.amountMinor).toBeGreaterThanOrEqual(earlier.amount.amountMinor);
          expect(later.daysLate - earlier.daysLate).toBeLessThanOrEqual(extra);
        },
      ),
      { numRuns: 500 },
    );
  });
});
