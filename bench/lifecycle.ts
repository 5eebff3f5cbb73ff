// Figure: a whole port-in lifecycle run locally through the real pieces (API stand-in, the
// synthesized state machine on the local Step Functions runner, outbox, SES -> MailDev, EventBridge)
// on DynamoDB Local: create -> submit -> sign -> (workflow) transfer date -> completion, for a
// 1-number and a 1,000-number order. Prints wall time and DynamoDB requests for each phase, counted
// on the handlers' own client. Run: `npm run bench -- lifecycle`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startDynamoDbLocal } from '../local/dynamodb-local.ts';

const SIZES = [1, 1000];

export async function benchLifecycle(): Promise<void> {
  const dynamo = await startDynamoDbLocal({ port: await findFreePort() });
  try {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { createDocumentClient, countDynamoRequests } = await import('../shared/adapters/dynamo/client.ts');
    const { ensureTable } = await import('../shared/adapters/dynamo/create-table.ts');
    const { DynamoRepository } = await import('../shared/adapters/dynamo/repository.ts');
    const { generateApiKey, hashApiKey } = await import('../shared/app/api-keys.ts');
    const { startLocalRuntime } = await import('../local/runtime.ts');
    const table = 'portdesk-bench-lifecycle';
    const setup = createDocumentClient({ endpoint: dynamo.endpoint, region: 'ap-southeast-2' });
    await ensureTable(setup, table);
    const operatorKey = generateApiKey('operator');
    await new DynamoRepository(setup, table).putApiKey({ keyHash: hashApiKey(operatorKey), role: 'operator', accountId: null, carrierId: null, createdAt: new Date().toISOString() });
    const runtime = await startLocalRuntime({
      dynamoEndpoint: dynamo.endpoint,
      tableName: table,
      region: 'ap-southeast-2',
      dataDir: mkdtempSync(join(tmpdir(), 'portdesk-bench-lifecycle-')),
      port: 0,
      smtpPort: 0,
      mailWebPort: 0,
      operatorEmail: 'operator@example.test',
      deadlineCheckEveryMs: 0,
      outboxDispatchEveryMs: 0,
      server: { authorizerCacheTtlSeconds: 300, log: () => undefined, logError: () => undefined },
    });
    // The handlers' client (imported after the runtime set the environment).
    const { dynamoClient } = await import('../functions/lib/deps.ts');
    const counter = countDynamoRequests(dynamoClient);
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const response = await fetch(runtime.apiUrl + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await response.json()) as Record<string, any>;
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await runtime.stepFunctions.whenIdle();
        await runtime.scheduler.dispatchNow();
      }
    };
    await fetch(`${runtime.apiUrl}/_local/clock`, { method: 'POST', body: JSON.stringify({ now: '2026-03-02T00:00:00Z' }) });
    const carrier = await call('POST', '/v1/carriers', operatorKey, { name: 'Bench Carrier', portingEmail: 'porting@carrier.example.test' });
    const account = await call('POST', '/v1/accounts', operatorKey, {
      name: 'Bench',
      market: 'AU',
      adminEmail: 'bench@example.test',
      plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'AUD', amountMinor: 3000 }, portingFees: { standard: { currency: 'AUD', amountMinor: 4000 }, complex: { currency: 'AUD', amountMinor: 9000 } } },
    });
    // Warm the authorizer cache for both keys, as API Gateway would.
    await call('GET', '/v1/port-ins', carrier.apiKey);
    await call('GET', `/v1/accounts/${account.id}`, account.apiKey);

    const rows: string[] = [];
    let block = 0;
    for (const n of SIZES) {
      const numbers = Array.from({ length: n }, (_, i) => ({ number: `+6173${String(block * 10000 + i).padStart(7, '0')}`, lineType: 'pstn' }));
      block += 1;
      const phases: [string, number, number][] = [];
      const phase = async (label: string, run: () => Promise<unknown>) => {
        counter.reset();
        const started = performance.now();
        await run();
        await settle();
        phases.push([label, counter.count(), performance.now() - started]);
      };
      const total = performance.now();
      let orderId = '';
      await phase('create', async () => {
        orderId = (
          await call('POST', '/v1/port-ins', account.apiKey, {
            numbers,
            carrierId: carrier.id,
            losingCarrierAccountNumber: 'B-1',
            accountHolder: { businessName: 'Bench Pty Ltd' },
            serviceAddress: { line1: '1 Queen Street', locality: 'Brisbane', postcode: '4000', country: 'AU' },
            termsAccepted: true,
          })
        ).id;
      });
      await phase('submit', () => call('POST', `/v1/port-ins/${orderId}/submit`, account.apiKey));
      await phase('sign -> workflow submits to the carrier', () => call('POST', `/v1/port-ins/${orderId}/signature`, account.apiKey, { signerName: 'Bench Signer', agreed: true }));
      await phase('transfer date -> customer told', () => call('POST', `/v1/port-ins/${orderId}/carrier-events`, carrier.apiKey, { type: 'transfer_date', transferDate: '2026-03-10' }));
      await phase('completion -> numbers activated, customer told', () => call('POST', `/v1/port-ins/${orderId}/carrier-events`, carrier.apiKey, { type: 'completed', completedOn: '2026-03-02' }));
      const wall = performance.now() - total;
      const requests = phases.reduce((sum, [, r]) => sum + r, 0);
      for (const [label, r, ms] of phases) rows.push(`| ${n} | ${label} | ${r} | ${ms.toFixed(0)} |`);
      rows.push(`| ${n} | **whole lifecycle** | **${requests}** | **${wall.toFixed(0)}** |`);
    }
    console.log('\n## A full port-in lifecycle, locally (API + local Step Functions + outbox + SES/EventBridge stand-ins, DynamoDB Local)\n');
    console.log('Each phase is measured until the workflow waits again and the outbox is drained. Requests are every DynamoDB request the handlers sent.\n');
    console.log('| numbers | phase | DynamoDB requests | wall ms |');
    console.log('|---:|---|---:|---:|');
    for (const row of rows) console.log(row);
    await runtime.close();
  } finally {
    await dynamo.stop();
  }
}
