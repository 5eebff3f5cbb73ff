// The issue's acceptance: "Running it twice at the same instant changes nothing the second time: no
// second email, no second event, no second charge" — over a table holding every kind of due item
// (overdue, confirmation, compensation, withdrawal, draft expiry, termination warning). Also: two
// runs racing at the same instant, a failing item that must not stop the others, and a mail outage.
import { beforeAll, describe, expect, it } from 'vitest';
import { runDeadlineCheck } from '../../shared/app/use-cases/deadline-check.ts';
import { resubmitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import { createWebhook } from '../../shared/app/use-cases/webhooks.ts';
import type { Market } from '../../shared/rules/types.ts';
import {
  OPERATOR,
  OPERATOR_EMAIL,
  SUBMITTER_EMAIL,
  addNumbers,
  allOutbox,
  carrierSays,
  createHarness,
  deleteAccountRecord,
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
  snapshotOrder,
  writesIn,
  type Harness,
  type OrderSnapshot,
} from './support.ts';

/** 00:00 Brisbane on Sat 11 Apr 2026 (15:00 BST, 16:00 CEST on Fri 10 Apr). */
const T = '2026-04-10T14:00:00.000Z';
/** An earlier run (13:00 London on Wed 8 Apr), so that some orders are already part-way. */
const T0 = '2026-04-08T12:00:00.000Z';

interface Mix {
  overdueAu: string;
  overdueFr: string;
  withdrawal: string;
  confirmation: string;
  compensationOngoing: string;
  compensationFirst: string;
  draft: string;
  notDue: string;
  terminatingAccount: string;
  /** Every order above, in one list. */
  orders: string[];
}

/** Every kind of due item at T, made through the use cases at their own instants, then one earlier run at T0. */
async function seedMix(h: Harness): Promise<Mix> {
  const au = await newAccount(h, 'AU', { at: '2026-03-01T00:00:00Z' });
  const gb = await newAccount(h, 'GB', { at: '2026-03-01T00:00:00Z', adminEmail: 'admin-gb@customer.test' });
  const fr = await newAccount(h, 'FR', { at: '2026-03-01T00:00:00Z' });
  const terminating = await newAccount(h, 'AU', { at: '2026-03-01T00:00:00Z', terminationDate: '2026-06-11', adminEmail: 'admin-terminating@customer.test' });
  await addNumbers(h, terminating.id, '2026-03-02T00:00:00Z', [nextNumber('AU')]);
  const carrier = await newCarrier(h, '2026-03-01T00:00:00Z');
  // Bus events fan out to the AU account's webhook (the fake sender records each POST).
  h.setNow('2026-03-01T00:00:00Z');
  await createWebhook(h.deps, OPERATOR, { accountId: au.id, url: 'https://hooks.customer.test/portdesk' });

  const draft = await draftOrder(h, 'GB', gb.id, carrier, '2026-03-11T09:00:00Z'); // expires 00:00 UTC 10 Apr
  const overdueAu = await orderWithCarrier(h, 'AU', au.id, carrier, '2026-03-11T01:00:00Z'); // due 10 Apr: overdue at T
  const overdueFr = await orderWithCarrier(h, 'FR', fr.id, carrier, '2026-03-12T09:00:00Z'); // due 9 Apr: overdue 22:00Z
  const withdrawal = await orderWithCarrier(h, 'AU', au.id, carrier, '2026-03-20T00:00:00Z');
  const compensationOngoing = await orderWithCarrier(h, 'GB', gb.id, carrier, '2026-03-16T10:00:00Z');
  const compensationFirst = await orderWithCarrier(h, 'GB', gb.id, carrier, '2026-03-16T10:00:00Z', { submitterEmail: null });
  const confirmation = await orderWithCarrier(h, 'GB', gb.id, carrier, '2026-03-23T10:00:00Z');
  await carrierSays(h, compensationOngoing, '2026-03-20T10:00:00Z', { type: 'transfer_date', transferDate: '2026-04-02' });
  await carrierSays(h, compensationFirst, '2026-03-27T10:00:00Z', { type: 'transfer_date', transferDate: '2026-04-08' });
  await reject(h, withdrawal, '2026-04-01T02:00:00Z'); // resubmission window ends at T
  const notDue = await orderWithCarrier(h, 'AU', au.id, carrier, '2026-04-01T00:00:00Z'); // due 1 May
  await carrierSays(h, confirmation, '2026-04-03T10:00:00Z', { type: 'transfer_date', transferDate: '2026-04-10' });
  await h.deps.repository.putWorkflowWait({ orderId: withdrawal, taskToken: 'token-withdrawal', status: 'rejected', transferDate: null, step: 'AwaitOrderChange', since: '2026-04-01T02:00:01.000Z' });

  // The run of Wed 8 Apr: the 2 Apr transfer date is confirmed and accrues its 1st day (8 Apr);
  // the 8 Apr transfer date is confirmed (its compensation starts on Fri 10 Apr).
  expect(await h.check(T0)).toEqual({ now: T0, due: 2, changed: 2, unchanged: 0, failed: 0 });
  expect(await orderOf(h, compensationOngoing)).toMatchObject({ compensationAccruedTo: '2026-04-08' });
  expect(await orderOf(h, compensationFirst)).toMatchObject({ confirmedTransferDate: '2026-04-08', compensationAccruedTo: null });

  const orders = [overdueAu, overdueFr, withdrawal, confirmation, compensationOngoing, compensationFirst, draft, notDue];
  return { overdueAu, overdueFr, withdrawal, confirmation, compensationOngoing, compensationFirst, draft, notDue, terminatingAccount: terminating.id, orders };
}

const DUE_AT_T = 8; // every order but notDue, plus the terminating account

async function snapshots(h: Harness, ids: string[]): Promise<Record<string, OrderSnapshot>> {
  return Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await snapshotOrder(h, id)] as const)));
}

/** What the first run at T must have done to each item (whichever run did it). */
async function expectMixHandled(h: Harness, mix: Mix): Promise<void> {
  const lastTypes = async (id: string, n: number) => (await eventsOf(h, id)).slice(-n).map((e) => `${e.type}@${e.at}`);
  expect(await orderOf(h, mix.overdueAu)).toMatchObject({ status: 'submitted', overdueSince: '2026-04-11' });
  expect(await lastTypes(mix.overdueAu, 1)).toEqual([`overdue@${T}`]);
  expect(await orderOf(h, mix.overdueFr)).toMatchObject({ status: 'submitted', overdueSince: '2026-04-10' });
  expect(await orderOf(h, mix.withdrawal)).toMatchObject({ status: 'withdrawn', dueAt: null });
  expect(await orderOf(h, mix.confirmation)).toMatchObject({ confirmedTransferDate: '2026-04-10', compensationAccruedTo: null });
  expect(await orderOf(h, mix.compensationOngoing)).toMatchObject({ compensationAccruedTo: '2026-04-10' });
  expect((await eventsOf(h, mix.compensationOngoing)).at(-1)).toMatchObject({ type: 'compensation_accrued', data: { through: '2026-04-10', daysLate: 3, amount: { currency: 'GBP', amountMinor: 296 } } });
  expect(await orderOf(h, mix.compensationFirst)).toMatchObject({ compensationAccruedTo: '2026-04-10' });
  expect((await eventsOf(h, mix.compensationFirst)).at(-1)).toMatchObject({ type: 'compensation_accrued', data: { through: '2026-04-10', daysLate: 1, amount: { currency: 'GBP', amountMinor: 99 } } });
  expect(await orderOf(h, mix.draft)).toMatchObject({ status: 'expired' });
  expect(await h.deps.repository.getAccount(mix.terminatingAccount)).toMatchObject({ terminationWarnedAt: T });

  // Each email exactly once (over both runs).
  expect(h.mailer.notices(mix.overdueAu).map((e) => e.to)).toEqual([[OPERATOR_EMAIL]]);
  expect(h.mailer.notices(mix.overdueFr).map((e) => e.to)).toEqual([[OPERATOR_EMAIL]]);
  expect(h.mailer.notices(mix.compensationOngoing).map((e) => e.to)).toEqual([[SUBMITTER_EMAIL]]); // sent at T0
  expect(h.mailer.notices(mix.compensationFirst).map((e) => e.to)).toEqual([['admin-gb@customer.test']]);
  expect(h.mailer.to('admin-terminating@customer.test')).toHaveLength(1);
  // Besides those, each submitted order has its signing request (to the submitter, else the
  // account's administrator); signed at once, none is reminded. The draft never asked for one.
  const signing = (id: string) => h.mailer.signing(id).map((e) => [e.to, e.subject]);
  const market: Record<string, Market> = { [mix.overdueFr]: 'FR', [mix.compensationOngoing]: 'GB', [mix.compensationFirst]: 'GB', [mix.confirmation]: 'GB' };
  for (const id of [mix.overdueAu, mix.overdueFr, mix.withdrawal, mix.confirmation, mix.compensationOngoing, mix.notDue]) {
    expect(signing(id), id).toEqual([[[SUBMITTER_EMAIL], signingRequestSubject(market[id] ?? 'AU', id)]]);
  }
  expect(signing(mix.compensationFirst)).toEqual([[['admin-gb@customer.test'], signingRequestSubject('GB', mix.compensationFirst)]]);
  expect(h.mailer.about(mix.draft)).toEqual([]);
  // Each status change published once; the waiting workflow step resumed once.
  expect(h.bus.about(mix.withdrawal).filter((e) => e.detail.to === 'withdrawn')).toHaveLength(1);
  expect(h.bus.about(mix.draft).filter((e) => e.detail.to === 'expired')).toHaveLength(1);
  expect(h.engine.resumes.filter((r) => r.taskToken === 'token-withdrawal')).toEqual([
    { taskToken: 'token-withdrawal', output: { orderId: mix.withdrawal, status: 'withdrawn', transferDate: null, market: 'AU' } },
  ]);
  expect(h.webhooks.posts.filter((p) => p.body.includes(mix.withdrawal) && p.body.includes('"withdrawn"'))).toHaveLength(1);
}

// ---------------------------------------------------------------------------------------------
describe('twice at the same instant: the second run changes nothing', () => {
  let h: Harness;
  let mix: Mix;

  beforeAll(async () => {
    h = await createHarness();
    mix = await seedMix(h);
  });

  it('first run: every due item handled; second run: changed 0, no event, outbox item, email, bus event, workflow signal, webhook or charge, and no DynamoDB write', async () => {
    const beforeFirst = await snapshots(h, mix.orders);
    expect((await dueAt(h, T)).length).toBe(DUE_AT_T);

    const first = await h.check(T);
    expect(first).toEqual({ now: T, due: DUE_AT_T, changed: DUE_AT_T, unchanged: 0, failed: 0 });
    await expectMixHandled(h, mix);
    const afterFirst = await snapshots(h, mix.orders);
    // The check never charges: charges are what the customer and carrier commands left.
    for (const id of mix.orders) expect(afterFirst[id]!.charges, id).toEqual(beforeFirst[id]!.charges);
    expect(afterFirst[mix.notDue]).toEqual(beforeFirst[mix.notDue]);
    expect((await dueAt(h, T)).length).toBe(0);

    const outboxAfterFirst = (await allOutbox(h)).length;
    const accountAfterFirst = await h.deps.repository.getAccount(mix.terminatingAccount);
    const sent = sentCounts(h);
    h.counter.reset();

    const second = await h.check(T);

    const requests = h.counter.byCommand();
    expect(second).toEqual({ now: T, due: 0, changed: 0, unchanged: 0, failed: 0 });
    expect(writesIn(requests), JSON.stringify(requests)).toBe(0);
    expect(h.counter.itemsRead()['Query:byDue'] ?? 0).toBe(0);
    expect(await snapshots(h, mix.orders)).toEqual(afterFirst); // events, outbox items, charges, versions, due times
    expect((await allOutbox(h)).length).toBe(outboxAfterFirst);
    expect(sentCounts(h)).toEqual(sent);
    expect(await h.deps.repository.getAccount(mix.terminatingAccount)).toEqual(accountAfterFirst);
  });

  it('a third run later the same day (still 10 Apr in London and Paris, 11 Apr in Brisbane) finds nothing either', async () => {
    const before = await snapshots(h, mix.orders);
    const sent = sentCounts(h);
    h.counter.reset();
    expect(await h.check('2026-04-10T20:00:00.000Z')).toMatchObject({ due: 0, changed: 0, failed: 0 });
    expect(writesIn(h.counter.byCommand())).toBe(0);
    expect(await snapshots(h, mix.orders)).toEqual(before);
    expect(sentCounts(h)).toEqual(sent);
  });
});

// ---------------------------------------------------------------------------------------------
describe('two runs racing at the same instant (a re-driven schedule)', () => {
  it('every change, email, bus event and workflow signal happens once; neither run fails', async () => {
    const h = await createHarness();
    const mix = await seedMix(h);
    const sent = sentCounts(h);
    const eventCounts = Object.fromEntries(await Promise.all(mix.orders.map(async (id) => [id, (await eventsOf(h, id)).length] as const)));

    h.setNow(T);
    const reports = await Promise.all([runDeadlineCheck(h.deps, new Date(T)), runDeadlineCheck(h.deps, new Date(T))]);

    for (const report of reports) expect(report.failed).toBe(0);
    await expectMixHandled(h, mix);
    // One new event per order (two for none), whichever run wrote it.
    const gained = Object.fromEntries(await Promise.all(mix.orders.map(async (id) => [id, (await eventsOf(h, id)).length - eventCounts[id]!] as const)));
    expect(gained).toEqual({
      [mix.overdueAu]: 1,
      [mix.overdueFr]: 1,
      [mix.withdrawal]: 1,
      [mix.confirmation]: 1,
      [mix.compensationOngoing]: 1,
      [mix.compensationFirst]: 1,
      [mix.draft]: 1,
      [mix.notDue]: 0,
    });
    // Emails of the run: 2 overdue, 1 compensation_started, 1 termination warning.
    expect(h.mailer.sent.length - sent.emails).toBe(4);
    // Bus events of the run: rejected → withdrawn, draft → expired.
    expect(h.bus.published.length - sent.busEvents).toBe(2);
    expect(h.engine.resumes.length - sent.workflowResumes).toBe(1);
    expect(await h.check(T)).toMatchObject({ due: 0, changed: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
describe('failure isolation', () => {
  let h: Harness;
  let broken: string;
  let healthy: string[];
  const NOW = '2026-05-01T00:00:00.000Z';

  beforeAll(async () => {
    h = await createHarness();
    const carrier = await newCarrier(h, '2026-03-01T00:00:00Z');
    const lost = await newAccount(h, 'AU', { at: '2026-03-01T00:00:00Z' });
    const kept = await newAccount(h, 'AU', { at: '2026-03-01T00:00:00Z' });
    // The broken order is due first, so the healthy ones come after it in the same page.
    broken = await orderWithCarrier(h, 'AU', lost.id, carrier, '2026-03-02T00:00:00Z');
    healthy = [
      await orderWithCarrier(h, 'AU', kept.id, carrier, '2026-03-03T00:00:00Z'),
      await orderWithCarrier(h, 'AU', kept.id, carrier, '2026-03-04T00:00:00Z'),
    ];
    await deleteAccountRecord(h, lost.id);
    expect(await h.deps.repository.getAccount(lost.id)).toBeNull();
  });

  it('an order whose account record is missing is counted failed, stays due and unchanged, and the others are handled', async () => {
    const due = await dueAt(h, NOW);
    expect(due.map((d) => d.id)).toEqual([broken, ...healthy]);
    const brokenBefore = await snapshotOrder(h, broken);

    const report = await h.check(NOW);
    expect(report).toEqual({ now: NOW, due: 3, changed: 2, unchanged: 0, failed: 1 });
    expect(await snapshotOrder(h, broken)).toEqual(brokenBefore);
    expect((await orderOf(h, broken)).overdueSince).toBeNull();
    for (const id of healthy) {
      expect(await orderOf(h, id)).toMatchObject({ overdueSince: expect.any(String), dueAt: null });
      expect(h.mailer.notices(id).map((e) => e.to)).toEqual([[OPERATOR_EMAIL]]);
    }
    // The broken order has only the signing request it sent at submit.
    expect(h.mailer.notices(broken)).toEqual([]);
    expect(h.mailer.signing(broken).map((e) => [e.to, e.subject])).toEqual([[[SUBMITTER_EMAIL], signingRequestSubject('AU', broken)]]);
    expect((await dueAt(h, NOW)).map((d) => d.id)).toEqual([broken]);

    // The next run tries it again (and only it).
    expect(await h.check('2026-05-01T00:05:00.000Z')).toEqual({ now: '2026-05-01T00:05:00.000Z', due: 1, changed: 0, unchanged: 0, failed: 1 });
    expect(await snapshotOrder(h, broken)).toEqual(brokenBefore);
  });
});

// ---------------------------------------------------------------------------------------------
describe('a mail outage during the check', () => {
  it('the change and its email are stored together; the email waits in the outbox for the dispatcher; a re-run neither repeats the change nor queues the email again', async () => {
    const h = await createHarness();
    const market: Market = 'AU';
    const account = await newAccount(h, market, { at: '2026-03-01T00:00:00Z' });
    const carrier = await newCarrier(h, '2026-03-01T00:00:00Z');
    const id = await orderWithCarrier(h, market, account.id, carrier, '2026-03-02T00:00:00Z'); // due 1 Apr
    // Before the outage: the signing request sent at submit, and nothing else.
    expect(h.mailer.sent.map((e) => [e.to, e.subject])).toEqual([[[SUBMITTER_EMAIL], signingRequestSubject(market, id)]]);
    const sentBefore = [...h.mailer.sent];
    h.mailer.down = true;

    expect(await h.check('2026-04-01T14:00:00.000Z')).toEqual({ now: '2026-04-01T14:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });
    expect(await orderOf(h, id)).toMatchObject({ overdueSince: '2026-04-02' });
    const items = (await allOutbox(h, { subjectId: id })).filter((i) => i.purpose === 'overdue');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: `${id}.overdue.2026-04-01`, status: 'pending', attempts: [expect.objectContaining({ ok: false })] });
    expect(h.mailer.sent).toEqual(sentBefore);

    const snapshot = await snapshotOrder(h, id);
    h.mailer.down = false;
    h.counter.reset();
    expect(await h.check('2026-04-01T14:00:00.000Z')).toMatchObject({ due: 0, changed: 0, failed: 0 });
    expect(writesIn(h.counter.byCommand())).toBe(0);
    expect(await snapshotOrder(h, id)).toEqual(snapshot);
    expect(h.mailer.sent).toEqual(sentBefore); // the dispatcher, not the check, retries it
  });
});

// ---------------------------------------------------------------------------------------------
describe('no operator address configured (PORTDESK_OPERATOR_EMAIL unset)', () => {
  it('the order is still flagged overdue, with its event; no email and no outbox item; a re-run changes nothing', async () => {
    const h = await createHarness();
    h.deps.services.settings.operatorEmail = null;
    const account = await newAccount(h, 'FR', { at: '2026-03-01T00:00:00Z' });
    const carrier = await newCarrier(h, '2026-03-01T00:00:00Z');
    const id = await orderWithCarrier(h, 'FR', account.id, carrier, '2026-03-02T09:00:00Z'); // due 30 Mar
    expect(await h.check('2026-03-30T22:00:00.000Z')).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect(await orderOf(h, id)).toMatchObject({ overdueSince: '2026-03-31', dueAt: null });
    expect((await eventsOf(h, id)).at(-1)).toMatchObject({ type: 'overdue' });
    expect((await allOutbox(h, { subjectId: id })).filter((i) => i.purpose === 'overdue')).toEqual([]);
    // Only the signing request sent at submit (customer emails need no operator address).
    expect(h.mailer.sent.map((e) => [e.to, e.subject])).toEqual([[[SUBMITTER_EMAIL], signingRequestSubject('FR', id)]]);
    h.counter.reset();
    expect(await h.check('2026-03-30T22:00:00.000Z')).toMatchObject({ due: 0, changed: 0 });
    expect(writesIn(h.counter.byCommand())).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('the check racing a customer command at the deadline', () => {
  it('a resubmission at the last millisecond against the withdrawal at the deadline: one of them wins, and the order is consistent either way', async () => {
    const h = await createHarness();
    const account = await newAccount(h, 'AU', { at: '2026-03-01T00:00:00Z' });
    const carrier = await newCarrier(h, '2026-03-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await orderWithCarrier(h, 'AU', account.id, carrier, '2026-03-20T00:00:00Z');
      await reject(h, id, '2026-04-01T02:00:00Z');
      ids.push(id);
    }
    h.setNow('2026-04-10T13:59:59.999Z'); // the customer's clock: still inside the window
    const [report, ...resubmissions] = await Promise.allSettled([
      runDeadlineCheck(h.deps, new Date(T)),
      ...ids.map((id) => resubmitPortIn(h.deps, OPERATOR, id)),
    ]);
    expect(report.status).toBe('fulfilled');
    if (report.status !== 'fulfilled') return;
    expect(report.value.failed).toBe(0);
    let withdrawn = 0;
    for (const [i, id] of ids.entries()) {
      const order = await orderOf(h, id);
      const types = (await eventsOf(h, id)).map((e) => e.type);
      const locks = await h.deps.repository.getNumberLocks(order.lines.map((l) => l.e164!));
      if (order.status === 'withdrawn') {
        withdrawn += 1;
        expect(resubmissions[i]!.status, id).toBe('rejected');
        expect(types).not.toContain('resubmitted');
        expect(types.at(-1)).toBe('withdrawn');
        expect(locks.size).toBe(0);
      } else {
        expect(order.status, id).toBe('submitted');
        expect(resubmissions[i]!.status, id).toBe('fulfilled');
        expect(types).not.toContain('withdrawn');
        expect(locks.size).toBe(1);
      }
    }
    expect(report.value.changed).toBe(withdrawn);
    // Whatever the interleaving, a later run has nothing left to do about these orders.
    expect(await h.check('2026-04-10T14:00:01.000Z')).toMatchObject({ due: 0, changed: 0, failed: 0 });
  });
});
