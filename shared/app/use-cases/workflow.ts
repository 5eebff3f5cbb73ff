// The order lifecycle workflow (Step Functions, infra/constructs/workflow.ts): its steps' use cases,
// and how order changes reach the step that waits for them.
//
// Waiting uses the callback pattern with the task token stored beside the order (WorkflowWait):
// the waiting step stores its token, then reads the order; a command stores the order, then reads
// the wait. Both write before they read, so a change is never missed: whichever side comes second
// sees the other and resumes the step (a second resume of the same token is ignored).
//
// Every step is idempotent: it may be retried (transient errors) or run again after a restart.
// Emails go through the outbox with deterministic ids; timeline events are recorded once.
import * as z from 'zod';
import { ORDER_STATUSES, type Actor, type OrderException, type OrderStatus, type PortInEvent, type PortInEventType, type PortInOrder } from '../../rules/types.ts';
import type { CarrierRecord, InventoryNumber, WorkflowEngine, WorkflowResume } from '../ports.ts';
import { accountFacts, type UseCaseDeps } from '../context.ts';
import { decide, orderNumbers, type Decision, type OrderContext } from '../../rules/port-in/order.ts';
import { policyFor } from '../../rules/markets.ts';
import { normalizeNumber } from '../../rules/phone.ts';
import { ConcurrentModificationError } from '../../rules/errors.ts';
import { saveDecision } from '../order-writes.ts';
import { emailItem, enqueue } from '../outbox.ts';
import { notifyOrder, signedLoaDocument, type OrderNotice } from '../notify.ts';
import { orderReference, subjectReference } from '../../notifications/common.ts';
import { escapeHtml } from '../../notifications/format.ts';

/** Who the workflow's own timeline events are by. */
export const WORKFLOW_ACTOR: Actor = { kind: 'system', id: 'workflow' };

// ---- errors, as Step Functions sees them (the state's `Error` is the error's name) -------------------

/** Worth retrying: the state machine retries this name with backoff and jitter. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** The carrier's submission endpoint refused the order (HTTP 4xx): retrying cannot help. */
export class CarrierRejectedSubmission extends Error {
  override readonly name = 'CarrierRejectedSubmission';
}

/** The order cannot reach its carrier: no carrier record, or one with neither a porting email nor a webhook. */
export class CarrierUnreachable extends Error {
  override readonly name = 'CarrierUnreachable';
}

/** The step's order does not exist (never retried). */
export class OrderNotFound extends Error {
  override readonly name = 'OrderNotFound';
}

/** The order is not in a state this step can act on. */
export class UnexpectedOrderState extends Error {
  override readonly name = 'UnexpectedOrderState';
}

/** The step was invoked with an input it does not understand (a definition or caller bug). */
export class InvalidStepInput extends Error {
  override readonly name = 'InvalidStepInput';
}

const TRANSIENT_AWS_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'AbortError',
]);
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/**
 * What a step throws to Step Functions: anything worth retrying (a concurrent write, throttling or a
 * server fault of an AWS service, a network failure, an outside service marked `retryable`) becomes a
 * TransientError; everything else keeps its name and lands the order in `exception` at once.
 */
export function toWorkflowError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (error instanceof TransientError) return error;
  const e = error as Error & { retryable?: unknown; code?: unknown; $retryable?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number } };
  const transient =
    error instanceof ConcurrentModificationError ||
    e.retryable === true ||
    e.$retryable !== undefined ||
    e.$fault === 'server' ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500 ||
    TRANSIENT_AWS_ERRORS.has(error.name) ||
    (typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code));
  if (!transient) return error;
  const wrapped = new TransientError(`${error.name}: ${error.message}`.slice(0, 1000));
  (wrapped as Error & { cause?: unknown }).cause = error;
  return wrapped;
}

// ---- inputs and outputs of the steps (plain JSON: Step Functions state data) -----------------------

const OrderId = z.string().min(1).max(80);

/** What the workflow last acted on: a waiting step waits for the order to differ from it. */
export const OrderSnapshot = z.object({
  status: z.enum(ORDER_STATUSES),
  transferDate: z.string().nullable(),
  rejectionCount: z.number().int().min(0),
});
export type OrderSnapshot = z.infer<typeof OrderSnapshot>;

export const SubmitInput = z.object({ orderId: OrderId });
export const AwaitInput = z.object({
  orderId: OrderId,
  taskToken: z.string().min(1),
  step: z.string().min(1).max(80),
  expected: OrderSnapshot,
});
export type AwaitInput = z.infer<typeof AwaitInput>;

export const ORDER_NOTICES = ['carrier_submission', 'rejection', 'transfer_date', 'completion', 'cancellation', 'withdrawal', 'exception'] as const satisfies readonly OrderNotice[];
export const NotifyInput = z.object({ orderId: OrderId, notice: z.enum(ORDER_NOTICES), key: z.string().min(1).max(100).optional() });
export type NotifyInput = z.infer<typeof NotifyInput>;

export const OrderStepInput = z.object({ orderId: OrderId });

/** `$.failure` of the state data: one entry, keyed by the state that failed, as a Catch writes it. */
export const RecordExceptionInput = z.object({
  orderId: OrderId,
  failure: z.record(z.string(), z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose()),
});
export type RecordExceptionInput = z.infer<typeof RecordExceptionInput>;

const snapshotOf = (order: PortInOrder, status: OrderStatus = order.status): OrderSnapshot => ({
  status,
  transferDate: order.transferDate,
  rejectionCount: order.rejectionCount,
});

/** What a waiting step is resumed with: the order as it became. */
export const resumeOf = (order: PortInOrder): WorkflowResume => ({
  orderId: order.id,
  status: order.status,
  transferDate: order.transferDate,
  market: order.market,
});

// ---- loading and writing -----------------------------------------------------------------------------

async function loadOrder(deps: UseCaseDeps, orderId: string): Promise<PortInOrder> {
  const order = await deps.repository.getOrder(orderId);
  if (!order) throw new OrderNotFound(`No port-in order ${orderId}`);
  return order;
}

async function orderContext(deps: UseCaseDeps, order: PortInOrder): Promise<OrderContext> {
  const account = await deps.repository.getAccount(order.accountId);
  if (!account) throw new UnexpectedOrderState(`Order ${order.id}: its account ${order.accountId} does not exist`);
  return { policy: policyFor(account.market), account: accountFacts(account), now: deps.clock.now(), actor: WORKFLOW_ACTOR };
}

const MAX_WRITE_ATTEMPTS = 3;

/**
 * Read the order, decide, write (through the one order write path). A concurrent write (an API
 * command at the same moment) makes it read and decide again; `change` returning null, or a
 * decision without events, writes nothing. Returns the order as stored afterwards.
 */
async function changeOrder(
  deps: UseCaseDeps,
  orderId: string,
  change: (order: PortInOrder, ctx: () => Promise<OrderContext>) => Promise<Decision | null> | Decision | null,
): Promise<PortInOrder> {
  for (let attempt = 1; ; attempt++) {
    const order = await loadOrder(deps, orderId);
    const decision = await change(order, () => orderContext(deps, order));
    if (decision === null || decision.events.length === 0) return order;
    try {
      await saveDecision(deps, order, decision);
      return decision.order;
    } catch (error) {
      if (error instanceof ConcurrentModificationError && attempt < MAX_WRITE_ATTEMPTS) continue;
      throw error;
    }
  }
}

/**
 * A timeline event the workflow records about an order without changing its status or deadlines
 * (numbers activated, test call placed, temporary number released or kept). Pure.
 */
export function recordWorkflowEvent(order: PortInOrder, type: PortInEventType, data: Record<string, unknown>, now: Date): Decision {
  const at = now.toISOString();
  return {
    order: { ...order, updatedAt: at, version: order.version + 1 },
    events: [{ type, at, actor: WORKFLOW_ACTOR, data }],
    lock: [],
    release: [],
    activate: null,
  };
}

/** The order's first event of this type, if any (an order has a few dozen events at most). */
async function findEvent(deps: UseCaseDeps, orderId: string, type: PortInEventType): Promise<PortInEvent | null> {
  let cursor: string | null = null;
  do {
    const page = await deps.repository.listOrderEvents(orderId, { cursor, limit: 100 });
    const found = page.items.find((e) => e.type === type);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return null;
}

/** Records `type` once: nothing is written when the order already has such an event. */
function recordOnce(deps: UseCaseDeps, orderId: string, type: PortInEventType, data: Record<string, unknown>): Promise<PortInOrder> {
  return changeOrder(deps, orderId, async (order) =>
    (await findEvent(deps, orderId, type)) ? null : recordWorkflowEvent(order, type, data, deps.clock.now()),
  );
}

function requireEngine(deps: UseCaseDeps): WorkflowEngine {
  if (deps.services.workflow === null) {
    throw new Error('No workflow engine is configured (STATE_MACHINE_ARN, or WORKFLOW_CALLBACKS=1 for the workflow steps)');
  }
  return deps.services.workflow;
}

// ---- order changes -> the workflow -------------------------------------------------------------------

/** Start the order's execution, or resume its waiting step with what the order became. */
export interface WorkflowSignal {
  orderId: string;
  action: 'start' | 'resume';
  /**
   * For `resume`: the order as the change left it. Absent: the order as it is now. Passing the
   * state of each change matters when changes come fast: rejected then resubmitted must reach the
   * workflow as a rejection (tell the submitter) before the resubmission, not only as `submitted`.
   */
  state?: WorkflowResume;
}

export type SignalOutcome = 'started' | 'resumed' | 'not_waiting' | 'unchanged' | 'no_workflow';

/**
 * Delivers one signal. `resume` acts only when a step waits and the order differs from what it
 * waits on; it then clears the wait. Safe to repeat (a spent token is ignored). Throws when the
 * engine fails, so the outbox retries it.
 */
export async function signalWorkflow(deps: UseCaseDeps, signal: WorkflowSignal): Promise<SignalOutcome> {
  const engine = deps.services.workflow;
  if (engine === null) return 'no_workflow';
  if (signal.action === 'start') {
    await engine.start(signal.orderId);
    return 'started';
  }
  const wait = await deps.repository.getWorkflowWait(signal.orderId);
  if (wait === null) return 'not_waiting'; // the next waiting step reads the order itself
  const state = signal.state ?? resumeOf(await loadOrder(deps, signal.orderId));
  if (state.status === wait.status && state.transferDate === wait.transferDate) return 'unchanged';
  await engine.resume(wait.taskToken, state);
  await deps.repository.clearWorkflowWait(signal.orderId, wait.taskToken);
  return 'resumed';
}

const BEFORE_CARRIER: ReadonlySet<OrderStatus> = new Set(['awaiting_signature', 'on_hold']);

/** The signal a stored change needs, if any: start on the first `submitted`, resume on a status or transfer-date change. */
export function signalFor(before: PortInOrder, after: PortInOrder): WorkflowSignal | null {
  if (after.status === 'submitted' && BEFORE_CARRIER.has(before.status)) return { orderId: after.id, action: 'start' };
  if (before.status === after.status && before.transferDate === after.transferDate) return null;
  return { orderId: after.id, action: 'resume', state: resumeOf(after) };
}

/**
 * After a command is stored: start the order's execution when it first goes to the carrier,
 * otherwise resume the waiting step when the status or transfer date changed. No workflow
 * configured (API-only tests): nothing.
 */
export async function followUp(deps: UseCaseDeps, before: PortInOrder, after: PortInOrder): Promise<void> {
  if (deps.services.workflow === null) return;
  const signal = signalFor(before, after);
  if (signal !== null) await signalWorkflow(deps, signal);
}

// ---- steps -------------------------------------------------------------------------------------------

export type CarrierChannel = 'email' | 'webhook';

export interface SubmitResult {
  orderId: string;
  /** False when the order is no longer `submitted` (cancelled meanwhile): nothing was sent. */
  submitted: boolean;
  channels: CarrierChannel[];
  /** What the next waiting step waits on. */
  expected: OrderSnapshot;
}

/**
 * The order as the carrier's submission endpoint receives it (JSON, `application/json`).
 * `loaDocumentUrl`: where the carrier fetches the signed LOA with its API key. An API address, not a
 * pre-signed S3 link: those signed by a Lambda role stop working when its session ends (hours), and
 * the carrier may look days later; the API answers each read with a fresh download link.
 */
export function carrierSubmission(order: PortInOrder, now: Date, publicBaseUrl: string, loaDocumentUrl: string | null = null) {
  return {
    type: 'port_in_submission',
    version: '1',
    reference: orderReference(order.id),
    orderId: order.id,
    /** 1 for the first submission, 2 for the resubmission after a rejection. */
    submission: order.rejectionCount + 1,
    sentAt: now.toISOString(),
    market: order.market,
    commencementDate: order.commencementDate,
    losingCarrierAccountNumber: order.details.losingCarrierAccountNumber,
    pin: order.details.pin,
    accountHolder: order.details.accountHolder,
    serviceAddress: order.details.serviceAddress,
    category: order.category,
    numbers: order.lines.map((line) => ({ number: line.e164 ?? line.input, lineType: line.lineType, services: line.services })),
    letterOfAuthority: order.signature
      ? {
          signedBy: order.signature.signerName,
          signedAt: order.signature.at,
          documentUrl: loaDocumentUrl,
          /** SHA-256 of the unsigned LOA the signer signed (the signed file adds the signature page to it). */
          documentSha256: order.signature.documentSha256,
        }
      : null,
    answerTo: `${publicBaseUrl.replace(/\/+$/, '')}/v1/port-ins/${encodeURIComponent(order.id)}/carrier-events`,
  };
}

/** Outbox and idempotency key of one submission of an order (the resubmission is a new one). */
export const submissionKey = (order: PortInOrder): string => `${order.id}.carrier_submission.${order.rejectionCount}`;

/**
 * SubmitToCarrier: sends the order to its carrier by each channel the carrier has: email to its
 * porting desk (through the outbox, once per submission) and/or its HTTPS webhook (synchronously;
 * 5xx, 408, 429 and network failures are retried, other answers are the carrier refusing it).
 */
export async function submitToCarrier(deps: UseCaseDeps, orderId: string): Promise<SubmitResult> {
  const order = await loadOrder(deps, orderId);
  const expected = snapshotOf(order, 'submitted');
  if (order.status !== 'submitted') return { orderId, submitted: false, channels: [], expected };
  const carrierId = order.details.carrierId;
  const carrier = carrierId ? await deps.repository.getCarrier(carrierId) : null;
  if (!carrier) throw new CarrierUnreachable(`The order names no known carrier (${carrierId ?? 'none'}); it cannot be submitted.`);
  if (!carrier.portingEmail && !carrier.webhookUrl) {
    throw new CarrierUnreachable(
      `Carrier ${carrier.id} (${carrier.name}) has neither a porting email nor a webhook URL: record one, then submit the order again.`,
    );
  }
  const channels: CarrierChannel[] = [];
  if (carrier.portingEmail) {
    await notifyOrder(deps, order, 'carrier_submission', String(order.rejectionCount));
    channels.push('email');
  }
  if (carrier.webhookUrl) {
    await postSubmission(deps, order, carrier);
    channels.push('webhook');
  }
  return { orderId, submitted: true, channels, expected };
}

async function postSubmission(deps: UseCaseDeps, order: PortInOrder, carrier: CarrierRecord): Promise<void> {
  const loa = await signedLoaDocument(deps, order);
  const loaUrl = loa ? `${deps.services.settings.publicBaseUrl.replace(/\/+$/, '')}/v1/port-ins/${encodeURIComponent(order.id)}/documents/${encodeURIComponent(loa.id)}` : null;
  const body = JSON.stringify(carrierSubmission(order, deps.clock.now(), deps.services.settings.publicBaseUrl, loaUrl));
  const headers = { 'idempotency-key': submissionKey(order), 'x-portdesk-reference': orderReference(order.id) };
  let status: number;
  try {
    ({ status } = await deps.services.webhooks.post(carrier.webhookUrl!, body, headers));
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    if (name === 'ForbiddenWebhookAddressError' || (error instanceof Error && /scheme/.test(error.message))) {
      throw new CarrierUnreachable(`Carrier ${carrier.id}'s webhook URL cannot be used: ${(error as Error).message}`);
    }
    throw new TransientError(`Carrier ${carrier.id}'s webhook did not answer (${name})`);
  }
  if (status >= 200 && status < 300) return;
  if (status >= 500 || status === 408 || status === 429) throw new TransientError(`Carrier ${carrier.id}'s webhook answered HTTP ${status}`);
  throw new CarrierRejectedSubmission(`Carrier ${carrier.id}'s webhook refused the submission with HTTP ${status}`);
}

export interface AwaitResult {
  orderId: string;
  step: string;
  /** False when the order had already moved on: the step was resumed at once. */
  waiting: boolean;
}

/** Whether the order still is what the step waits on. */
const stillAsExpected = (order: PortInOrder, expected: OrderSnapshot): boolean =>
  order.status === expected.status && order.transferDate === expected.transferDate && order.rejectionCount === expected.rejectionCount;

/**
 * The waiting steps (WaitForCarrierAnswer, WaitForResubmission, WaitForCompletion), invoked with a
 * task token: store the wait first, then read the order (strongly consistent); if the order has
 * already moved on from what the step waits on, resume the step at once.
 */
export async function awaitOrderChange(deps: UseCaseDeps, input: AwaitInput): Promise<AwaitResult> {
  const engine = requireEngine(deps);
  await deps.repository.putWorkflowWait({
    orderId: input.orderId,
    taskToken: input.taskToken,
    status: input.expected.status,
    transferDate: input.expected.transferDate,
    step: input.step,
    since: deps.clock.now().toISOString(),
  });
  const order = await loadOrder(deps, input.orderId);
  if (stillAsExpected(order, input.expected)) return { orderId: input.orderId, step: input.step, waiting: true };
  await engine.resume(input.taskToken, resumeOf(order));
  await deps.repository.clearWorkflowWait(input.orderId, input.taskToken);
  return { orderId: input.orderId, step: input.step, waiting: false };
}

export interface NotifyResult {
  orderId: string;
  notice: OrderNotice;
  key: string;
  /** False when the order no longer has what the notice is about (e.g. no transfer date any more). */
  sent: boolean;
  /** For the notices a waiting step follows (rejection, transfer date): what it waits on. */
  expected: OrderSnapshot;
}

/** The status a notice is about; the order must have reached it (or, for a rejection, have been rejected). */
function noticeApplies(order: PortInOrder, notice: OrderNotice): boolean {
  switch (notice) {
    case 'carrier_submission':
      return order.status === 'submitted';
    case 'rejection':
      return order.lastRejection !== null && order.rejectionCount > 0;
    case 'transfer_date':
      return order.status === 'scheduled' && order.transferDate !== null;
    case 'completion':
      return order.status === 'completed';
    case 'cancellation':
      return order.status === 'cancelled';
    case 'withdrawal':
      return order.status === 'withdrawn';
    case 'exception':
      return order.exception !== null;
  }
}

/** One notice per occurrence: its outbox id is derived from this key, so a re-run sends nothing twice. */
export function defaultNoticeKey(order: PortInOrder, notice: OrderNotice): string {
  switch (notice) {
    case 'carrier_submission':
    case 'rejection':
      return String(order.rejectionCount);
    case 'transfer_date':
      return order.transferDate ?? 'none';
    case 'completion':
      return order.completedOn ?? 'completed';
    case 'cancellation':
      return 'cancelled';
    case 'withdrawal':
      return 'withdrawn';
    case 'exception':
      return order.exception?.at ?? 'none';
  }
}

const NOTICE_STATUS: Partial<Record<OrderNotice, OrderStatus>> = { carrier_submission: 'submitted', rejection: 'rejected', transfer_date: 'scheduled' };

/** NotifyRejection, NotifyTransferDate, NotifyCompletion, NotifyCancellation, NotifyWithdrawal. */
export async function notify(deps: UseCaseDeps, input: NotifyInput): Promise<NotifyResult> {
  const order = await loadOrder(deps, input.orderId);
  const key = input.key ?? defaultNoticeKey(order, input.notice);
  const expected = snapshotOf(order, NOTICE_STATUS[input.notice] ?? order.status);
  if (!noticeApplies(order, input.notice)) return { orderId: order.id, notice: input.notice, key, sent: false, expected };
  await notifyOrder(deps, order, input.notice, key);
  return { orderId: order.id, notice: input.notice, key, sent: true, expected };
}

export interface ActivationResult {
  orderId: string;
  market: PortInOrder['market'];
  numberCount: number;
  /** Numbers this step found inactive and activated (0 when completion had done it all). */
  activatedNow: number;
}

/**
 * ActivateNumbers: completion activates the numbers in the same write; this step checks that each is
 * active on the account, activates any that is not, and records `numbers_activated` once.
 */
export async function activateNumbers(deps: UseCaseDeps, orderId: string): Promise<ActivationResult> {
  const order = await loadOrder(deps, orderId);
  if (order.status !== 'completed') throw new UnexpectedOrderState(`Order ${orderId} is ${order.status}, not completed: its numbers stay inactive`);
  const numbers = orderNumbers(order.lines);
  const inventory = await deps.repository.getInventoryNumbers(numbers);
  const missing = numbers.filter((e164) => {
    const item = inventory.get(e164);
    return !(item?.status === 'active' && item.accountId === order.accountId);
  });
  if (missing.length > 0) {
    const at = deps.clock.now().toISOString();
    await deps.repository.addInventoryNumbers(
      order.accountId,
      missing.map((e164): InventoryNumber => ({ e164, accountId: order.accountId, origin: 'ported_in', status: 'active', activeSince: at, portedOutAt: null, portOutId: null, chargesStopOn: null })),
    );
  }
  await recordOnce(deps, orderId, 'numbers_activated', { numberCount: numbers.length, activatedByWorkflow: missing.length });
  return { orderId, market: order.market, numberCount: numbers.length, activatedNow: missing.length };
}

/** FR: the number the test call goes to: the primary number, else the order's first valid number. */
export function testCallNumber(order: PortInOrder): string | null {
  if (order.details.primaryNumber) {
    const primary = normalizeNumber(order.details.primaryNumber, order.market);
    if (primary.ok) return primary.e164;
  }
  return orderNumbers(order.lines)[0] ?? null;
}

export interface TestCallResult {
  orderId: string;
  placed: boolean;
  answered: boolean | null;
}

/**
 * PlaceTestCall (FR): calls the primary number from our test line and records `test_call_placed`
 * with the result, once. An unanswered call is recorded and told to the operator; it is not retried
 * (only the voice platform being unavailable is).
 */
export async function placeTestCall(deps: UseCaseDeps, orderId: string): Promise<TestCallResult> {
  const order = await loadOrder(deps, orderId);
  if (order.market !== 'FR') return { orderId, placed: false, answered: null };
  if (order.status !== 'completed') throw new UnexpectedOrderState(`Order ${orderId} is ${order.status}, not completed: no test call`);
  const previous = await findEvent(deps, orderId, 'test_call_placed');
  if (previous) {
    const answered = previous.data.answered === true;
    if (!answered) await tellOperatorTestCallUnanswered(deps, order, String(previous.data.number ?? ''), String(previous.data.detail ?? ''));
    return { orderId, placed: true, answered };
  }
  const number = testCallNumber(order);
  if (number === null) throw new UnexpectedOrderState(`Order ${orderId} has no valid number to call`);
  const result = await deps.services.voice.placeTestCall(number);
  await recordOnce(deps, orderId, 'test_call_placed', { number, answered: result.answered, detail: result.detail });
  if (!result.answered) await tellOperatorTestCallUnanswered(deps, order, number, result.detail);
  return { orderId, placed: true, answered: result.answered };
}

/** The operator's email about an unanswered FR test call (once per order). */
async function tellOperatorTestCallUnanswered(deps: UseCaseDeps, order: PortInOrder, number: string, detail: string): Promise<void> {
  const to = deps.services.settings.operatorEmail;
  if (!to) return;
  const text = [
    `The test call after completing port-in order ${order.id} (FR) was not answered on our network.`,
    `Number called: ${number}`,
    `Voice platform: ${detail || 'no detail'}`,
    'The order stays completed and the customer was told; check the number\'s routing.',
    `Reference: ${orderReference(order.id)}`,
  ];
  const email = {
    to: [to],
    subject: `Test call unanswered: ${order.id} ${subjectReference(order.id)}`,
    text: `${text.join('\n')}\n`,
    html: `<!doctype html><html><body>${text.map((line) => `<p>${escapeHtml(line)}</p>`).join('')}</body></html>`,
    reference: orderReference(order.id),
  };
  await enqueue(deps, [emailItem(`${order.id}.test_call_unanswered`, 'test_call_unanswered', order.id, email, deps.clock.now())]);
}

export interface TemporaryNumberResult {
  orderId: string;
  outcome: 'released' | 'kept' | 'none';
}

/**
 * SettleTemporaryNumber (FR): the temporary number the account used meanwhile is released from the
 * inventory (its charge stops), unless the customer asked to keep it as a virtual number. Recorded once.
 */
export async function settleTemporaryNumber(deps: UseCaseDeps, orderId: string): Promise<TemporaryNumberResult> {
  const order = await loadOrder(deps, orderId);
  const temporary = order.details.temporaryNumber;
  if (order.market !== 'FR' || temporary === null) return { orderId, outcome: 'none' };
  if (order.status !== 'completed') throw new UnexpectedOrderState(`Order ${orderId} is ${order.status}, not completed: the temporary number stays`);
  const normalized = normalizeNumber(temporary.number, order.market);
  if (!normalized.ok) throw new UnexpectedOrderState(`Order ${orderId}: the temporary number is not a valid number`);
  const e164 = normalized.e164;
  if (temporary.keepAsVirtual) {
    await recordOnce(deps, orderId, 'temporary_number_kept', { number: e164 });
    return { orderId, outcome: 'kept' };
  }
  if (!(await findEvent(deps, orderId, 'temporary_number_released'))) {
    // Safe to repeat: a number no longer active on the account is skipped.
    const released = await deps.repository.releaseInventoryNumbers(order.accountId, [e164], deps.clock.now().toISOString());
    await recordOnce(deps, orderId, 'temporary_number_released', { number: e164, wasActive: released.includes(e164) });
  }
  return { orderId, outcome: 'released' };
}

export interface ExceptionResult {
  orderId: string;
  step: string;
  error: string;
  /** Whether the order now shows the exception (a final order keeps none). */
  recorded: boolean;
}

/** The readable part of a Catch's Cause: a Lambda error's `errorMessage`, else the text itself. */
export function causeText(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage.slice(0, 1000);
  } catch {
    // not JSON: Step Functions' own text
  }
  return cause.slice(0, 1000);
}

/** The failed state and its error, from `$.failure` (`{ "<state name>": { "Error", "Cause" } }`). */
export function failureOf(failure: RecordExceptionInput['failure']): { step: string; error: string; cause: string } {
  const [entry] = Object.entries(failure);
  if (entry === undefined) return { step: 'unknown', error: 'Unknown', cause: '' };
  const [step, { Error: error, Cause: cause }] = entry;
  return { step, error: error || 'Unknown', cause: causeText(cause) };
}

/**
 * RecordException: a step kept failing (or the order took a turn the workflow does not expect). The
 * order shows the exception (`record_exception`: `order.exception` and a `workflow_exception`
 * event) and the operator gets an email; then the execution fails (OrderException).
 */
export async function recordException(deps: UseCaseDeps, input: RecordExceptionInput): Promise<ExceptionResult> {
  const { step, error, cause } = failureOf(input.failure);
  const stored = await changeOrder(deps, input.orderId, async (order, ctx) => decide(order, { type: 'record_exception', step, error, cause }, await ctx()));
  const recorded = stored.exception !== null && stored.exception.step === step && stored.exception.error === error;
  // The rules keep no exception on a final order; the operator must hear of it all the same.
  const exception: OrderException = recorded ? stored.exception! : { step, error, cause, at: deps.clock.now().toISOString() };
  await notifyOrder(deps, { ...stored, exception }, 'exception', recorded ? exception.at : `${step}.${error}`);
  return { orderId: input.orderId, step, error, recorded };
}
