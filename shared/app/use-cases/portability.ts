// Portability check: what a customer learns about numbers before ordering. Two batched reads per
// 100 numbers (inventory and locks), whatever the mix of results.
import type { Caller } from '../ports.ts';
import { targetAccountId, type UseCaseDeps } from '../context.ts';
import { loadVisibleAccount } from './accounts.ts';
import { normalizeNumber, isParisAreaNumber, type NumberType } from '../../rules/phone.ts';
import { policyFor } from '../../rules/markets.ts';

export interface PortabilityResult {
  input: string;
  e164: string | null;
  valid: boolean;
  portable: boolean;
  numberType: NumberType | null;
  reasons: string[];
  warnings: string[];
  /** Present when the number is held by an active order. */
  conflictingOrderId?: string;
}

export async function checkPortability(deps: UseCaseDeps, caller: Caller, input: { numbers: string[]; accountId?: string }) {
  const accountId = targetAccountId(caller, input.accountId, '(and so which market) the check is for');
  const account = await loadVisibleAccount(deps, caller, accountId);
  const policy = policyFor(account.market);
  const parsed = input.numbers.map((n) => ({ input: n, result: normalizeNumber(n, account.market) }));
  const valid = [...new Set(parsed.flatMap((p) => (p.result.ok ? [p.result.e164] : [])))];
  const [inventory, locks] = await Promise.all([deps.repository.getInventoryNumbers(valid), deps.repository.getNumberLocks(valid)]);

  const results: PortabilityResult[] = parsed.map(({ input: raw, result }) => {
    if (!result.ok) {
      // A real number of another country is valid, just not portable to this account's market.
      const valid = result.code === 'number_wrong_country';
      return { input: raw, e164: result.e164, valid, portable: false, numberType: null, reasons: [result.code], warnings: [] };
    }
    const reasons: string[] = [];
    const warnings: string[] = [];
    const item = inventory.get(result.e164);
    const lock = locks.get(result.e164);
    if (item?.status === 'active') reasons.push('number_already_active');
    if (lock) reasons.push('number_in_active_order');
    if (item?.status === 'ported_out') warnings.push('port_back');
    if (policy.frOrderChecks && !isParisAreaNumber(result.e164)) warnings.push('outside_paris_area');
    const out: PortabilityResult = {
      input: raw,
      e164: result.e164,
      valid: true,
      portable: reasons.length === 0,
      numberType: result.numberType,
      reasons,
      warnings,
    };
    // The rulebook names the order holding a number, so the customer knows what to finish or cancel.
    if (lock) out.conflictingOrderId = lock.orderId;
    return out;
  });
  return { results };
}
