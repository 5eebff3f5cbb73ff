// The scheduled deadline check (runDeadlineCheck) against DynamoDB Local, at chosen instants around
// public holidays and time-zone edges in each market. Orders are made through the real use cases at
// their own instants; only the outside services are fakes (support.ts). Each market has its own
// table, and within a table the checks run in chronological order, as a schedule would.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccountRecord } from '../../shared/app/ports.ts';
import { cancelPortIn, resubmitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import { lateTransferCompensation } from '../../shared/rules/compensation.ts';
import { InvalidTransitionError, NumberConflictError } from '../../shared/rules/errors.ts';
import type { IsoDate, PortInEvent } from '../../shared/rules/types.ts';
import {
  END_OF_TIME,
  OPERATOR,
  OPERATOR_EMAIL,
  SUBMITTER_EMAIL,
  addNumbers,
  allOutbox,
  carrierSays,
  createHarness,
  draftOrder,
  dueAt,
  eventsOf,
  newAccount,
  newCarrier,
  nextNumber,
  orderOf,
  orderWithCarrier,
  reject,
  sentCounts,
  signingRequestSubject,
  type Harness,
} from './support.ts';

const SYSTEM = { kind: 'system', id: 'scheduled-check' } as const;

/** The events an order gained since `before` events. */
async function newEvents(h: Harness, id: string, before: number): Promise<PortInEvent[]> {
  return (await eventsOf(h, id)).slice(before);
}

/** Runs the check at `iso` and expects it to find nothing due and to change nothing anywhere. */
async function expectQuiet(h: Harness, iso: string, orderIds: string[] = []): Promise<void> {
  const versions = await Promise.all(orderIds.map(async (id) => (await orderOf(h, id)).version));
  const sent = sentCounts(h);
  const report = await h.check(iso);
  expect(report, `check at ${iso}`).toEqual({ now: new Date(iso).toISOString(), due: 0, changed: 0, unchanged: 0, failed: 0 });
  expect(sentCounts(h), `nothing sent at ${iso}`).toEqual(sent);
  for (const [i, id] of orderIds.entries()) expect((await orderOf(h, id)).version, `${id} untouched at ${iso}`).toBe(versions[i]);
}

// ---------------------------------------------------------------------------------------------
describe('AU (Australia/Brisbane, Queensland holidays)', () => {
  let h: Harness;
  let account: AccountRecord;
  let carrierId: string;

  beforeAll(async () => {
    h = await createHarness();
    account = await newAccount(h, 'AU', { at: '2026-03-01T00:00:00Z' });
    carrierId = await newCarrier(h, '2026-03-01T00:00:00Z');
  });

  it('Easter: rejected Wed 1 Apr, 5 business days skip Good Friday and Easter Monday; withdrawn at 00:00 Brisbane Sat 11 Apr, locks released, bus event queued and published, workflow resumed', async () => {
    const number = nextNumber('AU');
    const id = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-03-20T00:00:00Z', { number });
    expect(await reject(h, id, '2026-04-01T02:00:00Z')).toMatchObject({ status: 'rejected' }); // 12:00 Brisbane
    const rejected = await orderOf(h, id);
    expect(rejected.lastRejection?.rejectedOn).toBe('2026-04-01');
    // Thu 2 (1), [Good Fri 3, Easter Sat 4, Sun 5, Easter Mon 6], Tue 7 (2) ... Fri 10 (5): ends 00:00 Sat 11 Apr Brisbane.
    expect(rejected.resubmitBy).toBe('2026-04-10T14:00:00.000Z');
    expect(rejected.dueAt).toBe('2026-04-10T14:00:00.000Z');
    expect(rejected.charges.filter((c) => c.kind === 'rejection_fee').map((c) => c.amount)).toEqual([{ currency: 'AUD', amountMinor: 2000 }]);
    // The workflow's await step parked on the rejection.
    await h.deps.repository.putWorkflowWait({ orderId: id, taskToken: 'token-easter', status: 'rejected', transferDate: null, step: 'AwaitOrderChange', since: '2026-04-01T02:00:01.000Z' });
    // While the window is open the number is still held by the order.
    await expect(draftOrder(h, 'AU', account.id, carrierId, '2026-04-09T00:00:00Z', { number })).rejects.toBeInstanceOf(NumberConflictError);

    // A naive count that ignores Easter would end the window on Wed 8 Apr.
    await expectQuiet(h, '2026-04-08T14:00:00.000Z', [id]);
    // 23:59:59.999 Brisbane on Fri 10 Apr, the 5th business day: still open.
    await expectQuiet(h, '2026-04-10T13:59:59.999Z', [id]);

    const eventsBefore = (await eventsOf(h, id)).length;
    const sent = sentCounts(h);
    const bus = h.bus.published.length;
    const report = await h.check('2026-04-10T14:00:00.000Z');
    expect(report).toEqual({ now: '2026-04-10T14:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });

    const withdrawn = await orderOf(h, id);
    expect(withdrawn).toMatchObject({ status: 'withdrawn', resubmitBy: null, dueAt: null, version: rejected.version + 1 });
    expect(withdrawn.charges).toEqual(rejected.charges); // no new charge
    expect(await newEvents(h, id, eventsBefore)).toEqual([
      { type: 'withdrawn', at: '2026-04-10T14:00:00.000Z', actor: SYSTEM, data: { from: 'rejected', to: 'withdrawn', reason: 'resubmission_deadline_passed' } },
    ]);
    // Locks released.
    expect((await h.deps.repository.getNumberLocks([number])).size).toBe(0);
    // PortIn.StatusChanged to withdrawn: stored in the outbox with the change, and published.
    const statusItems = (await allOutbox(h, { subjectId: id })).filter((i) => i.message.kind === 'bus_event' && (i.message.event.detail as { to?: string }).to === 'withdrawn');
    expect(statusItems).toHaveLength(1);
    expect(statusItems[0]).toMatchObject({ purpose: 'PortIn.StatusChanged', status: 'delivered' });
    expect(h.bus.published.slice(bus)).toEqual([
      expect.objectContaining({
        source: 'portdesk',
        detailType: 'PortIn.StatusChanged',
        detail: expect.objectContaining({ orderId: id, accountId: account.id, market: 'AU', from: 'rejected', to: 'withdrawn', eventType: 'withdrawn', reason: 'resubmission_deadline_passed', occurredAt: '2026-04-10T14:00:00.000Z' }),
      }),
    ]);
    // The waiting workflow step is resumed with the new status; its token is used up.
    expect(h.engine.resumes.slice(sent.workflowResumes)).toEqual([{ taskToken: 'token-easter', output: { orderId: id, status: 'withdrawn', transferDate: null, market: 'AU' } }]);
    expect(await h.deps.repository.getWorkflowWait(id)).toBeNull();
    // The check itself sends no email: the workflow tells the customer about the withdrawal.
    expect(h.mailer.sent.length).toBe(sent.emails);
    // Not in the due index any more.
    expect((await dueAt(h, END_OF_TIME)).map((d) => d.id)).not.toContain(id);

    // The number is free: a new order for it can be created (then dropped, free of charge).
    const again = await draftOrder(h, 'AU', account.id, carrierId, '2026-04-10T14:05:00Z', { number });
    expect(again).not.toBe(id);
    await cancelPortIn(h.deps, OPERATOR, again);
  });

  it('Labour Day (Mon 4 May): rejected 09:00 Brisbane Tue 28 Apr (still 27 Apr in UTC); withdrawn at 00:00 Brisbane Thu 7 May; a resubmission just in time keeps its order', async () => {
    const late = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-04-14T00:00:00Z');
    const onTime = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-04-14T00:00:00Z');
    await reject(h, late, '2026-04-27T23:00:00Z');
    await reject(h, onTime, '2026-04-27T23:00:00Z');
    const rejected = await orderOf(h, late);
    expect(rejected.lastRejection?.rejectedOn).toBe('2026-04-28');
    // Wed 29 (1), Thu 30 (2), Fri 1 May (3), [Sat, Sun, Labour Day Mon 4], Tue 5 (4), Wed 6 (5).
    expect(rejected.resubmitBy).toBe('2026-05-06T14:00:00.000Z');

    // End of Tue 5 May (the 5th business day if Labour Day were counted): still open.
    await expectQuiet(h, '2026-05-05T14:00:00.000Z', [late, onTime]);
    h.setNow('2026-05-06T13:59:00.000Z');
    expect(await resubmitPortIn(h.deps, OPERATOR, onTime)).toMatchObject({ status: 'submitted' });
    await expectQuiet(h, '2026-05-06T13:59:59.999Z', [late, onTime]);

    const report = await h.check('2026-05-06T14:00:00.000Z');
    expect(report).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect((await orderOf(h, late)).status).toBe('withdrawn');
    expect((await orderOf(h, onTime)).status).toBe('submitted');
    expect(h.bus.about(late).map((e) => e.detail.to)).toContain('withdrawn');
    expect(h.bus.about(onTime).map((e) => e.detail.to)).not.toContain('withdrawn');
    // The resubmitted order has a new due date (5 Jun); the customer cancels it so that it does not
    // become overdue in the later tests of this table.
    expect(await orderOf(h, onTime)).toMatchObject({ commencementDate: '2026-05-06', dueDate: '2026-06-05', dueAt: '2026-06-05T14:00:00.000Z' });
    h.setNow('2026-05-07T00:00:00.000Z');
    expect(await cancelPortIn(h.deps, OPERATOR, onTime)).toMatchObject({ status: 'cancelled' });
  });

  describe('around Christmas, Boxing Day and New Year', () => {
    let xmas: string;
    let nye: string;
    let rejectedXmas: string;

    beforeAll(async () => {
      // 09:00 Brisbane on 25 Nov is 23:00 UTC on 24 Nov: the commencement date is the Brisbane one.
      xmas = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-11-24T23:00:00Z');
      nye = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-12-01T03:00:00Z');
      rejectedXmas = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-12-01T04:00:00Z');
      await reject(h, rejectedXmas, '2026-12-22T00:00:00Z'); // 10:00 Brisbane Tue 22 Dec
      await h.deps.repository.putWorkflowWait({
        orderId: rejectedXmas,
        taskToken: 'token-christmas',
        status: 'rejected',
        transferDate: null,
        step: 'AwaitOrderChange',
        since: '2026-12-22T00:00:01.000Z',
      });
    });

    it('due on Christmas Day: 23:59 Brisbane changes nothing; 00:00 Boxing Day flags it overdue with one operator email, and the due index drops it', async () => {
      const before = await orderOf(h, xmas);
      expect(before).toMatchObject({ commencementDate: '2026-11-25', dueDate: '2026-12-25', overdueSince: null, dueAt: '2026-12-25T14:00:00.000Z' });

      await expectQuiet(h, '2026-12-25T13:59:00.000Z', [xmas, nye, rejectedXmas]);
      await expectQuiet(h, '2026-12-25T13:59:59.999Z', [xmas, nye, rejectedXmas]);

      const eventsBefore = (await eventsOf(h, xmas)).length;
      const sent = sentCounts(h);
      // 00:00 Brisbane on Boxing Day; still 25 Dec in UTC.
      const report = await h.check('2026-12-25T14:00:00.000Z');
      expect(report).toEqual({ now: '2026-12-25T14:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });

      const after = await orderOf(h, xmas);
      expect(after).toMatchObject({ status: 'submitted', overdueSince: '2026-12-26', dueAt: null, version: before.version + 1 });
      expect(after.charges).toEqual(before.charges);
      expect(await newEvents(h, xmas, eventsBefore)).toEqual([
        { type: 'overdue', at: '2026-12-25T14:00:00.000Z', actor: SYSTEM, data: { dueDate: '2026-12-25', overdueSince: '2026-12-26' } },
      ]);
      // One email, to the operator address, carrying the order reference.
      const emails = h.mailer.sent.slice(sent.emails);
      expect(emails).toHaveLength(1);
      expect(emails[0]!.to).toEqual([OPERATOR_EMAIL]);
      expect(emails[0]!.reference).toBe(`PD-${xmas}`);
      expect(emails[0]!.subject).toContain(`PD-${xmas}`);
      expect(emails[0]!.subject).toMatch(/overdue by 1 day\b/);
      expect(await allOutbox(h, { subjectId: xmas })).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: `${xmas}.overdue.2026-12-25`, purpose: 'overdue', status: 'delivered' })]),
      );
      // Overdue is a flag, not a status: no bus event, no workflow signal.
      expect(h.bus.published.length).toBe(sent.busEvents);
      expect(h.engine.resumes.length).toBe(sent.workflowResumes);
      // The due index no longer lists it for that deadline (nor for anything else: nothing is pending).
      expect((await dueAt(h, END_OF_TIME)).map((d) => d.id)).not.toContain(xmas);

      // Later runs before New Year leave it alone.
      await expectQuiet(h, '2026-12-26T00:00:00.000Z', [xmas]);
      await expectQuiet(h, '2026-12-28T23:00:00.000Z', [xmas]);
    });

    it('New Year: due 31 Dec, and a rejection of 22 Dec (Christmas Eve counts, Christmas and the Boxing Day substitute do not), both act at 00:00 Brisbane 1 Jan while UTC is still in 2026', async () => {
      expect(await orderOf(h, nye)).toMatchObject({ dueDate: '2026-12-31', dueAt: '2026-12-31T14:00:00.000Z' });
      // Wed 23 (1), Thu 24 (2: Christmas Eve is a holiday only from 18:00), [Fri 25, Sat 26, Sun 27, Mon 28], Tue 29 (3), Wed 30 (4), Thu 31 (5).
      expect(await orderOf(h, rejectedXmas)).toMatchObject({ status: 'rejected', resubmitBy: '2026-12-31T14:00:00.000Z' });

      await expectQuiet(h, '2026-12-31T13:59:59.999Z', [nye, rejectedXmas]);
      const sent = sentCounts(h);
      const report = await h.check('2026-12-31T14:00:00.000Z');
      expect(report).toEqual({ now: '2026-12-31T14:00:00.000Z', due: 2, changed: 2, unchanged: 0, failed: 0 });

      expect(await orderOf(h, nye)).toMatchObject({ status: 'submitted', overdueSince: '2027-01-01' });
      expect(await orderOf(h, rejectedXmas)).toMatchObject({ status: 'withdrawn' });
      const emails = h.mailer.sent.slice(sent.emails);
      expect(emails.map((e) => [e.to, e.reference])).toEqual([[[OPERATOR_EMAIL], `PD-${nye}`]]);
      expect(h.bus.published.slice(sent.busEvents).map((e) => [e.detail.orderId, e.detail.to])).toEqual([[rejectedXmas, 'withdrawn']]);
      expect(h.engine.resumes.slice(sent.workflowResumes)).toEqual([
        { taskToken: 'token-christmas', output: { orderId: rejectedXmas, status: 'withdrawn', transferDate: null, market: 'AU' } },
      ]);
      await expectQuiet(h, '2027-01-01T00:00:00.000Z', [nye, rejectedXmas]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('GB (Europe/London, England & Wales bank holidays): Easter 2026', () => {
  let h: Harness;
  let account: AccountRecord;
  let carrierId: string;
  let draft: string;
  let withSubmitter: string;
  let withoutSubmitter: string;
  const TRANSFER: IsoDate = '2026-04-02'; // the Thursday before Easter
  const MONTHLY = { currency: 'GBP', amountMinor: 3000 } as const;
  const compensationOn = (today: IsoDate) =>
    lateTransferCompensation({ market: 'GB', monthlyFee: MONTHLY, confirmedTransferDate: TRANSFER, completedOn: null, today });

  beforeAll(async () => {
    h = await createHarness();
    account = await newAccount(h, 'GB', { at: '2026-03-02T09:00:00Z', adminEmail: 'admin-gb@customer.test' });
    carrierId = await newCarrier(h, '2026-03-02T09:00:00Z');
    draft = await draftOrder(h, 'GB', account.id, carrierId, '2026-03-02T10:00:00Z');
    withSubmitter = await orderWithCarrier(h, 'GB', account.id, carrierId, '2026-03-16T10:00:00Z');
    withoutSubmitter = await orderWithCarrier(h, 'GB', account.id, carrierId, '2026-03-16T10:00:00Z', { submitterEmail: null });
    for (const id of [withSubmitter, withoutSubmitter]) {
      expect(await carrierSays(h, id, '2026-03-20T10:00:00Z', { type: 'transfer_date', transferDate: TRANSFER })).toMatchObject({ status: 'scheduled' });
    }
  });

  it('a draft untouched for 30 days expires (00:00 UTC on the 30th day, i.e. 01:00 in London) and frees its number', async () => {
    const before = await orderOf(h, draft);
    expect(before.dueAt).toBe('2026-04-01T00:00:00.000Z');
    await expectQuiet(h, '2026-03-31T23:59:59.999Z', [draft]);

    const eventsBefore = (await eventsOf(h, draft)).length;
    const sent = sentCounts(h);
    expect(await h.check('2026-04-01T00:00:00.000Z')).toEqual({ now: '2026-04-01T00:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });
    const after = await orderOf(h, draft);
    expect(after).toMatchObject({ status: 'expired', dueAt: null });
    expect(after.charges).toEqual([]);
    expect(await newEvents(h, draft, eventsBefore)).toEqual([
      { type: 'expired', at: '2026-04-01T00:00:00.000Z', actor: SYSTEM, data: { from: 'draft', to: 'expired', idleDays: 30 } },
    ]);
    expect((await h.deps.repository.getNumberLocks(after.lines.map((l) => l.e164!))).size).toBe(0);
    expect(h.bus.published.slice(sent.busEvents).map((e) => [e.detail.orderId, e.detail.from, e.detail.to])).toEqual([[draft, 'draft', 'expired']]);
    expect(h.mailer.sent.length).toBe(sent.emails);
  });

  it('the transfer date is confirmed at 00:00 London (BST) on Thu 2 Apr, and cannot change after', async () => {
    for (const id of [withSubmitter, withoutSubmitter]) {
      expect(await orderOf(h, id)).toMatchObject({ status: 'scheduled', transferDate: TRANSFER, dueDate: '2026-04-15', dueAt: '2026-04-01T23:00:00.000Z' });
    }
    await expectQuiet(h, '2026-04-01T22:59:59.999Z', [withSubmitter, withoutSubmitter]);

    const eventsBefore = await Promise.all([withSubmitter, withoutSubmitter].map(async (id) => (await eventsOf(h, id)).length));
    const sent = sentCounts(h);
    expect(await h.check('2026-04-01T23:00:00.000Z')).toEqual({ now: '2026-04-01T23:00:00.000Z', due: 2, changed: 2, unchanged: 0, failed: 0 });
    for (const [i, id] of [withSubmitter, withoutSubmitter].entries()) {
      // Compensation would accrue from Wed 8 Apr: Good Friday and Easter Monday are not business days.
      expect(await orderOf(h, id)).toMatchObject({ confirmedTransferDate: TRANSFER, compensationAccruedTo: null, dueAt: '2026-04-07T23:00:00.000Z' });
      expect(await newEvents(h, id, eventsBefore[i]!)).toEqual([
        { type: 'transfer_date_confirmed', at: '2026-04-01T23:00:00.000Z', actor: SYSTEM, data: { transferDate: TRANSFER } },
      ]);
    }
    expect(sentCounts(h)).toEqual(sent);
    await expect(carrierSays(h, withSubmitter, '2026-04-02T08:00:00Z', { type: 'transfer_date', transferDate: '2026-04-09' })).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('nothing accrues on Good Friday, over the weekend, on Easter Monday, nor on Tue 7 Apr (the 1st business day after)', async () => {
    for (const at of ['2026-04-02T23:00:00.000Z', '2026-04-04T23:00:00.000Z', '2026-04-05T23:00:00.000Z', '2026-04-06T23:00:00.000Z', '2026-04-07T22:59:59.999Z']) {
      await expectQuiet(h, at, [withSubmitter, withoutSubmitter]);
    }
  });

  it('from 00:00 London on Wed 8 Apr (the 2nd business day after): compensation_accrued and ONE compensation_started email to the submitter, or to the admin when there is no submitter email', async () => {
    const eventsBefore = await Promise.all([withSubmitter, withoutSubmitter].map(async (id) => (await eventsOf(h, id)).length));
    const sent = sentCounts(h);
    expect(await h.check('2026-04-07T23:00:00.000Z')).toEqual({ now: '2026-04-07T23:00:00.000Z', due: 2, changed: 2, unchanged: 0, failed: 0 });
    const expected = compensationOn('2026-04-08');
    expect(expected).toEqual({ eligible: true, daysLate: 1, amount: { currency: 'GBP', amountMinor: 99 }, accruesFrom: '2026-04-08' }); // 30.00 × 12 ÷ 365 = 0.986
    for (const [i, id] of [withSubmitter, withoutSubmitter].entries()) {
      const order = await orderOf(h, id);
      expect(order).toMatchObject({ compensationAccruedTo: '2026-04-08', dueAt: '2026-04-08T23:00:00.000Z' });
      expect(order.charges.map((c) => c.kind)).toEqual(['porting_fee']); // compensation is not a charge
      expect(await newEvents(h, id, eventsBefore[i]!)).toEqual([
        {
          type: 'compensation_accrued',
          at: '2026-04-07T23:00:00.000Z',
          actor: SYSTEM,
          data: { through: '2026-04-08', daysLate: expected.daysLate, amount: expected.amount, accruesFrom: expected.accruesFrom },
        },
      ]);
    }
    const emails = h.mailer.sent.slice(sent.emails);
    expect(emails).toHaveLength(2);
    expect(emails.filter((e) => e.reference === `PD-${withSubmitter}`).map((e) => e.to)).toEqual([[SUBMITTER_EMAIL]]);
    expect(emails.filter((e) => e.reference === `PD-${withoutSubmitter}`).map((e) => e.to)).toEqual([['admin-gb@customer.test']]);
    for (const email of emails) expect(email.text).toMatch(/1 day, £0\.99/);
    expect((await allOutbox(h, { subjectId: withSubmitter })).filter((i) => i.purpose === 'compensation_started').map((i) => i.id)).toEqual([
      `${withSubmitter}.compensation_started.${TRANSFER}`,
    ]);

    // Later the same day: nothing more.
    await expectQuiet(h, '2026-04-08T11:00:00.000Z', [withSubmitter, withoutSubmitter]);
  });

  it('later days: compensation_accrued only, with days and amounts growing as lateTransferCompensation says; a missed day is caught up', async () => {
    const runs: [string, IsoDate, number, number][] = [
      ['2026-04-08T23:00:00.000Z', '2026-04-09', 2, 197], // 1.97
      ['2026-04-09T23:00:00.000Z', '2026-04-10', 3, 296], // 2.959 → 2.96
      // No run on Sat 11 Apr: Sunday's run accrues through Sunday (calendar days).
      ['2026-04-12T08:00:00.000Z', '2026-04-12', 5, 493], // 4.93
    ];
    const emailsBefore = h.mailer.sent.length;
    let previous = 1;
    for (const [at, through, days, pence] of runs) {
      const counts = await Promise.all([withSubmitter, withoutSubmitter].map(async (id) => (await eventsOf(h, id)).length));
      expect(await h.check(at), at).toMatchObject({ due: 2, changed: 2, failed: 0 });
      const expected = compensationOn(through);
      expect(expected).toMatchObject({ daysLate: days, amount: { currency: 'GBP', amountMinor: pence } });
      expect(days).toBeGreaterThan(previous);
      previous = days;
      for (const [i, id] of [withSubmitter, withoutSubmitter].entries()) {
        expect(await newEvents(h, id, counts[i]!), `${id} at ${at}`).toEqual([
          { type: 'compensation_accrued', at, actor: SYSTEM, data: { through, daysLate: days, amount: expected.amount, accruesFrom: '2026-04-08' } },
        ]);
        expect((await orderOf(h, id)).compensationAccruedTo).toBe(through);
      }
    }
    expect(h.mailer.sent.length).toBe(emailsBefore); // compensation_started went once
  });

  it('completion stops the accrual: the completed order leaves the due index, the other one goes on', async () => {
    expect(await carrierSays(h, withSubmitter, '2026-04-13T10:00:00Z', { type: 'completed', completedOn: '2026-04-13' })).toMatchObject({ status: 'completed' });
    const completed = await orderOf(h, withSubmitter);
    expect(completed).toMatchObject({ dueAt: null, finalCompensation: { eligible: true, daysLate: 6, amount: { currency: 'GBP', amountMinor: 592 } } });
    const versions = completed.version;
    expect(await h.check('2026-04-13T23:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect((await orderOf(h, withSubmitter)).version).toBe(versions);
    expect((await orderOf(h, withoutSubmitter)).compensationAccruedTo).toBe('2026-04-14');
    expect(await carrierSays(h, withoutSubmitter, '2026-04-14T10:00:00Z', { type: 'completed', completedOn: '2026-04-14' })).toMatchObject({ status: 'completed' });
    expect(await orderOf(h, withoutSubmitter)).toMatchObject({ dueAt: null, finalCompensation: { daysLate: 7, amount: { currency: 'GBP', amountMinor: 690 } } });
  });

  it('business-day service level across Christmas (25 Dec, Boxing Day substitute 28 Dec): sent Tue 1 Dec, due Thu 31 Dec, overdue at 00:00 GMT on 1 Jan', async () => {
    const id = await orderWithCarrier(h, 'GB', account.id, carrierId, '2026-12-01T10:00:00Z');
    expect(await orderOf(h, id)).toMatchObject({ commencementDate: '2026-12-01', dueDate: '2026-12-31', dueAt: '2027-01-01T00:00:00.000Z' });
    // A count that ignored the holidays would make it due on Tue 29 Dec.
    await expectQuiet(h, '2026-12-30T00:00:00.000Z', [id]);
    await expectQuiet(h, '2026-12-31T23:59:59.999Z', [id]);
    const sent = sentCounts(h);
    expect(await h.check('2027-01-01T00:00:00.000Z')).toEqual({ now: '2027-01-01T00:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });
    expect(await orderOf(h, id)).toMatchObject({ overdueSince: '2027-01-01', dueAt: null });
    expect(h.mailer.sent.slice(sent.emails).map((e) => [e.to, e.reference])).toEqual([[[OPERATOR_EMAIL], `PD-${id}`]]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('FR (Europe/Paris): holidays do not move calendar-day deadlines; DST nights', () => {
  let h: Harness;
  let account: AccountRecord;
  let carrierId: string;

  beforeAll(async () => {
    h = await createHarness();
    account = await newAccount(h, 'FR', { at: '2026-02-20T09:00:00Z' });
    carrierId = await newCarrier(h, '2026-02-20T09:00:00Z');
  });

  async function expectOverdueAt(id: string, at: string, dueDate: IsoDate, overdueSince: IsoDate): Promise<void> {
    const eventsBefore = (await eventsOf(h, id)).length;
    const sent = sentCounts(h);
    expect(await h.check(at)).toEqual({ now: at, due: 1, changed: 1, unchanged: 0, failed: 0 });
    expect(await orderOf(h, id)).toMatchObject({ status: 'submitted', dueDate, overdueSince, dueAt: null });
    expect(await newEvents(h, id, eventsBefore)).toEqual([{ type: 'overdue', at, actor: SYSTEM, data: { dueDate, overdueSince } }]);
    const emails = h.mailer.sent.slice(sent.emails);
    expect(emails.map((e) => [e.to, e.reference])).toEqual([[[OPERATOR_EMAIL], `PD-${id}`]]);
    expect(h.bus.published.length).toBe(sent.busEvents);
  }

  it('spring-forward night: due Sun 29 Mar (a 23-hour day) is overdue from 00:00 CEST on 30 Mar, i.e. 22:00 UTC', async () => {
    const id = await orderWithCarrier(h, 'FR', account.id, carrierId, '2026-03-01T09:00:00Z');
    expect(await orderOf(h, id)).toMatchObject({ commencementDate: '2026-03-01', dueDate: '2026-03-29', dueAt: '2026-03-29T22:00:00.000Z' });
    await expectQuiet(h, '2026-03-29T21:59:59.999Z', [id]);
    await expectOverdueAt(id, '2026-03-29T22:00:00.000Z', '2026-03-29', '2026-03-30');
  });

  it('due on Labour Day (Fri 1 May): the holiday is not skipped; overdue from 00:00 Paris on 2 May', async () => {
    const id = await orderWithCarrier(h, 'FR', account.id, carrierId, '2026-04-03T08:00:00Z');
    expect((await orderOf(h, id)).dueDate).toBe('2026-05-01');
    await expectQuiet(h, '2026-05-01T21:59:59.999Z', [id]);
    await expectOverdueAt(id, '2026-05-01T22:00:00.000Z', '2026-05-01', '2026-05-02');
  });

  it('due on Bastille Day (Tue 14 Jul), sent to the carrier at 00:30 Paris (still the day before in UTC)', async () => {
    const id = await orderWithCarrier(h, 'FR', account.id, carrierId, '2026-06-15T22:30:00Z');
    expect(await orderOf(h, id)).toMatchObject({ commencementDate: '2026-06-16', dueDate: '2026-07-14' });
    await expectQuiet(h, '2026-07-14T21:59:59.999Z', [id]);
    await expectOverdueAt(id, '2026-07-14T22:00:00.000Z', '2026-07-14', '2026-07-15');
  });

  it('fall-back night: transfer date Sun 25 Oct confirmed at 00:00 CEST (22:00 UTC on the 24th); due 25 Oct, overdue only from 00:00 CET on the 26th (23:00 UTC)', async () => {
    const id = await orderWithCarrier(h, 'FR', account.id, carrierId, '2026-09-27T08:00:00Z');
    expect(await carrierSays(h, id, '2026-10-10T08:00:00Z', { type: 'transfer_date', transferDate: '2026-10-25' })).toMatchObject({ status: 'scheduled' });
    expect(await orderOf(h, id)).toMatchObject({ dueDate: '2026-10-25', dueAt: '2026-10-24T22:00:00.000Z' });

    await expectQuiet(h, '2026-10-24T21:59:59.999Z', [id]);
    const eventsBefore = (await eventsOf(h, id)).length;
    const sent = sentCounts(h);
    expect(await h.check('2026-10-24T22:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(await newEvents(h, id, eventsBefore)).toEqual([
      { type: 'transfer_date_confirmed', at: '2026-10-24T22:00:00.000Z', actor: SYSTEM, data: { transferDate: '2026-10-25' } },
    ]);
    // FR has no late-transfer compensation: the next deadline is the overdue one.
    expect(await orderOf(h, id)).toMatchObject({ confirmedTransferDate: '2026-10-25', compensationAccruedTo: null, dueAt: '2026-10-25T23:00:00.000Z' });
    expect(sentCounts(h)).toEqual(sent);

    // 23:30 CET on the 25th (which a fixed summer-time offset would take for 00:30 on the 26th).
    await expectQuiet(h, '2026-10-25T22:30:00.000Z', [id]);
    await expectQuiet(h, '2026-10-25T22:59:59.999Z', [id]);
    const order = await orderOf(h, id);
    expect(order.status).toBe('scheduled');
    const eventsBeforeOverdue = (await eventsOf(h, id)).length;
    expect(await h.check('2026-10-25T23:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(await newEvents(h, id, eventsBeforeOverdue)).toEqual([
      { type: 'overdue', at: '2026-10-25T23:00:00.000Z', actor: SYSTEM, data: { dueDate: '2026-10-25', overdueSince: '2026-10-26' } },
    ]);
    expect(await orderOf(h, id)).toMatchObject({ status: 'scheduled', overdueSince: '2026-10-26', dueAt: null });
    // The overdue notice to the operator; besides it, only the signing request sent at submit.
    expect(h.mailer.notices(id).map((e) => e.to)).toEqual([[OPERATOR_EMAIL]]);
    expect(h.mailer.signing(id).map((e) => [e.to, e.subject])).toEqual([[[SUBMITTER_EMAIL], signingRequestSubject('FR', id)]]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('account termination: one warning inside the 2-month window', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness();
  });

  it('GB: no numbers when the window opens (00:00 BST 31 Mar for 31 May): no warning, looked at daily; once numbers are added, exactly one warning', async () => {
    const account = await newAccount(h, 'GB', { at: '2026-03-01T10:00:00Z', terminationDate: '2026-05-31', adminEmail: 'admin-term-gb@customer.test', callsMade: false });
    expect((await dueAt(h, END_OF_TIME)).filter((d) => d.id === account.id)).toEqual([{ kind: 'account', id: account.id, dueAt: '2026-03-30T23:00:00.000Z' }]);

    await expectQuiet(h, '2026-03-30T22:59:59.999Z');
    expect(await h.check('2026-03-30T23:00:00.000Z')).toMatchObject({ due: 1, changed: 0, unchanged: 1, failed: 0 });
    expect(h.mailer.to('admin-term-gb@customer.test')).toHaveLength(0);
    expect((await dueAt(h, END_OF_TIME)).filter((d) => d.id === account.id).map((d) => d.dueAt)).toEqual(['2026-03-31T23:00:00.000Z']);

    await addNumbers(h, account.id, '2026-03-31T09:00:00Z', [nextNumber('GB'), nextNumber('GB')]);
    await expectQuiet(h, '2026-03-31T22:59:59.999Z');
    expect(await h.check('2026-03-31T23:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    const emails = h.mailer.to('admin-term-gb@customer.test');
    expect(emails).toHaveLength(1);
    expect(emails[0]!.to).toEqual(['admin-term-gb@customer.test']);
    expect(await h.deps.repository.getAccount(account.id)).toMatchObject({ terminationWarnedAt: '2026-03-31T23:00:00.000Z', activeNumberCount: 2 });
    // Next: the release when the 30-day window after termination ends (00:00 BST on 30 June).
    expect((await dueAt(h, END_OF_TIME)).filter((d) => d.id === account.id).map((d) => d.dueAt)).toEqual(['2026-06-29T23:00:00.000Z']);

    await expectQuiet(h, '2026-03-31T23:00:00.000Z');
    await expectQuiet(h, '2026-05-30T12:00:00.000Z');
    await expectQuiet(h, '2026-06-29T22:59:59.999Z');
    expect(h.mailer.to('admin-term-gb@customer.test')).toHaveLength(1);
    // The release (test/schedule/termination-timeline.test.ts follows it in detail): then nothing is due.
    expect(await h.check('2026-06-29T23:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(h.mailer.to('admin-term-gb@customer.test')).toHaveLength(2);
    expect((await dueAt(h, END_OF_TIME)).map((d) => d.id)).not.toContain(account.id);
  });

  it('AU: warned once at 00:00 Brisbane on 31 Oct for a 31 Dec termination (14:00 UTC on 30 Oct), none before, none again', async () => {
    const account = await newAccount(h, 'AU', { at: '2026-09-01T00:00:00Z', terminationDate: '2026-12-31', adminEmail: 'admin-term-au@customer.test' });
    await addNumbers(h, account.id, '2026-09-02T00:00:00Z', [nextNumber('AU'), nextNumber('AU'), nextNumber('AU')]);
    expect((await dueAt(h, END_OF_TIME)).filter((d) => d.id === account.id)).toEqual([{ kind: 'account', id: account.id, dueAt: '2026-10-30T14:00:00.000Z' }]);

    await expectQuiet(h, '2026-10-01T00:00:00.000Z');
    await expectQuiet(h, '2026-10-30T13:59:59.999Z');
    expect(h.mailer.to('admin-term-au@customer.test')).toHaveLength(0);

    const sent = sentCounts(h);
    expect(await h.check('2026-10-30T14:00:00.000Z')).toEqual({ now: '2026-10-30T14:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });
    const emails = h.mailer.sent.slice(sent.emails);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.to).toEqual(['admin-term-au@customer.test']);
    expect(`${emails[0]!.subject}\n${emails[0]!.text}`).toMatch(/31 Dec|2026-12-31|31\/12\/2026|December/);
    expect(await allOutbox(h, { subjectId: account.id })).toEqual([
      expect.objectContaining({ id: `${account.id}.termination_warning.2026-12-31`, purpose: 'termination_warning', status: 'delivered' }),
    ]);
    expect(await h.deps.repository.getAccount(account.id)).toMatchObject({ terminationWarnedAt: '2026-10-30T14:00:00.000Z', activeNumberCount: 3 });

    await expectQuiet(h, '2026-10-30T14:00:00.000Z');
    await expectQuiet(h, '2026-11-30T14:00:00.000Z');
    // AU has no window after termination: the numbers are released at 00:00 Brisbane on 31 Dec.
    await expectQuiet(h, '2026-12-30T13:59:59.999Z');
    expect(h.mailer.to('admin-term-au@customer.test')).toHaveLength(1);
  });
});
