// vitest globalSetup: one in-memory DynamoDB Local and one S3 stand-in (s3rver) for the whole run,
// on free ports. Test files get their endpoints with inject('dynamoEndpoint') / inject('s3Endpoint')
// and create their own uniquely named tables and buckets (test/support/dynamo.ts, blobs.ts).
import type { TestProject } from 'vitest/node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.ts';
import { startLocalS3 } from '../../local/s3.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    s3Endpoint: string;
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
  const s3Dir = mkdtempSync(join(tmpdir(), 'portdesk-test-s3-'));
  const s3 = await startLocalS3({ port: 0, dataDir: s3Dir, buckets: [] });
  project.provide('s3Endpoint', s3.endpoint);
  const running = dynamo;
  return async () => {
    await Promise.all([running.stop(), s3.close()]);
    rmSync(s3Dir, { recursive: true, force: true });
  };
}
