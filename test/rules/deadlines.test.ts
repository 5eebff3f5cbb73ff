import { describe, expect, it } from 'vitest';
import { addBusinessDays } from '../../shared/rules/calendar.ts';
import {
  isOverdue,
  isTransferDateConfirmed,
  resubmissionDeadline,
  resubmissionLastDay,
  slaDueDate,
} from '../../shared/rules/deadlines.ts';
import type { Category, Market } from '../../shared/rules/types.ts';

const at = (iso: string) => new Date(iso);
const before = (d: Date) => new Date(d.getTime() - 1);

describe('slaDueDate (rulebook "Service level")', () => {
  it.each<[Market, Category, string, string]>([
    ['AU', 'standard', '2026-01-10', '2026-02-09'], // 30 calendar days
    ['AU', 'complex', '2026-01-10', '2026-05-10'], // 120 calendar days
    ['AU', 'standard', '2026-12-01', '2026-12-31'], // holidays do not matter for calendar days
    ['FR', 'standard', '2026-12-01', '2026-12-29'], // 28 calendar days
    ['FR', 'complex', '2026-12-01', '2026-12-29'],
    // GB: 20 business days. From Tue 1 Dec 2026 without holidays it would be Tue 29 Dec; Christmas
    // (Fri 25) and the Boxing Day substitute (Mon 28) push it to Thu 31 Dec.
    ['GB', 'standard', '2026-12-01', '2026-12-31'],
    // From Thu 10 Dec: also skips New Year's Day (Fri 1 Jan 2027).
    ['GB', 'complex', '2026-12-10', '2027-01-12'],
    // Spanning Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr.
    ['GB', 'standard', '2026-03-20', '2026-04-21'],
  ])('%s %s from %s is due %s', (market, category, commencement, due) => {
    expect(slaDueDate(market, category, commencement)).toBe(due);
  });
});

describe('isOverdue', () => {
  it('is on time through the whole due date in market time', () => {
    // AU due 9 Feb 2026: Brisbane midnight is 14:00 UTC.
    expect(isOverdue('2026-02-09', at('2026-02-09T13:59:59.999Z'), 'AU')).toBe(false);
    expect(isOverdue('2026-02-09', at('2026-02-09T14:00:00Z'), 'AU')).toBe(true);
    expect(isOverdue('2026-02-09', at('2026-02-01T00:00:00Z'), 'AU')).toBe(false);
  });

  it('uses the market date, not the UTC date', () => {
    // 23:30 UTC on 30 June is 00:30 BST on 1 July in London.
    expect(isOverdue('2026-06-30', at('2026-06-30T23:30:00Z'), 'GB')).toBe(true);
    expect(isOverdue('2026-06-30', at('2026-06-30T22:59:59Z'), 'GB')).toBe(false);
    // In winter London is on UTC.
    expect(isOverdue('2026-12-31', at('2026-12-31T23:59:59Z'), 'GB')).toBe(false);
    expect(isOverdue('2026-12-31', at('2027-01-01T00:00:00Z'), 'GB')).toBe(true);
  });
});

describe('resubmission window (5 business days after the rejection date)', () => {
  it.each<[Market, string, string, string]>([
    // Rejected Wed 1 Apr 2026, just before Easter.
    ['GB', '2026-04-01', '2026-04-10', '2026-04-10T23:00:00.000Z'], // skips Good Friday and Easter Monday; BST
    ['AU', '2026-04-01', '2026-04-10', '2026-04-10T14:00:00.000Z'], // skips Good Friday, Easter Saturday, Easter Monday
    ['FR', '2026-04-01', '2026-04-09', '2026-04-09T22:00:00.000Z'], // Good Friday is a working day; Lundi de Pâques is not; CEST
    // Christmas: QLD Christmas Eve counts, 25 and 28 Dec and 1 Jan do not.
    ['AU', '2026-12-23', '2027-01-04', '2027-01-04T14:00:00.000Z'],
    ['GB', '2026-12-23', '2027-01-04', '2027-01-05T00:00:00.000Z'], // GMT: midnight is 00:00 UTC
    // A rejection on a Saturday: the window starts on Monday.
    ['FR', '2026-03-28', '2026-04-03', '2026-04-03T22:00:00.000Z'],
  ])('%s rejected %s: last day %s, closes at %s', (market, rejectedOn, lastDay, deadline) => {
    expect(resubmissionLastDay(market, rejectedOn)).toBe(lastDay);
    expect(resubmissionLastDay(market, rejectedOn)).toBe(addBusinessDays(rejectedOn, 5, market));
    const closes = resubmissionDeadline(market, rejectedOn);
    expect(closes.toISOString()).toBe(deadline);
  });

  it('allows a resubmission until the last millisecond of the last day, market time', () => {
    const closes = resubmissionDeadline('AU', '2026-04-01');
    const allowed = (now: Date) => now.getTime() < closes.getTime();
    expect(allowed(at('2026-04-10T13:59:59.999Z'))).toBe(true); // 23:59:59.999 in Brisbane on the 10th
    expect(allowed(at('2026-04-10T14:00:00Z'))).toBe(false);
  });
});

describe('isTransferDateConfirmed', () => {
  it.each<[Market, string, string]>([
    ['GB', '2026-03-30', '2026-03-29T23:00:00Z'], // the day after BST starts: midnight is 23:00 UTC
    ['GB', '2026-12-14', '2026-12-14T00:00:00Z'],
    ['AU', '2026-07-01', '2026-06-30T14:00:00Z'],
    ['FR', '2026-10-26', '2026-10-25T23:00:00Z'], // the day after CEST ends
  ])('%s transfer date %s is confirmed from %s', (market, transferDate, from) => {
    const midnight = at(from);
    expect(isTransferDateConfirmed(transferDate, before(midnight), market)).toBe(false);
    expect(isTransferDateConfirmed(transferDate, midnight, market)).toBe(true);
    expect(isTransferDateConfirmed(transferDate, new Date(midnight.getTime() + 5 * 86_400_000), market)).toBe(true);
  });
});
