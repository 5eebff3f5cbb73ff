// Composition root of every Lambda: settings are read and clients created once per container.
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { serviceClock } from '../../shared/app/clock.ts';
import { requireEnv } from '../../shared/config.ts';
import type { UseCaseDeps } from '../../shared/app/context.ts';

const client = createDocumentClient({
  // Set only locally (DynamoDB Local); in AWS the SDK finds the regional endpoint itself.
  endpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  region: process.env.AWS_REGION || undefined,
});

export const deps: UseCaseDeps = {
  repository: new DynamoRepository(client, requireEnv('TABLE_NAME')),
  clock: serviceClock,
};

/** The DynamoDB client, exposed so benchmarks and tests can count requests per operation. */
export const dynamoClient = client;
