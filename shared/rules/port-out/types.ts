// The vocabulary of port-outs (rulebook "Port-out"): a gaining carrier asks us to release numbers.
// Plain data only; the rules in this folder are pure functions over these types.
import type { Actor, IsoDate, Market, Money } from '../types.ts';

/**
 * - accepted: checked and holding its numbers (locks); cannot be cancelled by the customer.
 * - rejected: refused at once with a rejection code; never held anything.
 * - completed: the numbers left us on `completedOn` (inventory `ported_out`).
 * - withdrawn: the gaining carrier abandoned its request; the numbers stay ours.
 */
export type PortOutStatus = 'accepted' | 'rejected' | 'completed' | 'withdrawn';
export const PORT_OUT_STATUSES = ['accepted', 'rejected', 'completed', 'withdrawn'] as const satisfies readonly PortOutStatus[];
/** Statuses in which a port-out holds nothing any more (its number locks are stale). */
export const FINAL_PORT_OUT_STATUSES: readonly PortOutStatus[] = ['rejected', 'completed', 'withdrawn'];

/** Stable machine codes of a rejected request, in the order the checks run (the first failing one is the request's code). */
export const PORT_OUT_REJECTION_CODES = [
  'number_released',
  'number_not_found',
  'account_mismatch',
  'pin_mismatch',
  'batch_required',
  'number_in_active_order',
] as const;
export type PortOutRejectionCode = (typeof PORT_OUT_REJECTION_CODES)[number];

/** The request as the gaining carrier gave it (API body or a parsed email), numbers already in E.164. */
export interface PortOutRequestInput {
  /** Distinct E.164 numbers (the use case normalises and refuses unparseable input with a 422 first). */
  numbers: string[];
  accountNumber: string | null;
  /** SHA-256 (hex) of the PIN the carrier gave; null when it gave none. The PIN itself is never kept. */
  pinHash: string | null;
  authorizedName: string;
  requestedDate: IsoDate;
}

/** What we hold about one requested number, looked up before the rules run. */
export interface PortOutNumberFact {
  accountId: string;
  origin: 'provisioned' | 'ported_in';
  status: 'active' | 'ported_out' | 'released';
}

/** What the rules need of the account holding the numbers. */
export interface PortOutAccountFacts {
  id: string;
  market: Market;
  /** The account number gaining carriers must quote (AccountRecord.losingCarrierAccountNumber); null: none set. */
  accountNumber: string | null;
  /** SHA-256 (hex) of the account's port-out PIN; null: no PIN set. */
  portOutPinHash: string | null;
  terminationDate: IsoDate | null;
  /** Numbers active on the account now (the batch rule lets the last one go alone). */
  activeNumberCount: number;
}

/** Facts for one evaluation: inventory by E.164 (absent: never ours), the accounts they name, live locks. */
export interface PortOutFacts {
  inventory: ReadonlyMap<string, PortOutNumberFact>;
  accounts: ReadonlyMap<string, PortOutAccountFacts>;
  /** Live number locks by E.164 (stale ones already dropped by the repository). */
  locks: ReadonlyMap<string, { orderId: string; orderKind: 'port_in' | 'port_out' }>;
}

export interface PortOutRejection {
  code: PortOutRejectionCode;
  /** A sentence for the gaining carrier saying what is wrong and what to do. */
  message: string;
  /** The requested numbers (E.164) the code is about; empty when it is about the request as a whole (PIN, account number). */
  numbers: string[];
  /** number_in_active_order: the order holding the first such number. */
  conflictingOrderId: string | null;
}

/** One number of a port-out as stored: the number and, when it is ours, how it came to us. */
export interface PortOutLine {
  e164: string;
  /** ported_in: it came to us by a port-in (the administrator email warns its inbound calls and faxes stop). null: not in our inventory. */
  origin: 'provisioned' | 'ported_in' | null;
}

/** A port-out request as stored. */
export interface PortOutRequest {
  /** `pout_…` */
  id: string;
  /** The gaining carrier that asked. */
  carrierId: string;
  /** The account holding the numbers; null when they match no single account of ours. */
  accountId: string | null;
  market: Market | null;
  status: PortOutStatus;
  lines: PortOutLine[];
  accountNumber: string | null;
  /** Whether the carrier gave a PIN (never the PIN). */
  pinGiven: boolean;
  authorizedName: string;
  requestedDate: IsoDate;
  rejection: PortOutRejection | null;
  channel: 'api' | 'email';
  /** The message it came in (email channel). */
  inboundEmailId: string | null;
  /** The gaining carrier's Letter of Authority, kept as a document of this port-out (email channel). */
  loaDocumentId: string | null;
  /** Market date the numbers left us (completion). */
  completedOn: IsoDate | null;
  /** FR: the change in the account's monthly number charges when the numbers left (negative or zero); null elsewhere. */
  monthlyChargeChange: Money | null;
  withdrawnReason: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type PortOutEventType = 'accepted' | 'rejected' | 'completed' | 'withdrawn';

/** Append-only timeline entry of a port-out (rulebook "Audit"). */
export interface PortOutEvent {
  type: PortOutEventType;
  at: string;
  actor: Actor;
  data: Record<string, unknown>;
}

/** What a port-out rule decided: the request as it is now, its new events, and the number locks to take or give up. */
export interface PortOutDecision {
  portOut: PortOutRequest;
  events: PortOutEvent[];
  /** E.164 numbers to lock for this port-out (acceptance). */
  lock: string[];
  /** E.164 numbers whose lock this port-out gives up (completion, withdrawal). */
  release: string[];
  /** Completion: the account's numbers that become `ported_out` (charges stop `on` that market date). */
  portedOut: { accountId: string; numbers: string[]; on: IsoDate } | null;
}
