// Figure: what one scheduled deadline check costs as the table grows. Live orders (submitted, due
// in the future) fill the due index; 100 of them are overdue at the check's instant. The check
// must read about as many items as are due (target <= 1.1 x due from the index) with the same
// number of DynamoDB requests at every table size. Run: `npm run bench -- deadline-check`
// (sizes 1,000 / 10,000 / 100,000; `-- deadline-check 1000 10000` for other sizes).
import { findFreePort, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { countDynamoRequests, createDocumentClient } from '../shared/adapters/dynamo/client.ts';
import { ensureTable } from '../shared/adapters/dynamo/create-table.ts';
import { DynamoRepository } from '../shared/adapters/dynamo/repository.ts';
import { DynamoDocumentStore } from '../shared/adapters/dynamo/document-store.ts';
import { DynamoWebhookStore } from '../shared/adapters/dynamo/webhook-store.ts';
import type { UseCaseDeps } from '../shared/app/context.ts';
import { accountFacts } from '../shared/app/context.ts';
import type { AccountRecord } from '../shared/app/ports.ts';
import { policyFor } from '../shared/rules/markets.ts';
import { buildLines, createDraft, decide, orderNumbers, type OrderContext } from '../shared/rules/port-in/order.ts';
import type { PortInOrder } from '../shared/rules/types.ts';

const DUE_PER_RUN = 100;
const WRITE_CONCURRENCY = 16;
const LIVE_SIGNED_AT = new Date('2026-03-02T00:00:00Z'); // due 1 April (AU standard, 30 days): not due at the check
const DUE_SIGNED_AT = new Date('2026-01-05T00:00:00Z'); // due 4 February: overdue at the check
const CHECK_AT = new Date('2026-03-10T00:00:00Z');

export async function benchDeadlineCheck(sizes: number[] = [1_000, 10_000, 100_000]): Promise<void> {
  const dynamo = await startDynamoDbLocal({ port: await findFreePort() });
  try {
    // The check logs one summary line per run; the figures below say the same.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { runDeadlineCheck } = await import('../shared/app/use-cases/deadline-check.ts');
    const client = createDocumentClient({ endpoint: dynamo.endpoint, region: 'ap-southeast-2' });
    const table = 'portdesk-bench-check';
    await ensureTable(client, table);
    let emails = 0;
    const clock = { now: () => CHECK_AT };
    const deps: UseCaseDeps = {
      repository: new DynamoRepository(client, table, clock),
      webhookStore: new DynamoWebhookStore(client, table),
      documents: new DynamoDocumentStore(client, table),
      // The check reads and writes no files (its emails carry none).
      blobs: {
        put: async () => { throw new Error('the deadline check stores no files'); },
        get: async () => { throw new Error('the deadline check reads no files'); },
        downloadUrl: async () => { throw new Error('the deadline check links no files'); },
      },
      clock,
      services: {
        workflow: null,
        // Outside services are not DynamoDB: counted here, not measured.
        mailer: { send: async () => ({ messageId: `bench-${++emails}` }) },
        bus: { publish: async () => undefined },
        webhooks: { post: async () => ({ status: 204 }) },
        voice: { placeTestCall: async () => ({ answered: true, detail: 'bench' }) },
        settings: { providerName: 'PortDesk', operatorEmail: 'operator@example.test', publicBaseUrl: 'http://127.0.0.1:3000', allowHttpWebhooks: false },
      },
    };
    const account: AccountRecord = {
      id: 'acc_bench',
      name: 'Bench Pty Ltd',
      market: 'AU',
      adminEmail: 'admin@example.test',
      plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'AUD', amountMinor: 3000 } },
      losingCarrierAccountNumber: null,
      portOutPinHash: null,
      terminationDate: null,
      terminationWarnedAt: null,
      numbersReleasedAt: null,
      firstInboundCallAt: null,
      firstOutboundCallAt: null,
      activeNumberCount: 0,
      createdAt: LIVE_SIGNED_AT.toISOString(),
      version: 1,
    };
    await deps.repository.createAccount(account, { keyHash: 'bench', role: 'customer', accountId: account.id, carrierId: null, createdAt: account.createdAt });

    let serial = 0;
    const signedOrder = (at: Date): PortInOrder => {
      const ctx: OrderContext = { policy: policyFor('AU'), account: accountFacts(account), now: at, actor: { kind: 'customer', id: account.id } };
      serial += 1;
      const number = `+6173${String(serial).padStart(7, '0')}`;
      const lines = buildLines([{ number, lineType: 'pstn' }], ctx.policy);
      const facts = { numbers: { activeOnNetwork: new Set<string>(), previouslyPortedOut: new Set<string>(), temporaryNumberInInventory: false }, carrierExists: true };
      const draft = createDraft(
        {
          id: `pin_bench${String(serial).padStart(8, '0')}`,
          details: {
            carrierId: 'car_bench',
            losingCarrierAccountNumber: 'B-1',
            pin: null,
            accountHolder: { businessName: 'Bench Pty Ltd' },
            serviceAddress: { line1: '1 Queen Street', locality: 'Brisbane', postcode: '4000', country: 'AU' },
            submitterEmail: null,
            primaryNumber: null,
            internetConnection: null,
            temporaryNumber: null,
            termsAccepted: true,
          },
          lines,
        },
        ctx,
        facts,
      ).order;
      const signing = { id: `sig_${serial}`, tokenHash: `hash-${serial}`, signerEmail: 'signer@example.test', documentId: `doc_${serial}` };
      const submitted = decide(draft, { type: 'submit', facts, signing }, ctx).order;
      const sign = { type: 'sign', signerName: 'Bench Signer', channel: 'api', requestId: signing.id, documentSha256: '0'.repeat(64), signedDocumentId: `doc_signed_${serial}`, ip: null, userAgent: null } as const;
      return { ...decide(submitted, sign, ctx).order, version: 1 };
    };
    const save = async (count: number, at: Date) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next += 1;
          const order = signedOrder(at);
          await deps.repository.saveOrder({ order, expectedVersion: null, events: [], lock: orderNumbers(order.lines), release: [], activate: null });
        }
      };
      await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
    };

    const counter = countDynamoRequests(client);
    const rows: string[] = [];
    let live = 0;
    for (const size of sizes) {
      const started = performance.now();
      await save(size - live, LIVE_SIGNED_AT);
      live = size;
      await save(DUE_PER_RUN, DUE_SIGNED_AT);
      const fillSeconds = (performance.now() - started) / 1000;

      counter.reset();
      const t0 = performance.now();
      const report = await runDeadlineCheck(deps, CHECK_AT);
      const ms = performance.now() - t0;
      const requests = counter.byCommand();
      const items = counter.itemsRead();
      const indexItems = items['Query:byDue'] ?? 0;
      const allItems = Object.values(items).reduce((a, b) => a + b, 0);
      const requestCount = Object.values(requests).reduce((a, b) => a + b, 0);
      counter.reset();
      const again = await runDeadlineCheck(deps, CHECK_AT);
      const secondRequests = counter.count();
      const byOperation = Object.entries(requests).map(([name, n]) => `${name} ${n}`).join(', ');
      rows.push(
        `| ${size.toLocaleString('en')} | ${report.due} | ${report.changed} | ${indexItems} | ${(indexItems / Math.max(1, report.due)).toFixed(2)} | ${allItems} | ${requestCount} | ${byOperation} | ${ms.toFixed(0)} | ${again.due} / ${secondRequests} | ${fillSeconds.toFixed(0)} s |`,
      );
    }
    console.log('\n## Scheduled deadline check: cost per run by table size (DynamoDB Local)\n');
    console.log(`${DUE_PER_RUN} overdue orders due per run; every other live order has a deadline in the future and sits in the same due index.`);
    console.log('"index items" = items the due-index queries read (target <= 1.1 x due); "all items" adds reading each due order (header + line chunk)');
    console.log('and its account (once per run). The second run at the same instant must find nothing due.\n');
    console.log('| live orders | due | changed | index items | index items / due | all items | requests | by operation | wall ms | 2nd run: due / requests | fill time |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
    for (const row of rows) console.log(row);
    console.log(`\n(${emails} operator emails queued and sent through a counting mailer.)`);
  } finally {
    await dynamo.stop();
  }
}
