// The transactional outbox: every email, bus event and webhook delivery is first stored as an
// outbox item (in the same transaction as the order change that causes it, or idempotently by id),
// then delivered at once; what fails is retried by the dispatcher with exponential backoff and
// jitter until it is delivered or fails for good. Nothing is sent that was not recorded, and
// nothing recorded is forgotten.
import type { UseCaseDeps } from './context.ts';
import type { DeliveryAttempt, EmailMessage, OutboxItem, OutboxMessage } from './ports.ts';
import { deliverWebhook, webhookDeliveriesFor } from './use-cases/webhooks.ts';
import { signalWorkflow } from './use-cases/workflow.ts';

/** Attempts before an item is marked failed (about a day and a half with the backoff below). */
export const MAX_DELIVERY_ATTEMPTS = 10;
/** Until this lease expires the dispatcher leaves a new item to the caller's immediate attempt. */
export const FIRST_ATTEMPT_LEASE_MS = 60_000;
const BASE_DELAY_MS = 60_000;
const MAX_DELAY_MS = 6 * 60 * 60 * 1000;
/** Items one dispatcher run handles; the rest wait for the next run (it runs every minute). */
const DISPATCH_LIMIT = 500;

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: exponential (1 min, 2, 4 … capped
 * at 6 h) with "equal jitter" (half fixed, half random) so retries of many items spread out.
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** A new pending item; the first attempt is the caller's, the dispatcher's only after the lease. */
export function newOutboxItem(input: { id: string; purpose: string; subjectId: string; message: OutboxMessage }, now: Date): OutboxItem {
  return {
    ...input,
    status: 'pending',
    attempts: [],
    createdAt: now.toISOString(),
    nextAttemptAt: new Date(now.getTime() + FIRST_ATTEMPT_LEASE_MS).toISOString(),
    deliveredAt: null,
  };
}

export function emailItem(id: string, purpose: string, subjectId: string, email: EmailMessage, now: Date): OutboxItem {
  return newOutboxItem({ id, purpose, subjectId, message: { kind: 'email', email } }, now);
}

/** Stores the items that do not exist yet and tries to deliver those now. Returns the ids created. */
export async function enqueue(deps: UseCaseDeps, items: OutboxItem[]): Promise<string[]> {
  if (items.length === 0) return [];
  const created = new Set(await deps.repository.putOutbox(items));
  await deliverAll(deps, items.filter((item) => created.has(item.id)));
  return [...created];
}

/** Tries each item once now; failures are recorded for the dispatcher, never thrown. */
export async function deliverAll(deps: UseCaseDeps, items: readonly OutboxItem[]): Promise<DeliveryOutcome[]> {
  const outcomes: DeliveryOutcome[] = [];
  for (const item of items) outcomes.push(await deliverOnce(deps, item));
  return outcomes;
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

/** One attempt at one item, recorded. `skipped`: someone else recorded an attempt meanwhile. */
export async function deliverOnce(deps: UseCaseDeps, item: OutboxItem): Promise<DeliveryOutcome> {
  if (item.status !== 'pending') return 'skipped';
  const started = deps.clock.now();
  let ok = false;
  let permanent = false;
  let outcome: string;
  try {
    const result = await send(deps, item, started);
    ok = result.ok;
    permanent = result.permanent;
    outcome = result.outcome;
  } catch (error) {
    outcome = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'error';
  }
  const finished = deps.clock.now();
  const attempt: DeliveryAttempt = { at: started.toISOString(), ok, outcome, durationMs: Math.max(0, finished.getTime() - started.getTime()) };
  const failures = item.attempts.filter((a) => !a.ok).length + (ok ? 0 : 1);
  const next: Pick<OutboxItem, 'status' | 'nextAttemptAt' | 'deliveredAt'> = ok
    ? { status: 'delivered', nextAttemptAt: null, deliveredAt: finished.toISOString() }
    : permanent || failures >= MAX_DELIVERY_ATTEMPTS
      ? { status: 'failed', nextAttemptAt: null, deliveredAt: null }
      : { status: 'pending', nextAttemptAt: new Date(finished.getTime() + retryDelayMs(failures)).toISOString(), deliveredAt: null };
  const recorded = await deps.repository.recordDelivery(item, attempt, next);
  if (!recorded) return 'skipped';
  return ok ? 'delivered' : next.status === 'failed' ? 'failed' : 'retry';
}

async function send(deps: UseCaseDeps, item: OutboxItem, now: Date): Promise<{ ok: boolean; permanent: boolean; outcome: string }> {
  const message = item.message;
  switch (message.kind) {
    case 'email': {
      const { messageId } = await deps.services.mailer.send(message.email);
      return { ok: true, permanent: false, outcome: `sent ${messageId}` };
    }
    case 'bus_event': {
      await deps.services.bus.publish([message.event]);
      // Webhooks fan out from the published event: one delivery item per subscribed webhook.
      await enqueue(deps, await webhookDeliveriesFor(deps, message.event, now));
      return { ok: true, permanent: false, outcome: 'published' };
    }
    case 'workflow': {
      return { ok: true, permanent: false, outcome: await signalWorkflow(deps, message) };
    }
    case 'webhook': {
      const { status } = await deliverWebhook(deps, message, now);
      // 410 Gone: the receiver (or the webhook) no longer exists; retrying cannot help.
      return { ok: status >= 200 && status < 300, permanent: status === 410, outcome: `HTTP ${status}` };
    }
  }
}

/** The dispatcher: every item whose next attempt is due, oldest first. */
export async function dispatchDueOutbox(deps: UseCaseDeps, now: Date): Promise<Record<DeliveryOutcome, number>> {
  const counts: Record<DeliveryOutcome, number> = { delivered: 0, retry: 0, failed: 0, skipped: 0 };
  let cursor: string | null = null;
  let handled = 0;
  do {
    const page = await deps.repository.listDue('outbox', now, { cursor, limit: 100 });
    for (const due of page.items) {
      const item = await deps.repository.getOutbox(due.id);
      const outcome = item ? await deliverOnce(deps, item) : 'skipped';
      counts[outcome] += 1;
      handled += 1;
    }
    cursor = page.nextCursor;
  } while (cursor !== null && handled < DISPATCH_LIMIT);
  return counts;
}
