// Builders for port-in rule tests: a valid order per market, changed one field at a time.
import type { AccountFacts, Market, NumberFacts, PortInDetails } from '../../shared/rules/types.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { LineInput, OrderContext, OrderFacts } from '../../shared/rules/port-in/order.ts';

export const SAMPLE_NUMBER: Record<Market, string> = {
  AU: '+61732123456', // Brisbane fixed line
  GB: '+442079460000', // London fixed line
  FR: '+33142685300', // Paris fixed line
};

export function account(market: Market, overrides: Partial<AccountFacts> = {}): AccountFacts {
  const currency = policyFor(market).currency;
  return {
    id: 'acc_test',
    market,
    plan: {
      active: true,
      portingEnabled: true,
      monthlyFee: { currency, amountMinor: 3000 },
      portingFees: { standard: { currency, amountMinor: 4000 }, complex: { currency, amountMinor: 9000 } },
    },
    activeNumberCount: 0,
    hasInboundCall: true,
    hasOutboundCall: true,
    ...overrides,
  };
}

export function details(market: Market, overrides: Partial<PortInDetails> = {}): PortInDetails {
  const country = policyFor(market).country;
  return {
    carrierId: 'car_losing',
    losingCarrierAccountNumber: 'ACC-123',
    pin: null,
    accountHolder: { firstName: 'Alex', lastName: 'Martin', businessName: 'Acme' },
    serviceAddress: { line1: '12 High Street', locality: 'Town', postcode: '4000', country },
    submitterEmail: null,
    primaryNumber: market === 'FR' ? SAMPLE_NUMBER.FR : null,
    internetConnection: null,
    temporaryNumber: null,
    termsAccepted: true,
    ...overrides,
  };
}

export const line = (number: string, overrides: Partial<LineInput> = {}): LineInput => ({ number, lineType: 'pstn', ...overrides });

export function numberFacts(overrides: Partial<NumberFacts> = {}): NumberFacts {
  return { activeOnNetwork: new Set(), previouslyPortedOut: new Set(), temporaryNumberInInventory: false, ...overrides };
}

export const facts = (overrides: Partial<NumberFacts> = {}, carrierExists = true): OrderFacts => ({
  numbers: numberFacts(overrides),
  carrierExists,
});

export function ctx(market: Market, now: string, accountOverrides: Partial<AccountFacts> = {}): OrderContext {
  return {
    policy: policyFor(market),
    account: account(market, accountOverrides),
    now: new Date(now),
    actor: { kind: 'customer', id: 'acc_test' },
  };
}
