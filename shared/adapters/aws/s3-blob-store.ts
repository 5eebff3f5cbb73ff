// The BlobStore port on Amazon S3: raw inbound mail (written by SES's S3 action under `inbound/`)
// and documents (`documents/<order id>/<document id>`) in one bucket. Locally the same code talks to
// the S3-compatible stand-in (local/s3.ts) through S3_ENDPOINT, path-style.
//
// Download links are SigV4 query-presigned GET URLs made by the S3 client's own signer (the
// SignatureV4MultiRegion the client is configured with: the signer @aws-sdk/s3-request-presigner
// wraps) on the request the client itself serializes (endpoint rules, virtual-hosted or path style).
// Only the host header is signed and the payload is UNSIGNED-PAYLOAD, as in the S3 documentation's
// presigning example, so any HTTP client can follow the link. A presigned URL is only as good as
// the credentials that signed it: in Lambda those are the role's session credentials, so a link
// stops working when that session expires even if its own expiry is later.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { BlobStore } from '../../app/ports.ts';
import { awsClientConfig } from './client-config.ts';

/** Where SES's S3 action puts raw messages (the receipt rule's object key prefix). */
export const RAW_MAIL_PREFIX = 'inbound/';
/** Where documents (attachments of emails, LOAs, bill copies) are kept. */
export { DOCUMENTS_PREFIX } from '../../app/ports.ts';
/** The blob key of a raw message as SES's S3 action writes it: the prefix and the SES message id. */
export const rawMailKey = (sesMessageId: string): string => `${RAW_MAIL_PREFIX}${sesMessageId}`;

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;

/** The object does not exist (S3 NoSuchKey). Without s3:ListBucket S3 answers AccessDenied instead. */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`No blob at ${key}`);
  }
}

/** The object is larger than the caller accepts; `size` is what S3 reported (or what was read before stopping). */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
  constructor(
    readonly key: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`Blob ${key} has ${size} bytes, more than the ${maxBytes} accepted`);
  }
}

export interface S3BlobStoreOptions {
  bucket: string;
  /** S3-compatible endpoint (local stand-in, `http://127.0.0.1:<port>`); AWS's own when absent. */
  endpoint?: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`): needed by the local stand-in; true by default with an endpoint. */
  forcePathStyle?: boolean;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A client to reuse; built from the settings above otherwise. */
  client?: S3Client;
  /** Default size guard of `get` (bytes); none when absent. */
  maxGetBytes?: number;
  /**
   * When presigned URLs are signed. Real time: S3 checks a link's date against its own clock, so
   * this is never the service clock (which the local runtime may freeze). Tests move it.
   */
  signingClock?: () => Date;
}

/** What `get` accepts beyond the key. */
export interface BlobGetOptions {
  /** Refuse (BlobTooLargeError) an object larger than this, before or while reading it. */
  maxBytes?: number;
}

/** The part of the S3 client's signer used here (SignatureV4MultiRegion implements it). */
interface RequestPresigner {
  presign(request: SerializedRequest, options: {
    signingDate: Date;
    expiresIn: number;
    unsignableHeaders: Set<string>;
    unhoistableHeaders: Set<string>;
  }): Promise<SerializedRequest>;
}

/** An HTTP request as the SDK serializes it (HttpRequest from @smithy/core, structurally). */
interface SerializedRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

const SHA256_HEADER = 'x-amz-content-sha256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 percent-encoding, the one SigV4 canonicalizes query strings with. */
const escapeUri = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly client: S3Client;
  private readonly maxGetBytes: number | undefined;
  private readonly signingClock: () => Date;

  constructor(options: S3BlobStoreOptions) {
    if (!options.bucket.trim()) throw new Error('The S3 blob store needs a bucket name');
    this.bucket = options.bucket;
    this.maxGetBytes = options.maxGetBytes;
    this.signingClock = options.signingClock ?? (() => new Date());
    if (options.client) {
      this.client = options.client;
    } else {
      const config: S3ClientConfig = awsClientConfig({ endpoint: options.endpoint, region: options.region, credentials: options.credentials });
      if (options.forcePathStyle ?? options.endpoint !== undefined) config.forcePathStyle = true;
      this.client = new S3Client(config);
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.byteLength }),
    );
  }

  /** The whole object. Throws BlobNotFoundError, or BlobTooLargeError past the size guard (nothing more is read then). */
  async get(key: string, options: BlobGetOptions = {}): Promise<Buffer> {
    const maxBytes = options.maxBytes ?? this.maxGetBytes;
    let output;
    try {
      output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') throw new BlobNotFoundError(key);
      throw error;
    }
    const body = output.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (body === undefined) return Buffer.alloc(0);
    const declared = output.ContentLength;
    if (maxBytes !== undefined && declared !== undefined && declared > maxBytes) {
      body.destroy?.();
      throw new BlobTooLargeError(key, declared, maxBytes);
    }
    // Collected chunk by chunk: one copy at the end, and a guard that holds even without Content-Length.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (maxBytes !== undefined && size > maxBytes) {
        body.destroy?.();
        throw new BlobTooLargeError(key, size, maxBytes);
      }
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return Buffer.concat(chunks, size);
  }

  /** A SigV4 query-presigned GET URL for the object, valid `expiresInSeconds` (1 s to 7 days) from now. */
  async downloadUrl(key: string, expiresInSeconds: number): Promise<string> {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_SECONDS) {
      throw new RangeError(`A download URL lives 1 to ${MAX_PRESIGNED_SECONDS} whole seconds, not ${expiresInSeconds}`);
    }
    const request = await this.serializedGet(key);
    const signer = (await this.client.config.signer()) as unknown as Partial<RequestPresigner>;
    if (typeof signer.presign !== 'function') throw new Error('The S3 client has no presigning signer');
    // Only `host` is signed; `x-amz-content-sha256` tells the signer the payload is UNSIGNED-PAYLOAD
    // and is neither signed nor moved to the query (the S3 documentation's form of a presigned GET).
    const toSign: SerializedRequest = {
      method: 'GET',
      protocol: request.protocol,
      hostname: request.hostname,
      port: request.port,
      path: request.path,
      query: {},
      headers: { host: request.port === undefined ? request.hostname : `${request.hostname}:${request.port}`, [SHA256_HEADER]: UNSIGNED_PAYLOAD },
    };
    const signed = await signer.presign.call(signer, toSign, {
      signingDate: this.signingClock(),
      expiresIn: expiresInSeconds,
      unsignableHeaders: new Set([SHA256_HEADER]),
      unhoistableHeaders: new Set([SHA256_HEADER]),
    });
    const query = Object.entries(signed.query)
      .flatMap(([name, value]) => (value === null ? [escapeUri(name)] : (Array.isArray(value) ? value : [value]).map((v) => `${escapeUri(name)}=${escapeUri(v)}`)))
      .join('&');
    const port = signed.port === undefined ? '' : `:${signed.port}`;
    return `${signed.protocol}//${signed.hostname}${port}${signed.path}?${query}`;
  }

  /** The GetObject request exactly as this client would send it (endpoint, addressing style, key encoding), without sending it. */
  private async serializedGet(key: string): Promise<SerializedRequest> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: key });
    let captured: SerializedRequest | undefined;
    command.middlewareStack.add(
      () => async (args) => {
        captured = args.request as SerializedRequest;
        // Stop here: nothing is sent. The output is never read.
        return { output: { $metadata: {} } as never, response: undefined };
      },
      { step: 'build', priority: 'low', name: 'portdeskCaptureRequest', override: true },
    );
    await this.client.send(command);
    if (captured === undefined) throw new Error('The S3 client did not build the GetObject request');
    return captured;
  }
}

/**
 * The blob store from settings: the bucket from `bucketVariable` (RAW_MAIL_BUCKET by default),
 * S3_ENDPOINT (local stand-in, path-style) and AWS_REGION, both optional.
 */
export function s3BlobStoreFromEnv(env: NodeJS.ProcessEnv = process.env, bucketVariable = 'RAW_MAIL_BUCKET'): S3BlobStore {
  const bucket = env[bucketVariable];
  if (!bucket) throw new Error(`Missing required setting ${bucketVariable}`);
  const options: S3BlobStoreOptions = { bucket };
  if (env.S3_ENDPOINT) options.endpoint = env.S3_ENDPOINT;
  if (env.AWS_REGION) options.region = env.AWS_REGION;
  return new S3BlobStore(options);
}
