// Harness of the scheduled deadline check: the real use cases, the real DynamoRepository and
// DynamoWebhookStore on DynamoDB Local (a fresh table per harness), and capturing fakes for the
// outside services only (mailer, bus, workflow engine, webhook sender, voice). The clock is a
// variable the tests move; orders are made through the port-in use cases at chosen instants, or,
// in bulk, through the rules (createDraft → decide) with each decision saved in turn.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { countDynamoRequests, type DynamoRequestCounter } from '../../shared/adapters/dynamo/client.ts';
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { createTestBucket } from '../support/blobs.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { accountFacts, type UseCaseDeps } from '../../shared/app/context.ts';
import type {
  AccountRecord,
  BusEvent,
  Caller,
  EmailMessage,
  EventBus,
  Mailer,
  OutboxItem,
  VoicePlatform,
  WebhookSender,
  WorkflowEngine,
  WorkflowResume,
} from '../../shared/app/ports.ts';
import { addInventoryNumbers, createAccount, recordCallActivity } from '../../shared/app/use-cases/accounts.ts';
import { createCarrier } from '../../shared/app/use-cases/carriers.ts';
import { runDeadlineCheck, type DeadlineCheckReport } from '../../shared/app/use-cases/deadline-check.ts';
import { createPortIn, recordCarrierEvent, signPortIn, submitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import { buildLines, createDraft, decide, type Decision, type OrderContext, type OrderFacts } from '../../shared/rules/port-in/order.ts';
import type { Charge, Market, PortInEvent, PortInOrder } from '../../shared/rules/types.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

export const OPERATOR: Caller = { role: 'operator', principalId: 'op_schedule_test', accountId: null, carrierId: null };
export const OPERATOR_EMAIL = 'desk@portdesk.test';
export const PUBLIC_BASE_URL = 'https://api.portdesk.test';
export const SUBMITTER_EMAIL = 'submitter@customer.test';

/**
 * What every signing email about the order carries (the request sent at submit, the reminder 3
 * days after it): its signing link, `/sign/<order id>.<secret>`. No other email has it.
 */
const signingLinkOf = (orderId: string): string => `${PUBLIC_BASE_URL}/sign/${orderId}.`;
const isSigningEmail = (email: EmailMessage, orderId: string): boolean => email.text.includes(signingLinkOf(orderId));

/** The subject of the signing request submitting an order sends (English in AU and GB, French in FR). */
export const signingRequestSubject = (market: Market, orderId: string): string =>
  `${market === 'FR' ? 'Signature du mandat de portabilité requise' : 'Please sign the Letter of Authority for your port-in order'} [PD-${orderId}]`;

// ---- capturing fakes of the outside services ------------------------------------------------------

export class CapturingMailer implements Mailer {
  readonly sent: EmailMessage[] = [];
  /** While true every send fails (an SMTP/SES outage); nothing is recorded as sent. */
  down = false;
  async send(email: EmailMessage): Promise<{ messageId: string }> {
    if (this.down) throw new Error('mail service unavailable');
    this.sent.push(email);
    return { messageId: `<m${this.sent.length}@schedule.test>` };
  }
  to(address: string): EmailMessage[] {
    return this.sent.filter((e) => e.to.includes(address));
  }
  about(orderId: string): EmailMessage[] {
    return this.sent.filter((e) => e.reference === `PD-${orderId}`);
  }
  /** The signing emails about the order (the request sent at submit, a reminder). */
  signing(orderId: string): EmailMessage[] {
    return this.about(orderId).filter((e) => isSigningEmail(e, orderId));
  }
  /** The order's other emails: what its deadlines and the carrier's answers caused. */
  notices(orderId: string): EmailMessage[] {
    return this.about(orderId).filter((e) => !isSigningEmail(e, orderId));
  }
}

export class CapturingBus implements EventBus {
  readonly published: BusEvent[] = [];
  async publish(events: BusEvent[]): Promise<void> {
    this.published.push(...events);
  }
  about(orderId: string): BusEvent[] {
    return this.published.filter((e) => e.detail.orderId === orderId);
  }
}

export class CapturingEngine implements WorkflowEngine {
  readonly starts: string[] = [];
  readonly resumes: { taskToken: string; output: WorkflowResume }[] = [];
  async start(orderId: string): Promise<void> {
    this.starts.push(orderId);
  }
  async resume(taskToken: string, output: WorkflowResume): Promise<void> {
    this.resumes.push({ taskToken, output });
  }
}

export class CapturingWebhooks implements WebhookSender {
  readonly posts: { url: string; body: string; headers: Record<string, string> }[] = [];
  async post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
    this.posts.push({ url, body, headers });
    return { status: 204 };
  }
}

export class CapturingVoice implements VoicePlatform {
  readonly calls: string[] = [];
  async placeTestCall(e164: string): Promise<{ answered: boolean; detail: string }> {
    this.calls.push(e164);
    return { answered: true, detail: 'answered' };
  }
}

// ---- the harness -------------------------------------------------------------------------------------

export interface Harness {
  table: TestTable;
  deps: UseCaseDeps;
  mailer: CapturingMailer;
  bus: CapturingBus;
  engine: CapturingEngine;
  webhooks: CapturingWebhooks;
  voice: CapturingVoice;
  /** Counts every DynamoDB request the harness's client sends (reset it before measuring). */
  counter: DynamoRequestCounter;
  setNow(iso: string): void;
  /** The scheduled check at `iso`, as the schedule would run it (the clock is moved there too). */
  check(iso: string): Promise<DeadlineCheckReport>;
}

export async function createHarness(): Promise<Harness> {
  const table = await createTestTable();
  let now = new Date('2026-01-01T00:00:00Z');
  const mailer = new CapturingMailer();
  const bus = new CapturingBus();
  const engine = new CapturingEngine();
  const webhooks = new CapturingWebhooks();
  const voice = new CapturingVoice();
  const clock = { now: () => new Date(now.getTime()) };
  const deps: UseCaseDeps = {
    repository: table.repository,
    webhookStore: new DynamoWebhookStore(table.client, table.tableName),
    documents: new DynamoDocumentStore(table.client, table.tableName),
    blobs: (await createTestBucket()).blobs,
    clock,
    services: {
      workflow: engine,
      mailer,
      bus,
      webhooks,
      voice,
      settings: { providerName: 'PortDesk', operatorEmail: OPERATOR_EMAIL, publicBaseUrl: PUBLIC_BASE_URL, allowHttpWebhooks: false },
    },
  };
  const counter = countDynamoRequests(table.client);
  const setNow = (iso: string) => {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) throw new Error(`bad instant ${iso}`);
    now = at;
  };
  return {
    table,
    deps,
    mailer,
    bus,
    engine,
    webhooks,
    voice,
    counter,
    setNow,
    check: async (iso) => {
      setNow(iso);
      return runDeadlineCheck(deps, new Date(iso));
    },
  };
}

// ---- accounts, carriers and orders through the use cases ---------------------------------------------

const CURRENCY = { AU: 'AUD', GB: 'GBP', FR: 'EUR' } as const;

export const ADDRESS = {
  AU: { line1: '1 Queen Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
  GB: { line1: '1 High Street', locality: 'London', postcode: 'EC1A 1AA', country: 'GB' },
  FR: { line1: '1 rue de Rivoli', locality: 'Paris', postcode: '75001', country: 'FR' },
} as const;

const NUMBER_PREFIX: Record<Market, string> = { AU: '+6173212', GB: '+44207946', FR: '+3314268' };
const NUMBER_WIDTH: Record<Market, number> = { AU: 4, GB: 4, FR: 4 };
const serials: Record<Market, number> = { AU: 0, GB: 0, FR: 0 };

/** A fresh valid fixed-line number of the market (Brisbane, London, Paris), never reused in this process. */
export function nextNumber(market: Market): string {
  serials[market] += 1;
  return `${NUMBER_PREFIX[market]}${String(serials[market]).padStart(NUMBER_WIDTH[market], '0')}`;
}

export interface AccountOptions {
  at: string;
  adminEmail?: string;
  terminationDate?: string;
  /** GB: record a call each way (the activation prerequisite) so orders go to the carrier. Default true. */
  callsMade?: boolean;
  /** The monthly subscription (minor units); default 3000. */
  monthlyFee?: number;
}

export async function newAccount(h: Harness, market: Market, options: AccountOptions): Promise<AccountRecord> {
  h.setNow(options.at);
  const currency = CURRENCY[market];
  const created = await createAccount(h.deps, {
    name: `Schedule ${market} Ltd`,
    market,
    adminEmail: options.adminEmail ?? `admin-${market.toLowerCase()}@customer.test`,
    plan: {
      active: true,
      portingEnabled: true,
      monthlyFee: { currency, amountMinor: options.monthlyFee ?? 3000 },
      portingFees: { standard: { currency, amountMinor: 4000 }, complex: { currency, amountMinor: 9000 } },
    },
    ...(options.terminationDate ? { terminationDate: options.terminationDate } : {}),
  });
  if (market === 'GB' && options.callsMade !== false) {
    await recordCallActivity(h.deps, OPERATOR, created.id, { direction: 'outbound', at: options.at });
    await recordCallActivity(h.deps, OPERATOR, created.id, { direction: 'inbound', at: options.at });
  }
  const account = await h.deps.repository.getAccount(created.id);
  if (!account) throw new Error('account vanished');
  return account;
}

export async function newCarrier(h: Harness, at: string): Promise<string> {
  h.setNow(at);
  const carrier = await createCarrier(h.deps, { name: 'Losing Carrier', portingEmail: 'porting@losing-carrier.test' });
  return carrier.id;
}

export async function addNumbers(h: Harness, accountId: string, at: string, numbers: string[]): Promise<void> {
  h.setNow(at);
  await addInventoryNumbers(h.deps, OPERATOR, accountId, { numbers: numbers.map((number) => ({ number, origin: 'provisioned' as const })) });
}

export interface OrderOptions {
  number?: string;
  /** null: no submitter email (customer emails then go to the account's administrator). */
  submitterEmail?: string | null;
}

/** A draft made through createPortIn at `at`. */
export async function draftOrder(h: Harness, market: Market, accountId: string, carrierId: string, at: string, options: OrderOptions = {}): Promise<string> {
  h.setNow(at);
  const number = options.number ?? nextNumber(market);
  const submitterEmail = options.submitterEmail === undefined ? SUBMITTER_EMAIL : options.submitterEmail;
  const created = await createPortIn(h.deps, OPERATOR, {
    accountId,
    numbers: [{ number, lineType: 'pstn' }],
    carrierId,
    losingCarrierAccountNumber: 'ACC-1001',
    accountHolder: { firstName: 'Alex', lastName: 'Martin', businessName: 'Acme' },
    serviceAddress: { ...ADDRESS[market] },
    ...(market === 'FR' ? { primaryNumber: number } : {}),
    ...(submitterEmail !== null ? { submitterEmail } : {}),
    termsAccepted: true,
  });
  if (created.status !== 'draft') throw new Error(`draft ${created.id} is ${created.status}`);
  return created.id;
}

/** An order created, submitted and signed at `at` through the use cases: `submitted` (sent to the carrier). */
export async function orderWithCarrier(h: Harness, market: Market, accountId: string, carrierId: string, at: string, options: OrderOptions = {}): Promise<string> {
  const id = await draftOrder(h, market, accountId, carrierId, at, options);
  await submitPortIn(h.deps, OPERATOR, id);
  const signed = await signPortIn(h.deps, OPERATOR, id, { signerName: 'Alex Martin' });
  if (signed.status !== 'submitted') throw new Error(`order ${id} is ${signed.status}, not submitted: ${JSON.stringify(signed.issues)}`);
  return id;
}

/** The carrier's answer at `at` (operator caller, as the API's carrier-events route would record it). */
export async function carrierSays(h: Harness, orderId: string, at: string, input: Parameters<typeof recordCarrierEvent>[3]) {
  h.setNow(at);
  return recordCarrierEvent(h.deps, OPERATOR, orderId, input);
}

export const reject = (h: Harness, orderId: string, at: string) =>
  carrierSays(h, orderId, at, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });

// ---- reading back ------------------------------------------------------------------------------------

export async function orderOf(h: Harness, id: string): Promise<PortInOrder> {
  const order = await h.deps.repository.getOrder(id);
  if (!order) throw new Error(`order ${id} not found`);
  return order;
}

export async function eventsOf(h: Harness, orderId: string): Promise<PortInEvent[]> {
  const events: PortInEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await h.deps.repository.listOrderEvents(orderId, { cursor, limit: 500 });
    events.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return events;
}

export async function allOutbox(h: Harness, filter: { subjectId?: string } = {}): Promise<OutboxItem[]> {
  const items: OutboxItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await h.deps.repository.listOutbox(filter, { cursor, limit: 500 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** Every item of the due index due at or before `iso` (all pages). */
export async function dueAt(h: Harness, iso: string) {
  const items = [];
  let cursor: string | null = null;
  do {
    const page = await h.deps.repository.listDue('deadline', new Date(iso), { cursor, limit: 500 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

/** A point far in the future: listing the due index up to it lists every pending deadline. */
export const END_OF_TIME = '2099-12-31T00:00:00.000Z';

/** What the fakes have seen so far. */
export function sentCounts(h: Harness) {
  return {
    emails: h.mailer.sent.length,
    busEvents: h.bus.published.length,
    workflowStarts: h.engine.starts.length,
    workflowResumes: h.engine.resumes.length,
    webhookPosts: h.webhooks.posts.length,
    testCalls: h.voice.calls.length,
  };
}

export interface OrderSnapshot {
  version: number;
  status: string;
  events: number;
  outbox: number;
  charges: Charge[];
  dueAt: string | null;
}

export async function snapshotOrder(h: Harness, id: string): Promise<OrderSnapshot> {
  const order = await orderOf(h, id);
  return {
    version: order.version,
    status: order.status,
    events: (await eventsOf(h, id)).length,
    outbox: (await allOutbox(h, { subjectId: id })).length,
    charges: order.charges,
    dueAt: order.dueAt,
  };
}

/** DynamoDB operations that write. */
export const WRITE_COMMANDS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'] as const;

export function writesIn(byCommand: Record<string, number>): number {
  return WRITE_COMMANDS.reduce((sum, name) => sum + (byCommand[name] ?? 0), 0);
}

/** Removes an account's record (a data fault the check must survive); its orders stay. */
export async function deleteAccountRecord(h: Harness, accountId: string): Promise<void> {
  await h.table.client.send(new DeleteCommand({ TableName: h.table.tableName, Key: { pk: `ACCOUNT#${accountId}`, sk: 'ACCOUNT' } }));
}

// ---- many orders quickly, through the rules ---------------------------------------------------------------

const NO_FACTS: OrderFacts = {
  numbers: { activeOnNetwork: new Set(), previouslyPortedOut: new Set(), temporaryNumberInInventory: false },
  carrierExists: true,
};

let bulkSerial = 0;

/**
 * `count` AU orders sent to the carrier at `signedAt`, built with createDraft → submit → sign and
 * saved decision by decision (events and number locks included), as the use cases would store them.
 */
export async function seedSubmittedOrders(h: Harness, account: AccountRecord, carrierId: string, count: number, signedAt: string, concurrency = 12): Promise<string[]> {
  const market = account.market;
  const policy = policyFor(market);
  const ctx: OrderContext = { policy, account: accountFacts(account), now: new Date(signedAt), actor: { kind: 'operator', id: OPERATOR.principalId } };
  const ids: string[] = [];
  let next = 0;
  const one = async () => {
    bulkSerial += 1;
    const serial = bulkSerial;
    const number = `+6173${String(500_000 + serial).padStart(7, '0')}`;
    const id = `pin_bulk${String(serial).padStart(8, '0')}`;
    const created = createDraft(
      {
        id,
        details: {
          carrierId,
          losingCarrierAccountNumber: 'ACC-BULK',
          pin: null,
          accountHolder: { businessName: 'Bulk Pty Ltd' },
          serviceAddress: { ...ADDRESS.AU },
          submitterEmail: null,
          primaryNumber: null,
          internetConnection: null,
          temporaryNumber: null,
          termsAccepted: true,
        },
        lines: buildLines([{ number, lineType: 'pstn' }], policy),
      },
      ctx,
      NO_FACTS,
    );
    await h.deps.repository.saveOrder({ ...created, expectedVersion: null });
    let order = created.order;
    // Straight through the rules (no LOA files): these orders only need to be with the carrier.
    const signing = { id: `sig_${id}`, tokenHash: `hash-${id}`, signerEmail: 'signer@example.test', documentId: `doc_${id}` };
    const sign = { type: 'sign', signerName: 'Bulk Signer', channel: 'api', requestId: signing.id, documentSha256: '0'.repeat(64), signedDocumentId: `doc_signed_${id}`, ip: null, userAgent: null } as const;
    for (const command of [{ type: 'submit', facts: NO_FACTS, signing } as const, sign]) {
      const decision: Decision = decide(order, command, ctx);
      await h.deps.repository.saveOrder({ ...decision, expectedVersion: order.version });
      order = decision.order;
    }
    if (order.status !== 'submitted') throw new Error(`bulk order ${id} is ${order.status}`);
    ids.push(id);
  };
  const worker = async () => {
    while (next < count) {
      next += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return ids;
}
