// Local only: an S3-compatible server for the blob store (raw inbound mail, documents). Runs s3rver 3
// in process on 127.0.0.1, keeping buckets and objects as files under `dataDir`, so they survive
// `npm start` restarts. The handlers reach it through S3_ENDPOINT with path-style addressing.
//
// What s3rver does not do: it checks a SigV4 request's access key, date and (for presigned URLs)
// expiry, but not the signature itself. The presigner is checked against the S3 documentation's
// example and an independent SigV4 computation in test/local/s3.test.ts.
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

const HOST = '127.0.0.1';

/** The access key the local clients use (shared/adapters/aws/client-config.ts's placeholders). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalS3Options {
  /** Port on 127.0.0.1 (0: any free port; see `endpoint` for the one bound). */
  port: number;
  /** Folder the buckets and objects persist in. */
  dataDir: string;
  /** Buckets created at start when missing (existing ones and their objects are kept). */
  buckets: string[];
  /** The key pair accepted besides s3rver's own (S3RVER/S3RVER); the local placeholders by default. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: give it to the S3 client with path-style addressing. */
  endpoint: string;
  port: number;
  /** Stops the server (open connections included). Safe to call twice. */
  close(): Promise<void>;
}

// ---- the part of s3rver 3's API used here (CommonJS, no type declarations) ----------------------

interface S3rverOptions {
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
  vhostBuckets: boolean;
  configureBuckets: { name: string }[];
}

interface S3rverInstance {
  /** Creates the configured buckets (keeping existing ones). */
  configureBuckets(): Promise<unknown>;
  /** The Koa request handler. */
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  logger?: { close(): void };
}

interface S3rverAccounts {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

const require = createRequire(import.meta.url);

function loadS3rver(): { S3rver: new (options: S3rverOptions) => S3rverInstance; accounts: S3rverAccounts } {
  try {
    return {
      S3rver: require('s3rver') as new (options: S3rverOptions) => S3rverInstance,
      // s3rver accepts only access keys of its account registry (S3RVER by default).
      accounts: require('s3rver/lib/models/account') as S3rverAccounts,
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new Error('The local S3 server needs the npm package s3rver@3 (dev dependency), which is not installed: run npm install.', { cause: error });
    }
    throw error;
  }
}

/** Starts s3rver on 127.0.0.1. Throws (with the listener's `EADDRINUSE` code) when the port is taken. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const { S3rver, accounts } = loadS3rver();
  const credentials = options.credentials ?? LOCAL_S3_CREDENTIALS;
  accounts.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  mkdirSync(options.dataDir, { recursive: true });
  const server = new S3rver({
    directory: options.dataDir,
    silent: true,
    resetOnClose: false,
    // Bucket in the path only: a host name is never read as a bucket.
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  await server.configureBuckets();
  // Our own listener rather than s3rver's run(): its listen reports a taken port as an uncaught
  // error event instead of rejecting.
  const http = createServer(server.callback());
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, HOST, () => {
      http.removeListener('error', reject);
      resolve(http.address() as AddressInfo);
    });
  });
  let closed = false;
  return {
    endpoint: `http://${HOST}:${address.port}`,
    port: address.port,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const closing = new Promise<void>((resolve) => http.close(() => resolve()));
      // Keep-alive connections of SDK clients would hold close() open.
      http.closeAllConnections();
      await closing;
      server.logger?.close();
    },
  };
}
