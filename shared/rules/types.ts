// The vocabulary of the porting rules (see ../shared/rulebook.md, "Words").
// Plain data only: every rule is a pure function over these types.

export type Market = 'AU' | 'GB' | 'FR';
export const MARKETS: readonly Market[] = ['AU', 'GB', 'FR'];

export type Currency = 'AUD' | 'GBP' | 'EUR';

/** Integer minor units plus an ISO currency, e.g. { currency: 'AUD', amountMinor: 2000 } is A$20.00. */
export interface Money {
  currency: Currency;
  amountMinor: number;
}

/** A calendar date in a market's time zone, `YYYY-MM-DD`. Never a UTC date. */
export type IsoDate = string;

export type LineType = 'pstn' | 'isdn' | 'mobile' | 'digital';
export const LINE_TYPES: readonly LineType[] = ['pstn', 'isdn', 'mobile', 'digital'];

/** Enhancements or other services carried on a line. */
export type LineService =
  | 'adsl'
  | 'dsl'
  | 'eftpos'
  | 'line_hunt'
  | 'duet'
  | 'in_dial'
  | 'on_ramp'
  | 'split_phone_fax';
export const LINE_SERVICES: readonly LineService[] = [
  'adsl',
  'dsl',
  'eftpos',
  'line_hunt',
  'duet',
  'in_dial',
  'on_ramp',
  'split_phone_fax',
];

export type Category = 'standard' | 'complex';

export type OrderStatus =
  | 'draft'
  | 'awaiting_signature'
  | 'on_hold'
  | 'submitted'
  | 'rejected'
  | 'scheduled'
  | 'completed'
  | 'cancelled'
  | 'withdrawn'
  | 'expired';

/** Every order status at run time (zod enums, so the JSON Schemas and OpenAPI), in this order. */
export const ORDER_STATUSES = [
  'draft',
  'awaiting_signature',
  'on_hold',
  'submitted',
  'rejected',
  'scheduled',
  'completed',
  'cancelled',
  'withdrawn',
  'expired',
] as const satisfies readonly [OrderStatus, ...OrderStatus[]];
/** Compiles only while ORDER_STATUSES lists every OrderStatus (the error names the one left out). */
type EveryStatusListed<Unlisted extends never> = Unlisted;
type _OrderStatusesComplete = EveryStatusListed<Exclude<OrderStatus, (typeof ORDER_STATUSES)[number]>>;

export const FINAL_STATUSES: readonly OrderStatus[] = ['completed', 'cancelled', 'withdrawn', 'expired'];
export const isFinal = (status: OrderStatus): boolean => FINAL_STATUSES.includes(status);

/** Who did something: recorded on every event. */
export interface Actor {
  kind: 'customer' | 'operator' | 'carrier' | 'system';
  id: string;
}

export interface PlanPrices {
  active: boolean;
  portingEnabled: boolean;
  /** The account's monthly subscription: the base of GB late-port compensation. */
  monthlyFee: Money;
  /** Porting fee per number and category; absent means porting is free. */
  portingFees?: { standard: Money; complex: Money };
  /** Fee per ported-back number; absent means one porting fee of the order's category. */
  portBackFee?: Money;
  /** Cancellation fee rates in percent of the order's porting fees; absent means the market default. */
  cancellationRates?: CancellationRates;
  /** Users (seats); FR includes one number per seat. Defaults to 1. */
  seats?: number;
}

/** Percent of the order's porting fees charged on cancellation, by stage. */
export interface CancellationRates {
  /** Submitted to us (awaiting signature, on hold) but not yet sent to the carrier. */
  beforeCarrier: number;
  /** Sent to the carrier, before the transfer date (includes `rejected`). */
  withCarrier: number;
  /** On the transfer date, market time. */
  onTransferDate: number;
  /** Any other time before completion, e.g. the transfer date has passed. */
  afterTransferDate: number;
}

/** What the rules need to know of the account that owns an order. */
export interface AccountFacts {
  id: string;
  market: Market;
  plan: PlanPrices;
  /** Numbers active in the account's inventory now. */
  activeNumberCount: number;
  /** GB prerequisite: phones connected and at least one call each way. */
  hasOutboundCall: boolean;
  hasInboundCall: boolean;
}

/** One number of a port-in order as the customer gave it, plus what we derived. */
export interface PortInLine {
  /** Exactly what the customer typed. */
  input: string;
  /** E.164 form, or null when the input is not a valid number. */
  e164: string | null;
  lineType: LineType;
  services: LineService[];
  acknowledgedServiceLoss: boolean;
  dslSeparated: boolean;
}

export interface AccountHolder {
  businessName?: string;
  firstName?: string;
  lastName?: string;
}

export interface ServiceAddress {
  line1: string;
  line2?: string;
  locality: string;
  region?: string;
  postcode: string;
  country: string;
}

/** The fields a customer gives and may edit (in `draft` or `rejected`). */
export interface PortInDetails {
  carrierId: string | null;
  losingCarrierAccountNumber: string | null;
  pin: string | null;
  accountHolder: AccountHolder | null;
  serviceAddress: ServiceAddress | null;
  submitterEmail: string | null;
  primaryNumber: string | null;
  internetConnection: string | null;
  temporaryNumber: { number: string; keepAsVirtual: boolean } | null;
  termsAccepted: boolean;
}

/** Facts about each number looked up from the database before the rules run. */
export interface NumberFacts {
  /** E.164 numbers already active in any account's inventory (cannot be ported in). */
  activeOnNetwork: ReadonlySet<string>;
  /** E.164 numbers that were ported out from us before: a port-in is a port-back. */
  previouslyPortedOut: ReadonlySet<string>;
  /** Whether the order's temporary number is in the account's inventory now (FR). */
  temporaryNumberInInventory: boolean;
}

export type ChargeKind = 'porting_fee' | 'port_back_fee' | 'rejection_fee' | 'cancellation_fee';

export interface Charge {
  kind: ChargeKind;
  amount: Money;
  /** ISO 8601 instant. */
  at: string;
  description: string;
}

export interface Issue {
  code: string;
  message: string;
  path: string;
}

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
}

export interface QuoteLine {
  kind: 'porting_fee' | 'port_back_fee';
  category: Category;
  quantity: number;
  unitPrice: Money;
  amount: Money;
}

export interface Quote {
  currency: Currency;
  lines: QuoteLine[];
  /** One-off total charged on submission. */
  total: Money;
  /** The tax contained in `total` where prices include tax (AU GST, FR VAT); null where not. */
  taxIncluded: Money | null;
  /** FR: change in the monthly charge caused by the order (additional numbers beyond seats). */
  monthlyChargeChange: Money | null;
}

export interface Rejection {
  reasonCode: string;
  reason: string;
  /** Market date of the rejection. */
  rejectedOn: IsoDate;
  at: string;
}

export interface Compensation {
  eligible: boolean;
  daysLate: number;
  amount: Money;
  /** First day compensation accrues (2nd business day after the confirmed transfer date). */
  accruesFrom: IsoDate | null;
}

/** A port-in order as stored. Derived views (overdue, confirmation, compensation) are computed by `viewOrder`. */
export interface PortInOrder {
  id: string;
  accountId: string;
  market: Market;
  status: OrderStatus;
  details: PortInDetails;
  lines: PortInLine[];
  category: Category;
  /** Numbers (E.164) that are port-backs; fixed when the order is created or edited. */
  portBackNumbers: string[];
  quote: Quote;
  issues: ValidationResult;
  /** The account's monthly subscription when last evaluated: the base of GB compensation (kept on the
   * order so that reading an order, with its live compensation, stays one request). */
  monthlyFee: Money;
  holdReason: 'activation_prerequisites' | null;
  /** The account holder's signature of the current Letter of Authority; null until signed, and again after an edit voids it. */
  signature: Signature | null;
  /** Every request to sign this order's LOA, oldest first; the last one is the current one. */
  signingRequests: SigningRequest[];
  /** Day we (last) submitted the order to the carrier, market time. */
  commencementDate: IsoDate | null;
  dueDate: IsoDate | null;
  transferDate: IsoDate | null;
  rejectionCount: number;
  lastRejection: Rejection | null;
  /** Instant the resubmission window closes (end of the 5th business day after rejection). */
  resubmitBy: string | null;
  completedOn: IsoDate | null;
  /** Compensation fixed at completion (GB). */
  finalCompensation: Compensation | null;
  charges: Charge[];
  /** First market day the order was past its due date, recorded by the scheduled check (a flag, not a status). */
  overdueSince: IsoDate | null;
  /** The transfer date the scheduled check recorded as confirmed at 00:00 market time. */
  confirmedTransferDate: IsoDate | null;
  /** GB: last market day late-transfer compensation was recorded as accrued (scheduled check). */
  compensationAccruedTo: IsoDate | null;
  /** Set when a workflow step kept failing: the operator must look. Cleared when the order moves on. */
  exception: OrderException | null;
  /** Next instant the scheduled check must act on this order (drives the sparse due index); null: nothing pending. */
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Optimistic-locking counter; every write checks it. */
  version: number;
}

/**
 * A request to the account holder to sign one version of the order's Letter of Authority, by the
 * emailed link (`/sign/<token>`). Only SHA-256 hashes of the links' secrets are kept: a link is in
 * the signer's mailbox and nowhere else. A reminder adds a second link to the same request.
 */
export interface SigningRequest {
  /** `sig_…` */
  id: string;
  /** SHA-256 (hex) of each link's secret that opens this request (the first email's, the reminder's). */
  tokenHashes: string[];
  signerEmail: string;
  /** The unsigned LOA (a document of the order) the signer is asked to sign. */
  documentId: string;
  createdAt: string;
  /** The links stop working at this instant (7 days); the API can still sign, and a new link can be asked for. */
  expiresAt: string;
  remindedAt: string | null;
  /** Expiry is not a state: it is read from `expiresAt`. */
  state: 'pending' | 'signed' | 'voided';
  /** Why a request was voided: the order was edited after signing, or a newer request replaced it. */
  voidedBecause: 'order_edited' | 'replaced' | null;
}

/** How the signer signed, with the audit trail the signed LOA's last page carries. */
export interface Signature {
  signerName: string;
  /** ISO 8601 instant. */
  at: string;
  channel: 'signing_page' | 'api';
  requestId: string;
  /** SHA-256 (hex) of the unsigned LOA that was signed. */
  documentSha256: string;
  /** The signed LOA: the unsigned pages plus the signature page. */
  signedDocumentId: string;
  /** Where the signature came from (the signer's browser, or the API client). */
  ip: string | null;
  userAgent: string | null;
}

/** A workflow step that failed for good (after its retries). */
export interface OrderException {
  step: string;
  error: string;
  cause: string;
  at: string;
}

export type PortInEventType =
  | 'created'
  | 'updated'
  | 'submitted'
  | 'signed'
  | 'signature_requested'
  | 'signature_reminder_sent'
  | 'signature_voided'
  | 'put_on_hold'
  | 'sent_to_carrier'
  | 'rejected'
  | 'resubmitted'
  | 'transfer_date_set'
  | 'transfer_date_changed'
  | 'completed'
  | 'cancelled'
  | 'withdrawn'
  | 'expired'
  | 'charged'
  | 'overdue'
  | 'transfer_date_confirmed'
  | 'compensation_accrued'
  | 'workflow_exception'
  | 'numbers_activated'
  | 'test_call_placed'
  | 'temporary_number_released'
  | 'temporary_number_kept';

/** An append-only timeline entry. */
export interface PortInEvent {
  type: PortInEventType;
  at: string;
  actor: Actor;
  /** What changed, e.g. { from: 'draft', to: 'awaiting_signature' } or the charge. */
  data: Record<string, unknown>;
}
