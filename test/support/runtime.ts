// The whole local runtime under test (local/runtime.ts: the synthesized state machine on the local
// Step Functions runner, SES -> MailDev, EventBridge, scheduler, voice stand-in) on the suite's
// DynamoDB Local with a fresh table. One runtime per test file: handlers read their settings at
// module load, and each vitest file runs in its own worker.
import { inject } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { GetExecutionHistoryCommand, DescribeExecutionCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { ensureTable } from '../../shared/adapters/dynamo/create-table.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { generateApiKey, hashApiKey } from '../../shared/app/api-keys.ts';

export const OPERATOR_EMAIL = 'operator@portdesk.test';

export interface TestRuntime {
  runtime: LocalRuntime;
  operatorKey: string;
  repository: DynamoRepository;
  /** The suite's DynamoDB Local client and this runtime's table (for test hygiene only). */
  repositoryClient: ReturnType<typeof createDocumentClient>;
  tableName: string;
  call(method: string, path: string, options?: { key?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** Calls and expects a 2xx answer. */
  ok(method: string, path: string, options?: { key?: string; body?: unknown }): Promise<any>;
  setClock(iso: string | null): Promise<void>;
  /** Waits until every execution is waiting (or done) and the outbox is drained. */
  settle(): Promise<void>;
  execution(orderId: string): Promise<{ status: string; states: string[]; history: HistoryEvent[] }>;
  outbox(): Promise<{ to: string[]; subject: string; text: string; sentAt: string }[]>;
  close(): Promise<void>;
}

export async function startTestRuntime(options: { dataDir?: string; tableName?: string; port?: number; awsPort?: number; smtpPort?: number; operatorKey?: string } = {}): Promise<TestRuntime> {
  const dynamoEndpoint = inject('dynamoEndpoint');
  const tableName = options.tableName ?? `portdesk-e2e-${randomUUID().slice(0, 8)}`;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const client = createDocumentClient({ endpoint: dynamoEndpoint, region: 'ap-southeast-2' });
  await ensureTable(client, tableName);
  const repository = new DynamoRepository(client, tableName);
  const operatorKey = options.operatorKey ?? generateApiKey('operator');
  await repository.putApiKey({ keyHash: hashApiKey(operatorKey), role: 'operator', accountId: null, carrierId: null, createdAt: new Date().toISOString() });

  const runtime = await startLocalRuntime({
    dynamoEndpoint,
    tableName,
    region: 'ap-southeast-2',
    dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), 'portdesk-e2e-')),
    port: options.port ?? 0,
    awsPort: options.awsPort,
    smtpPort: options.smtpPort ?? 0,
    mailWebPort: 0,
    operatorEmail: OPERATOR_EMAIL,
    deadlineCheckEveryMs: 0,
    outboxDispatchEveryMs: 0,
    timeScale: 0.001,
    server: { authorizerCacheTtlSeconds: 0, log: () => undefined, logError: () => undefined },
  });
  const sfn = new SFNClient({ endpoint: runtime.awsEndpoint, region: 'ap-southeast-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  const call = async (method: string, path: string, opts: { key?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.key ?? operatorKey}` };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(runtime.apiUrl + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const settle = async () => {
    // A step may queue a signal that resumes another step: settle until nothing moves.
    for (let i = 0; i < 5; i++) {
      await runtime.stepFunctions.whenIdle();
      await runtime.scheduler.dispatchNow();
      await runtime.stepFunctions.whenIdle();
    }
  };
  return {
    runtime,
    operatorKey,
    repository,
    repositoryClient: client,
    tableName,
    call,
    async ok(method, path, opts) {
      const answer = await call(method, path, opts);
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    async setClock(iso) {
      const response = await fetch(`${runtime.apiUrl}/_local/clock`, { method: 'POST', body: JSON.stringify({ now: iso }) });
      if (response.status !== 200) throw new Error(`clock: ${response.status}`);
    },
    settle,
    async execution(orderId) {
      const arn = runtime.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${orderId}`;
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      const history: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, nextToken, maxResults: 1000 }));
        history.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      const states = history.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));
      return { status: described.status ?? 'UNKNOWN', states, history };
    },
    async outbox() {
      const response = await fetch(`${runtime.apiUrl}/_local/outbox`);
      return (await response.json()) as { to: string[]; subject: string; text: string; sentAt: string }[];
    },
    close: () => runtime.close(),
  };
}
