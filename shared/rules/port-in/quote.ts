// Category (rulebook "Category (AU)") and the quote: one-off porting and port-back fees charged on
// submission, and (FR) the change in the monthly charge the order causes.
import type { AccountFacts, Category, Money, PortInDetails, PortInLine, Quote, QuoteLine } from '../types.ts';
import type { MarketPolicy } from '../markets.ts';
import { includedTax, multiplyMoney, sumMoney, zeroMoney } from '../money.ts';
import { monthlyNumberChargeChange } from '../fees.ts';

/** Standard: exactly one number, on a PSTN line, with no enhancements. Anything else is complex. */
export function categorize(lines: readonly Pick<PortInLine, 'lineType' | 'services'>[]): Category {
  const only = lines.length === 1 ? lines[0] : undefined;
  return only && only.lineType === 'pstn' && only.services.length === 0 ? 'standard' : 'complex';
}

export interface QuoteInput {
  policy: MarketPolicy;
  account: AccountFacts;
  category: Category;
  /** Numbers that will be charged (valid, normalised). */
  numberCount: number;
  portBackCount: number;
  temporaryNumber: PortInDetails['temporaryNumber'];
  temporaryNumberInInventory: boolean;
}

/** Fee per number for this order's category; zero where porting is free. */
export function portingFeePerNumber(policy: MarketPolicy, account: AccountFacts, category: Category): Money {
  if (policy.portingAlwaysFree) return zeroMoney(policy.currency);
  return account.plan.portingFees?.[category] ?? zeroMoney(policy.currency);
}

export function quotePortIn(input: QuoteInput): Quote {
  const { policy, account, category } = input;
  const currency = policy.currency;
  const unit = portingFeePerNumber(policy, account, category);
  const lines: QuoteLine[] = [
    { kind: 'porting_fee', category, quantity: input.numberCount, unitPrice: unit, amount: multiplyMoney(unit, input.numberCount) },
  ];
  if (input.portBackCount > 0) {
    // Port-backs are charged on top of the porting fee; default: one porting fee per number.
    const portBackUnit = account.plan.portBackFee ?? unit;
    lines.push({
      kind: 'port_back_fee',
      category,
      quantity: input.portBackCount,
      unitPrice: portBackUnit,
      amount: multiplyMoney(portBackUnit, input.portBackCount),
    });
  }
  const total = sumMoney(currency, lines.map((l) => l.amount));
  return {
    currency,
    lines,
    total,
    taxIncluded: policy.includedTaxPercent === null ? null : includedTax(total, policy.includedTaxPercent),
    monthlyChargeChange: monthlyChargeChange(input),
  };
}

/** FR: the change in the monthly number charges once the order's numbers are ours. */
function monthlyChargeChange(input: QuoteInput): Money | null {
  const before = input.account.activeNumberCount;
  // The temporary number is released after completion unless kept as a virtual number.
  const released = input.temporaryNumber && !input.temporaryNumber.keepAsVirtual && input.temporaryNumberInInventory ? 1 : 0;
  return monthlyNumberChargeChange(input.policy, input.account.plan, before, before + input.numberCount - released);
}
