// What every use case receives: its ports, the one clock, and an id generator.
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import type {
  AccountRecord,
  BlobStore,
  Caller,
  DocumentStore,
  EventBus,
  InboundEmailStore,
  Mailer,
  MimeParser,
  Repository,
  VoicePlatform,
  WebhookSender,
  WebhookStore,
  WorkflowEngine,
} from './ports.ts';
import type { AccountFacts, Actor } from '../rules/types.ts';
import { RuleViolationError } from '../rules/errors.ts';

export interface UseCaseDeps {
  repository: Repository;
  /** Customers' webhook endpoints (same table, own adapter). */
  webhookStore: WebhookStore;
  /** Orders' documents (LOAs, bill copies, email attachments): descriptions in the table... */
  documents: DocumentStore;
  /** ...and the files themselves (S3). */
  blobs: BlobStore;
  clock: Clock;
  services: Services;
}

/** What the email intake needs on top: its message store and the MIME parser. */
export interface IntakeDeps extends UseCaseDeps {
  inboundEmails: InboundEmailStore;
  mime: MimeParser;
  intake: IntakeSettings;
}

export interface IntakeSettings {
  /** PORTDESK_INTAKE_ADDRESS: the porting mailbox (e.g. porting@portdesk.example.com). */
  address: string;
  /** Raw messages above this are quarantined unread (oversized). */
  maxMessageBytes: number;
  /** Transient failures tolerated before a message is quarantined (failed_repeatedly). */
  maxAttempts: number;
}

/** The outside services use cases talk to; each adapter is created lazily by the composition root. */
export interface Services {
  /** Null where no workflow is configured (API-only tests): orders then stay where the API leaves them. */
  workflow: WorkflowEngine | null;
  mailer: Mailer;
  bus: EventBus;
  webhooks: WebhookSender;
  voice: VoicePlatform;
  settings: ServiceSettings;
}

export interface ServiceSettings {
  /** PORTDESK_PROVIDER_NAME: the gaining provider's name as customers and carriers know it (the LOA names it). */
  providerName: string;
  /** PORTDESK_OPERATOR_EMAIL: where overdue and exception emails go; null: none are sent. */
  operatorEmail: string | null;
  /** Base URL of the API as customers reach it (links in emails). */
  publicBaseUrl: string;
  /** PORTDESK_ALLOW_HTTP_WEBHOOKS=1 (local runtime only): webhook URLs may be http://. */
  allowHttpWebhooks: boolean;
}

/** Ids are a kind prefix plus 16 random base32 characters (80 bits): unguessable, URL- and email-subject-safe. */
export function newId(prefix: 'acc' | 'car' | 'pin' | 'pout' | 'whk' | 'evt' | 'doc' | 'sig'): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return `${prefix}_${out}`;
}

export function actorOf(caller: Caller): Actor {
  const id =
    caller.role === 'customer' ? (caller.accountId ?? caller.principalId) : caller.role === 'carrier' ? (caller.carrierId ?? caller.principalId) : caller.principalId;
  return { kind: caller.role, id };
}

export function accountFacts(account: AccountRecord): AccountFacts {
  return {
    id: account.id,
    market: account.market,
    plan: account.plan,
    activeNumberCount: account.activeNumberCount,
    hasInboundCall: account.firstInboundCallAt !== null,
    hasOutboundCall: account.firstOutboundCallAt !== null,
  };
}

/** The account a request is for: a customer's own; an operator must name it (`what` says why). */
export function targetAccountId(caller: Caller, requested: string | undefined, what: string): string {
  const accountId = caller.role === 'customer' ? caller.accountId! : requested;
  if (!accountId) {
    throw new RuleViolationError('account_id_required', `Operators must say which account ${what}.`, [
      { path: 'accountId', code: 'account_id_required', message: 'Give the accountId of the customer.' },
    ]);
  }
  return accountId;
}
