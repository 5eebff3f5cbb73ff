// Port-out use cases (rulebook "Port-out"): a gaining carrier asks us to release numbers. Each one:
// load what it needs (batched), let the rules in ../../rules/port-out decide, write the decision with
// its emails in one PortOutChange (number locks, inventory, transactional outbox), return the view.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { AccountRecord, Caller, OutboxItem, Page, PageRequest, PortOutChange } from '../ports.ts';
import { actorOf, newId, type UseCaseDeps } from '../context.ts';
import { deliverAll } from '../outbox.ts';
import { logger } from '../logger.ts';
import { portOutCompletedItems, portOutCreatedItems, portOutWithdrawnItems } from '../port-out-notices.ts';
import { evaluatePortOut, hashPortOutPin, type NewPortOut, type PortOutContext } from '../../rules/port-out/evaluate.ts';
import { completePortOut, refuseCancellation, withdrawPortOut } from '../../rules/port-out/lifecycle.ts';
import { viewPortOut, type PortOutView } from '../../rules/port-out/view.ts';
import type {
  PortOutAccountFacts,
  PortOutEvent,
  PortOutFacts,
  PortOutNumberFact,
  PortOutRequest,
  PortOutRequestInput,
  PortOutStatus,
} from '../../rules/port-out/types.ts';
import { ConcurrentModificationError, InvalidTransitionError, NotFoundError, NumberConflictError, RuleViolationError } from '../../rules/errors.ts';
import type { Issue } from '../../rules/types.ts';
import { HttpError } from '../../http/problem.ts';
import type { CreatePortOutInput, PortOutCarrierEventInput } from '../../http/schemas.ts';

/** A request that came by email: its id is fixed by the intake (derived from the message), the answer goes back by email. */
export interface PortOutChannel {
  channel: 'email';
  id: string;
  inboundEmailId: string;
  loaDocumentId: string | null;
  replyTo: string;
}

// ---- loading and visibility -------------------------------------------------------------------

/** Operators see every port-out, a carrier those it asked for, a customer those of its account. */
function canSee(caller: Caller, portOut: PortOutRequest): boolean {
  if (caller.role === 'operator') return true;
  if (caller.role === 'customer') return portOut.accountId !== null && portOut.accountId === caller.accountId;
  return caller.carrierId !== null && portOut.carrierId === caller.carrierId;
}

async function loadPortOut(deps: UseCaseDeps, caller: Caller, id: string): Promise<PortOutRequest> {
  const portOut = await deps.repository.getPortOut(id);
  if (!portOut || !canSee(caller, portOut)) throw new NotFoundError('port-out', id);
  return portOut;
}

async function carrierName(deps: UseCaseDeps, carrierId: string): Promise<string> {
  return (await deps.repository.getCarrier(carrierId))?.name ?? carrierId;
}

/** The gaining carrier a request is for: a carrier's own; an operator must name an existing one. */
async function requestingCarrier(deps: UseCaseDeps, caller: Caller, requested: string | undefined): Promise<{ id: string; name: string }> {
  if (caller.role === 'customer') {
    throw new HttpError(403, 'forbidden', 'Only the gaining carrier (or an operator for it) can request a port-out.');
  }
  if (caller.role === 'carrier' && requested !== undefined && requested !== caller.carrierId) {
    throw new HttpError(403, 'forbidden', 'A carrier key can only request port-outs for its own carrier; leave carrierId out.');
  }
  const carrierId = caller.role === 'carrier' ? caller.carrierId : (requested ?? null);
  if (!carrierId) {
    throw new RuleViolationError('carrier_id_required', 'Operators must say which gaining carrier the port-out is for.', [
      { path: 'carrierId', code: 'carrier_id_required', message: 'Give the carrierId of the gaining carrier.' },
    ]);
  }
  const carrier = await deps.repository.getCarrier(carrierId);
  if (!carrier) {
    throw new RuleViolationError('carrier_not_found', `No carrier with id ${carrierId} exists.`, [
      { path: 'carrierId', code: 'carrier_not_found', message: 'Give the id of a registered carrier.' },
    ]);
  }
  return { id: carrier.id, name: carrier.name };
}

/** Carriers exchange numbers in E.164 (a port-out names no market): `+` then the number, spaces and dashes tolerated. */
const E164_INPUT = /^\+[0-9\s\-().]+$/;

/** The request's numbers in E.164, distinct, in request order; any unusable one fails the request (nothing stored). */
export function normalizePortOutNumbers(numbers: readonly string[]): string[] {
  const issues: Issue[] = [];
  const distinct = new Set<string>();
  numbers.forEach((raw, i) => {
    const input = raw.trim();
    const parsed = E164_INPUT.test(input) ? parsePhoneNumberFromString(input) : undefined;
    if (!parsed || !parsed.isValid()) {
      issues.push({ path: `numbers[${i}]`, code: 'number_invalid', message: `"${input}" is not a valid number in E.164 form (e.g. +61732123456).` });
      return;
    }
    distinct.add(parsed.number);
  });
  if (issues.length > 0) {
    throw new RuleViolationError('numbers_invalid', `${issues.length} number(s) are not valid E.164 numbers; nothing was stored. Fix them and send the request again.`, issues);
  }
  return [...distinct];
}

/** What we hold about the numbers: inventory and locks (batched), then each account they name. */
async function loadFacts(deps: UseCaseDeps, numbers: string[]): Promise<{ facts: PortOutFacts; accounts: Map<string, AccountRecord> }> {
  const [inventory, locks] = await Promise.all([deps.repository.getInventoryNumbers(numbers), deps.repository.getNumberLocks(numbers)]);
  const accountIds = [...new Set([...inventory.values()].map((n) => n.accountId))];
  const records = await Promise.all(accountIds.map((id) => deps.repository.getAccount(id)));
  const accounts = new Map<string, AccountRecord>();
  for (const record of records) if (record) accounts.set(record.id, record);

  const numberFacts = new Map<string, PortOutNumberFact>();
  for (const [e164, item] of inventory) numberFacts.set(e164, { accountId: item.accountId, origin: item.origin, status: item.status });
  const accountFacts = new Map<string, PortOutAccountFacts>();
  for (const account of accounts.values()) {
    accountFacts.set(account.id, {
      id: account.id,
      market: account.market,
      accountNumber: account.losingCarrierAccountNumber,
      portOutPinHash: account.portOutPinHash,
      terminationDate: account.terminationDate,
      activeNumberCount: account.activeNumberCount,
    });
  }
  const lockFacts = new Map<string, { orderId: string; orderKind: 'port_in' | 'port_out' }>();
  for (const [e164, lock] of locks) lockFacts.set(e164, { orderId: lock.orderId, orderKind: lock.orderKind });
  return { facts: { inventory: numberFacts, accounts: accountFacts, locks: lockFacts }, accounts };
}

/**
 * Writes the change, then tries its emails at once. Throws what savePortOut throws (nothing was
 * written then); after a successful write nothing throws: the dispatcher retries what failed.
 */
async function save(deps: UseCaseDeps, change: PortOutChange): Promise<void> {
  await deps.repository.savePortOut(change);
  try {
    await deliverAll(deps, change.outbox ?? []);
  } catch (error) {
    logger.error('outbox delivery after a port-out write failed; the dispatcher will retry', {
      portOutId: change.portOut.id,
      error: error instanceof Error ? error.name : 'error',
    });
  }
}

const context = (deps: UseCaseDeps, caller: Caller): PortOutContext => ({ now: deps.clock.now(), actor: actorOf(caller) });

// ---- use cases ----------------------------------------------------------------------------------

/**
 * Creates the port-out (accepted or rejected) and returns its view. Email channel: `channel.id` is
 * fixed by the intake (derived from the message); a port-out with that id already there is returned
 * as it is (a retry).
 */
export async function requestPortOut(deps: UseCaseDeps, caller: Caller, input: CreatePortOutInput, channel?: PortOutChannel): Promise<PortOutView> {
  if (channel) {
    const existing = await deps.repository.getPortOut(channel.id);
    if (existing) return viewPortOut(existing);
  }
  const carrier = await requestingCarrier(deps, caller, input.carrierId);
  const numbers = normalizePortOutNumbers(input.numbers);
  const request: NewPortOut = {
    id: channel?.id ?? newId('pout'),
    carrierId: carrier.id,
    channel: channel ? 'email' : 'api',
    inboundEmailId: channel?.inboundEmailId ?? null,
    loaDocumentId: channel?.loaDocumentId ?? null,
  };
  const requestInput: PortOutRequestInput = {
    numbers,
    accountNumber: input.accountNumber ?? null,
    pinHash: input.pin === undefined ? null : hashPortOutPin(input.pin),
    authorizedName: input.authorizedName,
    requestedDate: input.requestedDate,
  };
  const { facts, accounts } = await loadFacts(deps, numbers);
  const ctx = context(deps, caller);
  const reply = channel ? { replyTo: channel.replyTo } : null;

  const decide = (withFacts: PortOutFacts): PortOutChange => {
    const decision = evaluatePortOut(request, requestInput, withFacts, ctx);
    const account = decision.portOut.accountId === null ? null : (accounts.get(decision.portOut.accountId) ?? null);
    const outbox: OutboxItem[] = portOutCreatedItems(deps, decision.portOut, account, carrier.name, reply, ctx.now);
    return { ...decision, expectedVersion: null, outbox };
  };

  const change = decide(facts);
  try {
    await save(deps, change);
    return viewPortOut(change.portOut);
  } catch (error) {
    if (error instanceof NumberConflictError) {
      // Another order took a number between our read and our write: decide again knowing it (a rejection holds no lock).
      const locks = new Map(facts.locks);
      locks.set(error.number, { orderId: error.conflictingOrderId, orderKind: error.conflictingOrderId.startsWith('pout_') ? 'port_out' : 'port_in' });
      const retried = decide({ ...facts, locks });
      await save(deps, retried);
      return viewPortOut(retried.portOut);
    }
    if (error instanceof ConcurrentModificationError && channel) {
      // The same message was processed twice at once: the other run stored it.
      const existing = await deps.repository.getPortOut(channel.id);
      if (existing) return viewPortOut(existing);
    }
    throw error;
  }
}

export async function getPortOut(deps: UseCaseDeps, caller: Caller, id: string): Promise<PortOutView> {
  return viewPortOut(await loadPortOut(deps, caller, id));
}

export async function listPortOuts(
  deps: UseCaseDeps,
  caller: Caller,
  query: { status?: PortOutStatus; accountId?: string } & PageRequest,
): Promise<{ items: PortOutView[]; nextCursor: string | null }> {
  const filter =
    caller.role === 'customer'
      ? { accountId: caller.accountId!, status: query.status }
      : caller.role === 'carrier'
        ? { carrierId: caller.carrierId!, status: query.status }
        : { accountId: query.accountId, status: query.status };
  const page = await deps.repository.listPortOuts(filter, { cursor: query.cursor, limit: query.limit });
  return { items: page.items.map(viewPortOut), nextCursor: page.nextCursor };
}

/**
 * The gaining carrier's completion or withdrawal. A retry of what already happened (the same
 * completion date, the same withdrawal) returns the port-out unchanged: carriers retry.
 */
export async function recordPortOutCarrierEvent(deps: UseCaseDeps, caller: Caller, id: string, event: PortOutCarrierEventInput): Promise<PortOutView> {
  const portOut = await loadPortOut(deps, caller, id);
  if (caller.role === 'customer') throw new HttpError(403, 'forbidden', 'Only the gaining carrier (or an operator) reports what happened to a port-out.');
  const ctx = context(deps, caller);
  const loadAccount = () => (portOut.accountId === null ? Promise.resolve(null) : deps.repository.getAccount(portOut.accountId));

  if (event.type === 'completed') {
    if (portOut.status === 'completed' && portOut.completedOn === event.completedOn) return viewPortOut(portOut);
    const account = await loadAccount();
    if (!account) {
      // Only a rejected request names no account (an accepted one's numbers were all on one).
      if (portOut.status === 'accepted') throw new Error(`Accepted port-out ${portOut.id} names no existing account`);
      throw new InvalidTransitionError('port_out_not_accepted', `This port-out is ${portOut.status}: only an accepted port-out can be completed.`);
    }
    const decision = completePortOut(portOut, event.completedOn, { ...ctx, account: { plan: account.plan, activeNumberCount: account.activeNumberCount } });
    const outbox = portOutCompletedItems(deps, decision.portOut, account, await carrierName(deps, portOut.carrierId), ctx.now);
    await save(deps, { ...decision, expectedVersion: portOut.version, outbox });
    return viewPortOut(decision.portOut);
  }

  const reason = event.reason ?? null;
  if (portOut.status === 'withdrawn' && portOut.withdrawnReason === reason) return viewPortOut(portOut);
  const decision = withdrawPortOut(portOut, reason, ctx);
  const account = await loadAccount();
  const outbox = account ? portOutWithdrawnItems(decision.portOut, account, await carrierName(deps, portOut.carrierId), ctx.now) : [];
  await save(deps, { ...decision, expectedVersion: portOut.version, outbox });
  return viewPortOut(decision.portOut);
}

/** Always refused (409): an accepted port-out cannot be cancelled; the answer says what to do instead. */
export async function cancelPortOut(deps: UseCaseDeps, caller: Caller, id: string): Promise<never> {
  const portOut = await loadPortOut(deps, caller, id);
  return refuseCancellation(portOut);
}

export async function listPortOutEvents(deps: UseCaseDeps, caller: Caller, id: string, page: PageRequest): Promise<Page<PortOutEvent>> {
  await loadPortOut(deps, caller, id);
  return deps.repository.listPortOutEvents(id, page);
}
