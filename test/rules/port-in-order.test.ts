import { describe, expect, it } from 'vitest';
import { buildLines, createDraft, decide, type Decision, type PortInCommand } from '../../shared/rules/port-in/order.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import { viewOrder } from '../../shared/rules/port-in/view.ts';
import { InvalidTransitionError, RuleViolationError } from '../../shared/rules/errors.ts';
import type { AccountFacts, Market, PortInOrder } from '../../shared/rules/types.ts';
import { SAMPLE_NUMBER, command, ctx, details, facts, line, signingRequest } from './port-in-fixtures.ts';

/** Run commands in sequence at given instants; returns every decision. */
function run(market: Market, start: string, steps: [string, PortInCommand][], accountOverrides: Partial<AccountFacts> = {}, lines = [line(SAMPLE_NUMBER[market])]) {
  const created = createDraft({ id: 'pin_1', details: details(market), lines: buildLines(lines, policyFor(market)) }, ctx(market, start, accountOverrides), facts());
  const decisions: Decision[] = [created];
  let order = created.order;
  for (const [at, command] of steps) {
    const d = decide(order, command, ctx(market, at, accountOverrides));
    decisions.push(d);
    order = d.order;
  }
  return { order, decisions };
}

const submit: PortInCommand = command.submit;
const sign: PortInCommand = command.sign;
const reject: PortInCommand = { type: 'carrier_rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' };
const transfer = (transferDate: string): PortInCommand => ({ type: 'carrier_transfer_date', transferDate });
const complete = (completedOn: string): PortInCommand => ({ type: 'carrier_completed', completedOn });
const resubmit: PortInCommand = { type: 'resubmit', facts: facts() };

function expectError(fn: () => unknown, type: typeof InvalidTransitionError | typeof RuleViolationError, code: string) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    expect((error as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('AU happy path: draft to completed', () => {
  // Brisbane is UTC+10 all year.
  const { order, decisions } = run('AU', '2026-03-02T00:00:00Z', [
    ['2026-03-02T01:00:00Z', submit],
    ['2026-03-02T02:00:00Z', sign],
    ['2026-03-05T02:00:00Z', transfer('2026-03-12')],
    ['2026-03-12T05:00:00Z', complete('2026-03-12')],
  ]);

  it('creates a draft that locks its numbers', () => {
    expect(decisions[0]!.order.status).toBe('draft');
    expect(decisions[0]!.lock).toEqual([SAMPLE_NUMBER.AU]);
    expect(decisions[0]!.order.category).toBe('standard');
  });
  it('submit charges the porting fee and waits for the signature', () => {
    expect(decisions[1]!.order.status).toBe('awaiting_signature');
    expect(decisions[1]!.order.charges).toEqual([expect.objectContaining({ kind: 'porting_fee', amount: { currency: 'AUD', amountMinor: 4000 } })]);
  });
  it('signing sends the order to the carrier with commencement = today in Brisbane and the 30-day SLA', () => {
    const signed = decisions[2]!.order;
    expect(signed.status).toBe('submitted');
    expect(signed.commencementDate).toBe('2026-03-02');
    expect(signed.dueDate).toBe('2026-04-01');
    expect(decisions[2]!.events.map((e) => e.type)).toEqual(['signed', 'sent_to_carrier']);
  });
  it('a transfer date schedules the order', () => {
    expect(decisions[3]!.order.status).toBe('scheduled');
    expect(decisions[3]!.order.transferDate).toBe('2026-03-12');
  });
  it('completion activates the numbers and releases the locks', () => {
    expect(order.status).toBe('completed');
    expect(order.completedOn).toBe('2026-03-12');
    expect(decisions[4]!.activate).toEqual({ accountId: 'acc_test', numbers: [SAMPLE_NUMBER.AU] });
    expect(decisions[4]!.release).toEqual([SAMPLE_NUMBER.AU]);
  });
  it('every event says who did it, when, and what changed; versions go up by one', () => {
    for (const d of decisions) {
      for (const e of d.events) {
        expect(e.actor).toEqual({ kind: 'customer', id: 'acc_test' });
        expect(Date.parse(e.at)).not.toBeNaN();
      }
    }
    expect(decisions.map((d) => d.order.version)).toEqual([1, 2, 3, 4, 5]);
    expect(decisions[4]!.events[0]!.data).toMatchObject({ from: 'scheduled', to: 'completed' });
  });
});

describe('commencement uses the market date, not UTC', () => {
  it('AU: 23:30 UTC on 1 March is already 2 March in Brisbane', () => {
    const { order } = run('AU', '2026-03-01T23:00:00Z', [['2026-03-01T23:10:00Z', submit], ['2026-03-01T23:30:00Z', sign]]);
    expect(order.commencementDate).toBe('2026-03-02');
  });
  it('AU complex orders get 120 calendar days', () => {
    const { order } = run('AU', '2026-03-02T00:00:00Z', [['2026-03-02T01:00:00Z', submit], ['2026-03-02T02:00:00Z', sign]], {}, [line(SAMPLE_NUMBER.AU, { lineType: 'isdn' })]);
    expect(order.category).toBe('complex');
    expect(order.dueDate).toBe('2026-06-30');
  });
  it('GB: 20 business days across Easter 2026 (Good Friday 3 Apr, Easter Monday 6 Apr)', () => {
    const { order } = run('GB', '2026-03-30T09:00:00Z', [['2026-03-30T09:10:00Z', submit], ['2026-03-30T09:20:00Z', sign]]);
    expect(order.commencementDate).toBe('2026-03-30');
    // 20 business days after Mon 30 Mar, skipping 3 and 6 April: Wed 29 April.
    expect(order.dueDate).toBe('2026-04-29');
  });
  it('FR: 28 calendar days', () => {
    const { order } = run('FR', '2026-12-01T09:00:00Z', [['2026-12-01T09:10:00Z', submit], ['2026-12-01T09:20:00Z', sign]]);
    expect(order.dueDate).toBe('2026-12-29');
  });
});

describe('GB prerequisite hold', () => {
  it('without calls both ways the signed order is on hold, and goes to the carrier once they happen', () => {
    const noCalls = { hasInboundCall: true, hasOutboundCall: false };
    const { order, decisions } = run('GB', '2026-05-01T09:00:00Z', [['2026-05-01T09:10:00Z', submit], ['2026-05-01T09:20:00Z', sign]], noCalls);
    expect(order.status).toBe('on_hold');
    expect(order.holdReason).toBe('activation_prerequisites');
    expect(order.commencementDate).toBeNull();
    expect(decisions[2]!.events.map((e) => e.type)).toEqual(['signed', 'put_on_hold']);
    expectError(() => decide(order, { type: 'prerequisites_met' }, ctx('GB', '2026-05-02T09:00:00Z', noCalls)), InvalidTransitionError, 'prerequisites_unmet');
    const released = decide(order, { type: 'prerequisites_met' }, ctx('GB', '2026-05-05T09:00:00Z'));
    expect(released.order.status).toBe('submitted');
    expect(released.order.commencementDate).toBe('2026-05-05');
    expect(released.order.holdReason).toBeNull();
  });
  it('AU and FR never hold', () => {
    const noCalls = { hasInboundCall: false, hasOutboundCall: false };
    expect(run('AU', '2026-05-01T00:00:00Z', [['2026-05-01T00:01:00Z', submit], ['2026-05-01T00:02:00Z', sign]], noCalls).order.status).toBe('submitted');
    expect(run('FR', '2026-05-01T08:00:00Z', [['2026-05-01T08:01:00Z', submit], ['2026-05-01T08:02:00Z', sign]], noCalls).order.status).toBe('submitted');
  });
});

describe('rejection and resubmission', () => {
  const twoNumbers = [line('+61732123456'), line('+61732123457')];
  // Rejected Thursday 2 April 2026 (Brisbane); Good Friday 3, Easter Saturday 4, Easter Monday 6 April are holidays.
  const rejected = run('AU', '2026-03-30T00:00:00Z', [
    ['2026-03-30T00:01:00Z', submit],
    ['2026-03-30T00:02:00Z', sign],
    ['2026-04-02T03:00:00Z', reject],
  ], {}, twoNumbers).order;

  it('AU: A$20 per number per rejection, 5 business days to resubmit (over Easter)', () => {
    expect(rejected.status).toBe('rejected');
    expect(rejected.rejectionCount).toBe(1);
    expect(rejected.charges.filter((c) => c.kind === 'rejection_fee').map((c) => c.amount)).toEqual([{ currency: 'AUD', amountMinor: 4000 }]);
    // Business days after Thu 2 Apr: Tue 7, Wed 8, Thu 9, Fri 10, Mon 13 -> end of 13 April in Brisbane.
    expect(rejected.resubmitBy).toBe('2026-04-13T14:00:00.000Z');
    expect(rejected.lastRejection).toMatchObject({ reasonCode: 'ACCT_MISMATCH', rejectedOn: '2026-04-02' });
  });
  it('resubmission on the last minute of the window goes back to the carrier with a new commencement date', () => {
    const d = decide(rejected, resubmit, ctx('AU', '2026-04-13T13:59:59Z'));
    expect(d.order.status).toBe('submitted');
    expect(d.order.commencementDate).toBe('2026-04-13');
    expect(d.order.resubmitBy).toBeNull();
  });
  it('at the deadline the window is closed, and the order can be withdrawn', () => {
    expectError(() => decide(rejected, resubmit, ctx('AU', '2026-04-13T14:00:00Z')), InvalidTransitionError, 'resubmission_window_closed');
    expectError(() => decide(rejected, { type: 'withdraw_expired_rejection' }, ctx('AU', '2026-04-13T13:00:00Z')), InvalidTransitionError, 'resubmission_window_open');
    const withdrawn = decide(rejected, { type: 'withdraw_expired_rejection' }, ctx('AU', '2026-04-13T14:00:00Z'));
    expect(withdrawn.order.status).toBe('withdrawn');
    expect(withdrawn.release.sort()).toEqual(['+61732123456', '+61732123457']);
  });
  it('a resubmitted order rejected again is withdrawn, and the second rejection is charged too', () => {
    const again = decide(decide(rejected, resubmit, ctx('AU', '2026-04-07T00:00:00Z')).order, reject, ctx('AU', '2026-04-09T00:00:00Z'));
    expect(again.order.status).toBe('withdrawn');
    expect(again.order.rejectionCount).toBe(2);
    expect(again.order.charges.filter((c) => c.kind === 'rejection_fee')).toHaveLength(2);
    expect(again.release).toHaveLength(2);
    expectError(() => decide(again.order, resubmit, ctx('AU', '2026-04-09T01:00:00Z')), InvalidTransitionError, 'order_final');
  });
  it('GB and FR rejections are free', () => {
    const gb = run('GB', '2026-03-02T09:00:00Z', [['2026-03-02T09:01:00Z', submit], ['2026-03-02T09:02:00Z', sign], ['2026-03-03T09:00:00Z', reject]]).order;
    expect(gb.charges.some((c) => c.kind === 'rejection_fee')).toBe(false);
    // GB: rejected Tue 3 Mar -> Tue 10 Mar is the 5th business day; deadline = midnight London (GMT).
    expect(gb.resubmitBy).toBe('2026-03-11T00:00:00.000Z');
  });
  it('a rejected order keeps its numbers: correcting details is allowed, changing numbers is not', () => {
    const market = 'AU';
    const ok = decide(rejected, { type: 'update', details: details(market, { losingCarrierAccountNumber: 'ACC-999' }), lines: buildLines(twoNumbers, policyFor('AU')), facts: facts(), signing: signingRequest('sig_2') }, ctx(market, '2026-04-07T00:00:00Z'));
    expect(ok.order.details.losingCarrierAccountNumber).toBe('ACC-999');
    expect(ok.events[0]!.data).toEqual({ fields: ['losingCarrierAccountNumber'] });
    expectError(
      () => decide(rejected, { type: 'update', details: details(market), lines: buildLines([line('+61732123456')], policyFor('AU')), facts: facts(), signing: signingRequest('sig_2') }, ctx(market, '2026-04-07T00:00:00Z')),
      RuleViolationError,
      'numbers_fixed_after_submission',
    );
  });
});

describe('transfer date', () => {
  const submitted = run('GB', '2026-06-01T08:00:00Z', [['2026-06-01T08:01:00Z', submit], ['2026-06-01T08:02:00Z', sign]]).order;
  const scheduled = decide(submitted, transfer('2026-06-10'), ctx('GB', '2026-06-02T08:00:00Z')).order;

  it('can change up to and including the day before (London summer time: the date starts 23:00 UTC)', () => {
    const changed = decide(scheduled, transfer('2026-06-12'), ctx('GB', '2026-06-09T22:59:59Z'));
    expect(changed.order.transferDate).toBe('2026-06-12');
    expect(changed.events[0]).toMatchObject({ type: 'transfer_date_changed', data: { from: '2026-06-10', to: '2026-06-12' } });
  });
  it('is confirmed from 00:00 market time on the date: a change is refused', () => {
    expectError(() => decide(scheduled, transfer('2026-06-12'), ctx('GB', '2026-06-09T23:00:00Z')), InvalidTransitionError, 'transfer_date_confirmed');
    expect(viewOrder(scheduled, new Date('2026-06-09T22:59:59Z')).transferDateConfirmed).toBe(false);
    expect(viewOrder(scheduled, new Date('2026-06-09T23:00:00Z')).transferDateConfirmed).toBe(true);
  });
  it('the same date again changes nothing', () => {
    expect(decide(scheduled, transfer('2026-06-10'), ctx('GB', '2026-06-03T08:00:00Z')).events).toEqual([]);
  });
  it('a date in the past or not a date is refused', () => {
    expectError(() => decide(submitted, transfer('2026-06-01'), ctx('GB', '2026-06-02T08:00:00Z')), RuleViolationError, 'transfer_date_in_past');
    expectError(() => decide(submitted, transfer('2026-02-30'), ctx('GB', '2026-06-02T08:00:00Z')), RuleViolationError, 'invalid_date');
  });
});

describe('completion and GB late-transfer compensation', () => {
  // Monthly £30.00; transfer date Wed 23 Dec 2026. 1st business day after: Thu 24; 2nd: Tue 29 (25, 26, 28 are bank holidays).
  const scheduled = run('GB', '2026-12-01T09:00:00Z', [
    ['2026-12-01T09:01:00Z', submit],
    ['2026-12-01T09:02:00Z', sign],
    ['2026-12-02T09:00:00Z', transfer('2026-12-23')],
  ]).order;

  it('completed on the 1st business day after: no compensation', () => {
    const done = decide(scheduled, complete('2026-12-24'), ctx('GB', '2026-12-24T15:00:00Z')).order;
    expect(done.finalCompensation).toMatchObject({ eligible: false, daysLate: 0 });
  });
  it('completed on 31 Dec: 3 days late (29, 30, 31) = 3000 x 12 x 3 / 365 = 295.89 -> 296 pence', () => {
    const done = decide(scheduled, complete('2026-12-31'), ctx('GB', '2026-12-31T15:00:00Z')).order;
    expect(done.finalCompensation).toEqual({ eligible: true, daysLate: 3, amount: { currency: 'GBP', amountMinor: 296 }, accruesFrom: '2026-12-29' });
    expect(viewOrder(done, new Date('2027-02-01T00:00:00Z')).compensation.daysLate).toBe(3);
  });
  it('while pending, compensation accrues up to today', () => {
    expect(viewOrder(scheduled, new Date('2026-12-30T12:00:00Z')).compensation).toMatchObject({ eligible: true, daysLate: 2 });
    expect(viewOrder(scheduled, new Date('2026-12-22T12:00:00Z')).compensation).toMatchObject({ eligible: false, daysLate: 0 });
  });
  it('a date that was never confirmed (order rejected) earns nothing', () => {
    const rejected = decide(scheduled, reject, ctx('GB', '2026-12-22T09:00:00Z')).order;
    expect(viewOrder(rejected, new Date('2027-01-15T12:00:00Z')).compensation.eligible).toBe(false);
  });
  it('completion dates must be real, not in the future, and not before commencement', () => {
    expectError(() => decide(scheduled, complete('2026-12-25'), ctx('GB', '2026-12-24T15:00:00Z')), RuleViolationError, 'completion_date_in_future');
    expectError(() => decide(scheduled, complete('2026-11-30'), ctx('GB', '2026-12-24T15:00:00Z')), RuleViolationError, 'completion_before_commencement');
  });
  it('AU orders never earn compensation', () => {
    const au = run('AU', '2026-03-02T00:00:00Z', [['2026-03-02T00:01:00Z', submit], ['2026-03-02T00:02:00Z', sign], ['2026-03-03T00:00:00Z', transfer('2026-03-05')]]).order;
    expect(decide(au, complete('2026-03-20'), ctx('AU', '2026-03-20T05:00:00Z')).order.finalCompensation?.eligible).toBe(false);
  });
  it('overdue once the market date passes the due date, only while with the carrier', () => {
    // 20 business days after Tue 1 Dec: 2-24 Dec are 17, then (25 and 28 are bank holidays) 29, 30, 31.
    expect(scheduled.dueDate).toBe('2026-12-31');
    expect(viewOrder(scheduled, new Date('2026-12-31T23:59:59Z')).overdue).toBe(false);
    expect(viewOrder(scheduled, new Date('2027-01-01T00:00:00Z')).overdue).toBe(true);
    const done = decide(scheduled, complete('2026-12-31'), ctx('GB', '2026-12-31T15:00:00Z')).order;
    expect(viewOrder(done, new Date('2027-01-05T00:00:00Z')).overdue).toBe(false);
  });
});

describe('cancellation fee by stage (AU: 50 / 100 / 150 / 50 % of porting fees)', () => {
  // One complex number: porting fee A$90.00.
  const isdn = [line(SAMPLE_NUMBER.AU, { lineType: 'isdn' })];
  const at = (steps: [string, PortInCommand][]) => run('AU', '2026-03-02T00:00:00Z', steps, {}, isdn).order;
  const base: [string, PortInCommand][] = [['2026-03-02T00:01:00Z', submit], ['2026-03-02T00:02:00Z', sign]];
  const cases: [string, PortInOrder, string, number][] = [
    ['draft: free', at([]), '2026-03-02T01:00:00Z', 0],
    ['awaiting signature: 50 %', at(base.slice(0, 1)), '2026-03-02T01:00:00Z', 4500],
    ['submitted to the carrier: 100 %', at(base), '2026-03-03T01:00:00Z', 9000],
    ['rejected: 100 %', at([...base, ['2026-03-03T00:00:00Z', reject]]), '2026-03-04T01:00:00Z', 9000],
    ['scheduled, before the transfer date: 100 %', at([...base, ['2026-03-03T00:00:00Z', transfer('2026-03-10')]]), '2026-03-09T13:59:59Z', 9000],
    ['on the transfer date (Brisbane): 150 %', at([...base, ['2026-03-03T00:00:00Z', transfer('2026-03-10')]]), '2026-03-09T14:00:00Z', 13500],
    ['after the transfer date: 50 %', at([...base, ['2026-03-03T00:00:00Z', transfer('2026-03-10')]]), '2026-03-10T14:00:00Z', 4500],
  ];
  it.each(cases)('%s', (_name, order, now, fee) => {
    const d = decide(order, { type: 'cancel' }, ctx('AU', now));
    expect(d.order.status).toBe('cancelled');
    expect(viewOrder(d.order, new Date(now)).cancellationFee).toEqual({ currency: 'AUD', amountMinor: fee });
    expect(d.order.charges.filter((c) => c.kind === 'cancellation_fee').length).toBe(fee > 0 ? 1 : 0);
    expect(d.release).toEqual([SAMPLE_NUMBER.AU]);
  });
  it('GB on hold counts as submitted to us; free unless the price list says otherwise', () => {
    const noCalls = { hasOutboundCall: false };
    const onHold = run('GB', '2026-03-02T09:00:00Z', [['2026-03-02T09:01:00Z', submit], ['2026-03-02T09:02:00Z', sign]], noCalls).order;
    expect(decide(onHold, { type: 'cancel' }, ctx('GB', '2026-03-03T09:00:00Z', noCalls)).order.charges.some((c) => c.kind === 'cancellation_fee')).toBe(false);
    const rates = { beforeCarrier: 25, withCarrier: 100, onTransferDate: 100, afterTransferDate: 25 };
    const priced = { ...noCalls, plan: { ...ctx('GB', '2026-03-03T09:00:00Z').account.plan, cancellationRates: rates } };
    const d = decide(onHold, { type: 'cancel' }, ctx('GB', '2026-03-03T09:00:00Z', priced));
    expect(d.order.charges.find((c) => c.kind === 'cancellation_fee')?.amount).toEqual({ currency: 'GBP', amountMinor: 1000 }); // 25 % of £40
  });
  it.each(['completed', 'cancelled', 'withdrawn', 'expired'] as const)('a %s order cannot be cancelled', (status) => {
    const order = { ...at([]), status };
    expectError(() => decide(order, { type: 'cancel' }, ctx('AU', '2026-03-05T00:00:00Z')), InvalidTransitionError, 'not_cancellable');
  });
});

describe('commands in the wrong status are refused with a clear code', () => {
  const draft = run('AU', '2026-03-02T00:00:00Z', []).order;
  it.each([
    ['sign a draft', sign, 'invalid_status'],
    ['resubmit a draft', resubmit, 'invalid_status'],
    ['carrier rejects a draft', reject, 'invalid_status'],
    ['transfer date on a draft', transfer('2026-03-10'), 'invalid_status'],
    ['complete a draft', complete('2026-03-02'), 'invalid_status'],
    ['release a draft from hold', { type: 'prerequisites_met' }, 'invalid_status'],
  ] as [string, PortInCommand, string][])('%s', (_n, command, code) => {
    expectError(() => decide(draft, command, ctx('AU', '2026-03-03T00:00:00Z')), InvalidTransitionError, code);
  });
  it('submitting an invalid draft lists every blocking error', () => {
    const bad = createDraft({ id: 'pin_2', details: details('AU', { termsAccepted: false, carrierId: null }), lines: buildLines([line('junk')], policyFor('AU')) }, ctx('AU', '2026-03-02T00:00:00Z'), facts()).order;
    try {
      decide(bad, submit, ctx('AU', '2026-03-02T00:01:00Z'));
      throw new Error('expected order_invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(RuleViolationError);
      expect((error as RuleViolationError).code).toBe('order_invalid');
      expect((error as RuleViolationError).issues.map((i) => i.code).sort()).toEqual(['losing_carrier_missing', 'number_invalid', 'terms_not_accepted']);
    }
  });
  it('a draft expires only after 30 untouched days', () => {
    expectError(() => decide(draft, { type: 'expire' }, ctx('AU', '2026-03-31T00:00:00Z')), InvalidTransitionError, 'draft_still_fresh');
    const expired = decide(draft, { type: 'expire' }, ctx('AU', '2026-04-01T00:00:00Z'));
    expect(expired.order.status).toBe('expired');
    expect(expired.release).toEqual([SAMPLE_NUMBER.AU]);
  });
  it('editing a draft locks added numbers and releases removed ones', () => {
    const d = decide(draft, { type: 'update', details: details('AU'), lines: buildLines([line('+61732123457')], policyFor('AU')), facts: facts(), signing: null }, ctx('AU', '2026-03-02T01:00:00Z'));
    expect(d.lock).toEqual(['+61732123457']);
    expect(d.release).toEqual([SAMPLE_NUMBER.AU]);
  });
});
