// The local porting mailbox: mail sent by SMTP (nodemailer) to 127.0.0.1 is stored byte for byte
// in the local S3 server under inbound/<SES message id>, answered 250 only once stored, and handed
// to the intake handler as the event SES gives a Lambda action, with Lambda's asynchronous retries.
// Other recipients get 550, oversized mail 552. The event's shape is compared with
// test/fixtures/ses/lambda-receipt-event.json, an SES Lambda-action event written for this project
// after the SES developer guide's sample (trace headers SES adds, commonHeaders, the five verdicts).
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SESEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_VERDICTS, SES_HEADERS_LIMIT_BYTES, SES_MAX_MESSAGE_BYTES, newSesMessageId, sesReceiptEvent } from '../../local/aws/ses-receipt.ts';
import { startLocalS3, type LocalS3 } from '../../local/s3.ts';
import { DEFAULT_INTAKE_ADDRESS, DEFAULT_SMTP_PORT, LAMBDA_ASYNC_RETRY_DELAYS_MS, startSmtpIntake, type SmtpIntake, type SmtpIntakeOptions } from '../../local/smtp-intake.ts';
import { S3BlobStore } from '../../shared/adapters/aws/s3-blob-store.ts';
import type { BlobStore } from '../../shared/app/ports.ts';

const BUCKET = 'portdesk-mail';
const INTAKE = 'porting@portdesk.local';
const RECEIVED_AT = new Date('2026-03-16T03:12:45.000Z');
const SAMPLE = JSON.parse(readFileSync(new URL('../fixtures/ses/lambda-receipt-event.json', import.meta.url), 'utf8')) as SESEvent;

let dataDir: string;
let s3: LocalS3;
let blobs: S3BlobStore;

/** What the handler stand-in does with each call, and every event it was given. */
let behaviour: (event: SESEvent, call: number) => Promise<void>;
let delivered: SESEvent[];
let logs: string[];
let intake: SmtpIntake;

function start(overrides: Partial<SmtpIntakeOptions> = {}): Promise<SmtpIntake> {
  return startSmtpIntake({
    port: 0,
    intakeAddress: INTAKE,
    blobs,
    bucket: BUCKET,
    clock: { now: () => new Date(RECEIVED_AT) },
    retryDelaysMs: [20, 40],
    deliver: async (event) => {
      delivered.push(event);
      await behaviour(event, delivered.length);
    },
    log: (line) => logs.push(line),
    ...overrides,
  });
}

function transport(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

/** A carrier's answer as its mail system would send it (CRLF lines, an attachment), built by nodemailer. */
function carrierMessage(extra: Record<string, unknown> = {}): Promise<Buffer> {
  return new MailComposer({
    from: '"Porting Desk, Carrier Wholesale" <porting@carrier.example.net>',
    to: INTAKE,
    subject: 'RE: [PD-pin_q3x7k2m9v4b8n6c1] Port request: transfer date',
    date: new Date('2026-03-16T03:12:44Z'),
    messageId: '<20260316031244.4F2A1@mta1.carrier.example.net>',
    text: 'Status: scheduled\r\nTransfer date: 18/03/2026\r\n',
    attachments: [{ filename: 'confirmation.pdf', content: Buffer.from('%PDF-1.4\n% example\n'), contentType: 'application/pdf' }],
    ...extra,
  })
    .compile()
    .build();
}

async function send(port: number, raw: Buffer, to: string[] = [INTAKE], from = 'bounces+porting@mail.carrier.example.net') {
  const t = transport(port);
  try {
    return await t.sendMail({ envelope: { from, to }, raw });
  } finally {
    t.close();
  }
}

const queuedId = (response: string) => /queued as ([a-z0-9]{40})\b/.exec(response)?.[1];

async function storedKeys(): Promise<string[]> {
  const out = await blobs.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'inbound/' }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** Types of every field, recursively (arrays by their first element): what "same shape" compares. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
  }
  return typeof value;
}

/** A short SMTP conversation by hand: each command's reply (multi-line replies joined). */
async function converse(port: number, commands: (string | Buffer)[]): Promise<string[]> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const replies: string[] = [];
  let waiting: (() => void) | null = null;
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3} [^\r\n]*\r\n/.exec(buffer);
      if (!m) break;
      replies.push(m[0]);
      buffer = buffer.slice(m[0].length);
      waiting?.();
    }
  });
  const reply = async (count: number) => {
    while (replies.length < count) await new Promise<void>((resolve) => (waiting = resolve));
  };
  await reply(1); // greeting
  for (const command of commands) {
    const expected = replies.length + 1;
    socket.write(command);
    await reply(expected);
  }
  socket.end();
  return replies.slice(1);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'portdesk-smtp-'));
  s3 = await startLocalS3({ port: 0, dataDir, buckets: [BUCKET] });
  blobs = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, region: 'ap-southeast-2' });
});

afterAll(async () => {
  await s3?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  behaviour = async () => undefined;
  delivered = [];
  logs = [];
  intake = await start();
});

afterEach(async () => {
  await intake.close();
});

describe('accepting mail for the porting mailbox', () => {
  it('stores the exact bytes at inbound/<message id> and hands the handler an SES event for them', async () => {
    const raw = await carrierMessage();
    const info = await send(intake.port, raw);
    expect(info.accepted).toEqual([INTAKE]);
    const messageId = queuedId(info.response);
    expect(messageId).toMatch(/^[a-z0-9]{40}$/);

    // Stored before the 250: readable the moment the client is told.
    const stored = await blobs.get(`inbound/${messageId}`);
    expect(stored.equals(raw)).toBe(true);

    await intake.idle();
    expect(delivered.length).toBe(1);
    const [record] = delivered[0]!.Records;
    expect(delivered[0]!.Records.length).toBe(1);
    expect(record!.eventSource).toBe('aws:ses');
    expect(record!.eventVersion).toBe('1.0');
    const { mail, receipt } = record!.ses;
    expect(mail).toMatchObject({
      timestamp: RECEIVED_AT.toISOString(),
      source: 'bounces+porting@mail.carrier.example.net',
      messageId,
      destination: [INTAKE],
      headersTruncated: false,
      commonHeaders: {
        returnPath: 'bounces+porting@mail.carrier.example.net',
        from: ['"Porting Desk, Carrier Wholesale" <porting@carrier.example.net>'],
        to: [INTAKE],
        subject: 'RE: [PD-pin_q3x7k2m9v4b8n6c1] Port request: transfer date',
        messageId: '<20260316031244.4F2A1@mta1.carrier.example.net>',
        date: expect.stringMatching(/^Mon, 16 Mar 2026 03:12:44 \+0000$/),
      },
    });
    expect(receipt).toMatchObject({
      recipients: [INTAKE],
      spamVerdict: { status: 'DISABLED' },
      virusVerdict: { status: 'DISABLED' },
      spfVerdict: { status: 'PASS' },
      dkimVerdict: { status: 'PASS' },
      dmarcVerdict: { status: 'GRAY' },
      action: { type: 'Lambda', invocationType: 'Event', functionArn: expect.stringMatching(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:.+/) },
    });
    expect(receipt.dmarcPolicy).toBeUndefined();
    expect(receipt.processingTimeMillis).toBeGreaterThanOrEqual(0);
    expect(Date.parse(receipt.timestamp)).toBe(RECEIVED_AT.getTime() + receipt.processingTimeMillis);
  });

  it('builds an event of the same shape as SES\'s', async () => {
    const info = await send(intake.port, await carrierMessage());
    await intake.idle();
    expect(queuedId(info.response)).toBeDefined();
    expect(shape(delivered[0])).toEqual(shape(SAMPLE));
    // Header names in SES's order: its trace headers, then the message's own, as sent.
    const names = delivered[0]!.Records[0]!.ses.mail.headers.map((h) => h.name);
    expect(names.slice(0, 4)).toEqual(['Return-Path', 'Received', 'Received-SPF', 'Authentication-Results']);
    expect(names.slice(4)).toEqual(expect.arrayContaining(['From', 'To', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type']));
    const sampleReceipt = SAMPLE.Records[0]!.ses.receipt;
    expect(Object.keys(delivered[0]!.Records[0]!.ses.receipt)).toEqual(Object.keys(sampleReceipt));
    expect(Object.keys(delivered[0]!.Records[0]!.ses.mail)).toEqual(Object.keys(SAMPLE.Records[0]!.ses.mail));
  });

  it('reports SPF and DKIM passed and says no scanner ran', async () => {
    await send(intake.port, await carrierMessage());
    await intake.idle();
    const { receipt, mail } = delivered[0]!.Records[0]!.ses;
    expect(LOCAL_VERDICTS).toEqual({ spam: 'DISABLED', virus: 'DISABLED', spf: 'PASS', dkim: 'PASS', dmarc: 'GRAY' });
    expect([receipt.spfVerdict.status, receipt.dkimVerdict.status]).toEqual(['PASS', 'PASS']);
    const header = (name: string) => mail.headers.find((h) => h.name === name)?.value;
    expect(header('Authentication-Results')).toMatch(/spf=pass .*dkim=pass .*dmarc=none/);
    // SES adds the scan headers only when it scans.
    expect(header('X-SES-Spam-Verdict')).toBeUndefined();
    expect(header('X-SES-Virus-Verdict')).toBeUndefined();
  });

  it('takes the mailbox in any case, as the client wrote it', async () => {
    // (nodemailer lower-cases the domain; the local part goes as written)
    const info = await send(intake.port, await carrierMessage(), ['PORTING@PortDesk.LOCAL']);
    expect(info.accepted).toEqual(['PORTING@portdesk.local']);
    await intake.idle();
    expect(delivered[0]!.Records[0]!.ses.receipt.recipients).toEqual(['PORTING@portdesk.local']);
  });

  it('answers 250 only after the raw message is stored', async () => {
    const order: string[] = [];
    const slow: BlobStore = {
      put: async (key, body, type) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await blobs.put(key, body, type);
        order.push('stored');
      },
      get: (key) => blobs.get(key),
      downloadUrl: (key, s) => blobs.downloadUrl(key, s),
    };
    const slowIntake = await start({ blobs: slow });
    try {
      await send(slowIntake.port, await carrierMessage());
      order.push('250 received');
      expect(order).toEqual(['stored', '250 received']);
    } finally {
      await slowIntake.close();
    }
  });

  it('answers 451 when the message cannot be stored, and invokes nothing: the sender keeps it', async () => {
    const broken: BlobStore = {
      put: async () => {
        throw new Error('S3 is down');
      },
      get: (key) => blobs.get(key),
      downloadUrl: (key, s) => blobs.downloadUrl(key, s),
    };
    const brokenIntake = await start({ blobs: broken });
    try {
      await expect(send(brokenIntake.port, await carrierMessage())).rejects.toMatchObject({ responseCode: 451 });
      await brokenIntake.idle();
      expect(delivered).toEqual([]);
      expect(logs.join('\n')).toMatch(/could not store .*S3 is down.*451/);
    } finally {
      await brokenIntake.close();
    }
  });
});

describe('refusing', () => {
  it('mail for anyone but the intake address: 550, with the address it takes', async () => {
    const before = await storedKeys();
    const error = await send(intake.port, await carrierMessage(), ['sales@portdesk.local']).catch((e: unknown) => e);
    expect(error).toMatchObject({ responseCode: 550 });
    expect((error as { response?: string }).response).toMatch(/^550 5\.1\.1 <sales@portdesk\.local>: no such mailbox here; PortDesk's intake accepts mail for porting@portdesk\.local only/);
    await intake.idle();
    expect(delivered).toEqual([]);
    expect(await storedKeys()).toEqual(before);
  });

  it('only the other recipients when the intake address is among them', async () => {
    const info = await send(intake.port, await carrierMessage(), ['sales@portdesk.local', INTAKE]);
    expect(info.accepted).toEqual([INTAKE]);
    expect(info.rejected).toEqual(['sales@portdesk.local']);
    await intake.idle();
    expect(delivered[0]!.Records[0]!.ses.receipt.recipients).toEqual([INTAKE]);
  });

  it('oversized mail: SIZE is announced, a larger SIZE or DATA gets 552, nothing is stored', async () => {
    const small = await start({ maxMessageBytes: 2000 });
    try {
      const before = await storedKeys();
      const big = await carrierMessage({ text: 'x'.repeat(3000) });
      await expect(send(small.port, big)).rejects.toMatchObject({ responseCode: 552 });

      const replies = await converse(small.port, [
        'EHLO client.example\r\n',
        'MAIL FROM:<a@carrier.example.net> SIZE=3000\r\n',
        'MAIL FROM:<a@carrier.example.net>\r\n',
        `RCPT TO:<${INTAKE}>\r\n`,
        'DATA\r\n',
        Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.from(`${'y'.repeat(76)}\r\n`.repeat(40)), Buffer.from('.\r\n')]),
        'QUIT\r\n',
      ]);
      expect(replies[0]).toMatch(/^250-.*\r\n(?:250-.*\r\n)*?250[- ]SIZE 2000\r\n/m);
      expect(replies[0]).not.toMatch(/AUTH|STARTTLS/);
      expect(replies[1]).toMatch(/^552 5\.3\.4 .*2000/);
      expect(replies[2]).toMatch(/^250 /);
      expect(replies[3]).toMatch(/^250 /);
      expect(replies[4]).toMatch(/^354 /);
      expect(replies[5]).toMatch(/^552 5\.3\.4 .*2000/);
      await small.idle();
      expect(delivered).toEqual([]);
      expect(await storedKeys()).toEqual(before);
    } finally {
      await small.close();
    }
  });

  it('to listen anywhere but the loopback interface (it takes mail without authentication)', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(start({ intakeAddress: 'not an address' })).rejects.toThrow(/not an email address/);
  });
});

describe('invoking the handler as Lambda invokes it asynchronously', () => {
  it('retries a handler that failed twice, with the same event, and stops once it succeeds', async () => {
    behaviour = async (_event, call) => {
      if (call <= 2) throw new Error(`DynamoDB throttled (call ${call})`);
    };
    const info = await send(intake.port, await carrierMessage());
    expect(info.response).toMatch(/^250 2\.\d\.\d Ok: queued as [a-z0-9]{40}$/);
    await intake.idle();
    expect(delivered.length).toBe(3);
    expect(delivered[1]).toEqual(delivered[0]);
    expect(delivered[2]).toEqual(delivered[0]);
    expect(delivered[1]).not.toBe(delivered[0]);
    const id = queuedId(info.response)!;
    expect(logs.filter((l) => l.includes(id) && /failed .*retry/.test(l)).length).toBe(2);
    expect(logs).toContainEqual(expect.stringContaining(`${id}: delivered on retry 2`));
  });

  it('gives up after two retries, logging it; the raw message stays stored', async () => {
    behaviour = async () => {
      throw new Error('handler bug');
    };
    const info = await send(intake.port, await carrierMessage());
    await intake.idle();
    expect(delivered.length).toBe(3);
    const id = queuedId(info.response)!;
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`${id}: the intake handler failed 3 time\\(s\\), giving up .*handler bug.*s3://${BUCKET}/inbound/${id}`)));
    expect((await blobs.get(`inbound/${id}`)).length).toBeGreaterThan(0);
  });

  it('waits as Lambda does by default (1 and 2 minutes), and close() gives up waiting retries', async () => {
    expect(LAMBDA_ASYNC_RETRY_DELAYS_MS).toEqual([60_000, 120_000]);
    const patient = await start({ retryDelaysMs: undefined });
    behaviour = async () => {
      throw new Error('down');
    };
    await send(patient.port, await carrierMessage());
    while (delivered.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    await patient.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(delivered.length).toBe(1);
    expect(logs).toContainEqual(expect.stringMatching(/stopped before retry 1; the raw message stays at s3:\/\//));
  });

  it('answers the client before the handler runs', async () => {
    let release!: () => void;
    behaviour = () => new Promise<void>((resolve) => (release = resolve));
    const info = await send(intake.port, await carrierMessage());
    expect(info.response).toMatch(/^250 /);
    while (delivered.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await intake.idle();
  });
});

describe('SES events for the same message with other verdicts (AWS shape)', () => {
  it('carry a failed scan in the verdicts and SES\'s scan headers', async () => {
    const raw = await carrierMessage();
    const event = await sesReceiptEvent({
      raw,
      messageId: newSesMessageId(),
      mailFrom: 'x@spam.example',
      recipients: [INTAKE],
      receivedAt: RECEIVED_AT,
      verdicts: { spam: 'FAIL', virus: 'FAIL', spf: 'FAIL', dkim: 'GRAY' },
    });
    const { receipt, mail } = event.Records[0]!.ses;
    expect([receipt.spamVerdict, receipt.virusVerdict, receipt.spfVerdict, receipt.dkimVerdict, receipt.dmarcVerdict]).toEqual([
      { status: 'FAIL' },
      { status: 'FAIL' },
      { status: 'FAIL' },
      { status: 'GRAY' },
      { status: 'GRAY' },
    ]);
    expect(mail.headers.find((h) => h.name === 'X-SES-Virus-Verdict')?.value).toBe('FAIL');
    expect(mail.headers.find((h) => h.name === 'X-SES-Spam-Verdict')?.value).toBe('FAIL');
    expect(mail.headers.find((h) => h.name === 'Authentication-Results')?.value).toMatch(/spf=fail .*dkim=none/);
    expect(shape(event)).toEqual(shape(SAMPLE));
  });

  it('name the DMARC policy only when DMARC failed', async () => {
    const base = { raw: await carrierMessage(), messageId: newSesMessageId(), mailFrom: 'a@b.example', recipients: [INTAKE], receivedAt: RECEIVED_AT };
    const failed = await sesReceiptEvent({ ...base, verdicts: { dmarc: 'FAIL' }, dmarcPolicy: 'reject' });
    expect(failed.Records[0]!.ses.receipt.dmarcPolicy).toBe('reject');
    const passed = await sesReceiptEvent({ ...base, verdicts: { dmarc: 'PASS' }, dmarcPolicy: 'reject' });
    expect('dmarcPolicy' in passed.Records[0]!.ses.receipt).toBe(false);
  });

  it('cut the header list past 10 KB and say so', async () => {
    const raw = await carrierMessage({ headers: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`X-Relay-${i}`, 'r'.repeat(200)])) });
    const event = await sesReceiptEvent({ raw, messageId: newSesMessageId(), mailFrom: 'a@b.example', recipients: [INTAKE], receivedAt: RECEIVED_AT });
    const { mail } = event.Records[0]!.ses;
    expect(mail.headersTruncated).toBe(true);
    const size = mail.headers.reduce((sum, h) => sum + Buffer.byteLength(h.name) + Buffer.byteLength(h.value) + 4, 0);
    expect(size).toBeLessThanOrEqual(SES_HEADERS_LIMIT_BYTES);
    // commonHeaders still come from the whole header block.
    expect(mail.commonHeaders.subject).toBe('RE: [PD-pin_q3x7k2m9v4b8n6c1] Port request: transfer date');
  });

  it('decode encoded subjects and names in commonHeaders, keep raw values in headers, unfolded', async () => {
    const raw = Buffer.from(
      [
        'From: =?UTF-8?Q?Op=C3=A9rateur_Portabilit=C3=A9?= <portabilite@operateur.example.fr>',
        'To: porting@portdesk.local,',
        ' "Doe, Jane" <jane@portdesk.local>',
        'Cc: ops@portdesk.local',
        'Subject: =?UTF-8?B?UG9ydGFiaWxpdMOpIDogZGF0ZSBkZSBiYXNjdWxl?=',
        'Date: Tue, 3 Mar 2026 10:00:00 +0100',
        '',
        'Bonjour',
        '',
      ].join('\r\n'),
    );
    const event = await sesReceiptEvent({ raw, messageId: newSesMessageId(), mailFrom: '', recipients: [INTAKE], receivedAt: RECEIVED_AT });
    const { mail } = event.Records[0]!.ses;
    expect(mail.commonHeaders).toEqual({
      returnPath: '',
      from: ['Opérateur Portabilité <portabilite@operateur.example.fr>'],
      date: 'Tue, 3 Mar 2026 10:00:00 +0100',
      to: ['porting@portdesk.local', '"Doe, Jane" <jane@portdesk.local>'],
      cc: ['ops@portdesk.local'],
      subject: 'Portabilité : date de bascule',
    });
    expect(mail.destination).toEqual(['porting@portdesk.local', 'jane@portdesk.local', 'ops@portdesk.local']);
    expect(mail.headers.find((h) => h.name === 'To')?.value).toBe('porting@portdesk.local, "Doe, Jane" <jane@portdesk.local>');
    expect(mail.headers.find((h) => h.name === 'Subject')?.value).toBe('=?UTF-8?B?UG9ydGFiaWxpdMOpIDogZGF0ZSBkZSBiYXNjdWxl?=');
    expect(mail.source).toBe('');
  });

  it('use SES\'s form of message id and its limits', () => {
    const ids = new Set(Array.from({ length: 200 }, newSesMessageId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{40}$/);
    expect(SAMPLE.Records[0]!.ses.mail.messageId).toMatch(/^[a-z0-9]{40}$/);
    expect(SES_MAX_MESSAGE_BYTES).toBe(40 * 1024 * 1024);
    expect(DEFAULT_SMTP_PORT).toBe(2525);
    expect(DEFAULT_INTAKE_ADDRESS).toBe('porting@portdesk.local');
  });
});
