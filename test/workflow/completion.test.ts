// The completion path: numbers checked (and activated where missing) in the inventory, the FR test
// call, the FR temporary number released or kept; each recorded once on the order's timeline.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activateNumbers, placeTestCall, settleTemporaryNumber } from '../../shared/app/use-cases/workflow.ts';
import type { Market } from '../../shared/rules/types.ts';
import { OPERATOR_EMAIL, completedOrder, createHarness, eventsOf, newAccount, newCarrier, submittedOrder, type Harness, type OrderOptions } from './harness.ts';

let h: Harness;
const accounts = {} as Record<Market, string>;
let carrierId: string;
let n = 0;

beforeAll(async () => {
  h = await createHarness();
  accounts.AU = await newAccount(h, 'AU');
  accounts.FR = await newAccount(h, 'FR');
  carrierId = await newCarrier(h, { portingEmail: 'porting@carrier.test' });
});
afterAll(() => h.close());
beforeEach(() => {
  h.setNow('2026-03-02T00:00:00Z');
});

const frNumber = () => `+3314268${String(5400 + ++n)}`;
const auNumber = () => `+617321204${String(++n).padStart(2, '0')}`;

async function completed(market: Market, options: OrderOptions = {}) {
  h.setNow('2026-03-02T00:00:00Z');
  const number = options.number ?? (market === 'FR' ? frNumber() : auNumber());
  const orderId = await submittedOrder(h, market, accounts[market], carrierId, { ...options, number });
  await completedOrder(h, orderId);
  return { orderId, number };
}

const typesOf = async (orderId: string) => (await eventsOf(h, orderId)).map((e) => e.type);
const count = (types: string[], type: string) => types.filter((t) => t === type).length;

describe('ActivateNumbers', () => {
  it('finds the numbers active (completion activated them) and records numbers_activated once', async () => {
    const { orderId, number } = await completed('AU');
    expect(await activateNumbers(h.deps, orderId)).toEqual({ orderId, market: 'AU', numberCount: 1, activatedNow: 0 });
    await activateNumbers(h.deps, orderId);
    expect(count(await typesOf(orderId), 'numbers_activated')).toBe(1);
    const inventory = await h.deps.repository.getInventoryNumbers([number]);
    expect(inventory.get(number)).toMatchObject({ accountId: accounts.AU, origin: 'ported_in', status: 'active' });
  });

  it('activates a number that is not active on the account', async () => {
    const { orderId, number } = await completed('AU');
    await h.deps.repository.releaseInventoryNumbers(accounts.AU, [number], '2026-03-16T03:00:00.000Z');
    expect((await activateNumbers(h.deps, orderId)).activatedNow).toBe(1);
    expect((await h.deps.repository.getInventoryNumbers([number])).get(number)).toMatchObject({ status: 'active', origin: 'ported_in' });
    const [event] = (await eventsOf(h, orderId)).filter((e) => e.type === 'numbers_activated');
    expect(event).toMatchObject({ actor: { kind: 'system', id: 'workflow' }, data: { numberCount: 1, activatedByWorkflow: 1 } });
  });

  it('refuses an order that is not completed', async () => {
    const orderId = await submittedOrder(h, 'AU', accounts.AU, carrierId, { number: auNumber() });
    await expect(activateNumbers(h.deps, orderId)).rejects.toMatchObject({ name: 'UnexpectedOrderState' });
  });

  it('keeps the order as it was apart from the event: status, deadlines and version order', async () => {
    const { orderId } = await completed('AU');
    const before = (await h.deps.repository.getOrder(orderId))!;
    await activateNumbers(h.deps, orderId);
    const after = (await h.deps.repository.getOrder(orderId))!;
    expect(after).toMatchObject({ status: 'completed', dueAt: before.dueAt, completedOn: before.completedOn, version: before.version + 1 });
  });
});

describe('PlaceTestCall (FR)', () => {
  it('calls the primary number and records the answered call once', async () => {
    const { orderId, number } = await completed('FR');
    expect(await placeTestCall(h.deps, orderId)).toEqual({ orderId, placed: true, answered: true });
    expect(await placeTestCall(h.deps, orderId)).toEqual({ orderId, placed: true, answered: true });
    expect(h.voice.calls.filter((c) => c === number)).toEqual([number]);
    const events = (await eventsOf(h, orderId)).filter((e) => e.type === 'test_call_placed');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ number, answered: true });
  });

  it('records an unanswered call and tells the operator, without calling again', async () => {
    const number = frNumber();
    h.voice.unanswered.add(number);
    const { orderId } = await completed('FR', { number });
    expect(await placeTestCall(h.deps, orderId)).toEqual({ orderId, placed: true, answered: false });
    expect(await placeTestCall(h.deps, orderId)).toEqual({ orderId, placed: true, answered: false });
    expect(h.voice.calls.filter((c) => c === number)).toHaveLength(1);
    const [event] = (await eventsOf(h, orderId)).filter((e) => e.type === 'test_call_placed');
    expect(event!.data).toMatchObject({ number, answered: false, detail: 'no answer after 30 s' });
    const operatorEmails = h.mailer.to(OPERATOR_EMAIL).filter((e) => e.subject.includes(orderId) && /unanswered/i.test(e.subject));
    expect(operatorEmails).toHaveLength(1);
    expect(operatorEmails[0]!.subject).toContain(`[PD-${orderId}]`);
    expect(operatorEmails[0]!.text).toContain(number);
  });

  it('places no call for other markets', async () => {
    const { orderId } = await completed('AU');
    const before = h.voice.calls.length;
    expect(await placeTestCall(h.deps, orderId)).toEqual({ orderId, placed: false, answered: null });
    expect(h.voice.calls.length).toBe(before);
  });
});

describe('SettleTemporaryNumber (FR)', () => {
  async function withTemporary(keepAsVirtual: boolean) {
    const temporary = frNumber();
    const at = '2026-02-01T00:00:00.000Z';
    await h.deps.repository.addInventoryNumbers(accounts.FR, [
      { e164: temporary, accountId: accounts.FR, origin: 'provisioned', status: 'active', activeSince: at, portedOutAt: null, portOutId: null, chargesStopOn: null },
    ]);
    const { orderId } = await completed('FR', { temporaryNumber: { number: temporary, keepAsVirtual } });
    return { orderId, temporary };
  }

  it('releases the temporary number from the inventory and records it once', async () => {
    const { orderId, temporary } = await withTemporary(false);
    const activeBefore = (await h.deps.repository.getAccount(accounts.FR))!.activeNumberCount;
    expect(await settleTemporaryNumber(h.deps, orderId)).toEqual({ orderId, outcome: 'released' });
    expect(await settleTemporaryNumber(h.deps, orderId)).toEqual({ orderId, outcome: 'released' });
    expect((await h.deps.repository.getInventoryNumbers([temporary])).get(temporary)?.status).toBe('released');
    expect((await h.deps.repository.getAccount(accounts.FR))!.activeNumberCount).toBe(activeBefore - 1);
    const events = (await eventsOf(h, orderId)).filter((e) => e.type === 'temporary_number_released');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({ number: temporary, wasActive: true });
  });

  it('keeps it as a virtual number when the customer asked to', async () => {
    const { orderId, temporary } = await withTemporary(true);
    expect(await settleTemporaryNumber(h.deps, orderId)).toEqual({ orderId, outcome: 'kept' });
    await settleTemporaryNumber(h.deps, orderId);
    expect((await h.deps.repository.getInventoryNumbers([temporary])).get(temporary)?.status).toBe('active');
    const types = await typesOf(orderId);
    expect(count(types, 'temporary_number_kept')).toBe(1);
    expect(count(types, 'temporary_number_released')).toBe(0);
  });

  it('has nothing to settle without a temporary number', async () => {
    const { orderId } = await completed('FR');
    expect(await settleTemporaryNumber(h.deps, orderId)).toEqual({ orderId, outcome: 'none' });
  });
});
