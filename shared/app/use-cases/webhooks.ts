// Webhooks: customers register endpoints for our events; every bus event they subscribe to becomes
// one outbox item per endpoint (kind `webhook`), delivered signed by the outbox (first try at once,
// then the dispatcher's retries). Deliveries are those outbox items: nothing else is stored.
import { randomBytes } from 'node:crypto';
import type { BusEvent, Caller, OutboxItem, OutboxMessage, Page, PageRequest, WebhookRecord } from '../ports.ts';
import { newId, targetAccountId, type UseCaseDeps } from '../context.ts';
import { loadVisibleAccount } from './accounts.ts';
import { EVENT_TYPES } from '../events.ts';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signPayload } from '../webhook-signature.ts';
import { NotFoundError, RuleViolationError } from '../../rules/errors.ts';
import type { CreateWebhookInput } from '../../http/schemas.ts';

export const MAX_WEBHOOKS_PER_ACCOUNT = 10;
/** The dispatcher's first retry is this long after a webhook item is created (the first try is immediate). */
export const FIRST_RETRY_DELAY_MS = 60_000;
/** Status answered by deliverWebhook when the webhook no longer exists: the outbox stops retrying. */
export const WEBHOOK_GONE = 410;

/** `whsec_` + 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export type WebhookView = Omit<WebhookRecord, 'secret'>;

/** A webhook as the API shows it: never its secret (only createWebhook's answer has it). */
export function viewWebhook(webhook: WebhookRecord): WebhookView {
  const { secret: _secret, ...view } = webhook;
  return view;
}

/** The account's own webhook (customers) or any (operators); anything else does not exist. */
async function loadVisibleWebhook(deps: UseCaseDeps, caller: Caller, id: string): Promise<WebhookRecord> {
  const webhook = await deps.webhookStore.get(id);
  if (!webhook || (caller.role !== 'operator' && webhook.accountId !== caller.accountId)) throw new NotFoundError('webhook', id);
  return webhook;
}

/** Our rule for every URL we POST to (customers' webhooks, carriers' submission endpoints). `path` names the field. */
export function checkUrl(url: string, allowHttp: boolean, path = 'url'): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw new RuleViolationError('webhook_url_not_https', 'Webhook URLs must use https.', [
      { path, code: 'webhook_url_not_https', message: 'Give an https:// URL; we do not send events over plain http.' },
    ]);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new RuleViolationError('webhook_url_has_credentials', 'Webhook URLs may not carry a user name or password.', [
      { path, code: 'webhook_url_has_credentials', message: 'Remove user:password@ from the URL; verify our PortDesk-Signature header instead.' },
    ]);
  }
}

/** Creates a webhook; the answer is the only place its secret is ever shown. */
export async function createWebhook(deps: UseCaseDeps, caller: Caller, input: CreateWebhookInput) {
  const accountId = targetAccountId(caller, input.accountId, 'the webhook is for');
  await loadVisibleAccount(deps, caller, accountId);
  checkUrl(input.url, deps.services.settings.allowHttpWebhooks === true);
  const webhook: WebhookRecord = {
    id: newId('whk'),
    accountId,
    url: input.url,
    description: input.description ?? null,
    eventTypes: [...new Set(input.eventTypes ?? EVENT_TYPES)],
    secret: generateWebhookSecret(),
    createdAt: deps.clock.now().toISOString(),
  };
  const created = await deps.webhookStore.create(webhook, MAX_WEBHOOKS_PER_ACCOUNT);
  if (!created) {
    throw new RuleViolationError(
      'webhook_limit_reached',
      `An account may have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks; delete one you no longer use first.`,
    );
  }
  return { ...viewWebhook(webhook), secret: webhook.secret };
}

export async function listWebhooks(deps: UseCaseDeps, caller: Caller, query: { accountId?: string; cursor: string | null; limit: number }) {
  const accountId = targetAccountId(caller, query.accountId, 'to list webhooks of');
  await loadVisibleAccount(deps, caller, accountId);
  const page = await deps.webhookStore.listByAccount(accountId, { cursor: query.cursor, limit: query.limit });
  return { items: page.items.map(viewWebhook), nextCursor: page.nextCursor };
}

export async function getWebhook(deps: UseCaseDeps, caller: Caller, id: string): Promise<WebhookView> {
  return viewWebhook(await loadVisibleWebhook(deps, caller, id));
}

/** Deletes the webhook. Deliveries already queued answer 410 on their next attempt and stop. */
export async function deleteWebhook(deps: UseCaseDeps, caller: Caller, id: string): Promise<void> {
  await loadVisibleWebhook(deps, caller, id);
  if (!(await deps.webhookStore.delete(id))) throw new NotFoundError('webhook', id);
}

/** The webhook's deliveries (its outbox items), each with every attempt. */
export async function listWebhookDeliveries(deps: UseCaseDeps, caller: Caller, id: string, page: PageRequest) {
  await loadVisibleWebhook(deps, caller, id);
  const result = await deps.repository.listOutbox({ subjectId: id }, page);
  return { items: result.items.map(viewDelivery), nextCursor: result.nextCursor };
}

function viewDelivery(item: OutboxItem) {
  const message = item.message;
  return {
    id: item.id,
    eventId: message.kind === 'webhook' ? message.eventId : null,
    eventType: item.purpose,
    status: item.status,
    createdAt: item.createdAt,
    nextAttemptAt: item.nextAttemptAt,
    deliveredAt: item.deliveredAt,
    attempts: item.attempts.map(({ at, ok, outcome, durationMs }) => ({ at, ok, outcome, durationMs })),
  };
}

// ---- delivery: called by the outbox (shared/app/outbox.ts) ----------------------------------------

/** The JSON body POSTed to webhooks: the event id and type, when it happened, and the bus detail. */
export function webhookPayload(event: BusEvent): string {
  return JSON.stringify({ id: event.detail.id, type: event.detailType, createdAt: event.detail.occurredAt, data: event.detail });
}

/**
 * One outbox item per webhook of the event's account subscribed to its type. Ids are
 * `<event id>.<webhook id>`: computing them again for the same event creates nothing new.
 */
export async function webhookDeliveriesFor(deps: UseCaseDeps, event: BusEvent, now: Date): Promise<OutboxItem[]> {
  const accountId = event.detail.accountId;
  if (typeof accountId !== 'string' || accountId === '') return [];
  const body = webhookPayload(event);
  const items: OutboxItem[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<WebhookRecord> = await deps.webhookStore.listByAccount(accountId, { cursor, limit: 100 });
    for (const webhook of page.items) {
      if (!webhook.eventTypes.includes(event.detailType)) continue;
      items.push({
        id: `${event.detail.id}.${webhook.id}`,
        message: { kind: 'webhook', webhookId: webhook.id, accountId, url: webhook.url, eventId: event.detail.id, body },
        subjectId: webhook.id,
        purpose: event.detailType,
        status: 'pending',
        attempts: [],
        createdAt: now.toISOString(),
        nextAttemptAt: new Date(now.getTime() + FIRST_RETRY_DELAY_MS).toISOString(),
        deliveredAt: null,
      });
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/**
 * One signed POST of a webhook item. A webhook deleted meanwhile answers 410 (no request is made),
 * which the outbox treats as final. Network failures and refused addresses throw.
 */
export async function deliverWebhook(
  deps: UseCaseDeps,
  message: Extract<OutboxMessage, { kind: 'webhook' }>,
  now: Date,
): Promise<{ status: number }> {
  const webhook = await deps.webhookStore.get(message.webhookId);
  if (!webhook || webhook.accountId !== message.accountId) return { status: WEBHOOK_GONE };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: signPayload(webhook.secret, message.body, now),
    [EVENT_ID_HEADER]: message.eventId,
    [EVENT_TYPE_HEADER]: eventTypeOf(message.body),
  };
  return deps.services.webhooks.post(webhook.url, message.body, headers);
}

function eventTypeOf(body: string): string {
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'unknown';
  } catch {
    return 'unknown';
  }
}
