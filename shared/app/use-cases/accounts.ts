// Accounts, their inventory and call activity (the GB activation prerequisite).
import { hashPortOutPin } from '../../rules/port-out/evaluate.ts';
import type { AccountRecord, Caller, InventoryNumber, PageRequest } from '../ports.ts';
import { accountFacts, newId, type UseCaseDeps } from '../context.ts';
import { generateApiKey, hashApiKey } from '../api-keys.ts';
import { policyFor } from '../../rules/markets.ts';
import { normalizeNumber } from '../../rules/phone.ts';
import { decide } from '../../rules/port-in/order.ts';
import { terminationDueAt } from '../../rules/termination.ts';
import { InvalidTransitionError, NotFoundError, RuleViolationError } from '../../rules/errors.ts';
import type { Issue, Market, Money, PlanPrices } from '../../rules/types.ts';
import type { CreateAccountInput, UpdateAccountInput } from '../../http/schemas.ts';
import { HttpError } from '../../http/problem.ts';
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

/** Every price of a plan must be in the market's currency (422 `currency_mismatch`, one issue per price). */
function checkPlanCurrency(market: Market, plan: PlanPrices): void {
  const policy = policyFor(market);
  const prices: [string, Money | undefined][] = [
    ['plan.monthlyFee', plan.monthlyFee],
    ['plan.portingFees.standard', plan.portingFees?.standard],
    ['plan.portingFees.complex', plan.portingFees?.complex],
    ['plan.portBackFee', plan.portBackFee],
  ];
  const wrong: Issue[] = prices
    .filter(([, money]) => money && money.currency !== policy.currency)
    .map(([path]) => ({ path, code: 'currency_mismatch', message: `${market} accounts are billed in ${policy.currency}.` }));
  if (wrong.length > 0) throw new RuleViolationError('currency_mismatch', `Prices of a ${market} account must be in ${policy.currency}.`, wrong);
}

// Create the account and its customer API key together: returns the key once.
export async function createAccount(deps: UseCaseDeps, input: CreateAccountInput) {
  checkPlanCurrency(input.market, input.plan);

  const now = deps.clock.now().toISOString();
  const account: AccountRecord = {
    id: newId('acc'),
    name: input.name,
    market: input.market,
    adminEmail: input.adminEmail,
    plan: input.plan,
    losingCarrierAccountNumber: input.losingCarrierAccountNumber ?? null,
    portOutPinHash: input.portOutPin ? hashPortOutPin(input.portOutPin) : null,
    terminationDate: input.terminationDate ?? null,
    terminationWarnedAt: null,
    numbersReleasedAt: null,
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

/** Fields a customer may change on its own account; every other field is the operators'. */
const CUSTOMER_FIELDS: ReadonlySet<keyof UpdateAccountInput> = new Set(['adminEmail', 'portOutPin']);

/** The account's ETag (weak: it names the version, not the bytes). */
export const accountEtag = (version: number): string => `W/"${version}"`;

/** Optional optimistic concurrency for clients: If-Match carries the version they last read. */
function checkIfMatch(account: AccountRecord, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = ifMatch.replace(/^W\//, '').replace(/"/g, '').trim();
  if (wanted !== '*' && wanted !== String(account.version)) {
    throw new HttpError(412, 'precondition_failed', `The account is at version ${account.version}, not ${wanted}; read it again and reapply your change.`);
  }
}

/**
 * Change an account's fields. Operators change any of them; a customer only its own account's
 * administrator email and port-out PIN. A new termination date starts its warning afresh and moves
 * the account's next deadline; once the numbers were released after termination it can no longer change.
 */
export async function updateAccount(deps: UseCaseDeps, caller: Caller, id: string, patch: UpdateAccountInput, ifMatch?: string) {
  const fields = (Object.keys(patch) as (keyof UpdateAccountInput)[]).filter((field) => patch[field] !== undefined);
  if (fields.length === 0) {
    throw new RuleViolationError('empty_patch', 'The patch changes nothing: send at least one of name, adminEmail, plan, losingCarrierAccountNumber, portOutPin, terminationDate.');
  }
  if (caller.role !== 'operator') {
    const refused = fields.filter((field) => !CUSTOMER_FIELDS.has(field));
    if (refused.length > 0) {
      throw new RuleViolationError(
        'field_not_allowed',
        'A customer key may change only adminEmail and portOutPin; ask the porting desk to change the other fields.',
        refused.map((field) => ({ path: field, code: 'field_not_allowed', message: `Only operators change ${field}.` })),
      );
    }
  }
  const account = await loadVisibleAccount(deps, caller, id);
  checkIfMatch(account, ifMatch);
  if (patch.plan !== undefined) checkPlanCurrency(account.market, patch.plan);

  const updated: AccountRecord = { ...account, version: account.version + 1 };
  if (patch.name !== undefined) updated.name = patch.name;
  if (patch.adminEmail !== undefined) updated.adminEmail = patch.adminEmail;
  if (patch.plan !== undefined) updated.plan = patch.plan;
  if (patch.losingCarrierAccountNumber !== undefined) updated.losingCarrierAccountNumber = patch.losingCarrierAccountNumber;
  if (patch.portOutPin !== undefined) updated.portOutPinHash = patch.portOutPin === null ? null : hashPortOutPin(patch.portOutPin);

  const terminationChanged = patch.terminationDate !== undefined && patch.terminationDate !== account.terminationDate;
  if (terminationChanged) {
    if (account.numbersReleasedAt !== null) {
      throw new InvalidTransitionError(
        'numbers_released',
        `The account's numbers were released at ${account.numbersReleasedAt}, after its termination on ${account.terminationDate}; its termination date can no longer change.`,
      );
    }
    updated.terminationDate = patch.terminationDate!;
    // A new date is a new warning period: the administrator is warned about it afresh.
    updated.terminationWarnedAt = null;
  }

  const now = deps.clock.now();
  // Should we stop between the account write and its new deadline, the scheduled check looks at the
  // account on its next run and sets the deadline the stored date calls for.
  if (terminationChanged) await deps.repository.setAccountDue(account.id, now.toISOString());
  await deps.repository.updateAccount(updated, account.version);
  if (terminationChanged) await deps.repository.setAccountDue(account.id, terminationDueAt(updated, now));
  logger.info('account updated', { accountId: account.id, fields, role: caller.role });
  return viewAccount(updated);
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
      portOutId: null,
      chargesStopOn: null,
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
