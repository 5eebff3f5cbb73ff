// The blob store on S3, against the local S3 server (s3rver): bytes go in and come out unchanged,
// missing and oversized objects are told apart, and download links work, expire and carry a correct
// SigV4 signature. s3rver checks a link's key and expiry but not its signature, so the signature is
// checked here twice: against the S3 documentation's presigning example, and by recomputing it from
// the URL with an independent implementation of the SigV4 query-signing steps.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../local/s3.ts';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  DOCUMENTS_PREFIX,
  MAX_PRESIGNED_SECONDS,
  RAW_MAIL_PREFIX,
  S3BlobStore,
  rawMailKey,
  s3BlobStoreFromEnv,
} from '../../shared/adapters/aws/s3-blob-store.ts';

const BUCKET = 'portdesk-mail';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let dataDir: string;
let s3: LocalS3;
let store: S3BlobStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'portdesk-s3-'));
  s3 = await startLocalS3({ port: 0, dataDir, buckets: [BUCKET] });
  store = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, region: 'ap-southeast-2' });
});

afterAll(async () => {
  await s3?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- SigV4 query signing, from the steps of the S3 documentation (not the SDK) -------------------

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** The signature a presigned GET URL must carry for `secret`, recomputed from the URL itself. */
function expectedSignature(url: URL, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([name]) => name !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const signedHeaders = url.searchParams.get('X-Amz-SignedHeaders');
  expect(signedHeaders).toBe('host');
  const canonicalRequest = ['GET', url.pathname, canonicalQuery, `host:${url.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const [, date, region, service, terminator] = url.searchParams.get('X-Amz-Credential')!.split('/');
  expect(terminator).toBe('aws4_request');
  const stringToSign = ['AWS4-HMAC-SHA256', url.searchParams.get('X-Amz-Date'), `${date}/${region}/${service}/aws4_request`, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

describe('S3BlobStore on the local S3 server', () => {
  it('returns exactly the bytes it stored, for any key', async () => {
    const body = randomBytes(1024 * 1024 + 17);
    const key = `${DOCUMENTS_PREFIX}pin_abc/doc_1/Bill copy (1) é+ü.pdf`;
    await store.put(key, body, 'application/pdf');
    const back = await store.get(key);
    expect(back.equals(body)).toBe(true);
  });

  it('keeps raw messages under inbound/<SES message id>', () => {
    expect(RAW_MAIL_PREFIX).toBe('inbound/');
    expect(rawMailKey('o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1')).toBe('inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1');
  });

  it('tells a missing object apart (BlobNotFoundError)', async () => {
    await expect(store.get('inbound/nothing-here')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get('inbound/nothing-here')).rejects.toMatchObject({ key: 'inbound/nothing-here' });
  });

  it('refuses an object over the size guard, per call or by default', async () => {
    await store.put('inbound/big', Buffer.alloc(5000, 1), 'message/rfc822');
    await expect(store.get('inbound/big', { maxBytes: 4999 })).rejects.toMatchObject({ name: 'BlobTooLargeError', size: 5000, maxBytes: 4999 });
    expect((await store.get('inbound/big', { maxBytes: 5000 })).length).toBe(5000);
    const guarded = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, maxGetBytes: 1000 });
    await expect(guarded.get('inbound/big')).rejects.toBeInstanceOf(BlobTooLargeError);
    expect((await guarded.get('inbound/big', { maxBytes: 10_000 })).length).toBe(5000);
  });

  it('gives a download URL that fetches the bytes, signed as SigV4 requires', async () => {
    const body = Buffer.from('From: carrier@telstra.example\r\nSubject: [PD-pin_x] Status: completed\r\n\r\nDone.\r\n');
    await store.put('inbound/msg-1', body, 'message/rfc822');
    const link = await store.downloadUrl('inbound/msg-1', 300);
    const url = new URL(link);
    expect(url.origin).toBe(s3.endpoint);
    expect(url.pathname).toBe(`/${BUCKET}/inbound/msg-1`);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^local\/\d{8}\/ap-southeast-2\/s3\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, CREDENTIALS.secretAccessKey));

    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('message/rfc822');
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
  });

  it('signs keys that need escaping as S3 reads them', async () => {
    const key = `${DOCUMENTS_PREFIX}pin_abc/doc_2/LOA signée (v2)+final*.pdf`;
    const body = randomBytes(4096);
    await store.put(key, body, 'application/pdf');
    const link = await store.downloadUrl(key, 60);
    const url = new URL(link);
    expect(decodeURIComponent(url.pathname)).toBe(`/${BUCKET}/${key}`);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, CREDENTIALS.secretAccessKey));
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
  });

  it('gives URLs that are refused once expired', async () => {
    await store.put('inbound/msg-2', Buffer.from('x'), 'message/rfc822');
    const signedAnHourAgo = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, signingClock: () => new Date(Date.now() - 3600_000) });
    const stale = await signedAnHourAgo.downloadUrl('inbound/msg-2', 60);
    const response = await fetch(stale);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    // The same link signed now works.
    expect((await fetch(await store.downloadUrl('inbound/msg-2', 60))).status).toBe(200);
  });

  it('lives 1 second to 7 days, in whole seconds', async () => {
    for (const bad of [0, -1, 1.5, MAX_PRESIGNED_SECONDS + 1, Number.NaN]) {
      await expect(store.downloadUrl('inbound/msg-1', bad)).rejects.toBeInstanceOf(RangeError);
    }
    const week = new URL(await store.downloadUrl('inbound/msg-1', MAX_PRESIGNED_SECONDS));
    expect(week.searchParams.get('X-Amz-Expires')).toBe('604800');
  });

  it('is refused by the local server for an access key it does not know', async () => {
    const stranger = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' } });
    await expect(stranger.get('inbound/msg-1')).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
  });

  it('is built from settings: RAW_MAIL_BUCKET and S3_ENDPOINT', async () => {
    const fromEnv = s3BlobStoreFromEnv({ RAW_MAIL_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, AWS_REGION: 'ap-southeast-2' });
    expect(fromEnv.bucket).toBe(BUCKET);
    expect((await fromEnv.get('inbound/msg-1')).toString()).toMatch(/^From: carrier/);
    expect(() => s3BlobStoreFromEnv({})).toThrow(/RAW_MAIL_BUCKET/);
    expect(s3BlobStoreFromEnv({ DOCUMENTS_BUCKET: 'docs' }, 'DOCUMENTS_BUCKET').bucket).toBe('docs');
  });
});

describe('presigned URLs in AWS', () => {
  it('match the S3 documentation\'s presigning example exactly', async () => {
    // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example GET
    // of examplebucket/test.txt on 24 May 2013, valid 86400 s, with the documentation's keys.
    const example = new S3BlobStore({
      bucket: 'examplebucket',
      endpoint: 'https://s3.amazonaws.com',
      forcePathStyle: false,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      signingClock: () => new Date('2013-05-24T00:00:00Z'),
    });
    const url = new URL(await example.downloadUrl('test.txt', 86400));
    expect(`${url.origin}${url.pathname}`).toBe('https://examplebucket.s3.amazonaws.com/test.txt');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20130524T000000Z',
      'X-Amz-Expires': '86400',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    });
  });

  it('use the region\'s virtual-hosted endpoint and carry the session token of role credentials, signed', async () => {
    const inLambda = new S3BlobStore({
      bucket: 'portdesk-rawmail-1234',
      region: 'ap-southeast-2',
      credentials: { accessKeyId: 'ASIAEXAMPLEEXAMPLE', secretAccessKey: 'secret/example', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+/=' },
    });
    const url = new URL(await inLambda.downloadUrl('inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1', 900));
    expect(url.host).toBe('portdesk-rawmail-1234.s3.ap-southeast-2.amazonaws.com');
    expect(url.pathname).toBe('/inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('IQoJb3JpZ2luX2VjEXAMPLE+/=');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'secret/example'));
  });
});

describe('local S3 server', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(s3.endpoint).hostname).toBe('127.0.0.1');
  });

  it('keeps buckets and objects across restarts in its data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portdesk-s3-restart-'));
    try {
      const first = await startLocalS3({ port: 0, dataDir: dir, buckets: ['kept'] });
      await new S3BlobStore({ bucket: 'kept', endpoint: first.endpoint }).put('inbound/a', Buffer.from('still here'), 'text/plain');
      await first.close();
      await first.close();
      const second = await startLocalS3({ port: 0, dataDir: dir, buckets: ['kept'] });
      try {
        expect((await new S3BlobStore({ bucket: 'kept', endpoint: second.endpoint }).get('inbound/a')).toString()).toBe('still here');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails to start on a port in use', async () => {
    await expect(startLocalS3({ port: s3.port, dataDir, buckets: [] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
