// Builders for port-in rule tests: a valid order per market, changed one field at a time.
import type { AccountFacts, IsoDate, Market, NumberFacts, PortInDetails, PortInOrder } from '../../shared/rules/types.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import { buildLines, createDraft, decide } from '../../shared/rules/port-in/order.ts';
import type { Decision, LineInput, OrderContext, OrderFacts, PortInCommand, SignCommand } from '../../shared/rules/port-in/order.ts';

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

// ---- Orders built through the state machine (so every order a test uses is one the rules can produce).

/** A signing request as the use case would prepare it (no real link or document behind it). */
export function signingRequest(id: string, signerEmail = 'signer@example.test') {
  return { id, tokenHash: `hash-of-${id}`, signerEmail, documentId: `doc_loa_${id}` };
}

/** Signing request `requestId` through the API channel, as the use case builds it. */
export function signCommand(requestId: string, signerName = 'Alex Martin', channel: 'api' | 'signing_page' = 'api'): SignCommand {
  return { type: 'sign', signerName, channel, requestId, documentSha256: 'a'.repeat(64), signedDocumentId: `doc_signed_${requestId}`, ip: null, userAgent: null };
}

/** The commands tests send, by name. */
export const command = {
  submit: { type: 'submit', facts: facts(), signing: signingRequest('sig_1') },
  sign: signCommand('sig_1'),
  prerequisitesMet: { type: 'prerequisites_met' },
  reject: { type: 'carrier_rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' },
  resubmit: { type: 'resubmit', facts: facts() },
  cancel: { type: 'cancel' },
  expire: { type: 'expire' },
  withdrawExpiredRejection: { type: 'withdraw_expired_rejection' },
  transfer: (transferDate: IsoDate): PortInCommand => ({ type: 'carrier_transfer_date', transferDate }),
  complete: (completedOn: IsoDate): PortInCommand => ({ type: 'carrier_completed', completedOn }),
  exception: (step = 'notify_customer', error = 'SesThrottled'): PortInCommand => ({ type: 'record_exception', step, error, cause: `${error}: try later` }),
} satisfies Record<string, PortInCommand | ((...args: never[]) => PortInCommand)>;

/** The scheduled check's context: same as `ctx`, acting as the system. */
export const systemCtx = (market: Market, now: string | Date, accountOverrides: Partial<AccountFacts> = {}): OrderContext => ({
  ...ctx(market, new Date(now).toISOString(), accountOverrides),
  actor: { kind: 'system', id: 'scheduled-check' },
});

export interface OrderBuild {
  market: Market;
  /** Instant the draft is created. */
  createdAt: string;
  /** Commands in order, each at its instant. */
  steps?: [string, PortInCommand][];
  account?: Partial<AccountFacts>;
  lines?: LineInput[];
  id?: string;
}

/** Create a draft and apply each step with `decide`; returns the last order and every decision. */
export function buildOrder({ market, createdAt, steps = [], account: accountOverrides = {}, lines = [line(SAMPLE_NUMBER[market])], id = 'pin_1' }: OrderBuild): {
  order: PortInOrder;
  decisions: Decision[];
} {
  const created = createDraft({ id, details: details(market), lines: buildLines(lines, policyFor(market)) }, ctx(market, createdAt, accountOverrides), facts());
  const decisions: Decision[] = [created];
  let order = created.order;
  for (const [at, cmd] of steps) {
    const d = decide(order, cmd, ctx(market, at, accountOverrides));
    decisions.push(d);
    order = d.order;
  }
  return { order, decisions };
}

/** An order sent to the carrier (`submitted`): created, submitted and signed at `signedAt`. */
export const sentToCarrier = (market: Market, signedAt: string, rest: Omit<OrderBuild, 'market' | 'createdAt'> = {}) =>
  buildOrder({ market, createdAt: signedAt, ...rest, steps: [[signedAt, command.submit], [signedAt, command.sign], ...(rest.steps ?? [])] }).order;

/** A `scheduled` order: sent to the carrier at `signedAt`, the carrier giving `transferDate` at the same instant. */
export const scheduledFor = (market: Market, signedAt: string, transferDate: IsoDate, rest: Omit<OrderBuild, 'market' | 'createdAt'> = {}) =>
  sentToCarrier(market, signedAt, { ...rest, steps: [[signedAt, command.transfer(transferDate)], ...(rest.steps ?? [])] });

/** Two Brisbane numbers (AU rejection fees are per number). */
export const TWO_AU_LINES: LineInput[] = [line('+61732123456'), line('+61732123457')];

/** More valid fixed-line numbers per market, for orders of several numbers. */
export const MORE_NUMBERS: Record<Market, readonly string[]> = {
  AU: ['+61732123456', '+61732123457', '+61732123458'],
  GB: ['+442079460000', '+442079460001', '+442079460002'],
  FR: ['+33142685300', '+33142685301', '+33142685302'],
};
