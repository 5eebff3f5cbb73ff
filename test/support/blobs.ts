// Blob stores for tests: a fresh bucket per call on the run's one S3 stand-in (global-setup.ts).
import { inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';

export const TEST_REGION = 'ap-southeast-2';

/** A new, empty bucket and a blob store on it. */
export async function createTestBucket(): Promise<{ bucket: string; endpoint: string; blobs: S3BlobStore }> {
  const endpoint = inject('s3Endpoint');
  const bucket = `test-${randomUUID().slice(0, 18)}`;
  const blobs = new S3BlobStore({ bucket, endpoint, region: TEST_REGION });
  await blobs.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return { bucket, endpoint, blobs };
}
