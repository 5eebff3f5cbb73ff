// DynamoRepository: the sparse due index, the outbox and workflow waits, against the real DynamoDB
// Local started by the global setup (no SDK mocks).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt, DueItem, DueQueue, OrderChange, OutboxItem, WorkflowWait } from '../../shared/app/ports.ts';
import { countDynamoRequests } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository, InvalidCursorError, MAX_OUTBOX_ITEM_BYTES } from '../../shared/adapters/dynamo/repository.ts';
import { ConcurrentModificationError, NotFoundError, NumberConflictError } from '../../shared/rules/errors.ts';
import type { PortInEvent, PortInOrder } from '../../shared/rules/types.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { line, makeAccount, makeKey, nextInstant, numberSource, rejection } from '../support/repository-fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Small local factories (fictitious data only)

const numbers = numberSource('+6173'); // Brisbane

/** An instant `minutes` after 2026-04-01T00:00Z (due times live in April, creation times in March). */
function at(minutes: number): string {
  return new Date(Date.UTC(2026, 3, 1, 0, 0, 0) + minutes * 60_000).toISOString();
}

const id = (prefix: string): string => `${prefix}_${randomUUID().slice(0, 12)}`;

function makeOrder(e164s: string[], overrides: Partial<PortInOrder> = {}): PortInOrder {
  const created = overrides.createdAt ?? nextInstant();
  return {
    id: id('pin'),
    accountId: 'acc_due_tests',
    market: 'AU',
    status: 'submitted',
    details: {
      carrierId: 'car_example',
      losingCarrierAccountNumber: null,
      pin: null,
      accountHolder: { businessName: 'Example Pty Ltd' },
      serviceAddress: null,
      submitterEmail: null,
      primaryNumber: e164s[0] ?? null,
      internetConnection: null,
      temporaryNumber: null,
      termsAccepted: true,
    },
    lines: e164s.map(line),
    category: 'standard',
    portBackNumbers: [],
    quote: { currency: 'AUD', lines: [], total: { currency: 'AUD', amountMinor: 0 }, taxIncluded: null, monthlyChargeChange: null },
    issues: { errors: [], warnings: [] },
    monthlyFee: { currency: 'AUD', amountMinor: 3000 },
    holdReason: null,
    signature: null,
    signingRequests: [],
    commencementDate: '2026-03-02',
    dueDate: '2026-04-01',
    transferDate: null,
    rejectionCount: 0,
    lastRejection: null,
    resubmitBy: null,
    completedOn: null,
    finalCompensation: null,
    charges: [],
    overdueSince: null,
    confirmedTransferDate: null,
    compensationAccruedTo: null,
    exception: null,
    dueAt: null,
    createdAt: created,
    updatedAt: created,
    version: 1,
    ...overrides,
  };
}

function event(type: PortInEvent['type'], when: string): PortInEvent {
  return { type, at: when, actor: { kind: 'system', id: 'scheduled-check' }, data: {} };
}

function creation(order: PortInOrder, outbox?: OutboxItem[]): OrderChange {
  return {
    order,
    expectedVersion: null,
    events: [event('created', order.createdAt)],
    lock: order.lines.map((l) => l.e164 as string),
    release: [],
    activate: null,
    ...(outbox ? { outbox } : {}),
  };
}

function nextVersion(order: PortInOrder, patch: Partial<PortInOrder>, change: Partial<OrderChange> = {}): OrderChange {
  const updatedAt = nextInstant();
  return {
    order: { ...order, ...patch, updatedAt, version: order.version + 1 },
    expectedVersion: order.version,
    events: [event('updated', updatedAt)],
    lock: [],
    release: [],
    activate: null,
    ...change,
  };
}

function emailItem(overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id: id('out'),
    message: {
      kind: 'email',
      email: { to: ['carrier@example.test'], subject: 'Port request', text: 'Please port.', html: '<p>Please port.</p>', reference: 'PD-pin_x' },
    },
    subjectId: 'pin_subject',
    purpose: 'submission',
    status: 'pending',
    attempts: [],
    createdAt: nextInstant(),
    nextAttemptAt: at(0),
    deliveredAt: null,
    ...overrides,
  };
}

function attempt(when: string, ok: boolean, outcome = ok ? '250' : 'Throttling'): DeliveryAttempt {
  return { at: when, ok, outcome, durationMs: 42 };
}

/** Every due item of a queue at `now`, following cursors. */
async function allDue(repo: DynamoRepository, queue: DueQueue, now: string, limit = 100): Promise<DueItem[]> {
  const items: DueItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await repo.listDue(queue, new Date(now), { cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('too many pages');
}

async function rawItem(table: TestTable, pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { pk, sk }, ConsistentRead: true }));
  return Item;
}

const FAR_FUTURE = '2099-01-01T00:00:00.000Z';

// ---------------------------------------------------------------------------------------------

describe('the due index itself', () => {
  it('is keys-only (the scheduled check reads tiny items); the list indexes project everything', async () => {
    const table = await createTestTable();
    const { Table } = await (table.client as unknown as DynamoDBClient).send(new DescribeTableCommand({ TableName: table.tableName }));
    const projections = Object.fromEntries((Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.Projection?.ProjectionType]));
    expect(projections).toEqual({ byAccount: 'ALL', byCarrier: 'ALL', byKind: 'ALL', byDue: 'KEYS_ONLY' });
  });
});

describe('due index: orders', () => {
  let table: TestTable;
  let repo: DynamoRepository;
  beforeAll(async () => {
    table = await createTestTable();
    repo = table.repository;
  });

  it('lists an order once now reaches its dueAt (<= now), follows a moved dueAt, and drops it when dueAt is null', async () => {
    const order = makeOrder(numbers(2), { dueAt: at(10) });
    await repo.saveOrder(creation(order));
    expect((await repo.getOrder(order.id))?.dueAt).toBe(at(10));

    const oneMsBefore = new Date(Date.parse(at(10)) - 1).toISOString();
    expect(await allDue(repo, 'deadline', oneMsBefore)).toEqual([]);
    expect(await allDue(repo, 'deadline', at(10))).toEqual([{ kind: 'port_in', id: order.id, dueAt: at(10) }]);

    // Moved later: no longer due at the old time, due at the new one.
    const moved = nextVersion(order, { dueAt: at(30) });
    await repo.saveOrder(moved);
    expect(await allDue(repo, 'deadline', at(29))).toEqual([]);
    expect(await allDue(repo, 'deadline', at(30))).toEqual([{ kind: 'port_in', id: order.id, dueAt: at(30) }]);

    // Nothing pending: out of the index, and no index attribute left on the header (never NULL).
    const done = nextVersion(moved.order, { dueAt: null, overdueSince: '2026-04-01' });
    await repo.saveOrder(done);
    expect(await allDue(repo, 'deadline', FAR_FUTURE)).toEqual([]);
    const header = await rawItem(table, `ORDER#${order.id}`, '#ORDER');
    expect(header).toBeDefined();
    expect(header).not.toHaveProperty('duePk');
    expect(header).not.toHaveProperty('dueAt');
    expect(await repo.getOrder(order.id)).toEqual(done.order);

    // And back in.
    const again = nextVersion(done.order, { dueAt: at(5) });
    await repo.saveOrder(again);
    expect(await allDue(repo, 'deadline', FAR_FUTURE)).toEqual([{ kind: 'port_in', id: order.id, dueAt: at(5) }]);
    expect(await repo.getOrder(order.id)).toEqual(again.order);

    // Clean up for the other tests of this table.
    await repo.saveOrder(nextVersion(again.order, { dueAt: null }));
  });

  it('stores and reads back the scheduled-check fields of an order', async () => {
    const order = makeOrder(numbers(1), {
      status: 'scheduled',
      transferDate: '2026-03-20',
      overdueSince: '2026-04-02',
      confirmedTransferDate: '2026-03-20',
      compensationAccruedTo: '2026-03-26',
      exception: { step: 'SubmitToCarrier', error: 'States.Timeout', cause: 'no answer', at: '2026-03-21T00:00:00.000Z' },
      dueAt: null,
    });
    await repo.saveOrder(creation(order));
    expect(await repo.getOrder(order.id)).toEqual(order);
    const listed = await repo.listOrders({ accountId: order.accountId }, { cursor: null, limit: 100 });
    expect(listed.items.find((o) => o.id === order.id)).toMatchObject({
      overdueSince: '2026-04-02',
      confirmedTransferDate: '2026-03-20',
      compensationAccruedTo: '2026-03-26',
      exception: order.exception,
      dueAt: null,
    });
  });

  it('keeps the due index in step in the split path (orders above one transaction)', async () => {
    const big = makeOrder(numbers(150), { dueAt: at(100) });
    await repo.saveOrder(creation(big));
    expect(await allDue(repo, 'deadline', at(100))).toEqual([{ kind: 'port_in', id: big.id, dueAt: at(100) }]);
    const grown = numbers(120);
    const change = nextVersion(big, { lines: [...big.lines, ...grown.map(line)], dueAt: null }, { lock: grown });
    await repo.saveOrder(change);
    expect(await allDue(repo, 'deadline', FAR_FUTURE)).toEqual([]);
    expect((await repo.getOrder(big.id))?.lines).toHaveLength(270);
  });

  it('refuses a due time that would not compare correctly as a string, writing nothing', async () => {
    const order = makeOrder(numbers(1), { dueAt: '2026-04-01T00:00:00Z' });
    expect(String(await rejection(repo.saveOrder(creation(order))))).toMatch(/toISOString/);
    expect(await repo.getOrder(order.id)).toBeNull();
    expect((await repo.getNumberLocks(order.lines.map((l) => l.e164 as string))).size).toBe(0);
  });

  it('reads an old header (written before these attributes existed) with nulls, and updates it', async () => {
    const order = makeOrder(numbers(1));
    await repo.saveOrder(creation(order));
    const stored = (await rawItem(table, `ORDER#${order.id}`, '#ORDER')) as Record<string, unknown>;
    const { overdueSince: _a, confirmedTransferDate: _b, compensationAccruedTo: _c, exception: _d, ...old } = stored;
    expect(Object.keys(old)).not.toContain('dueAt');
    await table.client.send(new PutCommand({ TableName: table.tableName, Item: old }));

    const fresh = new DynamoRepository(table.client, table.tableName);
    const read = await fresh.getOrder(order.id);
    expect(read).toEqual(order);
    expect(read).toMatchObject({ overdueSince: null, confirmedTransferDate: null, compensationAccruedTo: null, exception: null, dueAt: null });

    const due = nextVersion(order, { dueAt: at(7) });
    await fresh.saveOrder(due);
    expect(await fresh.getOrder(order.id)).toEqual(due.order);
    expect(await allDue(fresh, 'deadline', at(7))).toEqual([{ kind: 'port_in', id: order.id, dueAt: at(7) }]);
    await fresh.saveOrder(nextVersion(due.order, { dueAt: null }));
  });
});

describe('due index: accounts', () => {
  let table: TestTable;
  let repo: DynamoRepository;
  beforeAll(async () => {
    table = await createTestTable();
    repo = table.repository;
  });

  it('sets, moves and clears an account deadline without touching the record', async () => {
    const account = makeAccount({ terminationDate: '2026-05-01' });
    await repo.createAccount(account, makeKey(account.id));
    await repo.setAccountDue(account.id, at(60));
    expect(await allDue(repo, 'deadline', at(59))).toEqual([]);
    expect(await allDue(repo, 'deadline', at(60))).toEqual([{ kind: 'account', id: account.id, dueAt: at(60) }]);
    expect(await repo.getAccount(account.id)).toEqual(account);

    // An account update (from the same read) keeps the account in the queue.
    const renamed = { ...account, name: 'Renamed Pty Ltd', version: 2 };
    await repo.updateAccount(renamed, 1);
    expect(await allDue(repo, 'deadline', at(60))).toEqual([{ kind: 'account', id: account.id, dueAt: at(60) }]);

    await repo.setAccountDue(account.id, at(90));
    expect(await allDue(repo, 'deadline', at(89))).toEqual([]);
    await repo.setAccountDue(account.id, null);
    expect(await allDue(repo, 'deadline', FAR_FUTURE)).toEqual([]);
    const raw = await rawItem(table, `ACCOUNT#${account.id}`, 'ACCOUNT');
    expect(raw).not.toHaveProperty('duePk');
    expect(raw).not.toHaveProperty('dueAt');
    expect(await repo.getAccount(account.id)).toEqual(renamed);
  });

  it('records the warned mark; an update from a read before the mark cannot undo it', async () => {
    const account = makeAccount({ terminationDate: '2026-05-01' });
    await repo.createAccount(account, makeKey(account.id));
    await repo.setAccountDue(account.id, at(10));
    const warnedAt = at(10);
    await repo.setAccountDue(account.id, null, { terminationWarnedAt: warnedAt });

    expect(await allDue(repo, 'deadline', FAR_FUTURE)).toEqual([]);
    const marked = await repo.getAccount(account.id);
    expect(marked).toEqual({ ...account, terminationWarnedAt: warnedAt, version: 2 });

    const stale = { ...account, name: 'Stale writer', version: 2 };
    expect(await rejection(repo.updateAccount(stale, 1))).toBeInstanceOf(ConcurrentModificationError);
    expect((await repo.getAccount(account.id))?.terminationWarnedAt).toBe(warnedAt);

    // updateAccount writes the mark too (e.g. cleared when the termination date changes).
    const reset = { ...marked!, terminationDate: '2026-06-01', terminationWarnedAt: null, version: 3 };
    await repo.updateAccount(reset, 2);
    expect(await repo.getAccount(account.id)).toEqual(reset);
  });

  it('keeps terminationWarnedAt through createAccount, and reads an old account without it as null', async () => {
    const account = makeAccount({ terminationDate: '2026-05-01', terminationWarnedAt: '2026-04-20T00:00:00.000Z' });
    await repo.createAccount(account, makeKey(account.id));
    expect(await repo.getAccount(account.id)).toEqual(account);

    const old = makeAccount();
    const { terminationWarnedAt: _absent, ...oldFields } = old;
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { ...oldFields, pk: `ACCOUNT#${old.id}`, sk: 'ACCOUNT' } }),
    );
    expect(await repo.getAccount(old.id)).toEqual(old);
  });

  it('refuses a missing account without creating an item', async () => {
    const missing = id('acc');
    expect(await rejection(repo.setAccountDue(missing, at(1)))).toBeInstanceOf(NotFoundError);
    expect(await rawItem(table, `ACCOUNT#${missing}`, 'ACCOUNT')).toBeUndefined();
    expect(await allDue(repo, 'deadline', FAR_FUTURE)).toEqual([]);
  });
});

describe('due index: queues, order and pages', () => {
  let table: TestTable;
  let repo: DynamoRepository;
  const deadline: DueItem[] = [];
  const outbox: DueItem[] = [];
  const now = at(500);

  beforeAll(async () => {
    table = await createTestTable();
    repo = table.repository;
    // Interleaved due times across kinds, created out of order; some due after `now`.
    const minutes = Array.from({ length: 45 }, (_, i) => (i * 37) % 600);
    for (const [i, minute] of minutes.entries()) {
      const dueAt = at(minute);
      if (i % 3 === 0) {
        const account = makeAccount();
        await repo.createAccount(account, makeKey(account.id));
        await repo.setAccountDue(account.id, dueAt);
        if (dueAt <= now) deadline.push({ kind: 'account', id: account.id, dueAt });
      } else if (i % 3 === 1) {
        const order = makeOrder([], { dueAt });
        await repo.saveOrder(creation(order));
        if (dueAt <= now) deadline.push({ kind: 'port_in', id: order.id, dueAt });
      } else {
        const item = emailItem({ nextAttemptAt: dueAt });
        await repo.putOutbox([item]);
        if (dueAt <= now) outbox.push({ kind: 'outbox', id: item.id, dueAt });
      }
    }
    // Not due at all: delivered, failed, and an order with nothing pending.
    await repo.putOutbox([
      emailItem({ status: 'delivered', nextAttemptAt: null, deliveredAt: at(1) }),
      emailItem({ status: 'failed', nextAttemptAt: null }),
    ]);
    await repo.saveOrder(creation(makeOrder([], { dueAt: null })));
    const byTime = (a: DueItem, b: DueItem) => a.dueAt.localeCompare(b.dueAt);
    deadline.sort(byTime);
    outbox.sort(byTime);
  });

  it('returns only the asked queue, due at or before now, earliest first', async () => {
    expect(deadline.length).toBeGreaterThan(10);
    expect(outbox.length).toBeGreaterThan(5);
    expect(await allDue(repo, 'deadline', now)).toEqual(deadline);
    expect(await allDue(repo, 'outbox', now)).toEqual(outbox);
  });

  it('pages with cursors, one small Query a page', async () => {
    const counter = countDynamoRequests(table.client);
    const pages: DueItem[][] = [];
    let cursor: string | null = null;
    do {
      counter.reset();
      const page = await repo.listDue('deadline', new Date(now), { cursor, limit: 4 });
      expect(counter.byCommand()).toEqual({ Query: 1 });
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 50);
    expect(pages.flat()).toEqual(deadline);
    expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true);
    expect(pages.length).toBe(Math.ceil(deadline.length / 4));
  });

  it("refuses another queue's cursor", async () => {
    const page = await repo.listDue('deadline', new Date(now), { cursor: null, limit: 2 });
    expect(page.nextCursor).not.toBeNull();
    expect(await rejection(repo.listDue('outbox', new Date(now), { cursor: page.nextCursor, limit: 2 }))).toBeInstanceOf(InvalidCursorError);
  });
});

describe('outbox', () => {
  let table: TestTable;
  let repo: DynamoRepository;
  beforeAll(async () => {
    table = await createTestTable();
    repo = table.repository;
  });

  it('creates items once: a second put of the same id is a no-op that returns nothing for it', async () => {
    const first = emailItem({ id: `pin_${randomUUID().slice(0, 8)}.rejection.1` });
    const other = emailItem();
    expect((await repo.putOutbox([first, other])).sort()).toEqual([first.id, other.id].sort());
    expect(await repo.getOutbox(first.id)).toEqual(first);

    const third = emailItem();
    const again = { ...first, purpose: 'changed', nextAttemptAt: at(900) };
    expect(await repo.putOutbox([again, third, third])).toEqual([third.id]);
    expect(await repo.getOutbox(first.id)).toEqual(first);
    expect(await repo.getOutbox(third.id)).toEqual(third);
    expect(await repo.getOutbox('out_missing')).toBeNull();
    expect(await repo.putOutbox([])).toEqual([]);
  });

  it('keeps bus events and webhooks as they were given', async () => {
    const bus = emailItem({
      message: {
        kind: 'bus_event',
        event: {
          source: 'portdesk',
          detailType: 'PortIn.StatusChanged',
          detail: { version: '1', id: 'evt_1', occurredAt: at(0), orderId: 'pin_x', from: 'submitted', to: 'scheduled', nested: { n: 1.5, list: [1, 'a'] } },
        },
      },
      purpose: 'PortIn.StatusChanged',
    });
    const hook = emailItem({
      message: { kind: 'webhook', webhookId: 'wh_1', accountId: 'acc_1', url: 'https://hooks.example.test/portdesk', eventId: 'evt_1', body: '{"a":1}' },
      purpose: 'webhook',
    });
    await repo.putOutbox([bus, hook]);
    expect(await repo.getOutbox(bus.id)).toEqual(bus);
    expect(await repo.getOutbox(hook.id)).toEqual(hook);
  });

  it('stores a large email (thousands of numbers) compressed and refuses one too large to store', async () => {
    const listed = numbers(5000);
    const text = listed.map((e164, i) => `${i + 1}. ${e164} standard pstn`).join('\n');
    const html = `<table>${listed.map((e164) => `<tr><td>${e164}</td><td>pstn</td></tr>`).join('')}</table>`;
    const big = emailItem({ message: { kind: 'email', email: { to: ['carrier@example.test'], subject: 'Bulk port', text, html } } });
    expect(text.length + html.length).toBeGreaterThan(MAX_OUTBOX_ITEM_BYTES);
    expect(await repo.putOutbox([big])).toEqual([big.id]);
    expect(await repo.getOutbox(big.id)).toEqual(big);
    const raw = await rawItem(table, `OUTBOX#${big.id}`, 'OUTBOX');
    expect(raw).toHaveProperty('messageGzip');
    expect(raw).not.toHaveProperty('message');

    // Random text does not compress: over the limit, a clear error, and nothing of the call written.
    const random = Buffer.from(Array.from({ length: 400_000 }, () => Math.floor(Math.random() * 256))).toString('base64');
    const huge = emailItem({ message: { kind: 'email', email: { to: ['carrier@example.test'], subject: 'Too big', text: random, html: '' } } });
    const small = emailItem();
    const error = await rejection(repo.putOutbox([small, huge]));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`Outbox item ${huge.id}.*limit is ${MAX_OUTBOX_ITEM_BYTES}`));
    expect(await repo.getOutbox(small.id)).toBeNull();
    expect(await repo.getOutbox(huge.id)).toBeNull();
  });

  it('records delivery attempts once each, moving and then removing the item in the due index', async () => {
    const item = emailItem({ nextAttemptAt: at(1000) });
    await repo.putOutbox([item]);
    expect((await allDue(repo, 'outbox', at(1000))).map((d) => d.id)).toContain(item.id);

    // A failed attempt, retry later.
    const first = attempt(at(1000), false);
    expect(await repo.recordDelivery(item, first, { status: 'pending', nextAttemptAt: at(1005), deliveredAt: null })).toBe(true);
    const retrying = await repo.getOutbox(item.id);
    expect(retrying).toEqual({ ...item, attempts: [first], nextAttemptAt: at(1005) });
    expect((await allDue(repo, 'outbox', at(1004))).map((d) => d.id)).not.toContain(item.id);
    expect(await allDue(repo, 'outbox', at(1005))).toContainEqual({ kind: 'outbox', id: item.id, dueAt: at(1005) });

    // A second dispatcher that read the item before the first attempt: refused, nothing appended.
    expect(await repo.recordDelivery(item, attempt(at(1000), true), { status: 'delivered', nextAttemptAt: null, deliveredAt: at(1000) })).toBe(false);
    expect(await repo.getOutbox(item.id)).toEqual(retrying);

    // Delivered: out of the due index for good.
    const second = attempt(at(1005), true);
    expect(await repo.recordDelivery(retrying!, second, { status: 'delivered', nextAttemptAt: null, deliveredAt: at(1005) })).toBe(true);
    expect(await repo.getOutbox(item.id)).toEqual({
      ...item,
      status: 'delivered',
      attempts: [first, second],
      nextAttemptAt: null,
      deliveredAt: at(1005),
    });
    expect((await allDue(repo, 'outbox', FAR_FUTURE)).map((d) => d.id)).not.toContain(item.id);
    const raw = await rawItem(table, `OUTBOX#${item.id}`, 'OUTBOX');
    expect(raw).not.toHaveProperty('duePk');
    expect(raw).not.toHaveProperty('dueAt');
  });

  it('removes an item that failed for good from the due index; an unknown item records nothing', async () => {
    const item = emailItem({ nextAttemptAt: at(2000) });
    await repo.putOutbox([item]);
    const last = attempt(at(2000), false, '550');
    expect(await repo.recordDelivery(item, last, { status: 'failed', nextAttemptAt: null, deliveredAt: null })).toBe(true);
    expect(await repo.getOutbox(item.id)).toMatchObject({ status: 'failed', attempts: [last], nextAttemptAt: null });
    expect((await allDue(repo, 'outbox', FAR_FUTURE)).map((d) => d.id)).not.toContain(item.id);

    const ghost = emailItem();
    expect(await repo.recordDelivery(ghost, attempt(at(0), true), { status: 'delivered', nextAttemptAt: null, deliveredAt: at(0) })).toBe(false);
    expect(await repo.getOutbox(ghost.id)).toBeNull();
  });

  it('lists by subject, newest first, in pages; by status; and everything', async () => {
    const subject = id('pin');
    const mine: OutboxItem[] = [];
    for (let i = 0; i < 7; i++) {
      const delivered = i % 3 === 0;
      mine.push(
        emailItem({
          subjectId: subject,
          status: delivered ? 'delivered' : 'pending',
          nextAttemptAt: delivered ? null : at(i),
          deliveredAt: delivered ? at(i) : null,
        }),
      );
    }
    const others = [emailItem({ subjectId: id('acc') }), emailItem({ subjectId: id('pin'), status: 'failed', nextAttemptAt: null })];
    await repo.putOutbox([...mine, ...others]);
    const newestFirst = (items: OutboxItem[]) => [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

    const seen: OutboxItem[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await repo.listOutbox({ subjectId: subject }, { cursor, limit: 3 });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(newestFirst(mine));

    const delivered = await repo.listOutbox({ subjectId: subject, status: 'delivered' }, { cursor: null, limit: 10 });
    expect(delivered.items).toEqual(newestFirst(mine.filter((item) => item.status === 'delivered')));
    expect(delivered.nextCursor).toBeNull();

    const all = await repo.listOutbox({}, { cursor: null, limit: 1000 });
    const ids = all.items.map((item) => item.id);
    for (const item of [...mine, ...others]) expect(ids).toContain(item.id);
    expect(all.items.map((item) => item.createdAt)).toEqual([...all.items.map((item) => item.createdAt)].sort().reverse());
    const failed = await repo.listOutbox({ status: 'failed' }, { cursor: null, limit: 1000 });
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((item) => item.status === 'failed')).toBe(true);
    expect(failed.items.map((item) => item.id)).toContain(others[1]!.id);
  });
});

describe('order changes with outbox items', () => {
  let table: TestTable;
  let repo: DynamoRepository;
  beforeAll(async () => {
    table = await createTestTable();
    repo = table.repository;
  });

  it('writes the items in the order change transaction', async () => {
    const order = makeOrder(numbers(2));
    const item = emailItem({ subjectId: order.id, id: `${order.id}.submission` });
    const counter = countDynamoRequests(table.client);
    await repo.saveOrder(creation(order, [item]));
    expect(counter.byCommand()).toEqual({ TransactWriteItems: 1 });
    expect(await repo.getOutbox(item.id)).toEqual(item);
    expect(await allDue(repo, 'outbox', item.nextAttemptAt!)).toContainEqual({ kind: 'outbox', id: item.id, dueAt: item.nextAttemptAt });
  });

  it('a failed order write leaves no outbox item (stale version, number conflict, split path)', async () => {
    const order = makeOrder(numbers(2));
    await repo.saveOrder(creation(order));
    await repo.saveOrder(nextVersion(order, { status: 'scheduled' }));

    const lost = emailItem({ subjectId: order.id });
    const stale = nextVersion(order, { status: 'cancelled' }, { outbox: [lost] });
    expect(await rejection(repo.saveOrder(stale))).toBeInstanceOf(ConcurrentModificationError);
    expect(await repo.getOutbox(lost.id)).toBeNull();

    const rival = makeOrder([order.lines[0]!.e164 as string]);
    const rivalItem = emailItem({ subjectId: rival.id });
    expect(await rejection(repo.saveOrder(creation(rival, [rivalItem])))).toBeInstanceOf(NumberConflictError);
    expect(await repo.getOutbox(rivalItem.id)).toBeNull();

    // Split path: the locks go first, then the header step with the outbox fails on the version.
    const grown = numbers(130);
    const splitItem = emailItem({ subjectId: order.id });
    const split = nextVersion(order, { lines: [...order.lines, ...grown.map(line)] }, { lock: grown, outbox: [splitItem] });
    expect(await rejection(repo.saveOrder(split))).toBeInstanceOf(ConcurrentModificationError);
    expect(await repo.getOutbox(splitItem.id)).toBeNull();
    expect((await repo.getNumberLocks(grown)).size).toBe(0);
  });

  it('writes the items with the header in the split path', async () => {
    const big = makeOrder(numbers(150));
    const item = emailItem({ subjectId: big.id });
    await repo.saveOrder(creation(big, [item]));
    expect(await repo.getOrder(big.id)).toEqual(big);
    expect(await repo.getOutbox(item.id)).toEqual(item);
  });

  it('an item created before is left as it is and the order change still goes through', async () => {
    const order = makeOrder(numbers(1));
    await repo.saveOrder(creation(order));
    const existing = emailItem({ id: `${order.id}.overdue`, subjectId: order.id });
    await repo.putOutbox([existing]);
    const fresh = emailItem({ subjectId: order.id });
    const change = nextVersion(order, { overdueSince: '2026-04-02' }, { outbox: [{ ...existing, purpose: 'again' }, fresh] });
    await repo.saveOrder(change);
    expect(await repo.getOrder(order.id)).toEqual(change.order);
    expect(await repo.getOutbox(existing.id)).toEqual(existing);
    expect(await repo.getOutbox(fresh.id)).toEqual(fresh);
  });
});

describe('workflow waits', () => {
  let table: TestTable;
  let repo: DynamoRepository;
  beforeAll(async () => {
    table = await createTestTable();
    repo = table.repository;
  });

  it('puts, reads, replaces and clears only with the same token; the order never sees it', async () => {
    const order = makeOrder(numbers(3), { status: 'submitted' });
    await repo.saveOrder(creation(order));
    expect(await repo.getWorkflowWait(order.id)).toBeNull();

    const wait: WorkflowWait = { orderId: order.id, taskToken: `token-${randomUUID()}`, status: 'submitted', transferDate: null, step: 'AwaitCarrier', since: at(0) };
    await repo.putWorkflowWait(wait);
    expect(await repo.getWorkflowWait(order.id)).toEqual(wait);
    expect(await repo.getOrder(order.id)).toEqual(order);
    expect((await repo.listOrderEvents(order.id, { cursor: null, limit: 10 })).items.map((e) => e.type)).toEqual(['created']);

    const next: WorkflowWait = { ...wait, taskToken: `token-${randomUUID()}`, status: 'scheduled', transferDate: '2026-03-20', step: 'AwaitCompletion' };
    await repo.putWorkflowWait(next);
    expect(await repo.getWorkflowWait(order.id)).toEqual(next);

    // The old token's holder finishes late: it must not remove the new wait.
    await repo.clearWorkflowWait(order.id, wait.taskToken);
    expect(await repo.getWorkflowWait(order.id)).toEqual(next);
    await repo.clearWorkflowWait(order.id, next.taskToken);
    expect(await repo.getWorkflowWait(order.id)).toBeNull();
    await repo.clearWorkflowWait(order.id, next.taskToken); // nothing left: fine
    expect(await repo.getOrder(order.id)).toEqual(order);
  });
});
