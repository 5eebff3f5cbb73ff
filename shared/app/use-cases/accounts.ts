// Accounts, their inventory and call activity (the GB activation prerequisite).
import { createHash } from 'node:crypto';
import type { AccountRecord, Caller, InventoryNumber, PageRequest } from '../ports.ts';
import { accountFacts, newId, type UseCaseDeps } from '../context.ts';
import { generateApiKey, hashApiKey } from '../api-keys.ts';
import { policyFor } from '../../rules/markets.ts';
import { normalizeNumber } from '../../rules/phone.ts';
import { decide } from '../../rules/port-in/order.ts';
import { terminationDueAt } from '../../rules/termination.ts';
import { NotFoundError, RuleViolationError } from '../../rules/errors.ts';
import type { Issue, Money } from '../../rules/types.ts';
import type { CreateAccountInput } from '../../http/schemas.ts';
import { logger } from '../logger.ts';
import { saveDecision } from '../order-writes.ts';

export function viewAccount(account: AccountRecord) {
  const { portOutPinHash, version, ...rest } = account;
  return { ...rest, portOutPinSet: portOutPinHash !== null, version };
}

/** An account is visible to operators and to its own customer key; to anyone else it does not exist. */
export async function loadVisibleAccount(deps: UseCaseDeps, caller: Caller, id: string): Promise<AccountRecord> {
  const account = caller.role === 'operator' || caller.accountId === id ? await deps.repository.getAccount(id) : null;
  if (!account) throw new NotFoundError('account', id);
  return account;
}

// Create the account and its customer API key together: returns the key once.
export async function createAccount(deps: UseCaseDeps, input: CreateAccountInput) {
  const policy = policyFor(input.market);
  const prices: [string, Money | undefined][] = [
    ['plan.monthlyFee', input.plan.monthlyFee],
    ['plan.portingFees.standard', input.plan.portingFees?.standard],
    ['plan.portingFees.complex', input.plan.portingFees?.complex],
    ['plan.portBackFee', input.plan.portBackFee],
  ];
  const wrong: Issue[] = prices
    .filter(([, money]) => money && money.currency !== policy.currency)
    .map(([path]) => ({ path, code: 'currency_mismatch', message: `${input.market} accounts are billed in ${policy.currency}.` }));
  if (wrong.length > 0) throw new RuleViolationError('currency_mismatch', `Prices of a ${input.market} account must be in ${policy.currency}.`, wrong);

  const now = deps.clock.now().toISOString();
  const account: AccountRecord = {
    id: newId('acc'),
    name: input.name,
    market: input.market,
    adminEmail: input.adminEmail,
    plan: input.plan,
    losingCarrierAccountNumber: input.losingCarrierAccountNumber ?? null,
    portOutPinHash: input.portOutPin ? createHash('sha256').update(input.portOutPin).digest('hex') : null,
    terminationDate: input.terminationDate ?? null,
    terminationWarnedAt: null,
    firstInboundCallAt: null,
    firstOutboundCallAt: null,
    activeNumberCount: 0,
    createdAt: now,
    version: 1,
  };
  const apiKey = generateApiKey('customer');
  await deps.repository.createAccount(account, {
    keyHash: hashApiKey(apiKey),
    role: 'customer',
    accountId: account.id,
    carrierId: null,
    createdAt: now,
  });
  // A termination date puts the account on the scheduled check's due index (the warning before it).
  const due = terminationDueAt(account, deps.clock.now());
  if (due !== null) await deps.repository.setAccountDue(account.id, due);
  return { ...viewAccount(account), apiKey };
}

export async function listAccounts(deps: UseCaseDeps, page: PageRequest) {
  const result = await deps.repository.listAccounts(page);
  return { items: result.items.map(viewAccount), nextCursor: result.nextCursor };
}

// Add numbers we provisioned (or that came by an earlier port) to an account's inventory.
export async function addInventoryNumbers(
  deps: UseCaseDeps,
  caller: Caller,
  accountId: string,
  input: { numbers: { number: string; origin: InventoryNumber['origin'] }[] },
) {
  const account = await loadVisibleAccount(deps, caller, accountId);
  const issues: Issue[] = [];
  const now = deps.clock.now().toISOString();
  const numbers = new Map<string, InventoryNumber>();
  input.numbers.forEach((entry, i) => {
    const normalized = normalizeNumber(entry.number, account.market);
    if (!normalized.ok) {
      issues.push({ path: `numbers[${i}].number`, code: normalized.code, message: normalized.message });
      return;
    }
    numbers.set(normalized.e164, {
      e164: normalized.e164,
      accountId,
      origin: entry.origin,
      status: 'active',
      activeSince: now,
      portedOutAt: null,
    });
  });
  if (issues.length > 0) throw new RuleViolationError('numbers_invalid', `${issues.length} number(s) cannot be added; nothing was added.`, issues);
  await deps.repository.addInventoryNumbers(accountId, [...numbers.values()]);
  return { added: [...numbers.keys()] };
}

export async function listInventoryNumbers(deps: UseCaseDeps, caller: Caller, accountId: string, page: PageRequest) {
  await loadVisibleAccount(deps, caller, accountId);
  return deps.repository.listInventoryNumbers(accountId, page);
}

// Record a call; once a GB account has called and been called, its orders on hold go to the carrier.
export async function recordCallActivity(
  deps: UseCaseDeps,
  caller: Caller,
  accountId: string,
  input: { direction: 'inbound' | 'outbound'; at: string },
) {
  const account = await loadVisibleAccount(deps, caller, accountId);
  const at = new Date(input.at).toISOString();
  const field = input.direction === 'inbound' ? 'firstInboundCallAt' : 'firstOutboundCallAt';
  const updated: AccountRecord = { ...account, version: account.version + 1 };
  if (account[field] === null || at < account[field]!) updated[field] = at;
  if (updated[field] !== account[field]) await deps.repository.updateAccount(updated, account.version);

  const released: string[] = [];
  const facts = accountFacts(updated);
  if (facts.hasInboundCall && facts.hasOutboundCall) {
    const policy = policyFor(account.market);
    let cursor: string | null = null;
    do {
      const page = await deps.repository.listOrders({ accountId, status: 'on_hold' }, { cursor, limit: 100 });
      for (const summary of page.items) {
        const order = await deps.repository.getOrder(summary.id);
        if (!order || order.status !== 'on_hold') continue;
        const decision = decide(order, { type: 'prerequisites_met' }, { policy, account: facts, now: deps.clock.now(), actor: { kind: 'system', id: 'activation-prerequisites' } });
        await saveDecision(deps, order, decision);
        released.push(order.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    if (released.length > 0) logger.info('orders released from hold', { accountId, count: released.length });
  }
  return { account: viewAccount(updated), releasedOrders: released };
}
