// Port-out rules (rulebook "Port-out"): checking a gaining carrier's request in a fixed order, then
// completion, withdrawal and the refused cancellation; the FR monthly charge change when numbers leave.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startOfMarketDay } from '../../shared/rules/calendar.ts';
import { InvalidTransitionError, RuleViolationError } from '../../shared/rules/errors.ts';
import { policyFor, type MarketPolicy } from '../../shared/rules/markets.ts';
import {
  MAX_NUMBERS_PER_PORT_OUT,
  evaluatePortOut,
  normalizeAccountNumber,
  type NewPortOut,
  type PortOutContext,
} from '../../shared/rules/port-out/evaluate.ts';
import { PORT_OUT_NOT_CANCELLABLE_MESSAGE, completePortOut, refuseCancellation, withdrawPortOut } from '../../shared/rules/port-out/lifecycle.ts';
import {
  PORT_OUT_REJECTION_CODES,
  type PortOutAccountFacts,
  type PortOutDecision,
  type PortOutFacts,
  type PortOutNumberFact,
  type PortOutRejectionCode,
  type PortOutRequest,
  type PortOutRequestInput,
  type PortOutStatus,
} from '../../shared/rules/port-out/types.ts';
import { viewPortOut } from '../../shared/rules/port-out/view.ts';
import { MARKETS, type Actor, type IsoDate, type Market, type PlanPrices } from '../../shared/rules/types.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** The market date of an instant, by Intl (independent of the rules' own calendar code). */
const DateIn = (market: Market, instant: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: policyFor(market).timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
const shift = (date: IsoDate, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const CARRIER: Actor = { kind: 'carrier', id: 'car_gaining' };
const NOW = new Date('2026-06-10T09:00:00Z');
const REQUEST: NewPortOut = { id: 'pout_AAAAAAAAAAAAAAAA', carrierId: 'car_gaining', channel: 'api', inboundEmailId: null, loaDocumentId: null };

/** Numbers of account acc_a (GB unless told): two provisioned, one ported in. */
const A1 = '+442079460001';
const A2 = '+442079460002';
const A3 = '+442079460003';
/** A number of another account, acc_b. */
const B1 = '+442079460101';
/** Never ours. */
const X1 = '+442079460999';

function account(overrides: Partial<PortOutAccountFacts> = {}): PortOutAccountFacts {
  return { id: 'acc_a', market: 'GB', accountNumber: null, portOutPinHash: null, terminationDate: null, activeNumberCount: 3, ...overrides };
}

const active = (accountId = 'acc_a', origin: PortOutNumberFact['origin'] = 'provisioned'): PortOutNumberFact => ({ accountId, origin, status: 'active' });

interface World {
  inventory?: Record<string, PortOutNumberFact>;
  accounts?: PortOutAccountFacts[];
  locks?: Record<string, { orderId: string; orderKind: 'port_in' | 'port_out' }>;
}

function facts(world: World = {}): PortOutFacts {
  const inventory = world.inventory ?? { [A1]: active(), [A2]: active(), [A3]: active('acc_a', 'ported_in'), [B1]: active('acc_b') };
  const accounts = world.accounts ?? [account(), account({ id: 'acc_b', activeNumberCount: 1 })];
  return {
    inventory: new Map(Object.entries(inventory)),
    accounts: new Map(accounts.map((a) => [a.id, a])),
    locks: new Map(Object.entries(world.locks ?? {})),
  };
}

function input(overrides: Partial<PortOutRequestInput> = {}): PortOutRequestInput {
  return { numbers: [A1, A3], accountNumber: null, pinHash: null, authorizedName: 'Sam Carrier', requestedDate: '2026-06-17', ...overrides };
}

const ctx = (overrides: Partial<PortOutContext> = {}): PortOutContext => ({ now: NOW, actor: CARRIER, ...overrides });
const evaluate = (i: Partial<PortOutRequestInput> = {}, world: World = {}, c: Partial<PortOutContext> = {}) => evaluatePortOut(REQUEST, input(i), facts(world), ctx(c));
const batchesOnly = (market: Market): MarketPolicy => ({ ...policyFor(market), portOutInBatchesOnly: true });

function expectError(fn: () => unknown, type: typeof InvalidTransitionError | typeof RuleViolationError, code: string) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as { code: string }).code).toBe(code);
  return thrown as InvalidTransitionError | RuleViolationError;
}

function expectRejected(decision: PortOutDecision, code: PortOutRejectionCode, numbers: string[], conflictingOrderId: string | null = null) {
  const { portOut } = decision;
  expect(portOut.status).toBe('rejected');
  expect(portOut.rejection).toMatchObject({ code, numbers, conflictingOrderId });
  // A sentence for the gaining carrier: what is wrong; what to do (after a semicolon or a second sentence).
  expect(portOut.rejection!.message).toMatch(/^[A-Z+].*[;.] .*[a-z].*\.$/);
  expect(decision.lock).toEqual([]);
  expect(decision.release).toEqual([]);
  expect(decision.portedOut).toBeNull();
  expect(decision.events).toEqual([{ type: 'rejected', at: portOut.createdAt, actor: CARRIER, data: { code, numbers: numbers.length } }]);
}

describe('evaluatePortOut: accepted', () => {
  it('holds every number, keeps how each came to us, names the account, records one event', () => {
    const decision = evaluate({ numbers: [A1, A3], pinHash: sha256('0000') });
    expect(decision.portOut).toEqual({
      id: REQUEST.id,
      carrierId: 'car_gaining',
      accountId: 'acc_a',
      market: 'GB',
      status: 'accepted',
      lines: [
        { e164: A1, origin: 'provisioned' },
        { e164: A3, origin: 'ported_in' },
      ],
      accountNumber: null,
      pinGiven: true, // the account has no PIN: a given one is not checked, but the fact is kept
      authorizedName: 'Sam Carrier',
      requestedDate: '2026-06-17',
      rejection: null,
      channel: 'api',
      inboundEmailId: null,
      loaDocumentId: null,
      completedOn: null,
      monthlyChargeChange: null,
      withdrawnReason: null,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 1,
    } satisfies PortOutRequest);
    expect(decision.lock).toEqual([A1, A3]);
    expect(decision.release).toEqual([]);
    expect(decision.portedOut).toBeNull();
    expect(decision.events).toEqual([{ type: 'accepted', at: NOW.toISOString(), actor: CARRIER, data: { numbers: 2 } }]);
  });

  it('keeps the email channel facts and the request order', () => {
    const request: NewPortOut = { ...REQUEST, channel: 'email', inboundEmailId: 'inb_1', loaDocumentId: 'doc_1' };
    const decision = evaluatePortOut(request, input({ numbers: [A3, A2, A1] }), facts(), ctx());
    expect(decision.portOut).toMatchObject({ channel: 'email', inboundEmailId: 'inb_1', loaDocumentId: 'doc_1', pinGiven: false });
    expect(decision.lock).toEqual([A3, A2, A1]);
    expect(decision.portOut.lines.map((l) => l.e164)).toEqual([A3, A2, A1]);
  });

  it('a repeated number is held once', () => {
    expect(evaluate({ numbers: [A1, A1, A2] }).lock).toEqual([A1, A2]);
  });

  it('its own lock (a retry of the same request) is no conflict', () => {
    expect(evaluate({}, { locks: { [A1]: { orderId: REQUEST.id, orderKind: 'port_out' } } }).portOut.status).toBe('accepted');
  });

  it('allows up to 1000 numbers a request', () => {
    expect(MAX_NUMBERS_PER_PORT_OUT).toBe(1000);
    const numbers = Array.from({ length: MAX_NUMBERS_PER_PORT_OUT }, (_, i) => `+4420794${String(i).padStart(5, '0')}`);
    const decision = evaluate(
      { numbers },
      { inventory: Object.fromEntries(numbers.map((n) => [n, active()])), accounts: [account({ activeNumberCount: numbers.length })] },
    );
    expect(decision.lock).toEqual(numbers);
  });
});

describe('evaluatePortOut: each rejection on its own', () => {
  it('number_released: the scheduled check released it', () => {
    const decision = evaluate({ numbers: [A1, A2] }, { inventory: { [A1]: active(), [A2]: { ...active(), status: 'released' } } });
    expectRejected(decision, 'number_released', [A2]);
    expect(decision.portOut.rejection!.message).toContain(A2);
    expect(decision.portOut.accountId).toBe('acc_a'); // the customer sees why
  });

  it('number_released: the post-termination window is over even though the check has not run yet', () => {
    // GB: terminated 30 April 2026, numbers portable until 00:00 BST on 30 May.
    const decision = evaluate({ numbers: [A1, A3] }, { accounts: [account({ terminationDate: '2026-04-30' })] }, { now: new Date('2026-05-29T23:00:00Z') });
    expectRejected(decision, 'number_released', [A1, A3]);
  });

  it.each<[string, string[], World, string[]]>([
    ['never ours', [A1, X1], {}, [X1]],
    ['ported out already', [A1, A2], { inventory: { [A1]: active(), [A2]: { ...active(), status: 'ported_out' } } }, [A2]],
    ['every number unknown', [X1, '+442079460998'], {}, [X1, '+442079460998']],
    ['its account is unknown to us', [A1], { accounts: [account({ id: 'acc_b' })] }, [A1]],
  ])('number_not_found: %s', (_name, numbers, world, expected) => {
    expectRejected(evaluate({ numbers }, world), 'number_not_found', expected);
  });

  it('number_not_found: no number at all', () => {
    expectRejected(evaluate({ numbers: [] }), 'number_not_found', []);
  });

  it('account_mismatch: numbers on two accounts', () => {
    const decision = evaluate({ numbers: [A1, B1] });
    expectRejected(decision, 'account_mismatch', [A1, B1]);
    expect(decision.portOut.accountId).toBeNull();
    expect(decision.portOut.market).toBeNull();
  });

  it.each<[string, string | null]>([
    ['missing', null],
    ['blank', '   '],
    ['different', 'AC-123457'],
    ['another account of the same holder', 'AC-12345'],
  ])('account_mismatch: account number %s', (_name, given) => {
    expectRejected(evaluate({ accountNumber: given }, { accounts: [account({ accountNumber: 'AC-123 456' })] }), 'account_mismatch', []);
  });

  it.each(['AC-123 456', 'ac123456', '  AC 123-456 ', 'a-c-1-2-3-4-5-6', 'AC\u2013123456'])('account number %j matches "AC-123 456"', (given) => {
    expect(evaluate({ accountNumber: given }, { accounts: [account({ accountNumber: 'AC-123 456' })] }).portOut.status).toBe('accepted');
  });

  it('no account number on the account: any given one is not checked', () => {
    expect(evaluate({ accountNumber: 'whatever' }).portOut.status).toBe('accepted');
    expect(evaluate({}, { accounts: [account({ accountNumber: ' - ' })] }).portOut.status).toBe('accepted');
  });

  it('normalizeAccountNumber: trimmed, lower case, no spaces or dashes', () => {
    expect(normalizeAccountNumber(' Ab-12 \t34—5 ')).toBe('ab12345');
  });

  it.each<[string, string | null]>([
    ['missing', null],
    ['wrong', sha256('1235')],
    ['not a digest', 'zz'],
    ['the PIN itself instead of its digest', '1234'],
  ])('pin_mismatch: PIN %s', (_name, pinHash) => {
    const decision = evaluate({ pinHash }, { accounts: [account({ portOutPinHash: sha256('1234') })] });
    expectRejected(decision, 'pin_mismatch', []);
    expect(decision.portOut.accountId).toBe('acc_a');
  });

  it('the right PIN (digests compared case-insensitively) is accepted', () => {
    expect(evaluate({ pinHash: sha256('1234') }, { accounts: [account({ portOutPinHash: sha256('1234') })] }).portOut.status).toBe('accepted');
    expect(evaluate({ pinHash: sha256('1234').toUpperCase() }, { accounts: [account({ portOutPinHash: sha256('1234') })] }).portOut.status).toBe('accepted');
  });

  it('batch_required: one number of several, where the market asks for batches', () => {
    const decision = evaluate({ numbers: [A1] }, {}, { policyFor: batchesOnly });
    expectRejected(decision, 'batch_required', [A1]);
  });

  it.each<[string, Partial<PortOutRequestInput>, World, ((m: Market) => MarketPolicy) | undefined]>([
    ['no market sets the flag today', { numbers: [A1] }, {}, undefined],
    ['a batch of two', { numbers: [A1, A2] }, {}, batchesOnly],
    ['the account\'s last number may go alone', { numbers: [B1] }, {}, batchesOnly],
  ])('batch rule: accepted when %s', (_name, i, world, policy) => {
    expect(evaluate(i, world, policy ? { policyFor: policy } : {}).portOut.status).toBe('accepted');
  });

  it('the batch rule reads the policy of the account\'s market', () => {
    const frOnly = (m: Market) => (m === 'FR' ? batchesOnly(m) : policyFor(m));
    expect(evaluate({ numbers: [A1] }, {}, { policyFor: frOnly }).portOut.status).toBe('accepted');
    expect(evaluate({ numbers: [A1] }, { accounts: [account({ market: 'FR' })] }, { policyFor: frOnly }).portOut.rejection?.code).toBe('batch_required');
  });

  it.each<[string, World['locks'], string[], string]>([
    ['held by a port-in', { [A3]: { orderId: 'ord_1', orderKind: 'port_in' } }, [A3], 'ord_1'],
    ['held by another port-out', { [A1]: { orderId: 'pout_OTHER', orderKind: 'port_out' } }, [A1], 'pout_OTHER'],
    [
      'two numbers held: the first in request order is named',
      { [A3]: { orderId: 'ord_3', orderKind: 'port_in' }, [A1]: { orderId: 'ord_1', orderKind: 'port_in' } },
      [A1, A3],
      'ord_1',
    ],
  ])('number_in_active_order: %s', (_name, locks, expected, orderId) => {
    const decision = evaluate({ numbers: [A1, A3] }, { locks });
    expectRejected(decision, 'number_in_active_order', expected, orderId);
    expect(decision.portOut.rejection!.message).toContain(orderId);
    expect(decision.portOut.accountId).toBe('acc_a');
  });

  it('accountId and market on a rejection: when every number we know is on one account', () => {
    expect(evaluate({ numbers: [A1, X1] }).portOut).toMatchObject({ accountId: 'acc_a', market: 'GB' });
    expect(evaluate({ numbers: [X1] }).portOut).toMatchObject({ accountId: null, market: null });
    expect(evaluate({ numbers: [A1, B1, X1] }).portOut).toMatchObject({ accountId: null, market: null });
    expect(evaluate({ numbers: [A1, X1] }).portOut.lines).toEqual([
      { e164: A1, origin: 'provisioned' },
      { e164: X1, origin: null },
    ]);
  });
});

describe('evaluatePortOut: precedence (the first failing check is the code)', () => {
  const pin = sha256('1234');
  const guarded = account({ accountNumber: 'AC1', portOutPinHash: pin });
  it.each<[string, Partial<PortOutRequestInput>, World, PortOutContext['policyFor'] | undefined, PortOutRejectionCode, string[]]>([
    ['released before not found', { numbers: [X1, A2] }, { inventory: { [A2]: { ...active(), status: 'released' } } }, undefined, 'number_released', [A2]],
    ['not found before two accounts', { numbers: [A1, B1, X1] }, {}, undefined, 'number_not_found', [X1]],
    ['two accounts before a wrong PIN', { numbers: [A1, B1] }, { accounts: [guarded, account({ id: 'acc_b' })] }, undefined, 'account_mismatch', [A1, B1]],
    ['account number before PIN', { accountNumber: 'AC2', pinHash: null }, { accounts: [guarded] }, undefined, 'account_mismatch', []],
    ['PIN before batch', { numbers: [A1], accountNumber: 'ac1', pinHash: sha256('9') }, { accounts: [guarded] }, batchesOnly, 'pin_mismatch', []],
    ['batch before a lock', { numbers: [A1] }, { locks: { [A1]: { orderId: 'ord_1', orderKind: 'port_in' } } }, batchesOnly, 'batch_required', [A1]],
    ['released before a lock', { numbers: [A1] }, { accounts: [account({ terminationDate: '2026-01-01' })], locks: { [A1]: { orderId: 'ord_1', orderKind: 'port_in' } } }, undefined, 'number_released', [A1]],
    ['not found before a lock', { numbers: [A1, X1] }, { locks: { [A1]: { orderId: 'ord_1', orderKind: 'port_in' } } }, undefined, 'number_not_found', [X1]],
  ])('%s', (_name, i, world, policy, code, numbers) => {
    expectRejected(evaluate(i, world, policy ? { policyFor: policy } : {}), code, numbers);
  });

  // Every combination of the checks that can fail together on one account: the earliest wins.
  it('any combination: the earliest failing check in PORT_OUT_REJECTION_CODES order', () => {
    const R = '+442079460004';
    fc.assert(
      fc.property(fc.record({ released: fc.boolean(), notFound: fc.boolean(), accountNumber: fc.boolean(), pin: fc.boolean(), locked: fc.boolean() }), (f) => {
        const numbers = [A1, A2, ...(f.released ? [R] : []), ...(f.notFound ? [X1] : [])];
        const decision = evaluate(
          { numbers, accountNumber: f.accountNumber ? 'AC2' : 'AC1', pinHash: f.pin ? sha256('9') : pin },
          { inventory: { [A1]: active(), [A2]: active(), [R]: { ...active(), status: 'released' } }, accounts: [guarded], locks: f.locked ? { [A2]: { orderId: 'ord_1', orderKind: 'port_in' } } : {} },
        );
        const failing: PortOutRejectionCode[] = [
          ...(f.released ? (['number_released'] as const) : []),
          ...(f.notFound ? (['number_not_found'] as const) : []),
          ...(f.accountNumber ? (['account_mismatch'] as const) : []),
          ...(f.pin ? (['pin_mismatch'] as const) : []),
          ...(f.locked ? (['number_in_active_order'] as const) : []),
        ];
        const expected = PORT_OUT_REJECTION_CODES.find((c) => failing.includes(c)) ?? null;
        expect(decision.portOut.rejection?.code ?? null).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('evaluatePortOut: account termination', () => {
  // Terminates at 00:00 market time on the termination date; portable until the window ends (AU 0, GB 30, FR 40 days).
  it.each<[Market, IsoDate, string, string]>([
    // [market, termination date, an instant before termination, numbersReleaseAt]
    ['AU', '2026-07-15', '2026-07-01T00:00:00Z', '2026-07-14T14:00:00Z'],
    ['GB', '2026-04-30', '2026-04-01T00:00:00Z', '2026-05-29T23:00:00Z'],
    ['FR', '2026-10-01', '2026-09-01T00:00:00Z', '2026-11-09T23:00:00Z'], // terminated in CEST, released in CET
  ])('%s, terminated %s: portable before and during the window, number_released from %s', (market, terminationDate, beforeTermination, releaseAt) => {
    const world: World = { accounts: [account({ market, terminationDate })] };
    const at = (instant: string | number) => evaluate({ numbers: [A1, A2] }, world, { now: new Date(instant) });
    const release = Date.parse(releaseAt);
    const terminationStarts = startOfMarketDay(terminationDate, market).getTime();
    expect(at(beforeTermination).portOut.status).toBe('accepted');
    expect(at(terminationStarts - 1).portOut.status).toBe('accepted');
    if (market !== 'AU') {
      expect(at(terminationStarts).portOut.status).toBe('accepted'); // during the window
      expect(at(terminationStarts + 20 * 86_400_000).portOut.status).toBe('accepted');
    } else {
      expect(release).toBe(terminationStarts); // no window at all
    }
    expect(at(release - 1).portOut.status).toBe('accepted');
    expectRejected(evaluatePortOut(REQUEST, input({ numbers: [A1, A2] }), facts(world), ctx({ now: new Date(release) })), 'number_released', [A1, A2]);
    expect(at(release + 86_400_000 * 365).portOut.rejection?.code).toBe('number_released');
  });

  it('the window comes from the policy in the context', () => {
    const world: World = { accounts: [account({ terminationDate: '2026-04-30' })] };
    const shortWindow = (m: Market): MarketPolicy => ({ ...policyFor(m), postTerminationPortabilityDays: 5 });
    // 5 May 00:00 BST = 4 May 23:00 UTC.
    expect(evaluate({}, world, { now: new Date('2026-05-04T22:59:59.999Z'), policyFor: shortWindow }).portOut.status).toBe('accepted');
    expect(evaluate({}, world, { now: new Date('2026-05-04T23:00:00Z'), policyFor: shortWindow }).portOut.rejection?.code).toBe('number_released');
  });

  it('only the terminated account\'s numbers are released', () => {
    const world: World = { accounts: [account(), account({ id: 'acc_b', terminationDate: '2026-01-01' })] };
    expectRejected(evaluate({ numbers: [A1, B1] }, world), 'number_released', [B1]);
    expect(evaluate({ numbers: [A1] }, world).portOut.status).toBe('accepted');
  });
});

// ---- Lifecycle

function accepted(market: Market, at: string, numbers: string[] = [A1, A3], world: World = { accounts: [account({ market })] }): PortOutRequest {
  const decision = evaluatePortOut(REQUEST, input({ numbers }), facts(world), ctx({ now: new Date(at) }));
  expect(decision.portOut.status).toBe('accepted');
  return decision.portOut;
}

const plan = (market: Market, seats?: number): PlanPrices => ({
  active: true,
  portingEnabled: true,
  monthlyFee: { currency: policyFor(market).currency, amountMinor: 3000 },
  ...(seats === undefined ? {} : { seats }),
});

const completeCtx = (now: string, market: Market = 'GB', activeNumberCount = 3, seats?: number) => ({
  now: new Date(now),
  actor: CARRIER,
  account: { plan: plan(market, seats), activeNumberCount },
});

function withStatus(status: PortOutStatus): PortOutRequest {
  return { ...accepted('GB', '2026-06-01T09:00:00Z'), status };
}

/** An FR port-out of `numbers` (all acc_a's), accepted on 1 June from an account of `before` active numbers. */
const acceptedFr = (numbers: string[], before: number): PortOutRequest =>
  accepted('FR', '2026-06-01T09:00:00Z', numbers, {
    inventory: Object.fromEntries(numbers.map((n) => [n, active()])),
    accounts: [account({ market: 'FR', activeNumberCount: before })],
  });

describe('completePortOut', () => {
  const portOut = accepted('GB', '2026-06-01T09:00:00Z');

  it('completes: numbers leave on that date, locks are given up, one event', () => {
    const decision = completePortOut(portOut, '2026-06-05', completeCtx('2026-06-10T09:00:00Z'));
    expect(decision.portOut).toEqual({
      ...portOut,
      status: 'completed',
      completedOn: '2026-06-05',
      monthlyChargeChange: null,
      updatedAt: '2026-06-10T09:00:00.000Z',
      version: 2,
    });
    expect(decision.lock).toEqual([]);
    expect(decision.release).toEqual([A1, A3]);
    expect(decision.portedOut).toEqual({ accountId: 'acc_a', numbers: [A1, A3], on: '2026-06-05' });
    expect(decision.events).toEqual([
      { type: 'completed', at: '2026-06-10T09:00:00.000Z', actor: CARRIER, data: { completedOn: '2026-06-05', numbers: 2, monthlyChargeChange: null } },
    ]);
  });

  it.each<[string, IsoDate, string, boolean]>([
    ['on the acceptance date', '2026-06-01', '2026-06-10T09:00:00Z', true],
    ['today', '2026-06-10', '2026-06-10T09:00:00Z', true],
    ['the same day it was accepted, completed that day', '2026-06-01', '2026-06-01T20:00:00Z', true],
    ['the day before acceptance', '2026-05-31', '2026-06-10T09:00:00Z', false],
    ['tomorrow', '2026-06-11', '2026-06-10T09:00:00Z', false],
    ['not a calendar date', '2026-06-31', '2026-07-10T09:00:00Z', false],
    ['not a date at all', 'yesterday', '2026-06-10T09:00:00Z', false],
  ])('completedOn %s (%s) -> %s', (_name, completedOn, now, ok) => {
    const run = () => completePortOut(portOut, completedOn, completeCtx(now));
    if (ok) {
      expect(run().portOut.completedOn).toBe(completedOn);
      return;
    }
    const error = expectError(run, RuleViolationError, 'completion_date_invalid') as RuleViolationError;
    expect(error.issues).toEqual([expect.objectContaining({ code: 'completion_date_invalid', path: 'completedOn' })]);
  });

  // Accepted at 23:30 on D and completed at 00:10 on D+1, market time: both instants fall on the same
  // UTC date, so UTC dates would refuse D+1 as "tomorrow" or accept D−1.
  it.each<[Market, string, string, IsoDate, IsoDate]>([
    ['AU', '2026-06-10T13:30:00Z', '2026-06-10T14:10:00Z', '2026-06-10', '2026-06-11'], // Brisbane UTC+10
    ['GB', '2026-06-10T22:30:00Z', '2026-06-10T23:10:00Z', '2026-06-10', '2026-06-11'], // BST
    ['FR', '2026-06-10T21:30:00Z', '2026-06-10T22:10:00Z', '2026-06-10', '2026-06-11'], // CEST
    ['GB', '2026-01-10T23:30:00Z', '2026-01-11T00:10:00Z', '2026-01-10', '2026-01-11'], // GMT: UTC is market time
    // Across a clock change: 23:30 BST on 24 Oct, then 00:10 GMT on 26 Oct.
    ['GB', '2026-10-24T22:30:00Z', '2026-10-26T00:10:00Z', '2026-10-24', '2026-10-26'],
    // 23:30 CET on 28 March, then 00:10 CEST on 30 March.
    ['FR', '2026-03-28T22:30:00Z', '2026-03-29T22:10:00Z', '2026-03-28', '2026-03-30'],
  ])('%s: market dates at midnight (accepted %s, now %s)', (market, acceptedAt, now, acceptedOn, today) => {
    const p = accepted(market, acceptedAt);
    expect(DateIn(market, acceptedAt)).toBe(acceptedOn);
    expect(DateIn(market, now)).toBe(today);
    const c = completeCtx(now, market);
    expect(completePortOut(p, acceptedOn, c).portOut.completedOn).toBe(acceptedOn);
    expect(completePortOut(p, today, c).portOut.completedOn).toBe(today);
    expectError(() => completePortOut(p, shift(acceptedOn, -1), c), RuleViolationError, 'completion_date_invalid');
    expectError(() => completePortOut(p, shift(today, 1), c), RuleViolationError, 'completion_date_invalid');
  });

  it.each<PortOutStatus>(['rejected', 'completed', 'withdrawn'])('a %s port-out cannot complete (409)', (status) => {
    expectError(() => completePortOut(withStatus(status), '2026-06-05', completeCtx('2026-06-10T09:00:00Z')), InvalidTransitionError, 'port_out_not_accepted');
  });

  it('AU and GB have no monthly change', () => {
    for (const market of ['AU', 'GB'] as const) {
      const p = accepted(market, '2026-06-01T09:00:00Z');
      expect(completePortOut(p, '2026-06-05', completeCtx('2026-06-10T09:00:00Z', market, 5, 1)).portOut.monthlyChargeChange).toBeNull();
    }
  });

  it.each<[number | undefined, number, number, number]>([
    // seats, active before, leaving, change in € cents
    [1, 1, 1, 0], // the included number leaves
    [1, 3, 1, -995],
    [1, 3, 2, -1990],
    [1, 3, 3, -1990], // 2 were charged; all leave
    [undefined, 4, 2, -1990], // one seat by default
    [5, 4, 2, 0], // all covered by seats
    [5, 7, 3, -1990], // 7 → 4: the 2 beyond 5 seats stop
    [2, 5, 1, -995],
    [3, 10, 10, -6965],
    [1, 1, 2, 0], // a stale count never makes a charge go up
  ])('FR: %s seat(s), %i active, %i leaving -> %i', (seats, before, leaving, change) => {
    const numbers = [A1, A2, A3, '+442079460004', '+442079460005', '+442079460006', '+442079460007', '+442079460008', '+442079460009', '+442079460010'].slice(0, leaving);
    const p = acceptedFr(numbers, before);
    const decision = completePortOut(p, '2026-06-05', completeCtx('2026-06-10T09:00:00Z', 'FR', before, seats));
    expect(decision.portOut.monthlyChargeChange).toEqual({ currency: 'EUR', amountMinor: change });
    expect(decision.events[0]!.data.monthlyChargeChange).toEqual({ currency: 'EUR', amountMinor: change });
  });
});

describe('withdrawPortOut', () => {
  const portOut = accepted('GB', '2026-06-01T09:00:00Z');
  const c = ctx({ now: new Date('2026-06-03T10:00:00Z') });

  it.each<[string | null, string | null]>([
    ['  Customer changed their mind ', 'Customer changed their mind'],
    ['   ', null],
    [null, null],
  ])('withdraws (reason %j): the numbers stay, the locks go', (reason, kept) => {
    const decision = withdrawPortOut(portOut, reason, c);
    expect(decision.portOut).toEqual({ ...portOut, status: 'withdrawn', withdrawnReason: kept, updatedAt: '2026-06-03T10:00:00.000Z', version: 2 });
    expect(decision.release).toEqual([A1, A3]);
    expect(decision.lock).toEqual([]);
    expect(decision.portedOut).toBeNull();
    expect(decision.events).toEqual([{ type: 'withdrawn', at: '2026-06-03T10:00:00.000Z', actor: CARRIER, data: { reason: kept } }]);
  });

  it.each<PortOutStatus>(['rejected', 'completed', 'withdrawn'])('a %s port-out cannot be withdrawn (409)', (status) => {
    expectError(() => withdrawPortOut(withStatus(status), null, c), InvalidTransitionError, 'port_out_not_accepted');
  });
});

describe('refuseCancellation', () => {
  it('accepted: 409 port_out_not_cancellable, explaining the withdrawal and the port-back', () => {
    const error = expectError(() => refuseCancellation(withStatus('accepted')), InvalidTransitionError, 'port_out_not_cancellable');
    expect(error.message).toBe(PORT_OUT_NOT_CANCELLABLE_MESSAGE);
    expect(PORT_OUT_NOT_CANCELLABLE_MESSAGE).toBe(
      'An accepted port-out cannot be cancelled: the gaining carrier started it and we must release the numbers. If it was a mistake, ask the gaining carrier to withdraw its request; once the numbers have left, you can port them back with a new port-in order (the port-back fee applies).',
    );
  });

  it.each<PortOutStatus>(['rejected', 'completed', 'withdrawn'])('%s: 409 port_out_final', (status) => {
    const error = expectError(() => refuseCancellation(withStatus(status)), InvalidTransitionError, 'port_out_final');
    expect(error.message).toContain(status);
  });
});

describe('viewPortOut', () => {
  it('adds the number count, the ported-in numbers and that it cannot be cancelled', () => {
    const portOut = evaluate({ numbers: [A3, A1, X1] }).portOut;
    expect(viewPortOut(portOut)).toEqual({ ...portOut, numberCount: 3, portedInNumbers: [A3], cancellable: false });
    expect(viewPortOut(accepted('GB', '2026-06-01T09:00:00Z', [A1, A2]))).toMatchObject({ numberCount: 2, portedInNumbers: [], cancellable: false });
  });
});

// ---- Properties


const POOL = ['+61732000001', '+61732000002', '+442079460001', '+442079460002', '+33142685301', '+33142685302'];
const anyNumberFact = fc.record({
  accountId: fc.constantFrom('acc_a', 'acc_b', 'acc_gone'),
  origin: fc.constantFrom('provisioned' as const, 'ported_in' as const),
  status: fc.constantFrom('active' as const, 'ported_out' as const, 'released' as const),
});
const anyAccount = (id: string) =>
  fc.record({
    id: fc.constant(id),
    market: fc.constantFrom(...MARKETS),
    accountNumber: fc.option(fc.constantFrom('AC-1', 'ac1', 'AC2', ' '), { nil: null }),
    portOutPinHash: fc.option(fc.constantFrom(sha256('1'), sha256('2')), { nil: null }),
    terminationDate: fc.option(fc.integer({ min: 0, max: 800 }).map((d) => shift('2025-06-01', d)), { nil: null }),
    activeNumberCount: fc.integer({ min: 0, max: 10 }),
  });
const anyFacts = fc.record({
  inventory: fc.dictionary(fc.constantFrom(...POOL), anyNumberFact),
  accounts: fc.tuple(anyAccount('acc_a'), anyAccount('acc_b')),
  locks: fc.dictionary(fc.constantFrom(...POOL), fc.record({ orderId: fc.constantFrom(REQUEST.id, 'ord_1', 'pout_OTHER'), orderKind: fc.constantFrom('port_in' as const, 'port_out' as const) })),
});
const anyInput = fc.record({
  numbers: fc.array(fc.constantFrom(...POOL, '+442079460999'), { maxLength: 8 }),
  accountNumber: fc.option(fc.constantFrom('AC-1', 'a c 1', 'AC2', ''), { nil: null }),
  pinHash: fc.option(fc.constantFrom(sha256('1'), sha256('2').toUpperCase(), 'x'), { nil: null }),
  authorizedName: fc.string({ maxLength: 20 }),
  requestedDate: fc.constant('2026-06-17'),
});
const anyNow = fc.integer({ min: Date.parse('2025-06-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }).map((t) => new Date(t));

describe('properties', () => {
  it('evaluate never throws; accepted ⇔ no rejection and lock = the numbers; rejected never locks', () => {
    fc.assert(
      fc.property(anyInput, anyFacts, anyNow, fc.boolean(), (i, f, now, batches) => {
        const world: PortOutFacts = {
          inventory: new Map(Object.entries(f.inventory)),
          accounts: new Map(f.accounts.map((a) => [a.id, a])),
          locks: new Map(Object.entries(f.locks)),
        };
        const decision = evaluatePortOut(REQUEST, i, world, ctx({ now, policyFor: batches ? batchesOnly : policyFor }));
        const { portOut } = decision;
        const numbers = [...new Set(i.numbers)];
        expect(portOut.lines.map((l) => l.e164)).toEqual(numbers);
        expect(portOut.lines.map((l) => l.origin)).toEqual(numbers.map((n) => f.inventory[n]?.origin ?? null));
        expect(decision.events.map((e) => e.type)).toEqual([portOut.status]);
        expect(decision.release).toEqual([]);
        expect(decision.portedOut).toBeNull();
        expect(portOut.version).toBe(1);
        if (portOut.status === 'accepted') {
          expect(portOut.rejection).toBeNull();
          expect(decision.lock).toEqual(numbers);
          // Everything the rulebook asks held.
          expect(numbers.length).toBeGreaterThan(0);
          for (const n of numbers) {
            expect(f.inventory[n]).toMatchObject({ accountId: portOut.accountId, status: 'active' });
            const lock = f.locks[n];
            if (lock) expect(lock.orderId).toBe(REQUEST.id);
          }
          const acc = f.accounts.find((a) => a.id === portOut.accountId)!;
          expect(portOut.market).toBe(acc.market);
          if (acc.portOutPinHash !== null) expect(i.pinHash?.toLowerCase()).toBe(acc.portOutPinHash);
          if (normalizeAccountNumber(acc.accountNumber ?? '') !== '') expect(normalizeAccountNumber(i.accountNumber ?? '')).toBe(normalizeAccountNumber(acc.accountNumber!));
        } else {
          expect(portOut.status).toBe('rejected');
          expect(decision.lock).toEqual([]);
          expect(PORT_OUT_REJECTION_CODES).toContain(portOut.rejection!.code);
          for (const n of portOut.rejection!.numbers) expect(numbers).toContain(n);
          expect(portOut.rejection!.conflictingOrderId !== null).toBe(portOut.rejection!.code === 'number_in_active_order');
        }
        // The account is named exactly when every number we hold is on one account.
        const ids = new Set(numbers.flatMap((n) => (f.inventory[n] ? [f.inventory[n].accountId] : [])));
        expect(portOut.accountId).toBe(ids.size === 1 ? [...ids][0] : null);
      }),
      { numRuns: 3000 },
    );
  });

  it('FR: the monthly change is ≤ 0 and is the fee for each charged number (beyond the seats) that left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (seats, before, leaving) => {
        fc.pre(leaving <= before);
        const numbers = Array.from({ length: leaving }, (_, k) => `+3314268${String(k).padStart(4, '0')}`);
        const p = acceptedFr(numbers, before);
        const change = completePortOut(p, '2026-06-01', completeCtx('2026-06-01T10:00:00Z', 'FR', before, seats)).portOut.monthlyChargeChange!;
        // Count, one by one, the numbers billed before and after (the first `seats` are included).
        let charged = 0;
        for (let k = 1; k <= before; k++) if (k > seats && k > before - leaving) charged++;
        expect(change.currency).toBe('EUR');
        expect(change.amountMinor).toBeLessThanOrEqual(0);
        expect(change.amountMinor).toBe(charged === 0 ? 0 : -995 * charged);
      }),
      { numRuns: 1000 },
    );
  });

  it('completion accepts exactly the market dates from acceptance to today', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MARKETS),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
        fc.integer({ min: 0, max: 20 * 86_400_000 }),
        fc.integer({ min: -3, max: 25 }),
        (market, acceptedMs, laterMs, offset) => {
          const acceptedAt = new Date(acceptedMs).toISOString();
          const now = new Date(acceptedMs + laterMs).toISOString();
          const p = accepted(market, acceptedAt);
          const acceptedOn = DateIn(market, acceptedAt);
          const completedOn = shift(acceptedOn, offset);
          const ok = completedOn >= acceptedOn && completedOn <= DateIn(market, now);
          const run = () => completePortOut(p, completedOn, completeCtx(now, market));
          if (ok) expect(run().portedOut?.on).toBe(completedOn);
          else expectError(run, RuleViolationError, 'completion_date_invalid');
        },
      ),
      { numRuns: 500 },
    );
  });
});
