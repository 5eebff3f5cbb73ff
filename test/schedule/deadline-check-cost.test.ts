// Cost shape of the scheduled check: it reads the due items from the sparse due index and nothing
// else, so what one run costs depends on how many items are due, not on how many live orders the
// table holds. Orders are seeded in bulk through the rules (createDraft → submit → sign, each
// decision saved in turn, as the use cases store them).
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import type { AccountRecord } from '../../shared/app/ports.ts';
import { runDeadlineCheck } from '../../shared/app/use-cases/deadline-check.ts';
import { createHarness, dueAt, newAccount, newCarrier, orderOf, seedSubmittedOrders, writesIn, type Harness } from './support.ts';

const LIVE = 300;
const DUE = 20;

describe('cost of one run: proportional to the due items, independent of the table size', () => {
  let h: Harness;
  let account: AccountRecord;
  let carrierId: string;

  beforeAll(async () => {
    h = await createHarness();
    account = await newAccount(h, 'AU', { at: '2025-12-01T00:00:00Z' });
    carrierId = await newCarrier(h, '2025-12-01T00:00:00Z');
  }, 120_000);

  /** One run as a fresh Lambda container would do it: a new repository (no cached reads), the same table. */
  async function measuredRun(at: string) {
    h.setNow(at);
    const deps = { ...h.deps, repository: new DynamoRepository(h.table.client, h.table.tableName, h.deps.clock) };
    h.counter.reset();
    const report = await runDeadlineCheck(deps, new Date(at));
    return { report, requests: h.counter.byCommand(), items: h.counter.itemsRead(), total: h.counter.count() };
  }

  it(`${LIVE} live orders not due and ${DUE} due, then ${LIVE} more not due (and ${DUE} newly due): same requests, index items = due`, { timeout: 240_000 }, async () => {
    // Live orders: AU standard, sent 2 Mar, due 1 Apr (in the index, due 00:00 Brisbane 2 Apr).
    const live = await seedSubmittedOrders(h, account, carrierId, LIVE, '2026-03-02T00:00:00Z');
    // Due orders: sent 5 Jan, due 4 Feb: overdue at the first check.
    const due = await seedSubmittedOrders(h, account, carrierId, DUE, '2026-01-05T00:00:00Z');
    expect((await orderOf(h, live[0]!)).dueAt).toBe('2026-04-01T14:00:00.000Z');
    expect((await dueAt(h, '2026-03-10T00:00:00.000Z')).length).toBe(DUE);

    const first = await measuredRun('2026-03-10T00:00:00.000Z');
    expect(first.report).toMatchObject({ due: DUE, changed: DUE, failed: 0 });
    const indexItems = first.items['Query:byDue'] ?? 0;
    expect(indexItems).toBeGreaterThanOrEqual(DUE);
    expect(indexItems).toBeLessThanOrEqual(Math.floor(DUE * 1.1));
    // Per due order: one read of the order, one transaction (change + event + email), one delivery record.
    expect(first.requests.TransactWriteItems).toBe(DUE);
    expect(first.total).toBeLessThanOrEqual(3 * DUE + 5);
    for (const id of due) expect((await orderOf(h, id)).overdueSince).toBe('2026-02-05');
    expect(h.mailer.sent.filter((e) => due.some((id) => e.reference === `PD-${id}`))).toHaveLength(DUE);

    // Twice the table: 300 more live orders (sent 9 Mar, due 8 Apr) and a fresh batch of due ones.
    await seedSubmittedOrders(h, account, carrierId, LIVE, '2026-03-09T00:00:00Z');
    const dueAgain = await seedSubmittedOrders(h, account, carrierId, DUE, '2026-01-12T00:00:00Z');
    expect((await dueAt(h, '2026-03-11T00:00:00.000Z')).map((d) => d.id).sort()).toEqual([...dueAgain].sort());

    const second = await measuredRun('2026-03-11T00:00:00.000Z');
    expect(second.report).toMatchObject({ due: DUE, changed: DUE, failed: 0 });
    expect(second.items['Query:byDue']).toBe(indexItems);
    expect(second.requests).toEqual(first.requests);
    expect(second.total).toBe(first.total);
    expect(writesIn(second.requests)).toBe(writesIn(first.requests));

    // With nothing due, a run is one index query that reads nothing, whatever the size.
    const idle = await measuredRun('2026-03-11T00:00:00.000Z');
    expect(idle.report).toMatchObject({ due: 0, changed: 0 });
    expect(idle.requests).toEqual({ Query: 1 });
    expect(idle.items['Query:byDue'] ?? 0).toBe(0);
  });

  it('more due items than one page of the index (150): all handled in one run, each index item read once', { timeout: 240_000 }, async () => {
    const many = await seedSubmittedOrders(h, account, carrierId, 150, '2026-01-19T00:00:00Z'); // due 18 Feb
    const run = await measuredRun('2026-03-12T00:00:00.000Z');
    expect(run.report).toMatchObject({ due: 150, changed: 150, failed: 0 });
    expect(run.items['Query:byDue']).toBeGreaterThanOrEqual(150);
    expect(run.items['Query:byDue']).toBeLessThanOrEqual(165);
    expect(run.requests.TransactWriteItems).toBe(150);
    for (const id of many) expect((await orderOf(h, id)).overdueSince, id).toBe('2026-02-19');
    expect((await dueAt(h, '2026-03-12T00:00:00.000Z')).length).toBe(0);
  });
});
