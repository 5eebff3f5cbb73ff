// nextDueAt: the instant the scheduled check must next look at an order (the sparse due index).
// Expected instants are written out in UTC, with the market wall-clock time they stand for.
import { describe, expect, it } from 'vitest';
import { holidayOn, isBusinessDay } from '../../shared/rules/calendar.ts';
import { checkDeadlines } from '../../shared/rules/port-in/deadline-check.ts';
import { DRAFT_EXPIRY_DAYS, draftExpiresAt, nextDueAt } from '../../shared/rules/port-in/next-deadline.ts';
import { decide } from '../../shared/rules/port-in/order.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { IsoDate, Market, PortInOrder } from '../../shared/rules/types.ts';
import { TWO_AU_LINES, buildOrder, command, ctx, details, facts, line, scheduledFor, sentToCarrier, systemCtx } from './port-in-fixtures.ts';
import { buildLines } from '../../shared/rules/port-in/order.ts';

/** Run the scheduled check at `now` and return the order it leaves (unchanged when nothing happened). */
const check = (order: PortInOrder, now: string) => checkDeadlines(order, systemCtx(order.market, now), { signingTokenHash: 'fresh-link-hash' }).decision.order;

describe('the calendar facts these tables rely on (from the holiday library)', () => {
  it.each<[Market, IsoDate, string]>([
    ['GB', '2026-04-03', 'Good Friday'],
    ['GB', '2026-04-06', 'Easter Monday'],
    ['GB', '2026-05-04', 'Early May bank holiday'],
    ['GB', '2026-12-25', 'Christmas Day'],
    ['GB', '2026-12-28', 'Boxing Day (substitute day)'],
    ['GB', '2027-12-27', 'Christmas Day (substitute day)'],
    ['GB', '2027-12-28', 'Boxing Day (substitute day)'],
    ['GB', '2028-01-03', "New Year's Day (substitute day)"],
    ['AU', '2026-12-25', 'Christmas Day'],
    ['AU', '2026-04-04', 'Easter Saturday'],
    ['FR', '2026-05-01', 'Labour Day'],
    ['FR', '2026-05-08', 'Victory Day'],
    ['FR', '2026-07-14', 'Bastille Day'],
  ])('%s %s is %s', (market, date, name) => {
    expect(holidayOn(date, market)).toBe(name);
    expect(isBusinessDay(date, market)).toBe(false);
  });
  it('Good Friday is a working day in France', () => {
    expect(isBusinessDay('2026-04-03', 'FR')).toBe(true);
  });
});

describe('draft: 00:00 UTC, 30 days after the last edit', () => {
  it('is set when the draft is created, from the UTC date of the creation (not the market date)', () => {
    // 23:30 UTC on 10 March is already 11 March in Brisbane; the expiry counts from the UTC date.
    const { order } = buildOrder({ market: 'AU', createdAt: '2026-03-10T23:30:00Z' });
    expect(DRAFT_EXPIRY_DAYS).toBe(30);
    expect(order.dueAt).toBe('2026-04-09T00:00:00.000Z');
    expect(nextDueAt(order)).toBe('2026-04-09T00:00:00.000Z');
    expect(draftExpiresAt(order.updatedAt).toISOString()).toBe('2026-04-09T00:00:00.000Z');
  });
  it('moves with every edit', () => {
    const { order } = buildOrder({
      market: 'GB',
      createdAt: '2026-03-10T09:00:00Z',
      steps: [['2026-03-20T23:59:59Z', { type: 'update', details: details('GB', { pin: '1234' }), lines: buildLines([line('+442079460000')], policyFor('GB')), facts: facts(), signing: null }]],
    });
    expect(order.dueAt).toBe('2026-04-19T00:00:00.000Z');
  });
  it('crosses the end of February (28 days) and a year end', () => {
    expect(buildOrder({ market: 'FR', createdAt: '2027-02-01T10:00:00Z' }).order.dueAt).toBe('2027-03-03T00:00:00.000Z');
    expect(buildOrder({ market: 'FR', createdAt: '2028-02-01T10:00:00Z' }).order.dueAt).toBe('2028-03-02T00:00:00.000Z'); // leap year
    expect(buildOrder({ market: 'GB', createdAt: '2026-12-15T10:00:00Z' }).order.dueAt).toBe('2027-01-14T00:00:00.000Z');
  });
});

describe('rejected: the end of the resubmission window', () => {
  it.each<[Market, string, string, string]>([
    // Rejected Thu 2 Apr 2026 (Brisbane): Good Friday, Easter Saturday and Easter Monday skipped; last day Mon 13 Apr.
    ['AU', '2026-03-30T00:00:00Z', '2026-04-02T03:00:00Z', '2026-04-13T14:00:00.000Z'],
    // Rejected Wed 23 Dec 2026 (London): 24, 29, 30, 31 Dec, (1 Jan holiday) 4 Jan; closes 00:00 GMT on 5 Jan.
    ['GB', '2026-12-01T09:00:00Z', '2026-12-23T10:00:00Z', '2027-01-05T00:00:00.000Z'],
    // Rejected Thu 30 Apr 2026 (Paris): 1 May and 8 May are holidays; 4, 5, 6, 7, 11 May; closes 00:00 CEST 12 May.
    ['FR', '2026-04-20T08:00:00Z', '2026-04-30T08:00:00Z', '2026-05-11T22:00:00.000Z'],
  ])('%s signed %s, rejected %s: due %s', (market, signedAt, rejectedAt, due) => {
    const order = sentToCarrier(market, signedAt, { steps: [[rejectedAt, command.reject]] });
    expect(order.status).toBe('rejected');
    expect(order.resubmitBy).toBe(due);
    expect(order.dueAt).toBe(due);
    expect(nextDueAt(order)).toBe(due);
  });
});

describe('submitted: 00:00 market time the day after the due date, until flagged overdue', () => {
  it.each<[string, Market, string, 'pstn' | 'isdn', IsoDate, string]>([
    // Brisbane has no DST: midnight is 14:00 UTC the day before. Due on Christmas Day (calendar days).
    ['AU standard, due on Christmas Day', 'AU', '2026-11-25T01:00:00Z', 'pstn', '2026-12-25', '2026-12-25T14:00:00.000Z'],
    ['AU complex: 120 days', 'AU', '2026-03-02T00:02:00Z', 'isdn', '2026-06-30', '2026-06-30T14:00:00.000Z'],
    // 20 business days from Tue 1 Dec (Christmas and the Boxing Day substitute skipped): Thu 31 Dec; GMT.
    ['GB over Christmas, GMT', 'GB', '2026-12-01T09:00:00Z', 'pstn', '2026-12-31', '2027-01-01T00:00:00.000Z'],
    // From Mon 30 Mar (Good Friday and Easter Monday skipped): Wed 29 Apr; BST, midnight is 23:00 UTC.
    ['GB over Easter, BST', 'GB', '2026-03-30T09:00:00Z', 'pstn', '2026-04-29', '2026-04-29T23:00:00.000Z'],
    // From Mon 20 Apr, skipping the Early May bank holiday (4 May): Tue 19 May.
    ['GB over Early May bank holiday', 'GB', '2026-04-20T09:00:00Z', 'pstn', '2026-05-19', '2026-05-19T23:00:00.000Z'],
    // Due Sun 29 Mar 2026, the day CEST starts: midnight of the 30th is 22:00 UTC (not 23:00).
    ['FR due the day summer time starts', 'FR', '2026-03-01T10:00:00Z', 'pstn', '2026-03-29', '2026-03-29T22:00:00.000Z'],
    // Due Sun 25 Oct 2026, the day CEST ends: the day is 25 hours long; midnight of the 26th is 23:00 UTC.
    ['FR due the day summer time ends', 'FR', '2026-09-27T10:00:00Z', 'pstn', '2026-10-25', '2026-10-25T23:00:00.000Z'],
    ['FR due on Bastille Day', 'FR', '2026-06-16T10:00:00Z', 'pstn', '2026-07-14', '2026-07-14T22:00:00.000Z'],
  ])('%s', (_name, market, signedAt, lineType, dueDate, due) => {
    const order = sentToCarrier(market, signedAt, { lines: [line(market === 'AU' ? '+61732123456' : market === 'GB' ? '+442079460000' : '+33142685300', { lineType })] });
    expect(order.status).toBe('submitted');
    expect(order.dueDate).toBe(dueDate);
    expect(order.dueAt).toBe(due);
    expect(nextDueAt(order)).toBe(due);
  });

  it('once flagged overdue nothing is pending for a submitted order', () => {
    const order = sentToCarrier('AU', '2026-11-25T01:00:00Z');
    const flagged = check(order, '2026-12-25T14:00:00Z');
    expect(flagged.overdueSince).toBe('2026-12-26');
    expect(flagged.dueAt).toBeNull();
    expect(nextDueAt(flagged)).toBeNull();
  });
});

describe('scheduled: 00:00 market time on the transfer date, until confirmed', () => {
  it.each<[Market, string, IsoDate, string]>([
    ['AU', '2026-03-30T00:00:00Z', '2026-04-07', '2026-04-06T14:00:00.000Z'], // Tuesday after Easter, Brisbane
    ['FR', '2026-05-04T08:00:00Z', '2026-05-15', '2026-05-14T22:00:00.000Z'], // the Friday after Ascension, CEST
    ['GB', '2026-03-23T09:00:00Z', '2026-03-30', '2026-03-29T23:00:00.000Z'], // the day after BST starts
    ['GB', '2026-10-19T09:00:00Z', '2026-10-26', '2026-10-26T00:00:00.000Z'], // the day after BST ends
    ['FR', '2026-10-19T09:00:00Z', '2026-10-26', '2026-10-25T23:00:00.000Z'], // the day after CEST ends
  ])('%s signed %s, transfer %s: due %s', (market, signedAt, transferDate, due) => {
    const order = scheduledFor(market, signedAt, transferDate);
    expect(order.status).toBe('scheduled');
    expect(order.dueAt).toBe(due);
  });

  it('the earliest candidate wins: overdue before a later transfer date, then the transfer date', () => {
    // GB due Thu 31 Dec 2026; the carrier gives Fri 8 Jan 2027.
    const order = scheduledFor('GB', '2026-12-01T09:00:00Z', '2027-01-08');
    expect(order.dueDate).toBe('2026-12-31');
    expect(order.dueAt).toBe('2027-01-01T00:00:00.000Z');
    const flagged = check(order, '2027-01-01T00:00:00Z');
    expect(flagged.overdueSince).toBe('2027-01-01');
    expect(flagged.dueAt).toBe('2027-01-08T00:00:00.000Z');
  });

  it('a transfer date before the due date comes first', () => {
    const order = scheduledFor('AU', '2026-03-30T00:00:00Z', '2026-04-07');
    expect(order.dueDate).toBe('2026-04-29');
    expect(order.dueAt).toBe('2026-04-06T14:00:00.000Z');
  });

  it('a change of the transfer date before it is confirmed moves the deadline', () => {
    const order = scheduledFor('GB', '2026-12-01T09:00:00Z', '2026-12-23');
    expect(order.dueAt).toBe('2026-12-23T00:00:00.000Z');
    const later = decide(order, command.transfer('2026-12-30'), ctx('GB', '2026-12-22T23:59:59Z')).order;
    expect(later.dueAt).toBe('2026-12-30T00:00:00.000Z');
    const earlier = decide(order, command.transfer('2026-12-22'), ctx('GB', '2026-12-22T10:00:00Z')).order;
    expect(earlier.dueAt).toBe('2026-12-22T00:00:00.000Z'); // today: due at once, the check confirms it
  });
});

describe('GB after confirmation: 00:00 on the 2nd business day after the transfer date, then every calendar day', () => {
  /** Signed a week before the transfer date (so the 20-business-day due date comes later), confirmed by the check at noon. */
  const confirmedGb = (signedAt: string, transferDate: IsoDate) => {
    const confirmed = check(scheduledFor('GB', signedAt, transferDate), `${transferDate}T12:00:00Z`);
    expect(confirmed.confirmedTransferDate).toBe(transferDate);
    return confirmed;
  };

  it.each<[string, string, IsoDate, string]>([
    ['Thu before Easter: 1st Tue 7, 2nd Wed 8 Apr (BST)', '2026-03-26T09:00:00Z', '2026-04-02', '2026-04-07T23:00:00.000Z'],
    ['Wed before Easter: 1st Thu 2, 2nd Tue 7 Apr', '2026-03-25T09:00:00Z', '2026-04-01', '2026-04-06T23:00:00.000Z'],
    ['Thu 30 Apr: 1st Fri 1 May, 2nd Tue 5 May (Early May bank holiday)', '2026-04-23T09:00:00Z', '2026-04-30', '2026-05-04T23:00:00.000Z'],
    ['Wed 23 Dec 2026: 1st Thu 24, 2nd Tue 29 Dec (GMT)', '2026-12-16T09:00:00Z', '2026-12-23', '2026-12-29T00:00:00.000Z'],
    ['Thu 24 Dec 2026: 1st Tue 29, 2nd Wed 30 Dec', '2026-12-17T09:00:00Z', '2026-12-24', '2026-12-30T00:00:00.000Z'],
    ['Thu 23 Dec 2027: 1st Fri 24, 2nd Wed 29 Dec (27 and 28 are substitutes)', '2027-12-16T09:00:00Z', '2027-12-23', '2027-12-29T00:00:00.000Z'],
    ['Fri 31 Dec 2027: 1st Tue 4 Jan (3 Jan substitute), 2nd Wed 5 Jan 2028', '2027-12-24T09:00:00Z', '2027-12-31', '2028-01-05T00:00:00.000Z'],
    ['Thu 22 Oct 2026: 1st Fri 23, 2nd Mon 26 Oct, after BST ends', '2026-10-15T09:00:00Z', '2026-10-22', '2026-10-26T00:00:00.000Z'],
    ['Thu 26 Mar 2026: 1st Fri 27, 2nd Mon 30 Mar, after BST starts', '2026-03-19T09:00:00Z', '2026-03-26', '2026-03-29T23:00:00.000Z'],
  ])('%s', (_name, signedAt, transferDate, due) => {
    const order = confirmedGb(signedAt, transferDate);
    expect(order.compensationAccruedTo).toBeNull();
    expect(order.dueAt).toBe(due);
    expect(nextDueAt(order)).toBe(due);
  });

  it('then 00:00 London time each following calendar day, holidays and weekends included, across the clock change', () => {
    // Transfer Tue 24 Mar 2026: 1st Wed 25, 2nd Thu 26 Mar. BST starts Sun 29 Mar at 01:00 GMT.
    let order = confirmedGb('2026-03-17T09:00:00Z', '2026-03-24');
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      seen.push(order.dueAt!);
      order = check(order, order.dueAt!);
    }
    expect(seen).toEqual([
      '2026-03-26T00:00:00.000Z',
      '2026-03-27T00:00:00.000Z',
      '2026-03-28T00:00:00.000Z', // Saturday
      '2026-03-29T00:00:00.000Z', // Sunday, still GMT at midnight
      '2026-03-29T23:00:00.000Z', // Monday 30 Mar 00:00 BST
      '2026-03-30T23:00:00.000Z',
      '2026-03-31T23:00:00.000Z',
    ]);
    expect(order.compensationAccruedTo).toBe('2026-04-01');
  });

  it('over Christmas and New Year (bank holidays still count once accruing)', () => {
    let order = confirmedGb('2026-12-16T09:00:00Z', '2026-12-23');
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      seen.push(order.dueAt!);
      order = check(order, order.dueAt!);
    }
    expect(seen).toEqual([
      '2026-12-29T00:00:00.000Z',
      '2026-12-30T00:00:00.000Z',
      '2026-12-31T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z', // New Year's Day
      '2027-01-02T00:00:00.000Z', // Saturday
      '2027-01-03T00:00:00.000Z',
    ]);
  });

  it('a check that ran late accrues to its own day and comes back the next day', () => {
    const order = confirmedGb('2026-12-16T09:00:00Z', '2026-12-23');
    const late = check(order, '2027-01-04T15:00:00Z');
    expect(late.compensationAccruedTo).toBe('2027-01-04');
    expect(late.dueAt).toBe('2027-01-05T00:00:00.000Z');
  });

  it('the earliest of overdue and compensation wins', () => {
    // Signed Tue 1 Dec: due Thu 31 Dec. Transfer Wed 23 Dec: accrues from Tue 29 Dec.
    const scheduled = scheduledFor('GB', '2026-12-01T09:00:00Z', '2026-12-23');
    const confirmed = check(scheduled, '2026-12-23T00:00:00Z');
    expect(confirmed.dueAt).toBe('2026-12-29T00:00:00.000Z'); // compensation before overdue (1 Jan)
    const accrued = check(check(check(confirmed, '2026-12-29T00:00:00Z'), '2026-12-30T00:00:00Z'), '2026-12-31T00:00:00Z');
    expect(accrued.dueAt).toBe('2027-01-01T00:00:00.000Z'); // both at once
    const both = check(accrued, '2027-01-01T00:00:00Z');
    expect(both.overdueSince).toBe('2027-01-01');
    expect(both.compensationAccruedTo).toBe('2027-01-01');
    expect(both.dueAt).toBe('2027-01-02T00:00:00.000Z');
  });

  it('completion ends it', () => {
    const order = confirmedGb('2026-12-16T09:00:00Z', '2026-12-23');
    expect(decide(order, command.complete('2026-12-24'), ctx('GB', '2026-12-24T10:00:00Z')).order.dueAt).toBeNull();
  });
});

describe('AU and FR never have compensation deadlines', () => {
  it('AU: after confirmation only the overdue deadline is left, then nothing', () => {
    const confirmed = check(scheduledFor('AU', '2026-03-30T00:00:00Z', '2026-04-07'), '2026-04-06T14:00:00Z');
    expect(confirmed.confirmedTransferDate).toBe('2026-04-07');
    expect(confirmed.dueAt).toBe('2026-04-29T14:00:00.000Z'); // due Wed 29 Apr; 00:00 Brisbane on 30 Apr
    expect(check(confirmed, '2026-04-29T14:00:00Z').dueAt).toBeNull();
  });
  it('FR: likewise', () => {
    const confirmed = check(scheduledFor('FR', '2026-05-04T08:00:00Z', '2026-05-15'), '2026-05-14T22:00:00Z');
    expect(confirmed.confirmedTransferDate).toBe('2026-05-15');
    expect(confirmed.dueAt).toBe('2026-06-01T22:00:00.000Z'); // due Mon 1 Jun; 00:00 CEST on 2 Jun
    expect(check(confirmed, '2026-06-01T22:00:00Z').dueAt).toBeNull();
  });
});

describe('nothing pending', () => {
  const cases: [string, PortInOrder][] = [
    ['awaiting_signature (reminded once)', buildOrder({ market: 'AU', createdAt: '2026-03-02T00:00:00Z', steps: [['2026-03-02T00:01:00Z', command.submit], ['2026-03-05T00:01:00Z', { type: 'remind_signer', tokenHash: 'h2' }]] }).order],
    [
      'on_hold (GB, no calls yet)',
      buildOrder({ market: 'GB', createdAt: '2026-03-02T09:00:00Z', account: { hasInboundCall: false }, steps: [['2026-03-02T09:01:00Z', command.submit], ['2026-03-02T09:02:00Z', command.sign]] }).order,
    ],
    ['completed', sentToCarrier('GB', '2026-12-01T09:00:00Z', { steps: [['2026-12-02T09:00:00Z', command.transfer('2026-12-10')], ['2026-12-30T09:00:00Z', command.complete('2026-12-30')]] })],
    ['cancelled', sentToCarrier('AU', '2026-03-02T00:00:00Z', { steps: [['2026-03-03T00:00:00Z', command.cancel]] })],
    ['withdrawn (rejected twice)', sentToCarrier('AU', '2026-03-30T00:00:00Z', { lines: TWO_AU_LINES, steps: [['2026-04-02T03:00:00Z', command.reject], ['2026-04-07T00:00:00Z', command.resubmit], ['2026-04-09T00:00:00Z', command.reject]] })],
    ['expired', buildOrder({ market: 'FR', createdAt: '2026-03-02T10:00:00Z', steps: [['2026-04-01T00:00:00Z', command.expire]] }).order],
  ];
  it.each(cases)('%s -> null', (name, order) => {
    expect(order.status).toBe(name.split(' ')[0]);
    expect(order.dueAt).toBeNull();
    expect(nextDueAt(order)).toBeNull();
  });
  it('a completed GB order whose compensation had been accruing has nothing pending', () => {
    const accruing = check(check(scheduledFor('GB', '2026-12-16T09:00:00Z', '2026-12-23'), '2026-12-23T00:00:00Z'), '2026-12-29T00:00:00Z');
    expect(accruing.compensationAccruedTo).toBe('2026-12-29');
    const done = decide(accruing, command.complete('2026-12-30'), ctx('GB', '2026-12-30T12:00:00Z')).order;
    expect(done.finalCompensation).toMatchObject({ eligible: true, daysLate: 2 });
    expect(done.dueAt).toBeNull();
  });
});
