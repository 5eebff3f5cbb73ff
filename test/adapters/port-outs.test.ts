// DynamoRepository's port-outs against the real DynamoDB Local started by the global setup (no SDK
// mocks): the request item, its lists and events, the number locks it shares with port-ins, and the
// inventory it changes on completion.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountRecord, OrderChange, OutboxItem, PortOutChange, PortOutListFilter } from '../../shared/app/ports.ts';
import { countDynamoRequests, type DynamoRequestCounter } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { ConcurrentModificationError, NumberConflictError } from '../../shared/rules/errors.ts';
import { evaluatePortOut } from '../../shared/rules/port-out/evaluate.ts';
import type { PortOutEvent, PortOutFacts, PortOutRequest, PortOutStatus } from '../../shared/rules/port-out/types.ts';
import type { PortInOrder } from '../../shared/rules/types.ts';
import { buildOrder, line as lineInput } from '../rules/port-in-fixtures.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';
import { inventory, makeAccount, makeKey, nextInstant, numberSource, putOrphanLock, rejection } from '../support/repository-fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Small local factories

const numbers = numberSource('+6129'); // Sydney

/** An account holding `count` active numbers. */
async function accountWithNumbers(count: number): Promise<{ account: AccountRecord; e164s: string[] }> {
  const account = makeAccount();
  await repo.createAccount(account, makeKey(account.id));
  const e164s = numbers(count);
  await repo.addInventoryNumbers(account.id, e164s.map((e164) => inventory(account.id, e164)));
  return { account, e164s };
}

/**
 * A port-out as the rules decide it at `overrides.createdAt` (else the next instant): accepted when
 * `e164s` are active numbers of `accountId`, rejected (number_not_found) when no account is named.
 */
function makePortOut(accountId: string | null, e164s: string[], overrides: Partial<PortOutRequest> = {}): PortOutRequest {
  const held = accountId === null ? [] : e164s;
  const facts: PortOutFacts = {
    inventory: new Map(held.map((e164) => [e164, { accountId: accountId!, origin: 'provisioned', status: 'active' }])),
    accounts: new Map(
      accountId === null
        ? []
        : [[accountId, { id: accountId, market: 'AU', accountNumber: null, portOutPinHash: null, terminationDate: null, activeNumberCount: e164s.length }]],
    ),
    locks: new Map(),
  };
  const { portOut } = evaluatePortOut(
    { id: `pout_${randomUUID().replaceAll('-', '').slice(0, 16)}`, carrierId: 'car_gaining', channel: 'api', inboundEmailId: null, loaDocumentId: null },
    { numbers: e164s, accountNumber: null, pinHash: null, authorizedName: 'Jo Bloggs', requestedDate: '2026-03-20' },
    facts,
    { now: new Date(overrides.createdAt ?? nextInstant()), actor: { kind: 'carrier', id: 'car_gaining' } },
  );
  return { ...portOut, ...overrides };
}

function portOutEvent(type: PortOutEvent['type'], at: string, data: Record<string, unknown> = {}): PortOutEvent {
  return { type, at, actor: { kind: 'carrier', id: 'car_gaining' }, data };
}

/** Creating the port-out: an accepted one locks its numbers, a rejected one nothing. */
function creation(portOut: PortOutRequest, change: Partial<PortOutChange> = {}): PortOutChange {
  const accepted = portOut.status === 'accepted';
  return {
    portOut,
    expectedVersion: null,
    events: [portOutEvent(accepted ? 'accepted' : 'rejected', portOut.createdAt, { numbers: portOut.lines.length })],
    lock: accepted ? portOut.lines.map((line) => line.e164) : [],
    release: [],
    portedOut: null,
    ...change,
  };
}

/** The next version of a port-out with `patch` applied, and the change that saves it. */
function nextVersion(portOut: PortOutRequest, patch: Partial<PortOutRequest>, change: Partial<PortOutChange> = {}): PortOutChange {
  const updatedAt = nextInstant();
  return {
    portOut: { ...portOut, ...patch, updatedAt, version: portOut.version + 1 },
    expectedVersion: portOut.version,
    events: [portOutEvent((patch.status ?? 'accepted') as PortOutEvent['type'], updatedAt)],
    lock: [],
    release: [],
    portedOut: null,
    ...change,
  };
}

/** Completion on `on`: every line leaves the account, the locks go. */
function completion(portOut: PortOutRequest, on: string, change: Partial<PortOutChange> = {}): PortOutChange {
  const e164s = portOut.lines.map((line) => line.e164);
  return nextVersion(portOut, { status: 'completed', completedOn: on }, {
    release: e164s,
    portedOut: { accountId: portOut.accountId as string, numbers: e164s, on },
    ...change,
  });
}

/** A port-in draft of `e164s` on `accountId`, as the rules create it. */
function makeOrder(accountId: string, e164s: string[], overrides: Partial<PortInOrder> = {}): PortInOrder {
  const { order } = buildOrder({
    market: 'AU',
    id: `pin_${randomUUID().slice(0, 12)}`,
    createdAt: overrides.createdAt ?? nextInstant(),
    account: { id: accountId },
    lines: e164s.map((e164) => lineInput(e164)),
  });
  return { ...order, ...overrides };
}

function orderCreation(order: PortInOrder): OrderChange {
  return {
    order,
    expectedVersion: null,
    events: [{ type: 'created', at: order.createdAt, actor: { kind: 'customer', id: 'tester' }, data: {} }],
    lock: order.lines.map((line) => line.e164 as string),
    release: [],
    activate: null,
  };
}

function outboxFor(portOut: PortOutRequest, purpose: string): OutboxItem {
  return {
    id: `${portOut.id}.${purpose}.${portOut.version}`,
    message: { kind: 'email', email: { to: ['admin@acme.test'], subject: `Port-out [PD-${portOut.id}]`, text: 'text', html: '<p>html</p>' } },
    subjectId: portOut.id,
    purpose,
    status: 'pending',
    attempts: [],
    createdAt: portOut.updatedAt,
    nextAttemptAt: portOut.updatedAt,
    deliveredAt: null,
  };
}

async function allPortOuts(filter: PortOutListFilter, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await repo.listPortOuts(filter, { cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null);
  return { ids, pages };
}

// ---------------------------------------------------------------------------------------------

let table: TestTable;
let repo: DynamoRepository;
let counter: DynamoRequestCounter;
const measured: Record<string, number | Record<string, number>> = {};

beforeAll(async () => {
  table = await createTestTable();
  repo = table.repository;
  counter = countDynamoRequests(table.client);
});

describe('port-out items', () => {
  it('creates an accepted port-out with its event and outbox item and reads it back', async () => {
    const { account, e164s } = await accountWithNumbers(3);
    const portOut = makePortOut(account.id, e164s, {
      lines: [
        { e164: e164s[0]!, origin: 'provisioned' },
        { e164: e164s[1]!, origin: 'ported_in' },
        { e164: e164s[2]!, origin: 'provisioned' },
      ],
      accountNumber: 'ACC-1',
      pinGiven: true,
      channel: 'email',
      inboundEmailId: 'ibm_0123',
      loaDocumentId: 'doc_1',
    });
    const outbox = outboxFor(portOut, 'port_out_accepted');
    await repo.savePortOut(creation(portOut, { outbox: [outbox] }));

    expect(await repo.getPortOut(portOut.id)).toEqual(portOut);
    expect(await repo.getOutbox(outbox.id)).toEqual(outbox);
    const events = await repo.listPortOutEvents(portOut.id, { cursor: null, limit: 10 });
    expect(events).toEqual({ items: [portOutEvent('accepted', portOut.createdAt, { numbers: 3 })], nextCursor: null });
    const locks = await repo.getNumberLocks(e164s);
    expect(locks.get(e164s[1]!)).toEqual({ e164: e164s[1], orderId: portOut.id, orderKind: 'port_out', takenAt: portOut.updatedAt });
    expect(locks.size).toBe(3);
  });

  it('stores a rejected port-out naming no account, holding nothing', async () => {
    const [unknown] = numbers(1);
    const portOut = makePortOut(null, [unknown!], {
      status: 'rejected',
      lines: [{ e164: unknown!, origin: null }],
      rejection: { code: 'number_not_found', message: 'Not ours.', numbers: [unknown!], conflictingOrderId: null },
    });
    await repo.savePortOut(creation(portOut));
    expect(await repo.getPortOut(portOut.id)).toEqual(portOut);
    expect((await repo.getNumberLocks([unknown!])).size).toBe(0);
    const raw = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: `PORTOUT#${portOut.id}`, sk: 'PORTOUT' }, ConsistentRead: true }),
    );
    // No account: not in any account's list.
    expect(raw.Item?.gsi1pk).toBeUndefined();
    expect(raw.Item?.gsi3pk).toBe('PORTOUT');
  });

  it('returns null for a port-out that does not exist', async () => {
    expect(await repo.getPortOut('pout_missing')).toBeNull();
  });

  it('keeps only the request\'s fields (a view\'s derived fields are not stored)', async () => {
    const { account, e164s } = await accountWithNumbers(1);
    const portOut = makePortOut(account.id, e164s);
    const view = { ...portOut, numberCount: 1, portedInNumbers: [], cancellable: false };
    await repo.savePortOut(creation(view));
    expect(await repo.getPortOut(portOut.id)).toEqual(portOut);
  });

  it('creating the same port-out twice: the second is a ConcurrentModificationError and changes nothing', async () => {
    const { account, e164s } = await accountWithNumbers(2);
    const portOut = makePortOut(account.id, e164s);
    await repo.savePortOut(creation(portOut));
    const again = { ...portOut, authorizedName: 'Someone Else' };
    expect(await rejection(repo.savePortOut(creation(again)))).toBeInstanceOf(ConcurrentModificationError);
    expect(await repo.getPortOut(portOut.id)).toEqual(portOut);
    expect((await repo.listPortOutEvents(portOut.id, { cursor: null, limit: 10 })).items).toHaveLength(1);
  });

  it('two updates from the same version: exactly one wins', async () => {
    const { account, e164s } = await accountWithNumbers(2);
    const portOut = makePortOut(account.id, e164s);
    await repo.savePortOut(creation(portOut));
    const withdrawn = nextVersion(portOut, { status: 'withdrawn', withdrawnReason: 'customer changed mind' }, { release: e164s });
    const completed = completion(portOut, '2026-03-09');
    const results = await Promise.allSettled([repo.savePortOut(withdrawn), repo.savePortOut(completed)]);
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.reason).toBeInstanceOf(ConcurrentModificationError);
    const stored = await repo.getPortOut(portOut.id);
    const winner = results[0]?.status === 'fulfilled' ? withdrawn : completed;
    expect(stored).toEqual(winner.portOut);
    // The loser changed nothing: the inventory follows the winner only.
    const items = await repo.getInventoryNumbers(e164s);
    const expectedStatus = winner === completed ? 'ported_out' : 'active';
    expect([...items.values()].map((item) => item.status)).toEqual([expectedStatus, expectedStatus]);
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(winner === completed ? 0 : 2);

    // An update from a version long gone fails too.
    expect(await rejection(repo.savePortOut(nextVersion(portOut, { withdrawnReason: 'late' })))).toBeInstanceOf(ConcurrentModificationError);
  });

  it('refuses a change whose version does not follow the expected one', async () => {
    const portOut = makePortOut(null, numbers(1), { status: 'rejected', version: 2 });
    await expect(repo.savePortOut(creation(portOut))).rejects.toThrow(/does not follow/);
  });
});

describe('listing port-outs', () => {
  const carrierA = `car_a_${randomUUID().slice(0, 6)}`;
  const carrierB = `car_b_${randomUUID().slice(0, 6)}`;
  const accountX = `acc_x_${randomUUID().slice(0, 6)}`;
  const accountY = `acc_y_${randomUUID().slice(0, 6)}`;
  // Oldest first, as created.
  const created: PortOutRequest[] = [];
  const plan: [string, string | null, PortOutStatus][] = [
    [carrierA, accountX, 'accepted'],
    [carrierA, accountX, 'rejected'],
    [carrierB, accountX, 'accepted'],
    [carrierA, accountY, 'completed'],
    [carrierB, null, 'rejected'],
    [carrierA, accountX, 'accepted'],
    [carrierB, accountY, 'withdrawn'],
  ];
  const newestFirst = (keep: (p: PortOutRequest) => boolean): string[] =>
    created
      .filter(keep)
      .map((p) => p.id)
      .reverse();

  beforeAll(async () => {
    for (const [carrierId, accountId, status] of plan) {
      // Stored as created in that status (holding no locks: listing is about the item only).
      const portOut = makePortOut(accountId, numbers(2), { carrierId, status });
      await repo.savePortOut(creation(portOut, { lock: [] }));
      created.push(portOut);
    }
  });

  it('by account, newest first, two at a time', async () => {
    const { ids, pages } = await allPortOuts({ accountId: accountX }, 2);
    expect(ids).toEqual(newestFirst((p) => p.accountId === accountX));
    // Two full pages (a full page may hand out a cursor to an empty last one).
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it('by carrier, and by carrier and status in pages', async () => {
    expect((await allPortOuts({ carrierId: carrierA }, 10)).ids).toEqual(newestFirst((p) => p.carrierId === carrierA));
    const accepted = await allPortOuts({ carrierId: carrierA, status: 'accepted' }, 1);
    expect(accepted.ids).toEqual(newestFirst((p) => p.carrierId === carrierA && p.status === 'accepted'));
    expect(accepted.ids).toHaveLength(2);
  });

  it('by account and carrier together: only the carrier\'s port-outs of the account', async () => {
    const { ids } = await allPortOuts({ accountId: accountX, carrierId: carrierB }, 10);
    expect(ids).toEqual(newestFirst((p) => p.accountId === accountX && p.carrierId === carrierB));
    expect(ids).toHaveLength(1);
  });

  it('all port-outs, and by status, newest first', async () => {
    const mine = new Set(created.map((p) => p.id));
    // The table holds other tests' port-outs too: the relative order of these must hold.
    const all = (await allPortOuts({}, 3)).ids.filter((id) => mine.has(id));
    expect(all).toEqual(newestFirst(() => true));
    const rejected = await allPortOuts({ status: 'rejected' }, 1);
    expect(rejected.ids.filter((id) => mine.has(id))).toEqual(newestFirst((p) => p.status === 'rejected'));
    for (const id of rejected.ids) expect((await repo.getPortOut(id))?.status).toBe('rejected');
  });

  it('returns whole requests, lines included', async () => {
    const page = await repo.listPortOuts({ accountId: accountY }, { cursor: null, limit: 10 });
    expect(page.items).toEqual(created.filter((p) => p.accountId === accountY).reverse());
  });

  it('refuses a cursor of another list', async () => {
    const page = await repo.listPortOuts({ accountId: accountX }, { cursor: null, limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    await expect(repo.listPortOuts({ accountId: accountY }, { cursor: page.nextCursor, limit: 1 })).rejects.toThrow();
  });
});

describe('port-out events', () => {
  it('appends events across versions, oldest first, in pages', async () => {
    const { account, e164s } = await accountWithNumbers(1);
    const portOut = makePortOut(account.id, e164s);
    await repo.savePortOut(creation(portOut));
    // Two events at the same instant in one change keep their order.
    const updatedAt = nextInstant();
    const done: PortOutChange = {
      ...completion(portOut, '2026-03-05'),
      events: [portOutEvent('completed', updatedAt, { completedOn: '2026-03-05' }), portOutEvent('completed', updatedAt, { note: 2 })],
    };
    done.portOut.updatedAt = updatedAt;
    await repo.savePortOut(done);
    const expected = [portOutEvent('accepted', portOut.createdAt, { numbers: 1 }), ...done.events];
    const seen: PortOutEvent[] = [];
    let cursor: string | null = null;
    do {
      const page = await repo.listPortOutEvents(portOut.id, { cursor, limit: 2 });
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(expected);
    expect((await repo.listPortOutEvents('pout_missing', { cursor: null, limit: 5 })).items).toEqual([]);
  });
});

describe('locks shared with port-ins', () => {
  it('an accepted port-out holds its numbers: a port-in and an inventory addition are refused, naming it', async () => {
    const { account, e164s } = await accountWithNumbers(3);
    const portOut = makePortOut(account.id, e164s);
    await repo.savePortOut(creation(portOut));

    const [free] = numbers(1);
    const order = makeOrder(account.id, [free!, e164s[1]!]);
    const error = await rejection(repo.saveOrder(orderCreation(order)));
    expect(error).toBeInstanceOf(NumberConflictError);
    expect(error).toMatchObject({ number: e164s[1], conflictingOrderId: portOut.id });
    expect(await repo.getOrder(order.id)).toBeNull();
    expect((await repo.getNumberLocks([free!])).size).toBe(0);

    // The split path (over 100 numbers) too, and it rolls back the locks it took.
    const many = [...numbers(150), e164s[2]!];
    const big = makeOrder(account.id, many);
    expect(await rejection(repo.saveOrder(orderCreation(big)))).toMatchObject({ number: e164s[2], conflictingOrderId: portOut.id });
    expect((await repo.getNumberLocks(many)).size).toBe(1);

    const other = makeAccount();
    await repo.createAccount(other, makeKey(other.id));
    // The number is active on the account, so released first: only the lock stands in the way then.
    await repo.releaseInventoryNumbers(account.id, [e164s[0]!], nextInstant());
    const added = await rejection(repo.addInventoryNumbers(other.id, [inventory(other.id, e164s[0]!)]));
    expect(added).toBeInstanceOf(NumberConflictError);
    expect(added).toMatchObject({ number: e164s[0], conflictingOrderId: portOut.id });
    expect((await repo.getAccount(other.id))?.activeNumberCount).toBe(0);
  });

  it('a port-out for a number an active port-in holds is refused, naming the port-in; nothing is stored', async () => {
    const { account, e164s } = await accountWithNumbers(3);
    const order = makeOrder(account.id, [e164s[2]!]);
    await repo.saveOrder(orderCreation(order));

    const portOut = makePortOut(account.id, e164s);
    const error = await rejection(repo.savePortOut(creation(portOut)));
    expect(error).toBeInstanceOf(NumberConflictError);
    expect(error).toMatchObject({ number: e164s[2], conflictingOrderId: order.id });
    expect(await repo.getPortOut(portOut.id)).toBeNull();
    expect((await repo.listPortOutEvents(portOut.id, { cursor: null, limit: 5 })).items).toEqual([]);
    const locks = await repo.getNumberLocks(e164s);
    expect([...locks.values()].map((lock) => [lock.e164, lock.orderId])).toEqual([[e164s[2], order.id]]);
  });

  it('a second port-out of a held number is refused, naming the first', async () => {
    const { account, e164s } = await accountWithNumbers(2);
    const first = makePortOut(account.id, [e164s[0]!]);
    await repo.savePortOut(creation(first));
    const second = makePortOut(account.id, e164s, { carrierId: 'car_other' });
    expect(await rejection(repo.savePortOut(creation(second)))).toMatchObject({ number: e164s[0], conflictingOrderId: first.id });
    expect((await repo.getNumberLocks([e164s[1]!])).size).toBe(0);
  });

  it('locks of a completed or withdrawn port-out are stale: a port-in takes them over', async () => {
    for (const status of ['completed', 'withdrawn'] as const) {
      const { account, e164s } = await accountWithNumbers(2);
      const portOut = makePortOut(account.id, e164s);
      await repo.savePortOut(creation(portOut));
      // Final without releasing its locks (as if that step had been lost).
      await repo.savePortOut(nextVersion(portOut, { status }));
      expect((await repo.getNumberLocks(e164s)).size).toBe(0);

      const order = makeOrder(account.id, e164s);
      await repo.saveOrder(orderCreation(order));
      const locks = await repo.getNumberLocks(e164s);
      expect([...locks.values()].map((lock) => [lock.orderId, lock.orderKind])).toEqual([
        [order.id, 'port_in'],
        [order.id, 'port_in'],
      ]);
    }
  });

  it('a lock of a missing port-out is stale only once ten minutes old', async () => {
    const { account, e164s } = await accountWithNumbers(1);
    const orphan = e164s[0]!;
    const now = new Date('2026-03-02T12:00:00.000Z');
    const timed = new DynamoRepository(table.client, table.tableName, { now: () => now });
    const putOrphan = (takenAt: string) => putOrphanLock(table, { e164: orphan, orderId: 'pout_vanished', orderKind: 'port_out', takenAt });

    await putOrphan('2026-03-02T11:55:00.000Z'); // 5 minutes: its port-out may still be being written
    expect((await timed.getNumberLocks([orphan])).get(orphan)?.orderId).toBe('pout_vanished');
    const order = makeOrder(account.id, [orphan], { createdAt: now.toISOString(), updatedAt: now.toISOString() });
    expect(await rejection(timed.saveOrder(orderCreation(order)))).toMatchObject({ number: orphan, conflictingOrderId: 'pout_vanished' });

    await putOrphan('2026-03-02T11:45:00.000Z'); // 15 minutes
    expect((await timed.getNumberLocks([orphan])).size).toBe(0);
    await timed.saveOrder(orderCreation(order));
    expect((await timed.getNumberLocks([orphan])).get(orphan)?.orderId).toBe(order.id);
  });

  it('a port-out takes over a stale port-in lock', async () => {
    const { account, e164s } = await accountWithNumbers(1);
    const order = makeOrder(account.id, e164s);
    await repo.saveOrder(orderCreation(order));
    await repo.saveOrder({ ...orderCreation(order), order: { ...order, status: 'cancelled', version: 2 }, expectedVersion: 1, lock: [] });
    const portOut = makePortOut(account.id, e164s);
    await repo.savePortOut(creation(portOut));
    expect((await repo.getNumberLocks(e164s)).get(e164s[0]!)).toMatchObject({ orderId: portOut.id, orderKind: 'port_out' });
  });
});

describe('completion', () => {
  it('3 numbers: inventory ported_out with its port-out and charge stop, the count drops by 3, locks gone (one request each)', async () => {
    const { account, e164s } = await accountWithNumbers(5);
    const leaving = e164s.slice(0, 3);
    const portOut = makePortOut(account.id, leaving);
    counter.reset();
    await repo.savePortOut(creation(portOut, { outbox: [outboxFor(portOut, 'port_out_accepted')] }));
    measured['accept 3 numbers'] = counter.byCommand();
    expect(counter.byCommand()).toEqual({ TransactWriteItems: 1 });

    const done = completion(portOut, '2026-03-09', {});
    done.outbox = [outboxFor(done.portOut, 'port_out_completed')];
    counter.reset();
    await repo.savePortOut(done);
    measured['complete 3 numbers'] = counter.byCommand();
    expect(counter.byCommand()).toEqual({ TransactWriteItems: 1 });

    expect(await repo.getPortOut(portOut.id)).toEqual(done.portOut);
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(2);
    const items = await repo.getInventoryNumbers(e164s);
    for (const e164 of leaving) {
      expect(items.get(e164)).toEqual(
        inventory(account.id, e164, { status: 'ported_out', portOutId: portOut.id, portedOutAt: done.portOut.updatedAt, chargesStopOn: '2026-03-09' }),
      );
    }
    expect(items.get(e164s[3]!)).toEqual(inventory(account.id, e164s[3]!));
    expect((await repo.getNumberLocks(e164s)).size).toBe(0);
    expect(await repo.getOutbox(done.outbox[0]!.id)).toMatchObject({ purpose: 'port_out_completed', status: 'pending' });
    // Off the account's active list? Still listed (with its status): the inventory keeps every number.
    const listed = await repo.listInventoryNumbers(account.id, { cursor: null, limit: 10 });
    expect(listed.items.filter((n) => n.status === 'active').map((n) => n.e164)).toEqual(e164s.slice(3).sort());
  });

  it('a withdrawal releases the locks and leaves the numbers active', async () => {
    const { account, e164s } = await accountWithNumbers(2);
    const portOut = makePortOut(account.id, e164s);
    await repo.savePortOut(creation(portOut));
    await repo.savePortOut(nextVersion(portOut, { status: 'withdrawn', withdrawnReason: null }, { release: e164s }));
    expect((await repo.getNumberLocks(e164s)).size).toBe(0);
    expect([...(await repo.getInventoryNumbers(e164s)).values()].every((n) => n.status === 'active')).toBe(true);
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(2);
  });

  it('a number ported out by this port-out already counts as done; one no longer active is skipped; neither is counted', async () => {
    for (const size of [4, 150]) {
      const { account, e164s } = await accountWithNumbers(size);
      const portOut = makePortOut(account.id, e164s);
      await repo.savePortOut(creation(portOut));
      const done = completion(portOut, '2026-03-10');
      // A repeated step: the first run ported this one out (and counted it) already.
      const [already, gone] = [e164s[0]!, e164s[1]!];
      await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: { pk: `NUMBER#${already}`, sk: 'INVENTORY' },
          UpdateExpression: 'SET #status = :s, portOutId = :p, portedOutAt = :at, chargesStopOn = :on',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':s': 'ported_out', ':p': portOut.id, ':at': done.portOut.updatedAt, ':on': '2026-03-10' },
        }),
      );
      await table.client.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: { pk: `ACCOUNT#${account.id}`, sk: 'ACCOUNT' },
          UpdateExpression: 'ADD activeNumberCount :minus',
          ExpressionAttributeValues: { ':minus': -1 },
        }),
      );
      // Released meanwhile (the account's count lowered by the release).
      expect(await repo.releaseInventoryNumbers(account.id, [gone], nextInstant())).toEqual([gone]);
      expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(size - 2);

      await repo.savePortOut(done);
      expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(0);
      const items = await repo.getInventoryNumbers(e164s);
      expect(items.get(gone)?.status).toBe('released');
      expect(items.get(already)).toMatchObject({ status: 'ported_out', portOutId: portOut.id });
      expect([...items.values()].filter((n) => n.status === 'ported_out' && n.portOutId === portOut.id)).toHaveLength(size - 1);
      expect((await repo.getNumberLocks(e164s)).size).toBe(0);
    }
  });
});

describe('a 1,000-number port-out (in steps)', () => {
  it('accepts and completes 1,000 numbers, counting requests', async () => {
    const { account, e164s } = await accountWithNumbers(1005);
    const leaving = e164s.slice(0, 1000);
    const portOut = makePortOut(account.id, leaving);
    counter.reset();
    await repo.savePortOut(creation(portOut, { outbox: [outboxFor(portOut, 'port_out_accepted')] }));
    measured['accept 1000 numbers'] = counter.byCommand();
    // Ten lock transactions of 100, then the item with its event and outbox item.
    expect(counter.byCommand()).toEqual({ TransactWriteItems: 11 });
    expect(await repo.getPortOut(portOut.id)).toEqual(portOut);
    const locks = await repo.getNumberLocks(leaving);
    expect(locks.size).toBe(1000);
    expect([...locks.values()].every((lock) => lock.orderId === portOut.id && lock.orderKind === 'port_out')).toBe(true);

    const done = completion(portOut, '2026-03-11');
    counter.reset();
    await repo.savePortOut(done);
    measured['complete 1000 numbers'] = counter.byCommand();
    // The item, ten release transactions, eleven of 99 inventory changes with the count.
    expect(counter.byCommand()).toEqual({ TransactWriteItems: 22 });

    expect(await repo.getPortOut(portOut.id)).toEqual(done.portOut);
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(5);
    const items = await repo.getInventoryNumbers(e164s);
    expect(leaving.every((e164) => {
      const item = items.get(e164);
      return item?.status === 'ported_out' && item.portOutId === portOut.id && item.chargesStopOn === '2026-03-11';
    })).toBe(true);
    expect(e164s.slice(1000).every((e164) => items.get(e164)?.status === 'active')).toBe(true);
    expect((await repo.getNumberLocks(leaving)).size).toBe(0);
  });

  it('a conflict in the steps path rolls back the locks it took and stores nothing', async () => {
    const { account, e164s } = await accountWithNumbers(300);
    const held = e164s[250]!;
    const order = makeOrder(account.id, [held]);
    await repo.saveOrder(orderCreation(order));
    const portOut = makePortOut(account.id, e164s);
    const error = await rejection(repo.savePortOut(creation(portOut)));
    expect(error).toMatchObject({ number: held, conflictingOrderId: order.id });
    expect(await repo.getPortOut(portOut.id)).toBeNull();
    const locks = await repo.getNumberLocks(e164s);
    expect([...locks.values()].map((lock) => [lock.e164, lock.orderId])).toEqual([[held, order.id]]);
  });
});

describe('inventory writes beside port-outs', () => {
  it('releases numbers with their charge stop date: given, else the UTC date of the release', async () => {
    const { account, e164s } = await accountWithNumbers(3);
    const at = '2026-04-30T14:00:00.000Z';
    expect(await repo.releaseInventoryNumbers(account.id, [e164s[0]!], at, '2026-05-01')).toEqual([e164s[0]]);
    expect(await repo.releaseInventoryNumbers(account.id, [e164s[1]!], at)).toEqual([e164s[1]]);
    const items = await repo.getInventoryNumbers(e164s);
    expect(items.get(e164s[0]!)).toEqual(inventory(account.id, e164s[0]!, { status: 'released', portedOutAt: at, chargesStopOn: '2026-05-01' }));
    expect(items.get(e164s[1]!)).toEqual(inventory(account.id, e164s[1]!, { status: 'released', portedOutAt: at, chargesStopOn: '2026-04-30' }));
    expect(items.get(e164s[2]!)?.status).toBe('active');
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(1);
  });

  it('a port-in completion brings a ported-out number back (port-back), clearing what the port-out set', async () => {
    const { account, e164s } = await accountWithNumbers(2);
    const portOut = makePortOut(account.id, [e164s[0]!]);
    await repo.savePortOut(creation(portOut));
    await repo.savePortOut(completion(portOut, '2026-03-09'));
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(1);
    expect((await repo.getInventoryNumbers([e164s[0]!])).get(e164s[0]!)?.status).toBe('ported_out');

    const order = makeOrder(account.id, [e164s[0]!], { status: 'scheduled' });
    await repo.saveOrder(orderCreation(order));
    const updatedAt = nextInstant();
    await repo.saveOrder({
      order: { ...order, status: 'completed', completedOn: '2026-03-20', updatedAt, version: 2 },
      expectedVersion: 1,
      events: [],
      lock: [],
      release: [e164s[0]!],
      activate: { accountId: account.id, numbers: [e164s[0]!] },
    });
    expect((await repo.getInventoryNumbers([e164s[0]!])).get(e164s[0]!)).toEqual({
      e164: e164s[0],
      accountId: account.id,
      origin: 'ported_in',
      status: 'active',
      activeSince: updatedAt,
      portedOutAt: null,
      portOutId: null,
      chargesStopOn: null,
    });
    expect((await repo.getAccount(account.id))?.activeNumberCount).toBe(2);
    expect((await repo.getNumberLocks([e164s[0]!])).size).toBe(0);
  });

  it('setAccountDue keeps the numbersReleasedAt mark and moves the version on', async () => {
    const account = makeAccount({ terminationDate: '2026-03-01' });
    await repo.createAccount(account, makeKey(account.id));
    await repo.setAccountDue(account.id, null, { numbersReleasedAt: '2026-03-31T13:00:00.000Z' });
    expect(await repo.getAccount(account.id)).toEqual({ ...account, numbersReleasedAt: '2026-03-31T13:00:00.000Z', version: 2 });
    // An update from the earlier read cannot undo it.
    expect(await rejection(repo.updateAccount({ ...account, name: 'Stale', version: 2 }, 1))).toBeInstanceOf(ConcurrentModificationError);
  });
});

describe('request counts', () => {
  it('reports what was measured', () => {
    console.info('DynamoDB requests measured (port-outs):', JSON.stringify(measured, null, 2));
    expect(measured['accept 3 numbers']).toEqual({ TransactWriteItems: 1 });
  });
});
