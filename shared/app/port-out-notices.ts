// Which emails a port-out decision sends, and to whom. The composers in ../notifications write the
// words; this module picks the recipients (the account's administrator; the gaining carrier's
// address when it asked by email) and gives each email a deterministic outbox id, so a retried
// request or carrier event never sends the same email twice.
import { accountFacts, type UseCaseDeps } from './context.ts';
import type { AccountRecord, EmailMessage, OutboxItem } from './ports.ts';
import { emailItem } from './outbox.ts';
import { composeNotification, orderReference, type NotificationInputs, type NotificationKind } from '../notifications/index.ts';
import { policyFor } from '../rules/markets.ts';
import { portingFeePerNumber } from '../rules/port-in/quote.ts';
import type { Money } from '../rules/types.ts';
import type { PortOutRequest } from '../rules/port-out/types.ts';

/** Where the gaining carrier's answer goes when it asked by email. */
export interface PortOutReplyTo {
  replyTo: string;
}

function message<K extends NotificationKind>(to: string[], kind: K, input: NotificationInputs[K], portOutId: string): EmailMessage {
  return { to, ...composeNotification(kind, input), reference: orderReference(portOutId) };
}

const baseUrl = (deps: UseCaseDeps): string => deps.services.settings.publicBaseUrl.replace(/\/+$/, '');
const portOutLink = (deps: UseCaseDeps, id: string): string => `${baseUrl(deps)}/v1/port-outs/${encodeURIComponent(id)}`;
const accountOf = (account: AccountRecord) => ({ id: account.id, name: account.name, market: account.market });
const numbersOf = (portOut: PortOutRequest): string[] => portOut.lines.map((l) => l.e164);

/**
 * The port-back fee per number the quote of a later port-in will show (the quote's own rule: the price
 * list's port-back fee, else one porting fee of the category; the email names the standard one); null when free.
 */
export function portBackFeeOf(account: AccountRecord): Money | null {
  const fee = account.plan.portBackFee ?? portingFeePerNumber(policyFor(account.market), accountFacts(account), 'standard');
  return fee.amountMinor > 0 ? fee : null;
}

/**
 * The emails of a new port-out: the administrator's warning when it is accepted (every number, the
 * ported-in ones, not cancellable, the port-back fee) and, for a request that came by email, the answer
 * to the gaining carrier (accepted or rejected). `account`: the account holding the numbers, if one does.
 */
export function portOutCreatedItems(
  deps: UseCaseDeps,
  portOut: PortOutRequest,
  account: AccountRecord | null,
  carrierName: string,
  reply: PortOutReplyTo | null,
  now: Date,
): OutboxItem[] {
  const items: OutboxItem[] = [];
  if (portOut.status === 'accepted' && account) {
    const email = message(
      [account.adminEmail],
      'port_out_accepted',
      {
        account: accountOf(account),
        portOut: { id: portOut.id, carrierName, requestedDate: portOut.requestedDate, authorizedName: portOut.authorizedName },
        numbers: portOut.lines.map((l) => ({ e164: l.e164, portedIn: l.origin === 'ported_in' })),
        portBackFee: portBackFeeOf(account),
        links: { portOut: portOutLink(deps, portOut.id), portIns: `${baseUrl(deps)}/v1/port-ins` },
      },
      portOut.id,
    );
    items.push(emailItem(`${portOut.id}.accepted`, 'port_out_accepted', portOut.id, email, now));
  }
  if (reply && (portOut.status === 'accepted' || portOut.status === 'rejected')) {
    const rejection = portOut.rejection ? { code: portOut.rejection.code, message: portOut.rejection.message, numbers: portOut.rejection.numbers } : null;
    const email = message(
      [reply.replyTo],
      'port_out_answer',
      {
        market: portOut.market,
        portOut: { id: portOut.id, status: portOut.status, requestedDate: portOut.requestedDate, numbers: numbersOf(portOut), rejection },
      },
      portOut.id,
    );
    items.push(emailItem(`${portOut.id}.answer`, 'port_out_answer', portOut.id, email, now));
  }
  return items;
}

/** The administrator's email once the numbers have left us (charges stop from `completedOn`). */
export function portOutCompletedItems(deps: UseCaseDeps, portOut: PortOutRequest, account: AccountRecord, carrierName: string, now: Date): OutboxItem[] {
  if (portOut.status !== 'completed' || portOut.completedOn === null) return [];
  const email = message(
    [account.adminEmail],
    'port_out_completed',
    {
      account: accountOf(account),
      portOut: { id: portOut.id, carrierName, completedOn: portOut.completedOn },
      numbers: numbersOf(portOut),
      monthlyChargeChange: portOut.monthlyChargeChange,
      links: { portOut: portOutLink(deps, portOut.id), numbers: `${baseUrl(deps)}/v1/accounts/${encodeURIComponent(account.id)}/numbers` },
    },
    portOut.id,
  );
  return [emailItem(`${portOut.id}.completed`, 'port_out_completed', portOut.id, email, now)];
}

/** The administrator's email when the gaining carrier withdrew: the numbers stay. */
export function portOutWithdrawnItems(portOut: PortOutRequest, account: AccountRecord, carrierName: string, now: Date): OutboxItem[] {
  if (portOut.status !== 'withdrawn') return [];
  const email = message(
    [account.adminEmail],
    'port_out_withdrawn',
    { account: accountOf(account), portOut: { id: portOut.id, carrierName, reason: portOut.withdrawnReason }, numbers: numbersOf(portOut) },
    portOut.id,
  );
  return [emailItem(`${portOut.id}.withdrawn`, 'port_out_withdrawn', portOut.id, email, now)];
}
