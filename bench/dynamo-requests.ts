// Figure 2: DynamoDB requests (and wall time) per API operation, counted on the real client of
// the handlers, against DynamoDB Local, through the local API Gateway stand-in. The authorizer's
// key lookup is cached (as API Gateway caches it), so counts are the operation's own.
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startLocalS3 } from '../local/s3.ts';

const SIZES = [1, 25, 100, 1000, 5000];

export async function benchDynamoRequests(): Promise<void> {
  const dynamo = await startDynamoDbLocal({ port: await findFreePort(), dataDir: mkdtempSync(join(tmpdir(), 'portdesk-bench-')) });
  // Submitting renders the Letter of Authority and signing stamps it: both keep files in S3.
  const s3 = await startLocalS3({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'portdesk-bench-s3-')), buckets: ['portdesk-bench'] });
  try {
    Object.assign(process.env, {
      S3_ENDPOINT: s3.endpoint,
      RAW_MAIL_BUCKET: 'portdesk-bench',
      TABLE_NAME: 'portdesk-bench',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'ap-southeast-2',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Imported after the environment is set: the handlers read it at module load.
    const { dynamoClient, deps } = await import('../functions/lib/deps.ts');
    const { countDynamoRequests } = await import('../shared/adapters/dynamo/client.ts');
    const { ensureTable } = await import('../shared/adapters/dynamo/create-table.ts');
    const { createLocalServer } = await import('../local/http-server.ts');
    const { generateApiKey, hashApiKey } = await import('../shared/app/api-keys.ts');
    const { freezeServiceClock } = await import('../shared/app/clock.ts');

    await ensureTable(dynamoClient, 'portdesk-bench');
    const operatorKey = generateApiKey('operator');
    await deps.repository.putApiKey({ keyHash: hashApiKey(operatorKey), role: 'operator', accountId: null, carrierId: null, createdAt: new Date().toISOString() });
    freezeServiceClock(new Date('2026-03-02T00:00:00Z'));

    const server = createLocalServer({ log: () => undefined, logError: () => undefined });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const counter = countDynamoRequests(dynamoClient);

    async function call(method: string, path: string, key: string, body?: unknown) {
      const response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = (await response.json()) as Record<string, any>;
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    }
    async function measure(label: string, n: number | null, fn: () => Promise<unknown>) {
      counter.reset();
      const started = performance.now();
      const result = await fn();
      const ms = performance.now() - started;
      const budget = n === null ? null : 2 * Math.ceil(n / 25) + 10;
      rows.push({ label, n, requests: counter.count(), budget, ms });
      return result;
    }
    const rows: { label: string; n: number | null; requests: number; budget: number | null; ms: number }[] = [];

    // Warm the authorizer cache for both keys, as API Gateway would after the first call.
    const carrier = await call('POST', '/v1/carriers', operatorKey, { name: 'Bench Carrier' });
    await call('GET', '/v1/port-ins', carrier.apiKey);
    const gaining = await call('POST', '/v1/carriers', operatorKey, { name: 'Bench Gaining Carrier' });
    await call('GET', '/v1/port-outs', gaining.apiKey);
    const account = (await measure('create account', null, () =>
      call('POST', '/v1/accounts', operatorKey, {
        name: 'Bench',
        market: 'AU',
        adminEmail: 'bench@example.test',
        plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'AUD', amountMinor: 3000 }, portingFees: { standard: { currency: 'AUD', amountMinor: 4000 }, complex: { currency: 'AUD', amountMinor: 9000 } } },
      }),
    )) as { id: string; apiKey: string };
    await call('GET', `/v1/accounts/${account.id}`, account.apiKey);

    let block = 0;
    for (const n of SIZES) {
      // Distinct valid Brisbane numbers: +61 7 3<block><serial>.
      const numbers = Array.from({ length: n }, (_, i) => ({ number: `+6173${String(block * 10000 + i).padStart(7, '0')}`, lineType: 'pstn' }));
      block += 1;
      const order = (await measure(`create order`, n, () =>
        call('POST', '/v1/port-ins', account.apiKey, {
          numbers,
          carrierId: carrier.id,
          losingCarrierAccountNumber: 'B-1',
          accountHolder: { businessName: 'Bench Pty Ltd' },
          serviceAddress: { line1: '1 Queen Street', locality: 'Brisbane', postcode: '4000', country: 'AU' },
          termsAccepted: true,
        }),
      )) as { id: string };
      await measure('read order', n, () => call('GET', `/v1/port-ins/${order.id}`, account.apiKey));
      await measure('submit order', n, () => call('POST', `/v1/port-ins/${order.id}/submit`, account.apiKey));
      await measure('sign order', n, () => call('POST', `/v1/port-ins/${order.id}/signature`, account.apiKey, { signerName: 'Bench Signer', agreed: true }));
      await measure('transfer date', n, () => call('POST', `/v1/port-ins/${order.id}/carrier-events`, carrier.apiKey, { type: 'transfer_date', transferDate: '2026-03-10' }));
      await measure('complete order', n, () => call('POST', `/v1/port-ins/${order.id}/carrier-events`, carrier.apiKey, { type: 'completed', completedOn: '2026-03-02' }));
      // The same numbers leave again: a port-out takes at most 1,000.
      const leaving = numbers.slice(0, 1000).map((line) => line.number);
      const portOut = (await measure('port-out request (accepted)', leaving.length, () =>
        call('POST', '/v1/port-outs', gaining.apiKey, { numbers: leaving, authorizedName: 'Bench Signer', requestedDate: '2026-03-09' }),
      )) as { id: string; status: string };
      if (portOut.status !== 'accepted') throw new Error(`bench port-out was ${portOut.status}`);
      await measure('read port-out', leaving.length, () => call('GET', `/v1/port-outs/${portOut.id}`, gaining.apiKey));
      await measure('complete port-out', leaving.length, () =>
        call('POST', `/v1/port-outs/${portOut.id}/carrier-events`, gaining.apiKey, { type: 'completed', completedOn: '2026-03-02' }),
      );
    }
    await measure('list orders (page of 25)', null, () => call('GET', '/v1/port-ins', account.apiKey));
    await measure('list port-outs (page of 25)', null, () => call('GET', '/v1/port-outs', account.apiKey));

    console.log('\n## DynamoDB requests per API operation (authorizer cached; DynamoDB Local)\n');
    console.log('| operation | numbers | requests | budget 2*ceil(n/25)+10 | wall ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.label} | ${r.n ?? '-'} | ${r.requests} | ${r.budget ?? '-'} | ${r.ms.toFixed(0)} |`);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    await Promise.all([dynamo.stop(), s3.close()]);
  }
}
