// The port-in order state machine: (order, command, context) -> new order + events + effects, or a
// typed domain error. Nothing else decides a status. Pure: "now" and every fact come in as data.
//
//   draft --submit--> awaiting_signature --sign--> submitted (or on_hold, GB prerequisites unmet)
//   (submit opens a signing request; editing a rejected order voids its signature and opens a new
//    one, which must be signed before resubmission)
//   on_hold --prerequisites_met--> submitted
//   submitted|scheduled --carrier_rejected--> rejected (2nd time: withdrawn)
//   rejected --resubmit (before the deadline)--> submitted;  --deadline passes--> withdrawn
//   submitted|scheduled --carrier_transfer_date--> scheduled (changes refused once confirmed)
//   submitted|scheduled --carrier_completed--> completed
//   any live status --cancel--> cancelled (fee by stage);  draft untouched 30 days --> expired
import type {
  AccountFacts,
  Actor,
  Charge,
  IsoDate,
  NumberFacts,
  OrderStatus,
  PortInDetails,
  PortInEvent,
  PortInEventType,
  PortInLine,
  PortInOrder,
  Signature,
  SigningRequest,
  ValidationResult,
} from '../types.ts';
import { isFinal } from '../types.ts';
import type { MarketPolicy } from '../markets.ts';
import { InvalidTransitionError, RuleViolationError } from '../errors.ts';
import { normalizeNumber } from '../phone.ts';
import { validatePortIn } from './validation.ts';
import { categorize, quotePortIn } from './quote.ts';
import { daysBetween, isValidIsoDate, marketDate } from '../calendar.ts';
import { isTransferDateConfirmed, resubmissionDeadline, slaDueDate } from '../deadlines.ts';
import { cancellationFee, cancellationStage, rejectionFee } from '../fees.ts';
import { lateTransferCompensation } from '../compensation.ts';
import { sumMoney } from '../money.ts';
import { DRAFT_EXPIRY_DAYS, nextDueAt } from './next-deadline.ts';
import { SIGNING_LINK_DAYS, awaitsSignature, currentSigningRequest } from './signing.ts';

export { DRAFT_EXPIRY_DAYS };
export { SIGNING_LINK_DAYS, SIGNING_REMINDER_DAYS, awaitsSignature, currentSigningRequest, signingReminderDueAt } from './signing.ts';

export interface OrderContext {
  policy: MarketPolicy;
  account: AccountFacts;
  now: Date;
  actor: Actor;
}

/** Looked up by the use case before validating: what the database knows about the numbers and carrier. */
export interface OrderFacts {
  numbers: NumberFacts;
  carrierExists: boolean;
}

export interface LineInput {
  number: string;
  lineType: PortInLine['lineType'];
  services?: PortInLine['services'];
  acknowledgedServiceLoss?: boolean;
  dslSeparated?: boolean;
}

/** What a command changes: the use case writes all of it together. */
export interface Decision {
  order: PortInOrder;
  events: PortInEvent[];
  /** Numbers this order must lock (newly added to it). */
  lock: string[];
  /** Numbers whose lock this order gives up. */
  release: string[];
  /** Numbers to activate in the account's inventory (completion). */
  activate: { accountId: string; numbers: string[] } | null;
}

/** A signing request as the use case prepares it (ids, the link's hash, the LOA's document id). */
export interface NewSigningRequest {
  id: string;
  tokenHash: string;
  signerEmail: string;
  documentId: string;
}

/** What signing records; the rules check it is for the current, pending request. */
export type SignCommand = { type: 'sign' } & Omit<Signature, 'at'>;

export type PortInCommand =
  | { type: 'update'; details: PortInDetails; lines: PortInLine[]; facts: OrderFacts; signing: NewSigningRequest | null }
  | { type: 'submit'; facts: OrderFacts; signing: NewSigningRequest }
  | SignCommand
  | { type: 'request_signature'; signing: NewSigningRequest }
  | { type: 'remind_signer'; tokenHash: string }
  | { type: 'prerequisites_met' }
  | { type: 'carrier_rejected'; reasonCode: string; reason: string }
  | { type: 'carrier_transfer_date'; transferDate: IsoDate }
  | { type: 'carrier_completed'; completedOn: IsoDate }
  | { type: 'resubmit'; facts: OrderFacts }
  | { type: 'cancel' }
  | { type: 'expire' }
  | { type: 'withdraw_expired_rejection' }
  | { type: 'record_exception'; step: string; error: string; cause: string };

/** Normalise what the customer gave, once: commands and validation then work from `e164`. */
export function buildLines(inputs: readonly LineInput[], policy: MarketPolicy): PortInLine[] {
  return inputs.map((line) => {
    const normalized = normalizeNumber(line.number, policy.market);
    return {
      input: line.number,
      e164: normalized.ok ? normalized.e164 : null,
      lineType: line.lineType,
      services: [...new Set(line.services ?? [])],
      acknowledgedServiceLoss: line.acknowledgedServiceLoss ?? false,
      dslSeparated: line.dslSeparated ?? false,
    };
  });
}

/** Distinct valid numbers of an order: the ones that are locked, charged and activated. */
export function orderNumbers(lines: readonly PortInLine[]): string[] {
  return [...new Set(lines.flatMap((l) => (l.e164 ? [l.e164] : [])))];
}

/** Everything derived from the customer's fields: category, port-backs, quote, validation. */
function evaluate(details: PortInDetails, lines: PortInLine[], ctx: OrderContext, facts: OrderFacts) {
  const numbers = orderNumbers(lines);
  const category = categorize(lines);
  const portBackNumbers = numbers.filter((n) => facts.numbers.previouslyPortedOut.has(n));
  const quote = quotePortIn({
    policy: ctx.policy,
    account: ctx.account,
    category,
    numberCount: numbers.length,
    portBackCount: portBackNumbers.length,
    temporaryNumber: details.temporaryNumber,
    temporaryNumberInInventory: facts.numbers.temporaryNumberInInventory,
  });
  const issues: ValidationResult = validatePortIn({
    policy: ctx.policy,
    details,
    lines,
    account: ctx.account,
    numbers: facts.numbers,
    carrierExists: facts.carrierExists,
  });
  return { category, portBackNumbers, quote, issues, monthlyFee: ctx.account.plan.monthlyFee };
}

function event(ctx: OrderContext, type: PortInEventType, data: Record<string, unknown>): PortInEvent {
  return { type, at: ctx.now.toISOString(), actor: ctx.actor, data };
}

export interface DraftInput {
  id: string;
  details: PortInDetails;
  /** Built with `buildLines` (the caller needs the numbers first, to look up their facts). */
  lines: PortInLine[];
}

export function createDraft(input: DraftInput, ctx: OrderContext, facts: OrderFacts): Decision {
  const lines = input.lines;
  const at = ctx.now.toISOString();
  const order: PortInOrder = {
    id: input.id,
    accountId: ctx.account.id,
    market: ctx.policy.market,
    status: 'draft',
    details: input.details,
    lines,
    ...evaluate(input.details, lines, ctx, facts),
    holdReason: null,
    signature: null,
    signingRequests: [],
    commencementDate: null,
    dueDate: null,
    transferDate: null,
    rejectionCount: 0,
    lastRejection: null,
    resubmitBy: null,
    completedOn: null,
    finalCompensation: null,
    charges: [],
    overdueSince: null,
    confirmedTransferDate: null,
    compensationAccruedTo: null,
    exception: null,
    dueAt: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  order.dueAt = nextDueAt(order);
  return {
    order,
    events: [event(ctx, 'created', { to: 'draft', numberCount: lines.length })],
    lock: orderNumbers(lines),
    release: [],
    activate: null,
  };
}

/**
 * Apply one command. Throws InvalidTransitionError (409) or RuleViolationError (422). Every decision
 * that changes the order also recomputes its next deadline (`dueAt`), and a status change clears a
 * workflow exception (the order moved on, so the operator's attention is no longer needed).
 */
export function decide(order: PortInOrder, command: PortInCommand, ctx: OrderContext): Decision {
  const decision = transition(order, command, ctx);
  if (decision.events.length === 0) return decision;
  if (decision.order.status !== order.status) decision.order.exception = null;
  decision.order.dueAt = nextDueAt(decision.order);
  return decision;
}

function transition(order: PortInOrder, command: PortInCommand, ctx: OrderContext): Decision {
  const today = marketDate(ctx.now, ctx.policy.market);
  const next: PortInOrder = { ...order, updatedAt: ctx.now.toISOString(), version: order.version + 1 };
  const events: PortInEvent[] = [];
  const decision: Decision = { order: next, events, lock: [], release: [], activate: null };
  const moveTo = (to: OrderStatus, data: Record<string, unknown> = {}, type: PortInEventType = eventTypeFor(to)) => {
    events.push(event(ctx, type, { from: next.status, to, ...data }));
    next.status = to;
  };
  const charge = (c: Omit<Charge, 'at'>) => {
    if (c.amount.amountMinor === 0) return;
    const full = { ...c, at: ctx.now.toISOString() };
    next.charges = [...next.charges, full];
    events.push(event(ctx, 'charged', { kind: c.kind, amount: c.amount, description: c.description }));
  };
  const releaseAll = () => {
    decision.release = orderNumbers(order.lines);
  };
  const sendToCarrier = () => {
    next.commencementDate = today;
    next.dueDate = slaDueDate(ctx.policy.market, next.category, today);
    next.overdueSince = null; // a new round with the carrier has a new due date
    next.holdReason = null;
    moveTo('submitted', { commencementDate: today, dueDate: next.dueDate }, 'sent_to_carrier');
  };

  switch (command.type) {
    case 'update': {
      expectStatus(order, ['draft', 'rejected'], 'update', 'Only draft or rejected orders can be edited.');
      const lines = command.lines;
      const before = orderNumbers(order.lines);
      const after = orderNumbers(lines);
      if (order.status === 'rejected' && !sameSet(before, after)) {
        throw new RuleViolationError(
          'numbers_fixed_after_submission',
          'The numbers of a submitted order cannot change (fees were charged for them); correct the other details, or cancel and start a new order.',
          [{ code: 'numbers_fixed_after_submission', path: 'numbers', message: 'Keep the same numbers when correcting a rejected order.' }],
        );
      }
      Object.assign(next, { details: command.details, lines, ...evaluate(command.details, lines, ctx, command.facts) });
      decision.lock = after.filter((n) => !before.includes(n));
      decision.release = before.filter((n) => !after.includes(n));
      events.push(event(ctx, 'updated', { fields: changedFields(order, next) }));
      if (order.status === 'rejected') {
        // The LOA the carrier sees must match the order: an edit voids the signature and asks again.
        if (!command.signing) throw new Error('Editing a rejected order needs a new signing request');
        voidCurrentRequest(next, events, ctx, 'order_edited');
        openRequest(next, events, ctx, command.signing);
      }
      return decision;
    }
    case 'submit': {
      expectStatus(order, ['draft'], 'submit', 'Only a draft can be submitted; a rejected order is resubmitted.');
      Object.assign(next, evaluate(order.details, order.lines, ctx, command.facts));
      rejectIfInvalid(next.issues);
      moveTo('awaiting_signature');
      openRequest(next, events, ctx, command.signing);
      for (const line of next.quote.lines) {
        charge({ kind: line.kind, amount: line.amount, description: `${line.kind === 'porting_fee' ? 'Porting fee' : 'Port-back fee'}: ${line.quantity} × ${line.category} number` });
      }
      return decision;
    }
    case 'sign': {
      const request = pendingRequestToSign(order, command, ctx.now);
      const { type: _type, ...signature } = command;
      next.signature = { ...signature, at: ctx.now.toISOString() };
      next.signingRequests = next.signingRequests.map((r) => (r.id === request.id ? { ...r, state: 'signed' } : r));
      events.push(event(ctx, 'signed', { signerName: command.signerName, channel: command.channel, requestId: request.id }));
      // A rejected order signed again stays rejected: the signature lets the customer resubmit.
      if (order.status === 'rejected') return decision;
      if (ctx.policy.requiresCallActivityBeforeSubmission && !prerequisitesMet(ctx.account)) {
        next.holdReason = 'activation_prerequisites';
        moveTo('on_hold', { reason: 'activation_prerequisites' }, 'put_on_hold');
      } else {
        sendToCarrier();
      }
      return decision;
    }
    case 'request_signature': {
      if (!awaitsSignature(order)) {
        throw new InvalidTransitionError(
          'signature_not_needed',
          order.signature ? 'The Letter of Authority is already signed.' : `A ${order.status} order has no Letter of Authority to sign.`,
          order.status,
        );
      }
      voidCurrentRequest(next, events, ctx, 'replaced');
      openRequest(next, events, ctx, command.signing);
      return decision;
    }
    case 'remind_signer': {
      const current = currentSigningRequest(order);
      if (!awaitsSignature(order) || !current || current.state !== 'pending' || current.remindedAt !== null) {
        return { ...decision, order, events: [] }; // signed, replaced or reminded meanwhile: nothing to do
      }
      next.signingRequests = next.signingRequests.map((r) =>
        r.id === current.id ? { ...r, remindedAt: ctx.now.toISOString(), tokenHashes: [...r.tokenHashes, command.tokenHash] } : r,
      );
      events.push(event(ctx, 'signature_reminder_sent', { requestId: current.id }));
      return decision;
    }
    case 'prerequisites_met': {
      expectStatus(order, ['on_hold'], 'prerequisites_met', 'Only an order on hold waits for prerequisites.');
      if (!prerequisitesMet(ctx.account)) {
        throw new InvalidTransitionError('prerequisites_unmet', 'The account has not yet made and received a call on our network.', order.status);
      }
      sendToCarrier();
      return decision;
    }
    case 'carrier_rejected': {
      expectStatus(order, ['submitted', 'scheduled'], 'carrier_rejected', 'Only an order with the carrier can be rejected.');
      const fee = rejectionFee(ctx.policy.market, orderNumbers(order.lines).length);
      next.rejectionCount = order.rejectionCount + 1;
      next.lastRejection = { reasonCode: command.reasonCode, reason: command.reason, rejectedOn: today, at: ctx.now.toISOString() };
      next.transferDate = null;
      // The confirmed date and its accrual belonged to this round; rejections never earn compensation.
      next.confirmedTransferDate = null;
      next.compensationAccruedTo = null;
      if (order.rejectionCount >= 1) {
        // A resubmitted order rejected again is withdrawn: final, the customer starts a new order.
        next.resubmitBy = null;
        moveTo('withdrawn', { reasonCode: command.reasonCode, reason: command.reason, rejection: next.rejectionCount }, 'rejected');
        releaseAll();
      } else {
        next.resubmitBy = resubmissionDeadline(ctx.policy.market, today).toISOString();
        moveTo('rejected', { reasonCode: command.reasonCode, reason: command.reason, resubmitBy: next.resubmitBy });
      }
      if (fee) charge({ kind: 'rejection_fee', amount: fee, description: `Carrier rejection (${command.reasonCode}): ${orderNumbers(order.lines).length} number(s)` });
      return decision;
    }
    case 'carrier_transfer_date': {
      expectStatus(order, ['submitted', 'scheduled'], 'carrier_transfer_date', 'A transfer date can only be set on an order with the carrier.');
      const date = command.transferDate;
      if (!isValidIsoDate(date)) throw invalidDate('transferDate', date);
      if (order.transferDate === date) return { ...decision, order, events: [] }; // same date again: nothing changes
      if (order.transferDate && isTransferDateConfirmed(order.transferDate, ctx.now, ctx.policy.market)) {
        throw new InvalidTransitionError(
          'transfer_date_confirmed',
          `The transfer date ${order.transferDate} is confirmed (it has started in market time) and can no longer change.`,
          order.status,
        );
      }
      if (date < today) {
        throw new RuleViolationError('transfer_date_in_past', `The transfer date ${date} is before today (${today}, market time).`, [
          { code: 'transfer_date_in_past', path: 'transferDate', message: `Give a date on or after ${today}.` },
        ]);
      }
      const previous = order.transferDate;
      next.transferDate = date;
      if (order.status === 'scheduled') events.push(event(ctx, 'transfer_date_changed', { from: previous, to: date }));
      else moveTo('scheduled', { transferDate: date }, 'transfer_date_set');
      return decision;
    }
    case 'carrier_completed': {
      expectStatus(order, ['submitted', 'scheduled'], 'carrier_completed', 'Only an order with the carrier can complete.');
      const date = command.completedOn;
      if (!isValidIsoDate(date)) throw invalidDate('completedOn', date);
      if (date > today) {
        throw new RuleViolationError('completion_date_in_future', `The completion date ${date} is after today (${today}, market time).`, [
          { code: 'completion_date_in_future', path: 'completedOn', message: `Give a date on or before ${today}.` },
        ]);
      }
      if (order.commencementDate && date < order.commencementDate) {
        throw new RuleViolationError('completion_before_commencement', `The order went to the carrier on ${order.commencementDate}; it cannot complete before that.`, [
          { code: 'completion_before_commencement', path: 'completedOn', message: `Give a date on or after ${order.commencementDate}.` },
        ]);
      }
      next.completedOn = date;
      next.finalCompensation = compensationOf(order, ctx.now, ctx.policy, date);
      moveTo('completed', { completedOn: date, compensation: next.finalCompensation });
      releaseAll();
      decision.activate = { accountId: order.accountId, numbers: orderNumbers(order.lines) };
      return decision;
    }
    case 'resubmit': {
      expectStatus(order, ['rejected'], 'resubmit', 'Only a rejected order can be resubmitted.');
      if (!order.resubmitBy || ctx.now.getTime() >= Date.parse(order.resubmitBy)) {
        throw new InvalidTransitionError(
          'resubmission_window_closed',
          `The resubmission window closed at ${order.resubmitBy}; the order will be withdrawn. Start a new order.`,
          order.status,
        );
      }
      if (order.signature === null) {
        throw new RuleViolationError(
          'signature_required',
          'The order was edited after its Letter of Authority was signed: the account holder must sign the new one (the link was emailed to them) before you resubmit.',
          [{ code: 'signature_required', path: 'signature', message: 'Sign the new Letter of Authority, then resubmit.' }],
        );
      }
      Object.assign(next, evaluate(order.details, order.lines, ctx, command.facts));
      rejectIfInvalid(next.issues);
      next.resubmitBy = null;
      events.push(event(ctx, 'resubmitted', { rejectionCount: order.rejectionCount }));
      sendToCarrier();
      return decision;
    }
    case 'cancel': {
      const stage = cancellationStage(order.status, order.transferDate, today);
      if (stage === null) {
        throw new InvalidTransitionError('not_cancellable', `A ${order.status} order cannot be cancelled.`, order.status);
      }
      const portingFees = sumMoney(
        ctx.policy.currency,
        order.charges.filter((c) => c.kind === 'porting_fee').map((c) => c.amount),
      );
      const rates = ctx.account.plan.cancellationRates ?? ctx.policy.cancellationRates;
      const fee = cancellationFee(portingFees, rates, stage);
      moveTo('cancelled', { stage, fee });
      charge({ kind: 'cancellation_fee', amount: fee, description: `Cancellation (${stage})` });
      releaseAll();
      return decision;
    }
    case 'expire': {
      expectStatus(order, ['draft'], 'expire', 'Only drafts expire.');
      const idleDays = daysBetween(order.updatedAt.slice(0, 10), ctx.now.toISOString().slice(0, 10));
      if (idleDays < DRAFT_EXPIRY_DAYS) {
        throw new InvalidTransitionError('draft_still_fresh', `The draft was edited ${idleDays} day(s) ago; drafts expire after ${DRAFT_EXPIRY_DAYS}.`, order.status);
      }
      moveTo('expired', { idleDays });
      releaseAll();
      return decision;
    }
    case 'withdraw_expired_rejection': {
      expectStatus(order, ['rejected'], 'withdraw_expired_rejection', 'Only a rejected order can be withdrawn for a missed deadline.');
      if (!order.resubmitBy || ctx.now.getTime() < Date.parse(order.resubmitBy)) {
        throw new InvalidTransitionError('resubmission_window_open', `The customer may resubmit until ${order.resubmitBy}.`, order.status);
      }
      next.resubmitBy = null;
      moveTo('withdrawn', { reason: 'resubmission_deadline_passed' });
      releaseAll();
      return decision;
    }
    case 'record_exception': {
      // Any status: steps after completion (activation, test call) fail on a completed order, and the
      // operator must still see it there.
      const same = order.exception?.step === command.step && order.exception.error === command.error;
      if (same) return { ...decision, order, events: [] }; // a repeated report of the same failure
      next.exception = { step: command.step, error: command.error, cause: command.cause.slice(0, 2000), at: ctx.now.toISOString() };
      events.push(event(ctx, 'workflow_exception', { step: command.step, error: command.error }));
      return decision;
    }
  }
}

// ---- signing ----------------------------------------------------------------------------------------

function openRequest(next: PortInOrder, events: PortInEvent[], ctx: OrderContext, request: NewSigningRequest): void {
  const createdAt = ctx.now.toISOString();
  const expiresAt = new Date(ctx.now.getTime() + SIGNING_LINK_DAYS * 86_400_000).toISOString();
  next.signingRequests = [
    ...next.signingRequests,
    {
      id: request.id,
      tokenHashes: [request.tokenHash],
      signerEmail: request.signerEmail,
      documentId: request.documentId,
      createdAt,
      expiresAt,
      remindedAt: null,
      state: 'pending',
      voidedBecause: null,
    },
  ];
  events.push(event(ctx, 'signature_requested', { requestId: request.id, expiresAt }));
}

/** Voids the current request (pending or signed) and the signature made on it. */
function voidCurrentRequest(next: PortInOrder, events: PortInEvent[], ctx: OrderContext, because: 'order_edited' | 'replaced'): void {
  const current = currentSigningRequest(next);
  if (!current || current.state === 'voided') return;
  next.signingRequests = next.signingRequests.map((r) => (r.id === current.id ? { ...r, state: 'voided', voidedBecause: because } : r));
  const wasSigned = next.signature !== null;
  next.signature = null;
  events.push(event(ctx, 'signature_voided', { requestId: current.id, because, wasSigned }));
}

/** The request a signature is for, checked: the current one, still pending, and (for links) unexpired. */
function pendingRequestToSign(order: PortInOrder, command: SignCommand, now: Date): SigningRequest {
  if (isFinal(order.status)) {
    throw new InvalidTransitionError('order_final', `The order is ${order.status}: there is nothing to sign.`, order.status);
  }
  if (order.signature !== null) {
    throw new InvalidTransitionError('already_signed', `The Letter of Authority was signed by ${order.signature.signerName} at ${order.signature.at}.`, order.status);
  }
  if (!awaitsSignature(order)) {
    throw new InvalidTransitionError('invalid_status', `Cannot sign an order that is ${order.status}: submit it first.`, order.status);
  }
  const request = order.signingRequests.find((r) => r.id === command.requestId);
  const current = currentSigningRequest(order);
  if (!request || !current) {
    throw new InvalidTransitionError('signing_request_unknown', `The order has no signing request ${command.requestId}.`, order.status);
  }
  if (request.id !== current.id || request.state === 'voided') {
    throw new InvalidTransitionError(
      'signing_request_voided',
      'This Letter of Authority was replaced by a newer one (the order changed, or a new link was sent): sign the newest.',
      order.status,
    );
  }
  if (command.channel === 'signing_page' && now.getTime() >= Date.parse(request.expiresAt)) {
    throw new InvalidTransitionError('signing_link_expired', `The signing link expired at ${request.expiresAt}; ask for a new one.`, order.status);
  }
  if (command.signerName.trim() === '') {
    throw new RuleViolationError('signer_name_required', 'Type the full name of the person signing.', [
      { code: 'signer_name_required', path: 'signerName', message: 'Type your full name.' },
    ]);
  }
  return request;
}

function eventTypeFor(status: OrderStatus): PortInEventType {
  const types: Partial<Record<OrderStatus, PortInEventType>> = {
    awaiting_signature: 'submitted',
    rejected: 'rejected',
    completed: 'completed',
    cancelled: 'cancelled',
    withdrawn: 'withdrawn',
    expired: 'expired',
  };
  return types[status] ?? 'updated';
}

function expectStatus(order: PortInOrder, allowed: readonly OrderStatus[], command: string, why: string): void {
  if (!allowed.includes(order.status)) {
    const code = isFinal(order.status) ? 'order_final' : 'invalid_status';
    throw new InvalidTransitionError(code, `Cannot ${command.replace(/_/g, ' ')} an order that is ${order.status}. ${why}`, order.status);
  }
}

function rejectIfInvalid(issues: ValidationResult): void {
  if (issues.errors.length > 0) {
    throw new RuleViolationError('order_invalid', `The order has ${issues.errors.length} problem(s) to fix before it can go ahead.`, issues.errors);
  }
}

function invalidDate(path: string, value: string): RuleViolationError {
  return new RuleViolationError('invalid_date', `${value} is not a calendar date (YYYY-MM-DD).`, [
    { code: 'invalid_date', path, message: 'Use a real date in the form YYYY-MM-DD.' },
  ]);
}

const prerequisitesMet = (account: AccountFacts): boolean => account.hasInboundCall && account.hasOutboundCall;

const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

function changedFields(before: PortInOrder, after: PortInOrder): string[] {
  const fields: string[] = [];
  for (const key of Object.keys(after.details) as (keyof PortInDetails)[]) {
    if (JSON.stringify(before.details[key]) !== JSON.stringify(after.details[key])) fields.push(key);
  }
  if (JSON.stringify(before.lines) !== JSON.stringify(after.lines)) fields.push('numbers');
  return fields;
}

/**
 * GB late-transfer compensation. Only a confirmed transfer date counts (the date has begun in
 * market time while the order was scheduled); rejections clear the date, so they never qualify.
 */
export function compensationOf(order: PortInOrder, now: Date, policy: MarketPolicy, completedOn: IsoDate | null) {
  const confirmed =
    order.transferDate && isTransferDateConfirmed(order.transferDate, now, policy.market) ? order.transferDate : null;
  return lateTransferCompensation({
    market: policy.market,
    monthlyFee: order.monthlyFee,
    confirmedTransferDate: confirmed,
    completedOn,
    today: marketDate(now, policy.market),
  });
}
