// vitest globalSetup: one in-memory DynamoDB Local for the whole run, on a free port. Test files
// get its endpoint with inject('dynamoEndpoint') and create their own uniquely named tables.
import type { TestProject } from 'vitest/node';
import { findFreePort, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let dynamo: DynamoDbLocal | undefined;
  let lastError: unknown;
  // The free port could be taken between the check and the JVM binding it: try a second one.
  for (let attempt = 0; attempt < 3 && dynamo === undefined; attempt++) {
    try {
      dynamo = await startDynamoDbLocal({ port: await findFreePort() });
    } catch (error) {
      lastError = error;
      if (error instanceof Error && error.message.startsWith('Java 17+')) break;
    }
  }
  if (dynamo === undefined) throw lastError;
  project.provide('dynamoEndpoint', dynamo.endpoint);
  const running = dynamo;
  return async () => {
    await running.stop();
  };
}
