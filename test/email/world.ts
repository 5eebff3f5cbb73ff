// What the intake tests share: IntakeDeps on a test table (real stores, real parser, the given blob
// store; only outside services captured) and the corpus customer's account of a market, made through
// the use cases the way an operator would (GB: with the calls that meet its activation prerequisite).
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { DynamoInboundEmailStore } from '../../shared/adapters/dynamo/inbound-email-store.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { MailparserMimeParser } from '../../shared/adapters/email/mime.ts';
import type { Clock } from '../../shared/app/clock.ts';
import type { IntakeDeps, IntakeSettings, UseCaseDeps } from '../../shared/app/context.ts';
import type { BlobStore, Caller } from '../../shared/app/ports.ts';
import { createAccount, recordCallActivity } from '../../shared/app/use-cases/accounts.ts';
import type { Market } from '../../shared/rules/types.ts';
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
