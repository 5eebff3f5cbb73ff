// Port-in use cases. Each one: load what it needs (batched), let the rules decide, write the
// decision in one OrderChange (optimistic locking + number locks), return the order's view.
import type { AccountRecord, Caller, DocumentRecord, OutboxItem, PageRequest } from '../ports.ts';
import { accountFacts, actorOf, newId, targetAccountId, type UseCaseDeps } from '../context.ts';
import { policyFor } from '../../rules/markets.ts';
import { normalizeNumber } from '../../rules/phone.ts';
import {
  createDraft,
  decide,
  buildLines,
  orderNumbers,
  currentSigningRequest,
  type Decision,
  type OrderContext,
  type OrderFacts,
  type PortInCommand,
} from '../../rules/port-in/order.ts';
import { viewOrder } from '../../rules/port-in/view.ts';
import { saveDecision } from '../order-writes.ts';
import { notifyOrder } from '../notify.ts';
import { logger } from '../logger.ts';
import { defaultNoticeKey } from './workflow.ts';
import { prepareSigning, requestNewSignature, signOrder, signingArtifacts, type PreparedSigning, type SigningReason } from './signing.ts';
import { NotFoundError } from '../../rules/errors.ts';
import { HttpError } from '../../http/problem.ts';
import { formatPath } from '../../http/handler.ts';
import { PortInFields, type CarrierEventInput, type CreatePortInInput, type PortInFieldsInput } from '../../http/schemas.ts';
import type { OrderStatus, PortInDetails, PortInOrder } from '../../rules/types.ts';

// ---- loading and visibility -------------------------------------------------------------------

/** Customers see their account's orders, carriers the orders they are the losing carrier of. */
function canSee(caller: Caller, order: PortInOrder): boolean {
  if (caller.role === 'operator') return true;
  if (caller.role === 'customer') return order.accountId === caller.accountId;
  return order.details.carrierId !== null && order.details.carrierId === caller.carrierId;
}

export async function loadOrder(deps: UseCaseDeps, caller: Caller, id: string): Promise<PortInOrder> {
  const order = await deps.repository.getOrder(id);
  if (!order || !canSee(caller, order)) throw new NotFoundError('port-in order', id);
  return order;
}

async function loadAccount(deps: UseCaseDeps, id: string): Promise<AccountRecord> {
  const account = await deps.repository.getAccount(id);
  if (!account) throw new NotFoundError('account', id);
  return account;
}

/** What the database knows about the order's numbers: one batched read per 100 numbers. */
async function loadFacts(deps: UseCaseDeps, account: AccountRecord, details: PortInDetails, numbers: string[]): Promise<OrderFacts> {
  const market = account.market;
  const temporary = details.temporaryNumber ? normalizeNumber(details.temporaryNumber.number, market) : null;
  const temporaryE164 = temporary?.ok ? temporary.e164 : null;
  const [inventory, carrier] = await Promise.all([
    deps.repository.getInventoryNumbers(temporaryE164 ? [...numbers, temporaryE164] : numbers),
    details.carrierId ? deps.repository.getCarrier(details.carrierId) : Promise.resolve(null),
  ]);
  const activeOnNetwork = new Set<string>();
  const previouslyPortedOut = new Set<string>();
  for (const n of numbers) {
    const item = inventory.get(n);
    if (item?.status === 'active') activeOnNetwork.add(n);
    if (item?.status === 'ported_out') previouslyPortedOut.add(n);
  }
  const tempItem = temporaryE164 ? inventory.get(temporaryE164) : undefined;
  return {
    numbers: {
      activeOnNetwork,
      previouslyPortedOut,
      temporaryNumberInInventory: tempItem?.status === 'active' && tempItem.accountId === account.id,
    },
    carrierExists: carrier !== null,
  };
}

function orderContext(deps: UseCaseDeps, caller: Caller, account: AccountRecord): OrderContext {
  return { policy: policyFor(account.market), account: accountFacts(account), now: deps.clock.now(), actor: actorOf(caller) };
}

function toDetails(input: Omit<PortInFieldsInput, 'numbers'>): PortInDetails {
  return {
    carrierId: input.carrierId ?? null,
    losingCarrierAccountNumber: input.losingCarrierAccountNumber ?? null,
    pin: input.pin ?? null,
    accountHolder: input.accountHolder ?? null,
    serviceAddress: input.serviceAddress ?? null,
    submitterEmail: input.submitterEmail ?? null,
    primaryNumber: input.primaryNumber ?? null,
    internetConnection: input.internetConnection ?? null,
    temporaryNumber: input.temporaryNumber ?? null,
    termsAccepted: input.termsAccepted ?? false,
  };
}

/** The order as the customer's fields (the document a merge patch applies to). */
function toFields(order: PortInOrder): PortInFieldsInput {
  const fields: Record<string, unknown> = {
    numbers: order.lines.map((l) => ({
      number: l.input,
      lineType: l.lineType,
      services: l.services,
      acknowledgedServiceLoss: l.acknowledgedServiceLoss,
      dslSeparated: l.dslSeparated,
    })),
  };
  for (const [key, value] of Object.entries(order.details)) if (value !== null) fields[key] = value;
  return fields as PortInFieldsInput;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * Write a decision; a command that changed nothing (e.g. the same transfer date again) writes nothing.
 * The write carries the change's bus events and the workflow's start or resume signal (outbox, one
 * transaction); what fails after the write is logged and retried later, never failing the request.
 */
async function apply(deps: UseCaseDeps, order: PortInOrder, command: PortInCommand, ctx: OrderContext, signing?: SigningOpened) {
  const decision = decide(order, command, ctx);
  if (decision.events.length === 0) return viewOrder(order, ctx.now);
  // A command that opened a signing request brings its LOA (stored now, described with the order) and email.
  const opened = signing && decision.order.signingRequests.some((r) => r.id === signing.prepared.request.id) ? signing : null;
  const artifacts = opened ? await opened.artifacts(decision) : { emails: [], documents: [] };
  await saveDecision(deps, order, decision, artifacts.emails, artifacts.documents);
  // Before the order reaches the carrier no workflow runs to tell the customer: the API does.
  if (decision.order.status === 'cancelled' && !WITH_WORKFLOW.has(order.status)) {
    try {
      await notifyOrder(deps, decision.order, 'cancellation', defaultNoticeKey(decision.order, 'cancellation'));
    } catch (error) {
      // The order is cancelled either way; the email is the part that failed.
      logger.error('cancellation email could not be queued', { orderId: order.id, error: error instanceof Error ? error.name : 'error' });
    }
  }
  return viewOrder(decision.order, ctx.now);
}

/**
 * A signing request prepared for a command that may open it (submit, edit of a rejected order), and
 * how to make its LOA and email. A callback, so that commands that never open one (cancel, carrier
 * answers) do not bring the PDF library into their Lambda bundles.
 */
interface SigningOpened {
  prepared: PreparedSigning;
  artifacts: (decision: Decision) => Promise<{ emails: OutboxItem[]; documents: DocumentRecord[] }>;
}

function opening(deps: UseCaseDeps, order: PortInOrder, account: AccountRecord, reason: SigningReason): SigningOpened {
  const prepared = prepareSigning(order, account);
  return { prepared, artifacts: (decision) => signingArtifacts(deps, decision, account, prepared, reason) };
}

/** Statuses in which the order's workflow runs (it tells the customer about what happens next). */
const WITH_WORKFLOW: ReadonlySet<OrderStatus> = new Set(['submitted', 'rejected', 'scheduled']);

/** Optional optimistic concurrency for clients: If-Match carries the version they last read. */
function checkIfMatch(order: PortInOrder, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = ifMatch.replace(/^W\//, '').replace(/"/g, '').trim();
  if (wanted !== '*' && wanted !== String(order.version)) {
    throw new HttpError(412, 'precondition_failed', `The order is at version ${order.version}, not ${wanted}; read it again and reapply your change.`);
  }
}

export const etagOf = (version: number): string => `W/"${version}"`;

// ---- use cases ----------------------------------------------------------------------------------

// Create a draft: normalise numbers, look up facts, validate and quote, lock the numbers.
export async function createPortIn(deps: UseCaseDeps, caller: Caller, input: CreatePortInInput) {
  const accountId = targetAccountId(caller, input.accountId, 'the order is for');
  if (caller.role === 'customer' && input.accountId !== undefined && input.accountId !== caller.accountId) {
    throw new HttpError(403, 'forbidden', 'A customer key can only create orders for its own account; leave accountId out.');
  }
  const account = await loadAccount(deps, accountId);
  const ctx = orderContext(deps, caller, account);
  const { accountId: _ignored, numbers, ...rest } = input;
  const details = toDetails(rest);
  const lines = buildLines(numbers, ctx.policy);
  const facts = await loadFacts(deps, account, details, orderNumbers(lines));
  const decision = createDraft({ id: newId('pin'), details, lines }, ctx, facts);
  await deps.repository.saveOrder({ ...decision, expectedVersion: null });
  return viewOrder(decision.order, ctx.now);
}

export async function getPortIn(deps: UseCaseDeps, caller: Caller, id: string) {
  const order = await loadOrder(deps, caller, id);
  return viewOrder(order, deps.clock.now());
}

export async function listPortIns(
  deps: UseCaseDeps,
  caller: Caller,
  query: { status?: OrderStatus; accountId?: string; exception?: boolean } & PageRequest,
) {
  const common = { status: query.status, exception: query.exception };
  const filter =
    caller.role === 'customer'
      ? { accountId: caller.accountId!, ...common }
      : caller.role === 'carrier'
        ? { carrierId: caller.carrierId!, ...common }
        : { accountId: query.accountId, ...common };
  const page = await deps.repository.listOrders(filter, { cursor: query.cursor, limit: query.limit });
  const now = deps.clock.now();
  // Lists carry no numbers (an order may hold thousands): read one order for them.
  return {
    items: page.items.map(({ lineCount, ...order }) => {
      const { numbers: _omitted, ...summary } = viewOrder(order, now);
      return { ...summary, numberCount: lineCount };
    }),
    nextCursor: page.nextCursor,
  };
}

// Edit a draft or rejected order with a JSON merge patch; the result is validated like a new order.
export async function updatePortIn(deps: UseCaseDeps, caller: Caller, id: string, patch: Record<string, unknown>, ifMatch?: string) {
  const order = await loadOrder(deps, caller, id);
  checkIfMatch(order, ifMatch);
  const merged = PortInFields.safeParse(mergePatch(toFields(order), patch));
  if (!merged.success) {
    throw new HttpError(
      400,
      'invalid_request',
      'The patched order does not match the schema; see errors.',
      merged.error.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: i.message })),
    );
  }
  const { numbers, ...rest } = merged.data;
  const account = await loadAccount(deps, order.accountId);
  const ctx = orderContext(deps, caller, account);
  const details = toDetails(rest);
  const lines = buildLines(numbers, ctx.policy);
  const facts = await loadFacts(deps, account, details, orderNumbers(lines));
  // Editing a rejected order voids its signature: a new LOA goes for signature with the edit.
  const signing = order.status === 'rejected' ? opening(deps, order, account, 'order_edited') : undefined;
  return apply(deps, order, { type: 'update', details, lines, facts, signing: signing?.prepared.request ?? null }, ctx, signing);
}

/** Commands that need the account and, for validation, fresh facts about the numbers. */
async function runCommand(
  deps: UseCaseDeps,
  caller: Caller,
  id: string,
  build: (order: PortInOrder, facts: () => Promise<OrderFacts>) => Promise<PortInCommand> | PortInCommand,
) {
  const order = await loadOrder(deps, caller, id);
  const account = await loadAccount(deps, order.accountId);
  const ctx = orderContext(deps, caller, account);
  const command = await build(order, () => loadFacts(deps, account, order.details, orderNumbers(order.lines)));
  return apply(deps, order, command, ctx);
}

// Submit: validation, fees, and the LOA sent to the signer (the order waits for the signature).
export async function submitPortIn(deps: UseCaseDeps, caller: Caller, id: string) {
  const order = await loadOrder(deps, caller, id);
  const account = await loadAccount(deps, order.accountId);
  const ctx = orderContext(deps, caller, account);
  const facts = await loadFacts(deps, account, order.details, orderNumbers(order.lines));
  const signing = opening(deps, order, account, 'submitted');
  return apply(deps, order, { type: 'submit', facts, signing: signing.prepared.request }, ctx, signing);
}

/** Where an API call came from: recorded in the signature's audit trail. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

// Sign through the API (clients with their own signing flow): the current request, the same audit trail.
export async function signPortIn(deps: UseCaseDeps, caller: Caller, id: string, input: { signerName: string }, client: ClientInfo = { ip: null, userAgent: null }) {
  const order = await loadOrder(deps, caller, id);
  const account = await loadAccount(deps, order.accountId);
  const requestId = currentSigningRequest(order)?.id ?? 'none';
  const signed = await signOrder(deps, order, account, actorOf(caller), { signerName: input.signerName, channel: 'api', requestId, ...client });
  return viewOrder(signed, deps.clock.now());
}

// A new signing link (and LOA) for an order still waiting for its signature; the previous link stops working.
export async function requestSignature(deps: UseCaseDeps, caller: Caller, id: string) {
  const order = await loadOrder(deps, caller, id);
  const updated = await requestNewSignature(deps, order, actorOf(caller));
  return viewOrder(updated, deps.clock.now());
}

export const resubmitPortIn = (deps: UseCaseDeps, caller: Caller, id: string) =>
  runCommand(deps, caller, id, async (_order, facts) => ({ type: 'resubmit', facts: await facts() }));

export const cancelPortIn = (deps: UseCaseDeps, caller: Caller, id: string) =>
  runCommand(deps, caller, id, () => ({ type: 'cancel' }));

export const recordCarrierEvent = (deps: UseCaseDeps, caller: Caller, id: string, input: CarrierEventInput) =>
  runCommand(deps, caller, id, (): PortInCommand => {
    switch (input.type) {
      case 'rejected':
        return { type: 'carrier_rejected', reasonCode: input.reasonCode, reason: input.reason };
      case 'transfer_date':
        return { type: 'carrier_transfer_date', transferDate: input.transferDate };
      case 'completed':
        return { type: 'carrier_completed', completedOn: input.completedOn };
    }
  });

export async function listPortInEvents(deps: UseCaseDeps, caller: Caller, id: string, page: PageRequest) {
  await loadOrder(deps, caller, id);
  return deps.repository.listOrderEvents(id, page);
}
