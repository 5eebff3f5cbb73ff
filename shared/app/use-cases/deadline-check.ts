// The scheduled check: the only component that acts on time passing (design decision 4). It reads
// just the items that are due from the sparse due index, lets the rules decide what each deadline
// means at `now` (the scheduled event's time), and writes each decision with its emails and bus
// events in one transaction. A second run at the same instant finds nothing due: every decision
// moves the item's deadline past `now` or ends it.
import type { UseCaseDeps } from '../context.ts';
import type { AccountRecord, DueItem } from '../ports.ts';
import { accountFacts } from '../context.ts';
import { policyFor } from '../../rules/markets.ts';
import { checkDeadlines } from '../../rules/port-in/deadline-check.ts';
import { checkTermination, numbersReleaseAt } from '../../rules/termination.ts';
import { marketDate } from '../../rules/calendar.ts';
import { ConcurrentModificationError } from '../../rules/errors.ts';
import type { Actor } from '../../rules/types.ts';
import { saveDecision } from '../order-writes.ts';
import { enqueue } from '../outbox.ts';
import { accountNoticeItems, deadlineNoticeItems } from '../notify.ts';
import { logger } from '../logger.ts';
import { newSigningToken, signingReminderItem } from './signing.ts';

const ACTOR: Actor = { kind: 'system', id: 'scheduled-check' };
const PAGE_SIZE = 100;
/** Inventory numbers read a page when an account's numbers are released. */
const INVENTORY_PAGE_SIZE = 500;
/** A write that lost a race with another writer is decided again on a fresh read, up to this many times. */
const ATTEMPTS = 3;

export interface DeadlineCheckReport {
  now: string;
  /** Items the due index returned. */
  due: number;
  /** Items whose deadline led to a write. */
  changed: number;
  /** Due items that needed nothing (e.g. already handled by a concurrent run). */
  unchanged: number;
  /** Items that failed; they stay due and the next run tries again. */
  failed: number;
}

export async function runDeadlineCheck(deps: UseCaseDeps, now: Date): Promise<DeadlineCheckReport> {
  const report: DeadlineCheckReport = { now: now.toISOString(), due: 0, changed: 0, unchanged: 0, failed: 0 };
  const accounts = new Map<string, AccountRecord | null>();
  const loadAccount = async (id: string) => {
    if (!accounts.has(id)) accounts.set(id, await deps.repository.getAccount(id));
    return accounts.get(id) ?? null;
  };
  let cursor: string | null = null;
  do {
    const page = await deps.repository.listDue('deadline', now, { cursor, limit: PAGE_SIZE });
    for (const item of page.items) {
      report.due += 1;
      try {
        const changed = await withRetries(() => (item.kind === 'account' ? checkAccount(deps, item, now) : checkOrder(deps, item, now, loadAccount)));
        if (changed) report.changed += 1;
        else report.unchanged += 1;
      } catch (error) {
        report.failed += 1;
        logger.error('deadline check failed for an item; it stays due', { kind: item.kind, id: item.id, error: error instanceof Error ? error.name : 'error' });
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  logger.info('deadline check', { ...report });
  return report;
}

async function withRetries(run: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

async function checkOrder(deps: UseCaseDeps, item: DueItem, now: Date, loadAccount: (id: string) => Promise<AccountRecord | null>): Promise<boolean> {
  const order = await deps.repository.getOrder(item.id);
  if (!order) return false;
  const account = await loadAccount(order.accountId);
  if (!account) throw new Error(`Order ${order.id} belongs to a missing account`);
  const ctx = { policy: policyFor(order.market), account: accountFacts(account), now, actor: ACTOR };
  // A reminder carries a new link (only its hash is kept): made here, used only if one is due.
  const link = newSigningToken(order.id);
  const { decision, notices } = checkDeadlines(order, ctx, { signingTokenHash: link.tokenHash });
  // Nothing to do: another writer got there first and the index has not caught up yet.
  if (decision.events.length === 0) return false;
  const emails = deadlineNoticeItems(deps, decision.order, account, notices.filter((n) => n !== 'signing_reminder'), now);
  if (notices.includes('signing_reminder')) emails.push(await signingReminderItem(deps, decision.order, link.token, now));
  await saveDecision(deps, order, decision, emails);
  return true;
}

async function checkAccount(deps: UseCaseDeps, item: DueItem, now: Date): Promise<boolean> {
  const account = await deps.repository.getAccount(item.id);
  if (!account) return false;
  const check = checkTermination(account, now);
  if (check.warn) {
    // The warning is queued before the mark: a crash in between sends it again at worst, never not at all;
    // its id is fixed per termination date, so a repeat is a no-op in the outbox.
    await enqueue(deps, accountNoticeItems(deps, account, { kind: 'termination_warning' }, now));
    await deps.repository.setAccountDue(account.id, check.dueAt, { terminationWarnedAt: now.toISOString() });
    return true;
  }
  if (check.release) {
    await releaseNumbers(deps, account, now);
    await deps.repository.setAccountDue(account.id, check.dueAt, { numbersReleasedAt: now.toISOString() });
    return true;
  }
  await deps.repository.setAccountDue(account.id, check.dueAt);
  return false;
}

/**
 * The post-termination window is over: every active number of the account that no accepted port-out
 * holds is released (those leave when their port-out completes), and the administrator is told which.
 * Written before the account's mark, so a run that stops half-way is finished by the next one: the
 * release skips numbers no longer active, and the email, whose id is fixed per termination date, also
 * lists the numbers an earlier run of this release had already released.
 */
async function releaseNumbers(deps: UseCaseDeps, account: AccountRecord, now: Date): Promise<void> {
  const releaseAt = numbersReleaseAt(account.terminationDate!, account.market).toISOString();
  const active: string[] = [];
  const releasedEarlier: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.repository.listInventoryNumbers(account.id, { cursor, limit: INVENTORY_PAGE_SIZE });
    for (const number of page.items) {
      if (number.status === 'active') active.push(number.e164);
      else if (number.status === 'released' && number.portedOutAt !== null && number.portedOutAt >= releaseAt) releasedEarlier.push(number.e164);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);

  const locks = await deps.repository.getNumberLocks(active);
  const portingOut = new Set([...locks.values()].filter((lock) => lock.orderKind === 'port_out').map((lock) => lock.e164));
  const releasedOn = marketDate(now, account.market);
  const released = await deps.repository.releaseInventoryNumbers(
    account.id,
    active.filter((e164) => !portingOut.has(e164)),
    now.toISOString(),
    releasedOn,
  );
  const numbers = [...new Set([...releasedEarlier, ...released])].sort();
  if (numbers.length > 0) await enqueue(deps, accountNoticeItems(deps, account, { kind: 'numbers_released', releasedOn, numbers }, now));
  logger.info('numbers released after termination', { accountId: account.id, released: released.length, heldByPortOuts: portingOut.size });
}
