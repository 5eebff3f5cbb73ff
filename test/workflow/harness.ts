// Test harness of the workflow use cases: real DynamoDB Local (a fresh table per file), the real
// order use cases, real HTTP for carriers' webhooks (a local receiver) and the EventBridge stand-in;
// in-memory fakes only for the workflow engine, the mailer and the voice platform.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsStandInServer } from '../../local/aws/server.ts';
import { createEventBridgeStandIn } from '../../local/aws/eventbridge.ts';
import { EventBridgeBus } from '../../shared/adapters/aws/eventbridge-bus.ts';
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { createTestBucket } from '../support/blobs.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { HttpWebhookSender } from '../../shared/adapters/http/webhook-sender.ts';
import type { UseCaseDeps } from '../../shared/app/context.ts';
import type { Caller, EmailMessage, Mailer, VoicePlatform, WorkflowEngine, WorkflowResume } from '../../shared/app/ports.ts';
import { createAccount } from '../../shared/app/use-cases/accounts.ts';
import { createCarrier } from '../../shared/app/use-cases/carriers.ts';
import { createPortIn, recordCarrierEvent, signPortIn, submitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import type { Market } from '../../shared/rules/types.ts';
import { createTestTable, type TestTable } from '../support/dynamo.ts';

export const OPERATOR: Caller = { role: 'operator', principalId: 'op_test', accountId: null, carrierId: null };
export const OPERATOR_EMAIL = 'ops@portdesk.test';
export const PUBLIC_BASE_URL = 'https://api.portdesk.test';

export class FakeEngine implements WorkflowEngine {
  readonly starts: string[] = [];
  readonly resumes: { taskToken: string; output: WorkflowResume }[] = [];
  async start(orderId: string): Promise<void> {
    this.starts.push(orderId);
  }
  async resume(taskToken: string, output: WorkflowResume): Promise<void> {
    this.resumes.push({ taskToken, output });
  }
}

export class FakeMailer implements Mailer {
  readonly sent: EmailMessage[] = [];
  async send(email: EmailMessage): Promise<{ messageId: string }> {
    this.sent.push(email);
    return { messageId: `<m${this.sent.length}@test>` };
  }
  to(address: string): EmailMessage[] {
    return this.sent.filter((e) => e.to.includes(address));
  }
}

export class FakeVoice implements VoicePlatform {
  readonly calls: string[] = [];
  readonly unanswered = new Set<string>();
  async placeTestCall(e164: string): Promise<{ answered: boolean; detail: string }> {
    this.calls.push(e164);
    const answered = !this.unanswered.has(e164);
    return { answered, detail: answered ? 'answered' : 'no answer after 30 s' };
  }
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Harness {
  deps: UseCaseDeps;
  table: TestTable;
  engine: FakeEngine;
  mailer: FakeMailer;
  voice: FakeVoice;
  setNow(iso: string): void;
  /** Carriers' webhook receiver: what it got, and what it answers next. */
  receiver: { url: string; requests: ReceivedRequest[]; status: number };
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function createHarness(options: { workflow?: boolean } = {}): Promise<Harness> {
  const table = await createTestTable();
  let now = new Date('2026-03-02T00:00:00Z');

  const receiver = { url: '', requests: [] as ReceivedRequest[], status: 202 };
  const receiverServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(receiver.status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  receiver.url = await listen(receiverServer);

  const awsServer = createAwsStandInServer([createEventBridgeStandIn()], () => undefined);
  const awsEndpoint = await listen(awsServer);

  const engine = new FakeEngine();
  const mailer = new FakeMailer();
  const voice = new FakeVoice();
  const deps = {
    repository: table.repository,
    webhookStore: new DynamoWebhookStore(table.client, table.tableName),
    documents: new DynamoDocumentStore(table.client, table.tableName),
    blobs: (await createTestBucket()).blobs,
    clock: { now: () => new Date(now) },
    services: {
      workflow: options.workflow === false ? null : engine,
      mailer,
      bus: new EventBridgeBus({ eventBusName: 'portdesk-test', endpoint: awsEndpoint }),
      webhooks: new HttpWebhookSender({ allowPrivateAddresses: true, timeoutMs: 2000 }),
      voice,
      settings: { providerName: 'PortDesk', operatorEmail: OPERATOR_EMAIL, publicBaseUrl: PUBLIC_BASE_URL, allowHttpWebhooks: true },
    },
  } as unknown as UseCaseDeps;

  return {
    deps,
    table,
    engine,
    mailer,
    voice,
    setNow: (iso) => {
      now = new Date(iso);
    },
    receiver,
    close: async () => {
      await Promise.all([close(receiverServer), close(awsServer)]);
    },
  };
}

export const NUMBERS: Record<Market, string> = { AU: '+61732123456', GB: '+442079460000', FR: '+33142685300' };
const CURRENCY = { AU: 'AUD', GB: 'GBP', FR: 'EUR' } as const;
const ADDRESS = {
  AU: { line1: '1 Example Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
  GB: { line1: '1 High Street', locality: 'London', postcode: 'EC1A 1AA', country: 'GB' },
  FR: { line1: '1 rue de Rivoli', locality: 'Paris', postcode: '75001', country: 'FR' },
};

export async function newAccount(h: Harness, market: Market): Promise<string> {
  const currency = CURRENCY[market];
  const account = await createAccount(h.deps, {
    name: `Test ${market}`,
    market,
    adminEmail: `admin-${market.toLowerCase()}@customer.test`,
    plan: { active: true, portingEnabled: true, monthlyFee: { currency, amountMinor: 3000 } },
  } as Parameters<typeof createAccount>[1]);
  return account.id;
}

export async function newCarrier(h: Harness, channels: { portingEmail?: string; webhookUrl?: string }): Promise<string> {
  const carrier = await createCarrier(h.deps, { name: 'Losing Carrier', ...channels });
  return carrier.id;
}

export interface OrderOptions {
  number?: string;
  temporaryNumber?: { number: string; keepAsVirtual: boolean };
  submitterEmail?: string;
}

/** A port-in order taken through create, submit and sign with the real use cases: `submitted`. */
export async function submittedOrder(h: Harness, market: Market, accountId: string, carrierId: string, options: OrderOptions = {}): Promise<string> {
  const number = options.number ?? NUMBERS[market];
  const created = await createPortIn(h.deps, OPERATOR, {
    accountId,
    numbers: [{ number, lineType: 'pstn' }],
    carrierId,
    losingCarrierAccountNumber: 'ACC-1001',
    accountHolder: { firstName: 'Alex', lastName: 'Martin', businessName: 'Acme' },
    serviceAddress: ADDRESS[market],
    primaryNumber: market === 'FR' ? number : undefined,
    submitterEmail: options.submitterEmail ?? 'submitter@customer.test',
    temporaryNumber: options.temporaryNumber,
    termsAccepted: true,
  } as Parameters<typeof createPortIn>[2]);
  await submitPortIn(h.deps, OPERATOR, created.id);
  const signed = await signPortIn(h.deps, OPERATOR, created.id, { signerName: 'Alex Martin' });
  if (signed.status !== 'submitted') throw new Error(`order ${created.id} is ${signed.status}, not submitted: ${JSON.stringify(signed.issues)}`);
  return created.id;
}

export const carrierEvent = (h: Harness, orderId: string, input: Parameters<typeof recordCarrierEvent>[3]) => recordCarrierEvent(h.deps, OPERATOR, orderId, input);

/** Takes a submitted order to completed: transfer date 16 March, completed that day (clock moved there). */
export async function completedOrder(h: Harness, orderId: string): Promise<void> {
  await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-16' });
  h.setNow('2026-03-16T03:00:00Z');
  await carrierEvent(h, orderId, { type: 'completed', completedOn: '2026-03-16' });
}

export async function eventsOf(h: Harness, orderId: string) {
  return (await h.deps.repository.listOrderEvents(orderId, { cursor: null, limit: 100 })).items;
}
