// What the intake tests share: IntakeDeps on a test table (real stores, real parser, the given blob
// store; only outside services captured), the corpus customer's account of a market, made through
// the use cases the way an operator would (GB: with the calls that meet its activation prerequisite),
// and the delivery of a raw message the way SES hands it over.
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { DynamoInboundEmailStore } from '../../shared/adapters/dynamo/inbound-email-store.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { MailparserMimeParser } from '../../shared/adapters/email/mime.ts';
import type { Clock } from '../../shared/app/clock.ts';
import type { IntakeDeps, IntakeSettings, UseCaseDeps } from '../../shared/app/context.ts';
import type { BlobStore, Caller, InboundEmailRecord, InboundEmailStore } from '../../shared/app/ports.ts';
import { createAccount, recordCallActivity } from '../../shared/app/use-cases/accounts.ts';
import { receiveInboundEmail, type InboundEmailState, type ReceiveOutcome } from '../../shared/app/use-cases/inbound-email.ts';
import type { ReceiptVerdicts } from '../../shared/rules/email/types.ts';
import type { Market, PlanPrices } from '../../shared/rules/types.ts';
import { newSesMessageId } from '../../local/aws/ses-receipt.ts';
import { CapturingBus, CapturingMailer, CapturingVoice, CapturingWebhooks } from '../schedule/support.ts';
import type { TestTable } from '../support/dynamo.ts';
import { CUSTOMERS } from './fixtures.ts';

export function intakeTestDeps(
  table: TestTable,
  blobs: BlobStore,
  clock: Clock,
  options: { mime?: MailparserMimeParser; intake: IntakeSettings },
): IntakeDeps {
  return {
    repository: table.repository,
    webhookStore: new DynamoWebhookStore(table.client, table.tableName),
    clock,
    services: {
      workflow: null,
      mailer: new CapturingMailer(),
      bus: new CapturingBus(),
      webhooks: new CapturingWebhooks(),
      voice: new CapturingVoice(),
      settings: { providerName: 'PortDesk', operatorEmail: null, publicBaseUrl: 'https://api.portdesk.test', allowHttpWebhooks: false },
    },
    inboundEmails: new DynamoInboundEmailStore(table.client, table.tableName),
    documents: new DynamoDocumentStore(table.client, table.tableName),
    blobs,
    mime: options.mime ?? new MailparserMimeParser(),
    intake: options.intake,
  };
}

const CURRENCY: Record<Market, 'AUD' | 'GBP' | 'EUR'> = { AU: 'AUD', GB: 'GBP', FR: 'EUR' };

/** The corpus customer's account of `market` (CUSTOMERS[market].email is its admin); returns its id. */
export async function corpusAccount(deps: UseCaseDeps, operator: Caller, market: Market, callsAt: Date): Promise<string> {
  const customer = CUSTOMERS[market];
  const currency = CURRENCY[market];
  const account = await createAccount(deps, {
    name: customer.accountName,
    market,
    adminEmail: customer.email,
    plan: {
      active: true,
      portingEnabled: true,
      monthlyFee: { currency, amountMinor: 3000 },
      ...(market === 'AU' ? { portingFees: { standard: { currency, amountMinor: 3000 }, complex: { currency, amountMinor: 9000 } } } : {}),
    },
  });
  if (market === 'GB') {
    await recordCallActivity(deps, operator, account.id, { direction: 'outbound', at: callsAt.toISOString() });
    await recordCallActivity(deps, operator, account.id, { direction: 'inbound', at: callsAt.toISOString() });
  }
  return account.id;
}

/** The plan of the intake tests' own AU accounts (not the corpus customer's). */
export const AU_PLAN: PlanPrices = {
  active: true,
  portingEnabled: true,
  monthlyFee: { currency: 'AUD', amountMinor: 4900 },
  portingFees: { standard: { currency: 'AUD', amountMinor: 3000 }, complex: { currency: 'AUD', amountMinor: 9000 } },
};

/** SES's verdicts on a clean message. */
export const PASSED: ReceiptVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

export interface Delivery {
  raw: Buffer;
  rawKey: string;
  outcome: ReceiveOutcome;
}

/**
 * Stores the raw message as SES's S3 action would (unless `rawKey` names one stored already) and runs
 * the intake on it with `deps`, received at `receivedAt`; verdicts not given are PASS.
 */
export async function deliverRaw(
  deps: IntakeDeps,
  raw: Buffer,
  receivedAt: Date,
  options: { verdicts?: Partial<ReceiptVerdicts>; rawKey?: string } = {},
): Promise<Delivery> {
  const sesMessageId = newSesMessageId();
  const rawKey = options.rawKey ?? `inbound/${sesMessageId}`;
  if (options.rawKey === undefined) await deps.blobs.put(rawKey, raw, 'message/rfc822');
  const outcome = await receiveInboundEmail(deps, {
    rawKey,
    sesMessageId,
    receivedAt: receivedAt.toISOString(),
    verdicts: { ...PASSED, ...options.verdicts },
    recipients: ['porting@portdesk.test'],
  });
  return { raw, rawKey, outcome };
}

/** The intake's record of message `id`; throws when there is none. */
export async function inboundRecord(deps: IntakeDeps, id: string): Promise<InboundEmailState> {
  const record = await deps.inboundEmails.get(id);
  if (record === null) throw new Error(`no inbound email ${id}`);
  return record as InboundEmailState;
}

/** `inner`, except that its first update to a final status fails: a crash after the order (or port-out) was written. */
export function crashingStore(inner: InboundEmailStore): { store: InboundEmailStore; crashed: () => boolean } {
  let crashed = false;
  const store: InboundEmailStore = {
    claim: (record) => inner.claim(record),
    get: (id) => inner.get(id),
    list: (filter, page) => inner.list(filter, page),
    async update(record: InboundEmailRecord, expectedVersion: number) {
      if (!crashed && record.status !== 'received') {
        crashed = true;
        throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
      }
      return inner.update(record, expectedVersion);
    },
  };
  return { store, crashed: () => crashed };
}
