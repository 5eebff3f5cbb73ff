// An API under test: the real handlers behind the local API Gateway stand-in, on DynamoDB Local,
// with a fresh table per test file. Requests go over HTTP exactly as a client would send them.
import { inject } from 'vitest';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createTestBucket } from './blobs.ts';
import { createLocalServer } from '../../local/http-server.ts';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { ensureTable } from '../../shared/adapters/dynamo/create-table.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { generateApiKey, hashApiKey } from '../../shared/app/api-keys.ts';

export interface ApiCall {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface TestApi {
  baseUrl: string;
  operatorKey: string;
  call(method: string, path: string, options?: ApiCall): Promise<ApiAnswer>;
  setClock(iso: string | null): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApi(): Promise<TestApi> {
  const tableName = `portdesk-test-${randomUUID().slice(0, 8)}`;
  const endpoint = inject('dynamoEndpoint');
  const files = await createTestBucket();
  Object.assign(process.env, {
    S3_ENDPOINT: files.endpoint,
    RAW_MAIL_BUCKET: files.bucket,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'ap-southeast-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const client = createDocumentClient({ endpoint, region: 'ap-southeast-2' });
  await ensureTable(client, tableName);
  const operatorKey = generateApiKey('operator');
  await new DynamoRepository(client, tableName).putApiKey({
    keyHash: hashApiKey(operatorKey),
    role: 'operator',
    accountId: null,
    carrierId: null,
    createdAt: new Date().toISOString(),
  });

  const server = createLocalServer({ authorizerCacheTtlSeconds: 0, log: () => undefined, logError: () => undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call = async (method: string, path: string, options: ApiCall = {}): Promise<ApiAnswer> => {
    const key = options.key === undefined ? operatorKey : options.key;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(baseUrl + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  return {
    baseUrl,
    operatorKey,
    call,
    async setClock(iso) {
      const answer = await call('POST', '/_local/clock', { key: null, body: { now: iso } });
      if (answer.status !== 200) throw new Error(`clock: ${answer.status} ${JSON.stringify(answer.body)}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Minimal valid request bodies for each market, for tests that need an order quickly. */
export const SAMPLE = {
  AU: { number: '+61732123456', currency: 'AUD', country: 'AU', postcode: '4000', locality: 'Brisbane' },
  GB: { number: '+442079460000', currency: 'GBP', country: 'GB', postcode: 'SW1A 1AA', locality: 'London' },
  FR: { number: '+33142685300', currency: 'EUR', country: 'FR', postcode: '75001', locality: 'Paris' },
} as const;

export function accountBody(market: 'AU' | 'GB' | 'FR', extra: Record<string, unknown> = {}) {
  const currency = SAMPLE[market].currency;
  return {
    name: `Test ${market}`,
    market,
    adminEmail: 'admin@example.test',
    plan: {
      active: true,
      portingEnabled: true,
      monthlyFee: { currency, amountMinor: 3000 },
      portingFees: { standard: { currency, amountMinor: 4000 }, complex: { currency, amountMinor: 9000 } },
    },
    ...extra,
  };
}

export function portInBody(market: 'AU' | 'GB' | 'FR', carrierId: string, extra: Record<string, unknown> = {}) {
  const s = SAMPLE[market];
  return {
    numbers: [{ number: s.number, lineType: 'pstn' }],
    carrierId,
    losingCarrierAccountNumber: 'ACC-1001',
    accountHolder: { firstName: 'Alex', lastName: 'Martin' },
    serviceAddress: { line1: '1 Example Street', locality: s.locality, postcode: s.postcode, country: s.country },
    primaryNumber: market === 'FR' ? s.number : undefined,
    termsAccepted: true,
    ...extra,
  };
}
