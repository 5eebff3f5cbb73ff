// DynamoRepository against the real DynamoDB Local started by the global setup (no SDK mocks).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { CarrierRecord, OrderChange } from '../../shared/app/ports.ts';
import { countDynamoRequests, createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository, InvalidCursorError } from '../../shared/adapters/dynamo/repository.ts';
import {
  ConcurrentModificationError,
  InventoryConflictError,
  NotFoundError,
  NumberConflictError,
} from '../../shared/rules/errors.ts';
import type { OrderStatus, PortInEvent, PortInOrder } from '../../shared/rules/types.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { inventory, line, makeAccount, makeKey, nextInstant, numberSource, putOrphanLock, rejection } from '../support/repository-fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Small local factories

const numbers = numberSource('+6173'); // Brisbane

function makeOrder(accountId: string, e164s: string[], overrides: Partial<PortInOrder> = {}): PortInOrder {
  const at = overrides.createdAt ?? nextInstant();
  return {
    id: `pin_${randomUUID().slice(0, 12)}`,
    accountId,
    market: 'AU',
    status: 'draft',
    details: {
      carrierId: 'car_telstra',
      losingCarrierAccountNumber: null,
      pin: null,
      accountHolder: { businessName: 'Acme Pty Ltd' },
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
    quote: {
      currency: 'AUD',
      lines: [],
      total: { currency: 'AUD', amountMinor: 0 },
      taxIncluded: null,
      monthlyChargeChange: null,
    },
    issues: { errors: [], warnings: [] },
    monthlyFee: { currency: 'AUD', amountMinor: 3000 },
    holdReason: null,
    signature: null,
    signingRequests: [],
    commencementDate: null,
    dueDate: null,
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
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

function event(type: PortInEvent['type'], at: string, data: Record<string, unknown> = {}): PortInEvent {
  return { type, at, actor: { kind: 'customer', id: 'tester' }, data };
}

function creation(order: PortInOrder, lock = order.lines.map((l) => l.e164 as string)): OrderChange {
  return { order, expectedVersion: null, events: [event('created', order.createdAt)], lock, release: [], activate: null };
}

/** The next version of an order with `patch` applied, and the change that saves it. */
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


// ---------------------------------------------------------------------------------------------

let table: TestTable;
let repo: DynamoRepository;
const measured: Record<string, number | Record<string, number>> = {};

beforeAll(async () => {
  table = await createTestTable();
  repo = table.repository;
});

describe('accounts, carriers and API keys', () => {
  it('creates an account with its API key and reads both back', async () => {
    const account = makeAccount();
    const apiKey = makeKey(account.id);
    await repo.createAccount(account, apiKey);

    expect(await repo.getAccount(account.id)).toEqual(account);
    expect(await repo.getApiKey(apiKey.keyHash)).toEqual(apiKey);
    expect(await repo.getAccount('acc_missing')).toBeNull();
    expect(await repo.getApiKey('missing')).toBeNull();

    // Same id again: refused, and the second key is not written either.
    const otherKey = makeKey(account.id);
    expect(await rejection(repo.createAccount({ ...account, name: 'Other' }, otherKey))).toBeInstanceOf(ConcurrentModificationError);
    expect(await repo.getApiKey(otherKey.keyHash)).toBeNull();
    expect((await repo.getAccount(account.id))?.name).toBe('Acme Pty Ltd');

    const rotated = makeKey(account.id);
    await repo.putApiKey(rotated);
    expect(await repo.getApiKey(rotated.keyHash)).toEqual(rotated);
  });

  it('creates carriers and lists accounts and carriers newest first with cursors', async () => {
    const carriers: CarrierRecord[] = [];
    for (let i = 0; i < 3; i++) {
      const carrier: CarrierRecord = {
        id: `car_${randomUUID().slice(0, 8)}`,
        name: `Carrier ${i}`,
        emailDomains: ['carrier.test'],
        portingEmail: null,
        webhookUrl: null,
        createdAt: nextInstant(),
      };
      await repo.createCarrier(carrier, makeKey(null, { role: 'carrier', carrierId: carrier.id }));
      carriers.push(carrier);
    }
    expect(await repo.getCarrier(carriers[0]!.id)).toEqual(carriers[0]);

    const first = await repo.listCarriers({ cursor: null, limit: 2 });
    expect(first.items.map((c) => c.id)).toEqual([carriers[2]!.id, carriers[1]!.id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await repo.listCarriers({ cursor: first.nextCursor, limit: 2 });
    expect(second.items.map((c) => c.id)).toEqual([carriers[0]!.id]);
    expect(second.nextCursor).toBeNull();

    const accounts = await repo.listAccounts({ cursor: null, limit: 1000 });
    const createdAts = accounts.items.map((a) => a.createdAt);
    expect(createdAts).toEqual([...createdAts].sort().reverse());
  });

  it('updates an account only from the version it read', async () => {
    const account = makeAccount();
    await repo.createAccount(account, makeKey(account.id));
    const updated = { ...account, firstInboundCallAt: '2026-03-03T10:00:00.000Z', version: 2 };
    await repo.updateAccount(updated, 1);
    expect(await repo.getAccount(account.id)).toEqual(updated);

    const stale = { ...account, name: 'Stale writer', version: 2 };
    expect(await rejection(repo.updateAccount(stale, 1))).toBeInstanceOf(ConcurrentModificationError);
    expect((await repo.getAccount(account.id))?.name).toBe('Acme Pty Ltd');
    expect(await rejection(repo.updateAccount(makeAccount({ version: 2 }), 1))).toBeInstanceOf(ConcurrentModificationError);
  });

  it('keeps activeNumberCount, which only inventory writes change, across updateAccount', async () => {
    const account = makeAccount();
    await repo.createAccount(account, makeKey(account.id));
    const [a, b] = numbers(2);
    await repo.addInventoryNumbers(account.id, [a!, b!].map((e164) => inventory(account.id, e164)));
    // The caller read the account before the numbers were added: its count (0) must not win.
    await repo.updateAccount({ ...account, name: 'Renamed', version: 2 }, 1);
    const stored = await repo.getAccount(account.id);
    expect(stored?.name).toBe('Renamed');
    expect(stored?.activeNumberCount).toBe(2);
  });
});


describe('orders', () => {
  it('creates and reads back a 5,000-number order; get is one Query and keeps the line order', async () => {
    const account = makeAccount();
    await repo.createAccount(account, makeKey(account.id));
    const e164s = numbers(5000).reverse(); // not sorted: order must come from the chunks, not the keys
    const order = makeOrder(account.id, e164s);
    order.lines[17] = { ...line(e164s[17]!), input: '07 3000 0017', services: ['adsl'], acknowledgedServiceLoss: true };

    const counter = countDynamoRequests(table.client);
    await repo.saveOrder(creation(order));
    measured['create 5000 numbers'] = counter.count();
    measured['create 5000 numbers by command'] = counter.byCommand();
    expect(counter.byCommand()['TransactWriteItems']).toBeLessThanOrEqual(Math.ceil(5000 / 100) + 2);
    expect(counter.count()).toBeLessThanOrEqual(Math.ceil(5000 / 100) + 5);

    // A new repository: nothing cached.
    const fresh = new DynamoRepository(table.client, table.tableName);
    counter.reset();
    const read = await fresh.getOrder(order.id);
    measured['get 5000 numbers'] = counter.count();
    expect(counter.byCommand()).toEqual({ Query: 1 });
    expect(read).toEqual(order);
    expect(read?.lines.map((l) => l.e164)).toEqual(e164s);

    const locks = await repo.getNumberLocks(e164s);
    expect(locks.size).toBe(5000);
    expect(locks.get(e164s[4999]!)).toMatchObject({ orderId: order.id, orderKind: 'port_in', takenAt: order.updatedAt });

    // A status change without line changes: one transaction, no chunk rewritten, no read first.
    counter.reset();
    const submitted = nextVersion(order, { status: 'submitted' });
    await repo.saveOrder(submitted);
    expect(counter.byCommand()).toEqual({ TransactWriteItems: 1 });
    measured['update 5000-number order, status only'] = counter.count();

    // Another instance has no cached chunk hashes: one small GetItem first.
    counter.reset();
    const held = nextVersion(submitted.order, { status: 'on_hold', holdReason: 'activation_prerequisites' });
    await fresh.saveOrder(held);
    expect(counter.byCommand()).toEqual({ GetItem: 1, TransactWriteItems: 1 });
    expect(await repo.getOrder(order.id)).toEqual(held.order);

    // Shrinking the lines deletes the chunks past the end.
    const shrunk = nextVersion(held.order, { lines: held.order.lines.slice(0, 300), status: 'draft', holdReason: null });
    await repo.saveOrder(shrunk);
    const reread = await fresh.getOrder(order.id);
    expect(reread?.lines).toHaveLength(300);
    expect(reread).toEqual(shrunk.order);
  });

  it('measures the requests of creating orders of 1 and 100 numbers', async () => {
    const account = makeAccount();
    await repo.createAccount(account, makeKey(account.id));
    const counter = countDynamoRequests(table.client);
    for (const n of [1, 100]) {
      counter.reset();
      await repo.saveOrder(creation(makeOrder(account.id, numbers(n))));
      measured[`create ${n} numbers`] = counter.count();
      measured[`create ${n} numbers by command`] = counter.byCommand();
    }
    expect(measured['create 1 numbers']).toBe(1);
    expect(measured['create 100 numbers']).toBeLessThanOrEqual(3);
  });

  it('returns null for an order that does not exist', async () => {
    expect(await repo.getOrder('pin_missing')).toBeNull();
  });

  it('keeps large issue lists out of the header and reads them back', async () => {
    const account = makeAccount();
    const e164s = numbers(1200);
    const order = makeOrder(account.id, e164s, {
      issues: {
        errors: e164s.map((e164, i) => ({
          code: 'service_loss_unacknowledged',
          message: `${e164} carries ADSL, which stops working when the number leaves; acknowledge it (line ${i}).`,
          path: `lines[${i}].acknowledgedServiceLoss`,
        })),
        warnings: [{ code: 'w', message: 'Voilà: accents ünd ✓ survive', path: 'details' }],
      },
    });
    await repo.saveOrder(creation(order, []));
    expect(await new DynamoRepository(table.client, table.tableName).getOrder(order.id)).toEqual(order);
    const list = await repo.listOrders({ accountId: account.id }, { cursor: null, limit: 10 });
    expect(list.items[0]).toMatchObject({ id: order.id, lineCount: 1200, lines: [] });
  });

  it('two saves from the same version: exactly one wins', async () => {
    const account = makeAccount();
    const order = makeOrder(account.id, numbers(3));
    await repo.saveOrder(creation(order));
    const other = new DynamoRepository(table.client, table.tableName);
    const results = await Promise.allSettled([
      repo.saveOrder(nextVersion(order, { status: 'awaiting_signature' })),
      other.saveOrder(nextVersion(order, { status: 'cancelled' })),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(ConcurrentModificationError);
    const stored = await repo.getOrder(order.id);
    expect(stored?.version).toBe(2);
    const events = await repo.listOrderEvents(order.id, { cursor: null, limit: 10 });
    expect(events.items).toHaveLength(2); // created + the winner's update only

    // A create with an id that exists is refused the same way.
    expect(await rejection(repo.saveOrder(creation({ ...order, lines: [] }, [])))).toBeInstanceOf(ConcurrentModificationError);
  });

  it('two concurrent saves of a >100-number change: one wins, the loser leaves no locks', async () => {
    const account = makeAccount();
    const order = makeOrder(account.id, numbers(2));
    await repo.saveOrder(creation(order));
    const extraA = numbers(120);
    const extraB = numbers(120);
    const results = await Promise.allSettled([
      repo.saveOrder(nextVersion(order, { lines: [...order.lines, ...extraA.map(line)] }, { lock: extraA })),
      new DynamoRepository(table.client, table.tableName).saveOrder(
        nextVersion(order, { lines: [...order.lines, ...extraB.map(line)] }, { lock: extraB }),
      ),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.findIndex((r) => r.status === 'rejected');
    expect((results[lost] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrentModificationError);
    const loserNumbers = lost === 0 ? extraA : extraB;
    const winnerNumbers = lost === 0 ? extraB : extraA;
    expect((await repo.getNumberLocks(loserNumbers)).size).toBe(0);
    expect((await repo.getNumberLocks(winnerNumbers)).size).toBe(120);
    expect((await repo.getOrder(order.id))?.lines).toHaveLength(122);
  });
});

describe('number locks', () => {
  it('refuses a number held by another order, naming it (one transaction)', async () => {
    const account = makeAccount();
    const [a, b, c, d] = numbers(4);
    const first = makeOrder(account.id, [a!, b!]);
    await repo.saveOrder(creation(first));

    const second = makeOrder(account.id, [c!, b!, d!]);
    const error = await rejection(repo.saveOrder(creation(second)));
    expect(error).toBeInstanceOf(NumberConflictError);
    expect(error).toMatchObject({ number: b, conflictingOrderId: first.id });
    expect(await repo.getOrder(second.id)).toBeNull();
    const locks = await repo.getNumberLocks([a!, b!, c!, d!]);
    expect([...locks.keys()].sort()).toEqual([a, b].sort());
    expect(locks.get(b!)?.orderId).toBe(first.id);

    // Re-locking a number the order holds already is fine.
    await repo.saveOrder(nextVersion(first, {}, { lock: [a!, b!] }));
  });

  it('refuses in the split path (>100 numbers) and rolls back the locks it took', async () => {
    const account = makeAccount();
    const e164s = numbers(250);
    const held = e164s[180]!;
    const holder = makeOrder(account.id, [held]);
    await repo.saveOrder(creation(holder));

    const big = makeOrder(account.id, e164s);
    const counter = countDynamoRequests(table.client);
    const error = await rejection(repo.saveOrder(creation(big)));
    expect(error).toBeInstanceOf(NumberConflictError);
    expect(error).toMatchObject({ number: held, conflictingOrderId: holder.id });
    expect(counter.count()).toBeLessThan(20);
    expect(await repo.getOrder(big.id)).toBeNull();
    const locks = await repo.getNumberLocks(e164s);
    expect([...locks.entries()].map(([e164, lock]) => [e164, lock.orderId])).toEqual([[held, holder.id]]);

    // Once the holder releases it, the same order goes through in the split path.
    await repo.saveOrder(nextVersion(holder, { status: 'cancelled' }, { release: [held] }));
    await repo.saveOrder(creation(big));
    expect((await repo.getNumberLocks(e164s)).size).toBe(250);
    expect(await repo.getOrder(big.id)).toEqual(big);
  });

  it('an update in the split path keeps the locks the order held before when it fails', async () => {
    const account = makeAccount();
    const own = numbers(50);
    const order = makeOrder(account.id, own);
    await repo.saveOrder(creation(order));
    const added = numbers(100);
    const blocker = makeOrder(account.id, [added[99]!]);
    await repo.saveOrder(creation(blocker));

    const all = [...own, ...added];
    const error = await rejection(repo.saveOrder(nextVersion(order, { lines: all.map(line) }, { lock: all })));
    expect(error).toMatchObject({ number: added[99], conflictingOrderId: blocker.id });
    const locks = await repo.getNumberLocks(all);
    expect(locks.size).toBe(51);
    expect(own.every((e164) => locks.get(e164)?.orderId === order.id)).toBe(true);
  });

  it('takes over a stale lock: its order is final', async () => {
    const account = makeAccount();
    const [a, b] = numbers(2);
    const old = makeOrder(account.id, [a!, b!]);
    await repo.saveOrder(creation(old));
    // Completed without releasing its locks (as if that step had been lost).
    await repo.saveOrder(nextVersion(old, { status: 'completed' }));
    expect((await repo.getNumberLocks([a!, b!])).size).toBe(0);

    const next = makeOrder(account.id, [a!, b!]);
    await repo.saveOrder(creation(next));
    const locks = await repo.getNumberLocks([a!, b!]);
    expect(locks.get(a!)?.orderId).toBe(next.id);
    expect(locks.get(b!)?.orderId).toBe(next.id);
  });

  it('takes over an orphan lock (no order) only once it is ten minutes old; in the split path too', async () => {
    const account = makeAccount();
    const e164s = numbers(120);
    const orphan = e164s[110]!;
    const now = new Date('2026-03-02T12:00:00.000Z');
    const timed = new DynamoRepository(table.client, table.tableName, { now: () => now });
    const putOrphan = (takenAt: string) => putOrphanLock(table, { e164: orphan, orderId: 'pin_vanished', orderKind: 'port_in', takenAt });

    await putOrphan('2026-03-02T11:55:00.000Z'); // 5 minutes: its order may still be being written
    expect((await timed.getNumberLocks([orphan])).get(orphan)?.orderId).toBe('pin_vanished');
    const order = makeOrder(account.id, e164s, { createdAt: now.toISOString(), updatedAt: now.toISOString() });
    expect(await rejection(timed.saveOrder(creation(order)))).toMatchObject({ number: orphan, conflictingOrderId: 'pin_vanished' });
    expect((await timed.getNumberLocks(e164s)).size).toBe(1);

    await putOrphan('2026-03-02T11:45:00.000Z'); // 15 minutes
    expect((await timed.getNumberLocks([orphan])).size).toBe(0);
    await timed.saveOrder(creation(order));
    expect((await timed.getNumberLocks([orphan])).get(orphan)?.orderId).toBe(order.id);
  });

  it('releases only its own locks; a release of a lock already gone is fine', async () => {
    const account = makeAccount();
    const [a, b] = numbers(2);
    const mine = makeOrder(account.id, [a!]);
    const theirs = makeOrder(account.id, [b!]);
    await repo.saveOrder(creation(mine));
    await repo.saveOrder(creation(theirs));
    await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: { pk: `NUMBER#${a}`, sk: 'LOCK' } }));
    await repo.saveOrder(nextVersion(mine, { status: 'cancelled' }, { release: [a!, b!] }));
    const locks = await repo.getNumberLocks([a!, b!]);
    expect([...locks.keys()]).toEqual([b]);
    expect(locks.get(b!)?.orderId).toBe(theirs.id);
  });
});

describe('events', () => {
  it('appends events, oldest first, in pages', async () => {
    const account = makeAccount();
    let order = makeOrder(account.id, numbers(1));
    await repo.saveOrder(creation(order));
    const statuses: OrderStatus[] = ['awaiting_signature', 'submitted', 'scheduled'];
    for (const status of statuses) {
      const change = nextVersion(order, { status });
      change.events = [event('updated', change.order.updatedAt, { to: status }), event('charged', change.order.updatedAt, { n: 2 })];
      await repo.saveOrder(change);
      order = change.order;
    }
    const seen: PortInEvent[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repo.listOrderEvents(order.id, { cursor, limit: 3 });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toHaveLength(7);
    expect(seen[0]?.type).toBe('created');
    expect(seen.slice(1).map((e) => e.type)).toEqual(['updated', 'charged', 'updated', 'charged', 'updated', 'charged']);
    expect(seen.map((e) => e.at)).toEqual([...seen.map((e) => e.at)].sort());
    expect(seen[1]).toEqual(event('updated', seen[1]!.at, { to: 'awaiting_signature' }));

    // Writing the same version again is refused and adds no event.
    const replay = nextVersion({ ...order, version: 3 }, { status: 'cancelled' });
    expect(await rejection(repo.saveOrder(replay))).toBeInstanceOf(ConcurrentModificationError);
    expect((await repo.listOrderEvents(order.id, { cursor: null, limit: 100 })).items).toHaveLength(7);
  });
});

describe('listing orders', () => {
  let accountA: string;
  let accountB: string;
  const created: PortInOrder[] = [];
  let listTable: TestTable;

  beforeAll(async () => {
    listTable = await createTestTable();
    accountA = `acc_${randomUUID().slice(0, 8)}`;
    accountB = `acc_${randomUUID().slice(0, 8)}`;
    const plan: [string, string | null, OrderStatus][] = [
      [accountA, 'car_x', 'draft'],
      [accountA, 'car_y', 'submitted'],
      [accountB, 'car_x', 'submitted'],
      [accountA, 'car_x', 'draft'],
      [accountB, null, 'draft'],
      [accountA, 'car_x', 'submitted'],
      [accountA, 'car_y', 'draft'],
    ];
    for (const [accountId, carrierId, status] of plan) {
      const base = makeOrder(accountId, numbers(2), { status });
      const order = { ...base, details: { ...base.details, carrierId } };
      await listTable.repository.saveOrder(creation(order));
      created.push(order);
    }
  });

  async function all(filter: Parameters<DynamoRepository['listOrders']>[0], limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const page = await listTable.repository.listOrders(filter, { cursor, limit });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      for (const item of page.items) {
        expect(item.lines).toEqual([]);
        expect(item.lineCount).toBe(2);
      }
      ids.push(...page.items.map((o) => o.id));
      cursor = page.nextCursor;
      if (cursor === null) return ids;
    }
    throw new Error('too many pages');
  }

  const newestFirst = (orders: PortInOrder[]) => [...orders].reverse().map((o) => o.id);

  it('by account, newest first, two at a time', async () => {
    expect(await all({ accountId: accountA }, 2)).toEqual(newestFirst(created.filter((o) => o.accountId === accountA)));
  });

  it('by carrier', async () => {
    expect(await all({ carrierId: 'car_x' }, 2)).toEqual(newestFirst(created.filter((o) => o.details.carrierId === 'car_x')));
    expect(await all({ carrierId: 'car_none' }, 2)).toEqual([]);
  });

  it('all orders, and by status', async () => {
    expect(await all({}, 3)).toEqual(newestFirst(created));
    expect(await all({ status: 'submitted' }, 1)).toEqual(newestFirst(created.filter((o) => o.status === 'submitted')));
    expect(await all({ accountId: accountA, status: 'draft' }, 2)).toEqual(
      newestFirst(created.filter((o) => o.accountId === accountA && o.status === 'draft')),
    );
  });

  it('returns usable summaries', async () => {
    const page = await listTable.repository.listOrders({ accountId: accountB }, { cursor: null, limit: 10 });
    const { lines: _lines, ...header } = created[4]!;
    expect(page.items[0]).toEqual({ ...header, lines: [], lineCount: 2 });
    expect(page.nextCursor).toBeNull();
  });

  it('refuses to save a summary (it carries no lines)', async () => {
    const page = await listTable.repository.listOrders({ accountId: accountB }, { cursor: null, limit: 1 });
    const summary = page.items[0]!;
    const error = await rejection(listTable.repository.saveOrder(nextVersion(summary, { status: 'cancelled' })));
    expect((error as Error).message).toMatch(/summary/);
  });

  it('moves an order between carrier lists when its carrier changes', async () => {
    const order = created[6]!;
    const moved = nextVersion(order, { details: { ...order.details, carrierId: null } });
    await listTable.repository.saveOrder(moved);
    expect(await all({ carrierId: 'car_y' }, 5)).toEqual([created[1]!.id]);
    created[6] = moved.order;
  });

  it('refuses malformed cursors', async () => {
    const page = await listTable.repository.listOrders({ accountId: accountA }, { cursor: null, limit: 1 });
    const good = page.nextCursor!;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const decoded = JSON.parse(Buffer.from(good, 'base64url').toString('utf8')) as Record<string, string>;
    const bad = [
      'not a cursor!',
      'AAAA',
      encode([1, 2]),
      encode('string'),
      encode({ ...decoded, extra: 'x' }),
      encode({ ...decoded, pk: 5 }),
      encode({ pk: decoded.pk, sk: decoded.sk }),
    ];
    for (const cursor of bad) {
      expect(await rejection(listTable.repository.listOrders({ accountId: accountA }, { cursor, limit: 1 }))).toBeInstanceOf(
        InvalidCursorError,
      );
    }
    // Another list's cursor.
    const error = await rejection(listTable.repository.listOrders({ accountId: accountB }, { cursor: good, limit: 1 }));
    expect(error).toBeInstanceOf(InvalidCursorError);
    expect((error as InvalidCursorError).code).toBe('invalid_cursor');
    expect(await rejection(listTable.repository.listOrderEvents(created[0]!.id, { cursor: good, limit: 1 }))).toBeInstanceOf(
      InvalidCursorError,
    );
    expect(await rejection(listTable.repository.listAccounts({ cursor: good, limit: 1 }))).toBeInstanceOf(InvalidCursorError);
  });
});

describe('idempotency', () => {
  it('begins, refuses while in progress, replays when done, reports a different request, abandons', async () => {
    const scope = `acc_${randomUUID().slice(0, 8)}`;
    expect(await repo.beginIdempotent(scope, 'k1', 'hash-a')).toBeNull();
    expect(await repo.beginIdempotent(scope, 'k1', 'hash-a')).toEqual({ requestHash: 'hash-a', state: 'in_progress', response: null });

    const response = { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"pin_1"}' };
    await repo.completeIdempotent(scope, 'k1', response);
    expect(await repo.beginIdempotent(scope, 'k1', 'hash-a')).toEqual({ requestHash: 'hash-a', state: 'done', response });
    expect(await repo.beginIdempotent(scope, 'k1', 'hash-b')).toMatchObject({ requestHash: 'hash-a', state: 'done' });
    // Scopes are separate.
    expect(await repo.beginIdempotent(`${scope}-other`, 'k1', 'hash-b')).toBeNull();

    await repo.abandonIdempotent(scope, 'k1');
    expect(await repo.beginIdempotent(scope, 'k1', 'hash-b')).toBeNull();

    const item = await table.client.send(new GetCommand({ TableName: table.tableName, Key: { pk: `IDEMPOTENCY#${scope}#k1`, sk: 'IDEMPOTENCY' } }));
    const expiresAt = item.Item?.expiresAt as number;
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(24 * 3600 - 60);
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
  });

  it('keeps large responses (compressed) and treats an expired record as absent', async () => {
    let now = new Date('2026-03-02T00:00:00.000Z');
    const timed = new DynamoRepository(table.client, table.tableName, { now: () => now });
    const scope = `acc_${randomUUID().slice(0, 8)}`;
    expect(await timed.beginIdempotent(scope, 'big', 'h')).toBeNull();
    const body = JSON.stringify({ numbers: numbers(5000).map((e164) => ({ number: e164, lineType: 'pstn', services: ['adsl'], acknowledgedServiceLoss: true })) });
    expect(body.length).toBeGreaterThan(400_000);
    await timed.completeIdempotent(scope, 'big', { statusCode: 201, headers: {}, body });
    expect((await timed.beginIdempotent(scope, 'big', 'h'))?.response?.body).toBe(body);

    now = new Date('2026-03-03T00:00:01.000Z');
    expect(await timed.beginIdempotent(scope, 'big', 'h2')).toBeNull();
  });
});

describe('inventory', () => {
  it('adds numbers, counts them, and refuses numbers active anywhere or locked by an order', async () => {
    const a = makeAccount();
    const b = makeAccount();
    await repo.createAccount(a, makeKey(a.id));
    await repo.createAccount(b, makeKey(b.id));
    const e164s = numbers(130); // three transactions of 49
    const counter = countDynamoRequests(table.client);
    await repo.addInventoryNumbers(a.id, e164s.map((e164) => inventory(a.id, e164)));
    measured['add 130 inventory numbers'] = counter.count();
    expect((await repo.getAccount(a.id))?.activeNumberCount).toBe(130);
    const found = await repo.getInventoryNumbers([e164s[0]!, e164s[129]!, '+61799999999']);
    expect([...found.keys()].sort()).toEqual([e164s[0], e164s[129]].sort());
    expect(found.get(e164s[0]!)).toEqual(inventory(a.id, e164s[0]!));

    const fresh = numbers(3);
    const error = await rejection(
      repo.addInventoryNumbers(b.id, [...fresh, e164s[77]!].map((e164) => inventory(b.id, e164))),
    );
    expect(error).toBeInstanceOf(InventoryConflictError);
    expect(error).toMatchObject({ number: e164s[77] });
    expect((await repo.getAccount(b.id))?.activeNumberCount).toBe(0);
    expect((await repo.getInventoryNumbers(fresh)).size).toBe(0);
    // The same account counts too.
    expect(await rejection(repo.addInventoryNumbers(a.id, [inventory(a.id, e164s[0]!)]))).toBeInstanceOf(InventoryConflictError);

    const [locked] = numbers(1);
    const order = makeOrder(b.id, [locked!]);
    await repo.saveOrder(creation(order));
    expect(await rejection(repo.addInventoryNumbers(b.id, [inventory(b.id, locked!)]))).toMatchObject({
      number: locked,
      conflictingOrderId: order.id,
    });

    // A number ported out before may become active again.
    const [back] = numbers(1);
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          pk: `NUMBER#${back}`,
          sk: 'INVENTORY',
          gsi1pk: `ACCOUNT#${a.id}#NUMBERS`,
          gsi1sk: back,
          ...inventory(a.id, back!, { status: 'ported_out', portedOutAt: '2026-02-01T00:00:00.000Z' }),
        },
      }),
    );
    await repo.addInventoryNumbers(b.id, [inventory(b.id, back!)]);
    expect((await repo.getInventoryNumbers([back!])).get(back!)).toEqual(inventory(b.id, back!));
    expect((await repo.getAccount(b.id))?.activeNumberCount).toBe(1);

    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await repo.listInventoryNumbers(a.id, { cursor, limit: 50 });
      listed.push(...page.items.map((n) => n.e164));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(listed).toEqual([...e164s].sort());
    expect(await rejection(repo.addInventoryNumbers('acc_missing', [inventory('acc_missing', numbers(1)[0]!)]))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('undoes the batches already written when a later one fails', async () => {
    // A dedicated client: a middleware makes another writer activate one number elsewhere just
    // before the first transaction goes out (after the pre-checks), as a real race would.
    const client = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'ap-southeast-2' });
    const racing = new DynamoRepository(client, table.tableName);
    const a = makeAccount();
    const other = makeAccount();
    await repo.createAccount(a, makeKey(a.id));
    await repo.createAccount(other, makeKey(other.id));
    const e164s = numbers(150);
    const stolen = e164s[120]!;
    let race: Promise<unknown> | null = null;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          race ??= repo.addInventoryNumbers(other.id, [inventory(other.id, stolen)]);
          await race;
        }
        return next(args);
      },
      { step: 'initialize', name: 'raceInjector' },
    );
    const error = await rejection(racing.addInventoryNumbers(a.id, e164s.map((e164) => inventory(a.id, e164))));
    expect(error).toBeInstanceOf(InventoryConflictError);
    expect((await repo.getAccount(a.id))?.activeNumberCount).toBe(0);
    const left = await repo.getInventoryNumbers(e164s);
    expect([...left.keys()]).toEqual([stolen]);
    expect(left.get(stolen)?.accountId).toBe(other.id);
  });

  it('releases an account\'s active numbers, skipping the others, and counts them down', async () => {
    const account = makeAccount();
    const other = makeAccount();
    await repo.createAccount(account, makeKey(account.id));
    await repo.createAccount(other, makeKey(other.id));
    const mine = numbers(130); // two transactions of 99
    const [theirs] = numbers(1);
    await repo.addInventoryNumbers(account.id, mine.map((e164) => inventory(account.id, e164)));
    await repo.addInventoryNumbers(other.id, [inventory(other.id, theirs!)]);
    const releasedAt = '2026-03-20T00:00:00.000Z';

    const toRelease = mine.slice(0, 120);
    const released = await repo.releaseInventoryNumbers(account.id, [...toRelease, theirs!, '+61799999998', toRelease[0]!], releasedAt);
    expect(released).toEqual(toRelease);
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(10);
    expect((await repo.getAccount(other.id))?.activeNumberCount).toBe(1);
    const stored = await repo.getInventoryNumbers([toRelease[0]!, mine[129]!, theirs!]);
    expect(stored.get(toRelease[0]!)).toEqual(
      inventory(account.id, toRelease[0]!, { status: 'released', portedOutAt: releasedAt, chargesStopOn: '2026-03-20' }),
    );
    expect(stored.get(mine[129]!)?.status).toBe('active');
    expect(stored.get(theirs!)?.status).toBe('active');

    // Again: nothing left to release, the count stays.
    expect(await repo.releaseInventoryNumbers(account.id, toRelease.slice(0, 5), releasedAt)).toEqual([]);
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(10);
    expect(await repo.releaseInventoryNumbers(account.id, [], releasedAt)).toEqual([]);

    // A released number may become active again (on any account).
    await repo.addInventoryNumbers(other.id, [inventory(other.id, toRelease[1]!)]);
    expect((await repo.getInventoryNumbers([toRelease[1]!])).get(toRelease[1]!)?.accountId).toBe(other.id);
    expect((await repo.getAccount(other.id))?.activeNumberCount).toBe(2);
  });

  it('activates ported-in numbers on completion and counts them (one transaction and split path)', async () => {
    for (const n of [3, 160]) {
      const account = makeAccount();
      await repo.createAccount(account, makeKey(account.id));
      const e164s = numbers(n);
      const order = makeOrder(account.id, e164s, { status: 'scheduled' });
      await repo.saveOrder(creation(order));
      const counter = countDynamoRequests(table.client);
      const done = nextVersion(order, { status: 'completed', completedOn: '2026-03-09' }, {
        release: e164s,
        activate: { accountId: account.id, numbers: e164s },
      });
      await repo.saveOrder(done);
      measured[`complete ${n} numbers (release + activate)`] = counter.count();
      expect(counter.count()).toBeLessThanOrEqual(Math.ceil((2 * n) / 100) + 2);

      expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(n);
      const items = await repo.getInventoryNumbers(e164s);
      expect(items.size).toBe(n);
      expect(items.get(e164s[n - 1]!)).toEqual({
        e164: e164s[n - 1],
        accountId: account.id,
        origin: 'ported_in',
        status: 'active',
        activeSince: done.order.updatedAt,
        portedOutAt: null,
        portOutId: null,
        chargesStopOn: null,
      });
      expect((await repo.getNumberLocks(e164s)).size).toBe(0);
      expect((await repo.getOrder(order.id))?.status).toBe('completed');
    }
  });
});

describe('request counts', () => {
  it('reports what was measured', () => {
    // Printed for the record (create 1 / 100 / 5,000 numbers, get, updates, completion).
    console.info('DynamoDB requests measured:', JSON.stringify(measured, null, 2));
    expect(measured['get 5000 numbers']).toBe(1);
  });
});
