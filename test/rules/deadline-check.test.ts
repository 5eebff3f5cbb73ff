// checkDeadlines: what the scheduled check does to one order at an instant. Table tests at chosen
// instants in each market's time zone (around public holidays and clock changes), then property tests
// over orders built through the state machine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, marketDate, startOfMarketDay } from '../../shared/rules/calendar.ts';
import { lateTransferCompensation } from '../../shared/rules/compensation.ts';
import { InvalidTransitionError, RuleViolationError } from '../../shared/rules/errors.ts';
import { checkDeadlines, type DeadlineOutcome } from '../../shared/rules/port-in/deadline-check.ts';
import { nextDueAt } from '../../shared/rules/port-in/next-deadline.ts';
import { decide, orderNumbers, type PortInCommand } from '../../shared/rules/port-in/order.ts';
import { viewOrder } from '../../shared/rules/port-in/view.ts';
import { MARKETS, type AccountFacts, type IsoDate, type Market, type PortInOrder } from '../../shared/rules/types.ts';
import {
  MORE_NUMBERS,
  SAMPLE_NUMBER,
  TWO_AU_LINES,
  buildOrder,
  command,
  ctx,
  line,
  scheduledFor,
  sentToCarrier,
  systemCtx,
  signingRequest,
} from './port-in-fixtures.ts';

const SYSTEM = { kind: 'system', id: 'scheduled-check' };
/** The link secret's hash a signing reminder would carry (the use case makes a fresh one per check). */
const FRESH = { signingTokenHash: 'fresh-link-hash' };
const run = (order: PortInOrder, now: string | Date): DeadlineOutcome => checkDeadlines(order, systemCtx(order.market, now), FRESH);
const before = (iso: string) => new Date(Date.parse(iso) - 1);

/** The check did nothing: same order, no events, no effects, no notices. */
function expectNothing(order: PortInOrder, now: string | Date) {
  const outcome = run(order, now);
  expect(outcome.decision.events).toEqual([]);
  expect(outcome.notices).toEqual([]);
  expect(outcome.decision.order).toBe(order);
  expect(outcome.decision.release).toEqual([]);
  expect(outcome.decision.lock).toEqual([]);
  expect(outcome.decision.activate).toBeNull();
}

const types = (outcome: DeadlineOutcome) => outcome.decision.events.map((e) => e.type);

describe('overdue: flagged from the first instant of the day after the due date, market time', () => {
  it.each<[string, Market, string, IsoDate, string]>([
    // Brisbane (UTC+10, no DST). AU standard: 30 calendar days; due on Christmas Day.
    ['AU, due on Christmas Day', 'AU', '2026-11-25T01:00:00Z', '2026-12-25', '2026-12-25T14:00:00Z'],
    // London BST: midnight is 23:00 UTC. 20 business days over Easter.
    ['GB, BST, over Easter', 'GB', '2026-03-30T09:00:00Z', '2026-04-29', '2026-04-29T23:00:00Z'],
    // London GMT, over Christmas (25 Dec and the 28 Dec substitute skipped).
    ['GB, GMT, over Christmas', 'GB', '2026-12-01T09:00:00Z', '2026-12-31', '2027-01-01T00:00:00Z'],
    // Paris: due Sun 29 Mar 2026, the day CEST starts, so the next midnight is 22:00 UTC, not 23:00.
    ['FR, due the day CEST starts', 'FR', '2026-03-01T10:00:00Z', '2026-03-29', '2026-03-29T22:00:00Z'],
    // Paris: due Sun 25 Oct 2026, the day CEST ends (25 hours long): next midnight is 23:00 UTC.
    ['FR, due the day CEST ends', 'FR', '2026-09-27T10:00:00Z', '2026-10-25', '2026-10-25T23:00:00Z'],
    ['FR, due on Bastille Day', 'FR', '2026-06-16T10:00:00Z', '2026-07-14', '2026-07-14T22:00:00Z'],
  ])('%s', (_name, market, signedAt, dueDate, midnight) => {
    const order = sentToCarrier(market, signedAt);
    expect(order.dueDate).toBe(dueDate);
    expectNothing(order, before(midnight)); // 23:59:59.999 on the due date, market time
    expectNothing(order, `${dueDate}T10:00:00Z`); // during the due date (20:00 Brisbane, 10:00–12:00 in Europe)

    const outcome = run(order, midnight);
    expect(types(outcome)).toEqual(['overdue']);
    expect(outcome.notices).toEqual(['overdue']);
    const overdueSince = addDays(dueDate, 1);
    expect(outcome.decision.events[0]).toEqual({ type: 'overdue', at: new Date(midnight).toISOString(), actor: SYSTEM, data: { dueDate, overdueSince } });
    const flagged = outcome.decision.order;
    expect(flagged.overdueSince).toBe(overdueSince);
    expect(flagged.status).toBe('submitted'); // a flag, not a status
    expect(flagged.version).toBe(order.version + 1);
    expect(flagged.updatedAt).toBe(new Date(midnight).toISOString());
    expect(flagged.charges).toEqual(order.charges);
    expect(outcome.decision).toMatchObject({ lock: [], release: [], activate: null });
  });

  it('23:59 Brisbane on the due date: nothing; 00:00: flagged', () => {
    const order = sentToCarrier('AU', '2026-11-25T01:00:00Z');
    expectNothing(order, '2026-12-25T13:59:00Z'); // 23:59 on 25 Dec in Brisbane
    expect(types(run(order, '2026-12-25T14:00:00Z'))).toEqual(['overdue']);
  });

  it('is flagged once only', () => {
    const flagged = run(sentToCarrier('AU', '2026-11-25T01:00:00Z'), '2026-12-25T14:00:00Z').decision.order;
    expectNothing(flagged, '2026-12-25T14:00:00Z');
    expectNothing(flagged, '2026-12-26T14:00:00Z');
    expectNothing(flagged, '2027-03-01T00:00:00Z');
  });

  it('a check that runs days late records the first overdue day, not the day it ran', () => {
    const outcome = run(sentToCarrier('AU', '2026-11-25T01:00:00Z'), '2026-12-29T03:00:00Z');
    expect(outcome.decision.order.overdueSince).toBe('2026-12-26');
    expect(outcome.notices).toEqual(['overdue']);
  });

  it('a scheduled order is flagged too', () => {
    // GB due Thu 31 Dec 2026, transfer date Fri 8 Jan 2027.
    const order = scheduledFor('GB', '2026-12-01T09:00:00Z', '2027-01-08');
    expectNothing(order, '2026-12-31T23:59:59.999Z');
    const outcome = run(order, '2027-01-01T00:00:00Z');
    expect(types(outcome)).toEqual(['overdue']);
    expect(outcome.decision.order.status).toBe('scheduled');
  });

  it('a completed order is never flagged', () => {
    const done = sentToCarrier('GB', '2026-12-01T09:00:00Z', { steps: [['2026-12-31T12:00:00Z', command.complete('2026-12-31')]] });
    expectNothing(done, '2027-01-01T00:00:00Z');
    expectNothing(done, '2027-06-01T00:00:00Z');
  });
});

describe('transfer date: confirmed at 00:00 market time on the date', () => {
  it.each<[Market, string, IsoDate, string]>([
    ['AU', '2026-03-30T00:00:00Z', '2026-04-07', '2026-04-06T14:00:00Z'], // Tuesday after Easter
    ['GB', '2026-03-23T09:00:00Z', '2026-03-30', '2026-03-29T23:00:00Z'], // the day after BST starts
    ['GB', '2026-10-19T09:00:00Z', '2026-10-26', '2026-10-26T00:00:00Z'], // the day after BST ends
    ['FR', '2026-10-19T09:00:00Z', '2026-10-26', '2026-10-25T23:00:00Z'], // the day after CEST ends
    ['FR', '2026-05-04T08:00:00Z', '2026-05-15', '2026-05-14T22:00:00Z'], // the Friday after Ascension
  ])('%s signed %s, transfer date %s: confirmed from %s', (market, signedAt, transferDate, midnight) => {
    const order = scheduledFor(market, signedAt, transferDate);
    expectNothing(order, before(midnight));
    const outcome = run(order, midnight);
    expect(outcome.decision.events).toEqual([{ type: 'transfer_date_confirmed', at: new Date(midnight).toISOString(), actor: SYSTEM, data: { transferDate } }]);
    expect(outcome.notices).toEqual([]);
    expect(outcome.decision.order.confirmedTransferDate).toBe(transferDate);
    expect(outcome.decision.order.status).toBe('scheduled');
    // The carrier can no longer move it.
    expect(() => decide(outcome.decision.order, command.transfer(addDays(transferDate, 3)), ctx(market, midnight))).toThrow(InvalidTransitionError);
    // Confirmed once.
    expectNothing(outcome.decision.order, midnight);
  });

  it('a date change up to the day before moves the deadline', () => {
    const order = scheduledFor('GB', '2026-03-23T09:00:00Z', '2026-03-30');
    // 22:59:59 UTC on 29 Mar is 23:59:59 BST: the last second of the day before.
    const moved = decide(order, command.transfer('2026-04-01'), ctx('GB', '2026-03-29T22:59:59Z')).order;
    expect(moved.dueAt).toBe('2026-03-31T23:00:00.000Z');
    expectNothing(moved, '2026-03-29T23:00:00Z'); // the old date starts: nothing to confirm
    expectNothing(moved, '2026-03-31T22:59:59.999Z');
    const outcome = run(moved, '2026-03-31T23:00:00Z');
    expect(outcome.decision.events.map((e) => e.data)).toEqual([{ transferDate: '2026-04-01' }]);
    expect(outcome.decision.order.confirmedTransferDate).toBe('2026-04-01');
  });

  it('confirmation and overdue in the same run', () => {
    // GB due Thu 31 Dec 2026; a check first running on 8 Jan confirms the date and flags overdue.
    const outcome = run(scheduledFor('GB', '2026-12-01T09:00:00Z', '2027-01-08'), '2027-01-08T09:00:00Z');
    expect(types(outcome)).toEqual(['overdue', 'transfer_date_confirmed']);
    expect(outcome.notices).toEqual(['overdue']);
  });
});

describe('GB late-transfer compensation', () => {
  const monthlyFee = { currency: 'GBP' as const, amountMinor: 3000 }; // fixtures: £30.00 a month
  const expected = (transferDate: IsoDate, today: IsoDate) =>
    lateTransferCompensation({ market: 'GB', monthlyFee, confirmedTransferDate: transferDate, completedOn: null, today });

  // Transfer Wed 23 Dec 2026: 1st business day after Thu 24; 25, 26, 27 and the Boxing Day substitute 28 are
  // not business days; accrues from Tue 29 Dec. Signed a week before, so the due date comes later.
  const scheduled = scheduledFor('GB', '2026-12-16T09:00:00Z', '2026-12-23');
  const confirmed = run(scheduled, '2026-12-23T00:00:00Z').decision.order;

  it('confirmation alone accrues nothing; nor does the 1st business day after or the holidays', () => {
    expect(types(run(scheduled, '2026-12-23T00:00:00Z'))).toEqual(['transfer_date_confirmed']);
    for (const now of ['2026-12-24T12:00:00Z', '2026-12-25T12:00:00Z', '2026-12-28T12:00:00Z', '2026-12-28T23:59:59.999Z']) expectNothing(confirmed, now);
  });

  it('first accrual day: compensation_accrued and the compensation_started notice', () => {
    const outcome = run(confirmed, '2026-12-29T00:00:00Z');
    // 3000 × 12 × 1 / 365 = 98.63… → 99 pence.
    const amount = { currency: 'GBP', amountMinor: 99 };
    expect(expected('2026-12-23', '2026-12-29').amount).toEqual(amount);
    expect(outcome.decision.events).toEqual([
      { type: 'compensation_accrued', at: '2026-12-29T00:00:00.000Z', actor: SYSTEM, data: { through: '2026-12-29', daysLate: 1, amount, accruesFrom: '2026-12-29' } },
    ]);
    expect(outcome.notices).toEqual(['compensation_started']);
    expect(outcome.decision.order.compensationAccruedTo).toBe('2026-12-29');
    expect(outcome.decision.order.charges).toEqual(confirmed.charges);
  });

  it('later days: compensation_accrued without the notice, amounts equal lateTransferCompensation, New Year included', () => {
    let order = run(confirmed, '2026-12-29T00:00:00Z').decision.order;
    const days: IsoDate[] = ['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-01-05'];
    days.forEach((day, i) => {
      const outcome = run(order, `${day}T00:00:00Z`);
      expect(outcome.notices).toEqual([]);
      expect(types(outcome)).toEqual(['compensation_accrued']);
      const data = outcome.decision.events[0]!.data;
      const exact = expected('2026-12-23', day);
      expect(data).toEqual({ through: day, daysLate: exact.daysLate, amount: exact.amount, accruesFrom: '2026-12-29' });
      expect(data.daysLate).toBe(i + 2);
      order = outcome.decision.order;
    });
    // 8 days (29 Dec … 5 Jan): 3000 × 96 / 365 = 789.04… → 789.
    expect(order.compensationAccruedTo).toBe('2027-01-05');
    expect(run(order, '2027-01-05T23:59:59.999Z').decision.events).toEqual([]);
  });

  it('confirmation and first accrual in one late run', () => {
    const outcome = run(scheduled, '2026-12-29T10:00:00Z');
    expect(types(outcome)).toEqual(['transfer_date_confirmed', 'compensation_accrued']);
    expect(outcome.notices).toEqual(['compensation_started']);
  });

  it('Easter: transfer Thu 2 Apr 2026 accrues from Wed 8 Apr at 00:00 BST', () => {
    const order = run(scheduledFor('GB', '2026-03-26T09:00:00Z', '2026-04-02'), '2026-04-01T23:00:00Z').decision.order;
    expect(order.confirmedTransferDate).toBe('2026-04-02');
    expectNothing(order, '2026-04-03T12:00:00Z'); // Good Friday
    expectNothing(order, '2026-04-06T12:00:00Z'); // Easter Monday
    expectNothing(order, '2026-04-07T12:00:00Z'); // Tue 7: 1st business day after
    expectNothing(order, '2026-04-07T22:59:59.999Z');
    const outcome = run(order, '2026-04-07T23:00:00Z');
    expect(outcome.decision.events[0]!.data).toMatchObject({ through: '2026-04-08', daysLate: 1, accruesFrom: '2026-04-08' });
    expect(outcome.notices).toEqual(['compensation_started']);
  });

  it('Early May: transfer Thu 30 Apr 2026 accrues from Tue 5 May (Mon 4 May is a bank holiday)', () => {
    const order = run(scheduledFor('GB', '2026-04-23T09:00:00Z', '2026-04-30'), '2026-04-29T23:00:00Z').decision.order;
    expectNothing(order, '2026-05-04T12:00:00Z');
    expect(run(order, '2026-05-04T23:00:00Z').decision.events[0]!.data).toMatchObject({ through: '2026-05-05', daysLate: 1 });
  });

  it('a running total, with the clock change in between (BST ends Sun 25 Oct 2026)', () => {
    // Transfer Thu 22 Oct: 1st Fri 23, accrues from Mon 26 Oct, 00:00 GMT.
    let order = run(scheduledFor('GB', '2026-10-15T09:00:00Z', '2026-10-22'), '2026-10-21T23:00:00Z').decision.order;
    expectNothing(order, '2026-10-25T23:59:59.999Z');
    for (let i = 0; i < 5; i++) {
      const now = order.dueAt!;
      const outcome = run(order, now);
      const day = marketDate(new Date(now), 'GB');
      expect(outcome.decision.events[0]!.data).toEqual({ through: day, ...pick(expected('2026-10-22', day)) });
      expect(outcome.notices).toEqual(i === 0 ? ['compensation_started'] : []);
      order = outcome.decision.order;
    }
    expect(order.compensationAccruedTo).toBe('2026-10-30');
  });

  it('nothing accrues once completed', () => {
    const accruing = run(confirmed, '2026-12-29T00:00:00Z').decision.order;
    const done = decide(accruing, command.complete('2026-12-29'), ctx('GB', '2026-12-29T15:00:00Z')).order;
    expectNothing(done, '2026-12-30T00:00:00Z');
    expectNothing(done, '2027-02-01T00:00:00Z');
  });

  it('a rejection clears the transfer date: nothing accrues while rejected', () => {
    const rejected = decide(confirmed, command.reject, ctx('GB', '2026-12-24T10:00:00Z')).order;
    expect(rejected.status).toBe('rejected');
    expectNothing(rejected, '2026-12-29T00:00:00Z');
  });
});

function pick(c: { daysLate: number; amount: unknown; accruesFrom: string | null }) {
  return { daysLate: c.daysLate, amount: c.amount, accruesFrom: c.accruesFrom };
}

describe('AU and FR: no compensation, however late', () => {
  it('AU: confirmed Tue 7 Apr 2026, still pending two weeks later, before the due date', () => {
    const confirmed = run(scheduledFor('AU', '2026-03-30T00:00:00Z', '2026-04-07'), '2026-04-06T14:00:00Z').decision.order;
    expect(confirmed.dueDate).toBe('2026-04-29');
    for (const now of ['2026-04-09T14:00:00Z', '2026-04-20T00:00:00Z', '2026-04-29T13:59:59.999Z']) expectNothing(confirmed, now);
    // After the due date: only the overdue flag.
    const outcome = run(confirmed, '2026-05-20T00:00:00Z');
    expect(types(outcome)).toEqual(['overdue']);
    expectNothing(outcome.decision.order, '2026-06-20T00:00:00Z');
  });
  it('FR: confirmed Fri 15 May 2026', () => {
    const confirmed = run(scheduledFor('FR', '2026-05-04T08:00:00Z', '2026-05-15'), '2026-05-14T22:00:00Z').decision.order;
    for (const now of ['2026-05-19T22:00:00Z', '2026-05-25T12:00:00Z', '2026-06-01T21:59:59.999Z']) expectNothing(confirmed, now);
    expect(types(run(confirmed, '2026-06-01T22:00:00Z'))).toEqual(['overdue']);
  });
});

describe('rejected: withdrawn once the resubmission window has closed', () => {
  // Rejected Thu 2 Apr 2026 in Brisbane, two numbers (A$20 each): window closes 00:00 Tue 14 Apr Brisbane.
  const rejected = sentToCarrier('AU', '2026-03-30T00:00:00Z', { lines: TWO_AU_LINES, steps: [['2026-04-02T03:00:00Z', command.reject]] });

  it('1 ms before the deadline: unchanged', () => {
    expect(rejected.resubmitBy).toBe('2026-04-13T14:00:00.000Z');
    expectNothing(rejected, '2026-04-13T13:59:59.999Z');
  });

  it('at the deadline: withdrawn, numbers released, no charge', () => {
    const outcome = run(rejected, '2026-04-13T14:00:00Z');
    const { order, events, release, lock, activate } = outcome.decision;
    expect(order.status).toBe('withdrawn');
    expect(events).toEqual([
      { type: 'withdrawn', at: '2026-04-13T14:00:00.000Z', actor: SYSTEM, data: { from: 'rejected', to: 'withdrawn', reason: 'resubmission_deadline_passed' } },
    ]);
    expect([...release].sort()).toEqual(['+61732123456', '+61732123457']);
    expect(lock).toEqual([]);
    expect(activate).toBeNull();
    expect(order.charges).toEqual(rejected.charges); // porting fee and the one rejection fee, nothing more
    expect(order.charges.map((c) => c.kind)).toEqual(['porting_fee', 'rejection_fee']);
    expect(order.resubmitBy).toBeNull();
    expect(order.dueAt).toBeNull();
    expect(outcome.notices).toEqual([]);
    expectNothing(order, '2026-04-13T14:00:00Z');
  });

  it('GB: rejected Wed 23 Dec 2026, closes 00:00 GMT on Tue 5 Jan 2027', () => {
    const gb = sentToCarrier('GB', '2026-12-01T09:00:00Z', { steps: [['2026-12-23T10:00:00Z', command.reject]] });
    expectNothing(gb, '2027-01-04T23:59:59.999Z');
    expect(run(gb, '2027-01-05T00:00:00Z').decision.order.status).toBe('withdrawn');
  });

  it('FR: rejected Thu 30 Apr 2026, closes 00:00 CEST on Tue 12 May (1 May and 8 May are holidays)', () => {
    const fr = sentToCarrier('FR', '2026-04-20T08:00:00Z', { steps: [['2026-04-30T08:00:00Z', command.reject]] });
    expectNothing(fr, '2026-05-11T21:59:59.999Z');
    const outcome = run(fr, '2026-05-11T22:00:00Z');
    expect(outcome.decision.order.status).toBe('withdrawn');
    expect(outcome.decision.release).toEqual([SAMPLE_NUMBER.FR]);
  });

  it('a resubmitted order is no longer withdrawn by the check', () => {
    const back = decide(rejected, command.resubmit, ctx('AU', '2026-04-13T13:59:59Z')).order;
    expect(back.status).toBe('submitted');
    expectNothing(back, '2026-04-13T14:00:00Z');
  });
});

describe('draft: expires after 30 idle days', () => {
  // Created 00:00 UTC 2 Mar 2026: expires 00:00 UTC 1 Apr.
  const draft = buildOrder({ market: 'AU', createdAt: '2026-03-02T00:00:00Z' }).order;

  it('29 days idle: unchanged', () => {
    expectNothing(draft, '2026-03-31T00:00:00Z');
    expectNothing(draft, '2026-03-31T23:59:59.999Z');
  });
  it('30 days idle: expired and released', () => {
    const outcome = run(draft, '2026-04-01T00:00:00Z');
    expect(outcome.decision.order.status).toBe('expired');
    expect(outcome.decision.events).toEqual([
      { type: 'expired', at: '2026-04-01T00:00:00.000Z', actor: SYSTEM, data: { from: 'draft', to: 'expired', idleDays: 30 } },
    ]);
    expect(outcome.decision.release).toEqual([SAMPLE_NUMBER.AU]);
    expect(outcome.decision.order.charges).toEqual([]);
    expect(outcome.decision.order.dueAt).toBeNull();
    expect(outcome.notices).toEqual([]);
  });
  it('an edit restarts the clock', () => {
    const edited = decide(draft, { type: 'update', details: draft.details, lines: draft.lines, facts: command.submit.facts, signing: null }, ctx('AU', '2026-03-20T10:00:00Z')).order;
    expectNothing(edited, '2026-04-01T00:00:00Z');
    expectNothing(edited, '2026-04-18T23:59:59.999Z');
    expect(run(edited, '2026-04-19T00:00:00Z').decision.order.status).toBe('expired');
  });
});

describe('a workflow exception is cleared when the status changes', () => {
  it('kept by a mark (overdue), cleared by a withdrawal', () => {
    const submitted = sentToCarrier('AU', '2026-11-25T01:00:00Z');
    const failing = decide(submitted, command.exception(), ctx('AU', '2026-11-26T00:00:00Z')).order;
    expect(failing.exception).toMatchObject({ step: 'notify_customer', error: 'SesThrottled' });
    const flagged = run(failing, '2026-12-25T14:00:00Z').decision.order;
    expect(flagged.overdueSince).toBe('2026-12-26');
    expect(flagged.exception).toEqual(failing.exception); // same status: the operator still has to look

    const rejected = sentToCarrier('AU', '2026-03-30T00:00:00Z', { steps: [['2026-04-02T03:00:00Z', command.reject], ['2026-04-03T00:00:00Z', command.exception('email_rejection')]] });
    expect(rejected.exception?.step).toBe('email_rejection');
    const withdrawn = run(rejected, '2026-04-13T14:00:00Z').decision.order;
    expect(withdrawn.status).toBe('withdrawn');
    expect(withdrawn.exception).toBeNull();
  });
  it('cleared when a draft expires', () => {
    const draft = buildOrder({ market: 'FR', createdAt: '2026-03-02T00:00:00Z', steps: [['2026-03-02T00:00:00Z', command.exception('validate')]] }).order;
    expect(draft.exception).not.toBeNull();
    const expired = run(draft, '2026-04-01T00:00:00Z').decision.order;
    expect(expired.status).toBe('expired');
    expect(expired.exception).toBeNull();
  });
});

describe('statuses the check leaves alone', () => {
  const far = '2028-06-01T00:00:00Z';
  it.each<[string, PortInOrder]>([
    // Reminded once already: nothing more happens until the customer signs.
    ['awaiting_signature', buildOrder({ market: 'AU', createdAt: '2026-03-02T00:00:00Z', steps: [['2026-03-02T00:01:00Z', command.submit], ['2026-03-05T00:01:00Z', { type: 'remind_signer', tokenHash: 'h2' }]] }).order],
    ['on_hold', buildOrder({ market: 'GB', createdAt: '2026-03-02T09:00:00Z', account: { hasOutboundCall: false }, steps: [['2026-03-02T09:01:00Z', command.submit], ['2026-03-02T09:02:00Z', command.sign]] }).order],
    ['cancelled', sentToCarrier('AU', '2026-03-02T00:00:00Z', { steps: [['2026-03-03T00:00:00Z', command.cancel]] })],
    ['completed', sentToCarrier('FR', '2026-03-02T10:00:00Z', { steps: [['2026-03-10T10:00:00Z', command.complete('2026-03-10')]] })],
  ])('%s', (status, order) => {
    expect(order.status).toBe(status);
    expectNothing(order, far);
  });
});

// ---- Reported bugs: marks left over from an earlier round with the carrier.

describe('after a rejection and resubmission, the new round gets its own deadlines (BUG: stale marks)', () => {
  // GB, signed Tue 1 Dec 2026: due Thu 31 Dec, flagged overdue 00:00 1 Jan 2027. Rejected Mon 4 Jan,
  // resubmitted Tue 5 Jan: a new commencement date and a new due date, 20 business days on: Tue 2 Feb 2027.
  const flagged = run(sentToCarrier('GB', '2026-12-01T09:00:00Z'), '2027-01-01T00:00:00Z').decision.order;
  const resubmitted = decide(decide(flagged, command.reject, ctx('GB', '2027-01-04T10:00:00Z')).order, command.resubmit, ctx('GB', '2027-01-05T10:00:00Z')).order;

  it('the resubmitted order has a new due date', () => {
    expect(flagged.overdueSince).toBe('2027-01-01');
    expect(resubmitted.status).toBe('submitted');
    expect(resubmitted.commencementDate).toBe('2027-01-05');
    expect(resubmitted.dueDate).toBe('2027-02-02');
    expect(viewOrder(resubmitted, new Date('2027-01-10T12:00:00Z')).overdue).toBe(false);
    expect(viewOrder(resubmitted, new Date('2027-02-03T00:00:00Z')).overdue).toBe(true);
  });

  it('is due at 00:00 on the day after the new due date', () => {
    expect(resubmitted.dueAt).toBe('2027-02-03T00:00:00.000Z');
  });

  it('is flagged overdue (event and notice) when it misses the new due date', () => {
    const outcome = run(resubmitted, '2027-02-03T00:00:00Z');
    expect(types(outcome)).toEqual(['overdue']);
    expect(outcome.notices).toEqual(['overdue']);
    expect(outcome.decision.order.overdueSince).toBe('2027-02-03');
  });

  it('GB: compensation on a new confirmed transfer date starts with the compensation_started notice', () => {
    // First round: transfer Thu 2 Apr 2026 confirmed, compensation accrues from Wed 8 Apr (notice sent).
    const first = run(run(scheduledFor('GB', '2026-03-26T09:00:00Z', '2026-04-02'), '2026-04-01T23:00:00Z').decision.order, '2026-04-07T23:00:00Z');
    expect(first.notices).toEqual(['compensation_started']);
    // Rejected Thu 9 Apr (the late first date no longer counts), resubmitted Fri 10 Apr, new date Mon 20 Apr.
    let order = decide(first.decision.order, command.reject, ctx('GB', '2026-04-09T10:00:00Z')).order;
    order = decide(order, command.resubmit, ctx('GB', '2026-04-10T10:00:00Z')).order;
    order = decide(order, command.transfer('2026-04-20'), ctx('GB', '2026-04-10T11:00:00Z')).order;
    order = run(order, '2026-04-19T23:00:00Z').decision.order;
    expect(order.confirmedTransferDate).toBe('2026-04-20');
    // 1st business day after Mon 20 Apr is Tue 21; accrues from Wed 22 Apr: a new compensation, from 1 day late.
    const outcome = run(order, '2026-04-21T23:00:00Z');
    expect(outcome.decision.events[0]!.data).toMatchObject({ through: '2026-04-22', daysLate: 1, accruesFrom: '2026-04-22' });
    expect(outcome.notices).toEqual(['compensation_started']);
  });
});

// ---- Property tests over orders built through the state machine.

type Action =
  | 'submit'
  | 'sign'
  | 'calls_made'
  | 'reject'
  | 'resubmit'
  | 'transfer'
  | 'complete'
  | 'cancel'
  | 'expire'
  | 'withdraw'
  | 'exception'
  | 'update'
  | 'check';

interface Step {
  /** How time moves first: by `ms`, or to the order's dueAt / the next market midnight, shifted by `offset` ms. */
  time: { kind: 'advance'; ms: number } | { kind: 'due' | 'midnight'; offset: number };
  /** Picks the action from what the order's status makes likely (`byStatus`), or any action at all. */
  pick: number;
  any: Action | null;
  /** Days ahead (transfer date) or back (completion date). */
  k: number;
}

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const END = Date.parse('2028-12-31T00:00:00Z');
const ACTIONS: Action[] = ['submit', 'sign', 'calls_made', 'reject', 'resubmit', 'transfer', 'complete', 'cancel', 'expire', 'withdraw', 'exception', 'update', 'check'];

/** Weighted actions per status, so that random runs get far into the life of an order (not just cancelled drafts). */
const byStatus: Record<PortInOrder['status'], [Action, number][]> = {
  draft: [['submit', 6], ['update', 1], ['check', 2], ['exception', 1]],
  awaiting_signature: [['sign', 9], ['cancel', 1]],
  on_hold: [['calls_made', 6], ['check', 2], ['cancel', 1]],
  submitted: [['transfer', 5], ['check', 4], ['reject', 2], ['complete', 1], ['exception', 1], ['cancel', 1]],
  rejected: [['check', 5], ['resubmit', 4], ['update', 1], ['exception', 1], ['withdraw', 1], ['cancel', 1]],
  scheduled: [['check', 8], ['transfer', 2], ['reject', 2], ['complete', 2], ['exception', 1], ['cancel', 1]],
  completed: [['check', 1]],
  cancelled: [['check', 1]],
  withdrawn: [['check', 1]],
  expired: [['check', 1]],
};

function actionFor(order: PortInOrder, step: Step): Action {
  if (step.any) return step.any;
  const table = byStatus[order.status];
  let x = step.pick * table.reduce((sum, [, w]) => sum + w, 0);
  for (const [action, w] of table) if ((x -= w) < 0) return action;
  return table[table.length - 1]![0];
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  time: fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: DAY }), fc.integer({ min: 0, max: 12 * DAY })) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('due' as const, 'midnight' as const), offset: fc.constantFrom(-1, 0, 0, 1, 3_600_000) }) },
  ),
  pick: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  any: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...ACTIONS) }),
  k: fc.integer({ min: 0, max: 25 }),
});

const scenarioArb = fc.record({
  market: fc.constantFrom(...MARKETS),
  start: fc.integer({ min: START, max: END - 200 * DAY }),
  numberCount: fc.integer({ min: 1, max: 3 }),
  isdn: fc.boolean(),
  callsMade: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 24 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Every (order, now) the scenario passes through, the order as the use case would store it. */
function* walk(s: Scenario): Generator<{ order: PortInOrder; now: Date; account: Partial<AccountFacts> }> {
  const market = s.market;
  const lines = MORE_NUMBERS[market].slice(0, s.numberCount).map((n, i) => line(n, { lineType: s.isdn && i === 0 ? 'isdn' : 'pstn' }));
  let account: Partial<AccountFacts> = { hasOutboundCall: market !== 'GB' || s.callsMade };
  let now = new Date(s.start);
  let order = buildOrder({ market, createdAt: now.toISOString(), lines, account }).order;
  yield { order, now, account };
  for (const step of s.steps) {
    let t = now.getTime();
    if (step.time.kind === 'advance') t += step.time.ms;
    else {
      const target = step.time.kind === 'due' ? (order.dueAt ? Date.parse(order.dueAt) : NaN) : startOfMarketDay(addDays(marketDate(now, market), 1), market).getTime();
      t = Number.isNaN(target) ? t + DAY : Math.max(t, target + step.time.offset);
    }
    now = new Date(Math.min(t, END));
    const today = marketDate(now, market);
    const action = actionFor(order, step);
    if (action === 'calls_made') account = { ...account, hasOutboundCall: true };
    const c = ctx(market, now.toISOString(), account);
    if (action === 'check') {
      const outcome = checkDeadlines(order, { ...c, actor: { kind: 'system', id: 'scheduled-check' } }, FRESH);
      if (outcome.decision.events.length > 0) order = outcome.decision.order;
    } else {
      const cmd: PortInCommand = {
        submit: command.submit,
        sign: command.sign,
        calls_made: command.prerequisitesMet,
        reject: command.reject,
        resubmit: command.resubmit,
        transfer: command.transfer(addDays(today, step.k)),
        complete: command.complete(addDays(today, -(step.k % 4))),
        cancel: command.cancel,
        expire: command.expire,
        withdraw: command.withdrawExpiredRejection,
        exception: command.exception(`step_${step.k % 3}`),
        update: { type: 'update' as const, details: order.details, lines: order.lines, facts: command.submit.facts, signing: signingRequest(`sig_${order.version}`) },
      }[action];
      try {
        const d = decide(order, cmd, c);
        if (d.events.length > 0) order = d.order;
      } catch (error) {
        if (!(error instanceof InvalidTransitionError || error instanceof RuleViolationError)) throw error;
      }
    }
    yield { order, now, account };
  }
}

const RUNS = 400;

describe('properties of the scheduled check over orders built by the state machine (2026–2028, every market)', () => {
  it('(a) running it twice at the same instant: the second run does nothing', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { order, now } of walk(s)) {
          const first = checkDeadlines(order, systemCtx(s.market, now), FRESH);
          const second = checkDeadlines(first.decision.order, systemCtx(s.market, now), FRESH);
          expect(second.decision.events).toEqual([]);
          expect(second.notices).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) after a check with events, the new dueAt is null or strictly after now, and is what nextDueAt says', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { order, now } of walk(s)) {
          const { decision } = checkDeadlines(order, systemCtx(s.market, now), FRESH);
          if (decision.events.length === 0) continue;
          const due = decision.order.dueAt;
          if (due !== null) expect(Date.parse(due)).toBeGreaterThan(now.getTime());
          expect(due).toBe(nextDueAt(decision.order));
          for (const e of decision.events) expect(e).toMatchObject({ at: now.toISOString(), actor: SYSTEM });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(b′) the stored dueAt is exactly when the check next acts: nothing before it, something from it on (no loop, no missed deadline)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.integer({ min: 0, max: 60 * DAY }), { minLength: 1, maxLength: 4 }), (s, probes) => {
        for (const { order, now } of walk(s)) {
          expect(order.dueAt).toBe(nextDueAt(order));
          const due = order.dueAt === null ? Infinity : Date.parse(order.dueAt);
          const instants = [now.getTime(), ...probes.map((p) => now.getTime() + p)];
          if (Number.isFinite(due)) instants.push(due - 1, due, due + 1);
          for (const t of instants) {
            const acts = checkDeadlines(order, systemCtx(s.market, new Date(t)), FRESH).decision.events.length > 0;
            expect(acts, `${order.status} dueAt=${order.dueAt} at ${new Date(t).toISOString()}`).toBe(t >= due);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) a check never changes charges; it only expires drafts and withdraws rejected orders, releasing all their numbers', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { order, now } of walk(s)) {
          const { decision, notices } = checkDeadlines(order, systemCtx(s.market, now), FRESH);
          expect(decision.order.charges).toEqual(order.charges);
          expect(decision.events.some((e) => e.type === 'charged')).toBe(false);
          expect(decision.lock).toEqual([]);
          expect(decision.activate).toBeNull();
          if (decision.order.status !== order.status) {
            expect(`${order.status}->${decision.order.status}`).toBe(order.status === 'draft' ? 'draft->expired' : 'rejected->withdrawn');
            expect([...decision.release].sort()).toEqual(orderNumbers(order.lines).sort());
            expect(notices).toEqual([]);
          } else {
            expect(decision.release).toEqual([]);
          }
          if (s.market !== 'GB') {
            expect(decision.events.some((e) => e.type === 'compensation_accrued')).toBe(false);
            expect(notices).not.toContain('compensation_started');
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('compensation_accrued amounts equal lateTransferCompensation for the confirmed date up to the market day', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const { order, now } of walk(s)) {
          const { decision } = checkDeadlines(order, systemCtx(s.market, now), FRESH);
          for (const e of decision.events.filter((x) => x.type === 'compensation_accrued')) {
            const today = marketDate(now, s.market);
            const exact = lateTransferCompensation({ market: s.market, monthlyFee: order.monthlyFee, confirmedTransferDate: order.transferDate, completedOn: null, today });
            expect(e.data).toEqual({ through: today, daysLate: exact.daysLate, amount: exact.amount, accruesFrom: exact.accruesFrom });
            expect(exact.daysLate).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
