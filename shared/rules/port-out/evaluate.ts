// Checking a gaining carrier's port-out request against what we hold (rulebook "Port-out"). The checks
// run in a fixed order and the first that fails is the request's rejection code, so a carrier always
// gets the same answer for the same facts. Pure: facts are looked up before, `now` is passed in.
import { createHash, timingSafeEqual } from 'node:crypto';
import { policyFor as defaultPolicyFor, type MarketPolicy } from '../markets.ts';
import { numbersReleaseAt } from '../termination.ts';
import type { Actor, Market } from '../types.ts';
import type {
  PortOutAccountFacts,
  PortOutDecision,
  PortOutFacts,
  PortOutLine,
  PortOutRejection,
  PortOutRejectionCode,
  PortOutRequest,
  PortOutRequestInput,
} from './types.ts';

/** Largest request accepted (the API refuses more before the rules run). */
export const MAX_NUMBERS_PER_PORT_OUT = 1000;

export interface PortOutContext {
  now: Date;
  actor: Actor;
  /** default policyFor from ../markets.ts */
  policyFor?: (market: Market) => MarketPolicy;
}

export interface NewPortOut {
  id: string;
  carrierId: string;
  channel: 'api' | 'email';
  inboundEmailId: string | null;
  loaDocumentId: string | null;
}

/** Account numbers are quoted in many ways ("AC-1234 56", "ac123456"): compare what is left of them. */
export const normalizeAccountNumber = (value: string): string => value.replace(/[\s\-\u2010-\u2015\u2212]/g, '').toLowerCase();

/** How a port-out PIN is kept and compared: its SHA-256 (hex), never the PIN itself. */
export const hashPortOutPin = (pin: string): string => createHash('sha256').update(pin).digest('hex');

/** Constant-time comparison of two SHA-256 hex digests (case-insensitive). */
export function pinHashMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given.trim().toLowerCase(), 'utf8');
  const b = Buffer.from(expected.trim().toLowerCase(), 'utf8');
  // timingSafeEqual needs equal lengths; a digest of the wrong length cannot match anyway.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** "+61…, +61… and 3 more": enough to act on, without a thousand numbers in one sentence. */
function listed(numbers: readonly string[]): string {
  const shown = numbers.slice(0, 5);
  const more = numbers.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

const plural = (numbers: readonly string[], one: string, many: string) => (numbers.length === 1 ? one : many);

function reject(code: PortOutRejectionCode, message: string, numbers: string[], conflictingOrderId: string | null = null): PortOutRejection {
  return { code, message, numbers, conflictingOrderId };
}

/** The checks in the contract's order; null when the request can go ahead. */
function firstRejection(request: NewPortOut, input: PortOutRequestInput, numbers: string[], facts: PortOutFacts, ctx: PortOutContext): PortOutRejection | null {
  const policyFor = ctx.policyFor ?? defaultPolicyFor;
  if (numbers.length === 0) {
    return reject('number_not_found', 'The request names no number; send it again with every number to port out, in E.164 form.', []);
  }
  const accountOf = (e164: string): PortOutAccountFacts | undefined => {
    const fact = facts.inventory.get(e164);
    return fact ? facts.accounts.get(fact.accountId) : undefined;
  };

  // 1. Released: lost to us, whether the scheduled check got there yet or not.
  const released = numbers.filter((n) => {
    const fact = facts.inventory.get(n);
    if (!fact) return false;
    if (fact.status === 'released') return true;
    const account = accountOf(n);
    if (fact.status !== 'active' || !account || account.terminationDate === null) return false;
    return ctx.now.getTime() >= numbersReleaseAt(account.terminationDate, account.market, policyFor(account.market)).getTime();
  });
  if (released.length > 0) {
    return reject(
      'number_released',
      `${listed(released)} ${plural(released, 'was', 'were')} released when the account's post-termination porting window ended, so we can no longer port ${plural(released, 'it', 'them')} out; take ${plural(released, 'it', 'them')} out of the request and check with the subscriber or the number range holder.`,
      released,
    );
  }

  // 2. Not ours (never, or no longer): a number whose account we cannot find is not ours to give either.
  const notFound = numbers.filter((n) => {
    const fact = facts.inventory.get(n);
    return !fact || fact.status !== 'active' || !accountOf(n);
  });
  if (notFound.length > 0) {
    return reject(
      'number_not_found',
      `${listed(notFound)} ${plural(notFound, 'is', 'are')} not active on our network; check the ${plural(notFound, 'number', 'numbers')} with the subscriber and send the request again without ${plural(notFound, 'it', 'them')}.`,
      notFound,
    );
  }

  // 3. One account, and the account number it asks gaining carriers to quote.
  const accountIds = new Set(numbers.map((n) => facts.inventory.get(n)!.accountId));
  if (accountIds.size > 1) {
    return reject(
      'account_mismatch',
      `The numbers belong to ${accountIds.size} different accounts; send one request per account, with that account's number.`,
      [...numbers],
    );
  }
  const account = accountOf(numbers[0]!)!;
  const expectedAccountNumber = account.accountNumber === null ? '' : normalizeAccountNumber(account.accountNumber);
  if (expectedAccountNumber !== '') {
    const given = input.accountNumber === null ? '' : normalizeAccountNumber(input.accountNumber);
    if (given === '') {
      return reject('account_mismatch', 'The account holding these numbers has an account number and the request gives none; ask the subscriber for it and send the request again with it.', []);
    }
    if (given !== expectedAccountNumber) {
      return reject('account_mismatch', 'The account number does not match the account holding these numbers; check it with the subscriber and send the request again.', []);
    }
  }

  // 4. Port-out PIN, where the account set one (only hashes are compared, in constant time).
  if (account.portOutPinHash !== null) {
    if (input.pinHash === null) {
      return reject('pin_mismatch', 'The account holding these numbers has a port-out PIN and the request gives none; ask the subscriber for it and send the request again with it.', []);
    }
    if (!pinHashMatches(input.pinHash, account.portOutPinHash)) {
      return reject('pin_mismatch', 'The port-out PIN does not match the one set on the account; check it with the subscriber and send the request again.', []);
    }
  }

  // 5. Batches only (market flag): a single number may go alone only when it is the account's last.
  if (policyFor(account.market).portOutInBatchesOnly && numbers.length === 1 && account.activeNumberCount > 1) {
    return reject(
      'batch_required',
      `In this market numbers must be ported out in batches, not one at a time; send one request with every number of the account to port out, including ${numbers[0]}.`,
      [...numbers],
    );
  }

  // 6. Held by another live order (a port-in, or another port-out).
  const held = numbers.filter((n) => {
    const lock = facts.locks.get(n);
    return lock !== undefined && lock.orderId !== request.id;
  });
  if (held.length > 0) {
    const conflictingOrderId = facts.locks.get(held[0]!)!.orderId;
    return reject(
      'number_in_active_order',
      `${listed(held)} ${plural(held, 'is', 'are')} already in active order ${conflictingOrderId}; wait until that order is finished and send the request again.`,
      held,
      conflictingOrderId,
    );
  }
  return null;
}

/** Accepted (lock = every number) or rejected (lock = []); one event ('accepted' | 'rejected'). version 1. */
export function evaluatePortOut(request: NewPortOut, input: PortOutRequestInput, facts: PortOutFacts, ctx: PortOutContext): PortOutDecision {
  // Numbers come distinct from the use case; a repeat would take the same lock twice.
  const numbers = [...new Set(input.numbers)];
  const rejection = firstRejection(request, input, numbers, facts, ctx);

  // The account is named whenever every number we know of is on the same one (so its customer sees the request).
  const found = numbers.flatMap((n) => {
    const fact = facts.inventory.get(n);
    return fact ? [fact.accountId] : [];
  });
  const accountIds = new Set(found);
  const accountId = accountIds.size === 1 ? found[0]! : null;
  const market = accountId === null ? null : (facts.accounts.get(accountId)?.market ?? null);

  const lines: PortOutLine[] = numbers.map((e164) => ({ e164, origin: facts.inventory.get(e164)?.origin ?? null }));
  const at = ctx.now.toISOString();
  const portOut: PortOutRequest = {
    id: request.id,
    carrierId: request.carrierId,
    accountId,
    market,
    status: rejection === null ? 'accepted' : 'rejected',
    lines,
    accountNumber: input.accountNumber,
    pinGiven: input.pinHash !== null,
    authorizedName: input.authorizedName,
    requestedDate: input.requestedDate,
    rejection,
    channel: request.channel,
    inboundEmailId: request.inboundEmailId,
    loaDocumentId: request.loaDocumentId,
    completedOn: null,
    monthlyChargeChange: null,
    withdrawnReason: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  return {
    portOut,
    events: [
      rejection === null
        ? { type: 'accepted', at, actor: ctx.actor, data: { numbers: numbers.length } }
        : { type: 'rejected', at, actor: ctx.actor, data: { code: rejection.code, numbers: rejection.numbers.length } },
    ],
    lock: rejection === null ? numbers : [],
    release: [],
    portedOut: null,
  };
}
