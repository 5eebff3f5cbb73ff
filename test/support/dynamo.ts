// A fresh, uniquely named table on the run's DynamoDB Local (see global-setup.ts): test files never
// share data.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { ensureTable } from '../../shared/adapters/dynamo/create-table.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';

export interface TestTable {
  client: DynamoDBDocumentClient;
  tableName: string;
  repository: DynamoRepository;
}

export async function createTestTable(): Promise<TestTable> {
  const client = createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'ap-southeast-2' });
  const tableName = `test-${randomUUID()}`;
  await ensureTable(client, tableName);
  return { client, tableName, repository: new DynamoRepository(client, tableName) };
}
