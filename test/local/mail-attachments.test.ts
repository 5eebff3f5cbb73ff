// Emails with attachments, end to end: the SES mailer reads the files from the blob store (a real S3
// stand-in bucket), sends them as SendEmail Simple `Attachments` to the local SES stand-in, which
// checks them as SES does and relays them to MailDev; the files must arrive byte for byte. Requests
// SES would refuse must come back as the SDK's own exceptions, and an email too large for SES must
// be refused by the mailer before anything is sent.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestException, MessageRejected, SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesMailer, EmailTooLargeError, SES_MAX_MESSAGE_BYTES } from '../../shared/adapters/aws/ses-mailer.ts';
import type { BlobStore } from '../../shared/app/ports.ts';
import { createAwsStandInServer } from '../../local/aws/server.ts';
import { createSesEndpoint, type SesStandIn } from '../../local/aws/ses.ts';
import { startMailCatcher, type MailCatcher } from '../../local/mail-catcher.ts';
import { createTestBucket } from '../support/blobs.ts';

const sha256 = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function samplePdf(text: string): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  page.drawText(text, { x: 50, y: 780, size: 14, font: await pdf.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await pdf.save());
}

// ---- MailDev's REST API (@maildev/api): the whole email with its attachments' metadata, and each file ----

interface CaughtAttachment {
  filename: string;
  generatedFileName: string;
  contentType: string;
  contentDisposition: 'inline' | 'attachment';
}

interface CaughtEmail {
  id: string;
  subject: string;
  attachments?: CaughtAttachment[];
}

async function caughtEmails(catcher: MailCatcher): Promise<CaughtEmail[]> {
  const res = await fetch(new URL('api/email', catcher.webUrl));
  expect(res.status).toBe(200);
  return (await res.json()) as CaughtEmail[];
}

async function caughtFile(catcher: MailCatcher, email: CaughtEmail, attachment: CaughtAttachment): Promise<Buffer> {
  const res = await fetch(new URL(`api/email/${email.id}/attachment/${encodeURIComponent(attachment.generatedFileName)}`, catcher.webUrl));
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

// ---- the stand-in, on the AWS stand-in server, relaying to MailDev ----------------------------------------

let dir: string;
let catcher: MailCatcher;
let ses: SesStandIn;
let server: Server;
let endpoint: string;
let client: SESv2Client;
let blobs: BlobStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portdesk-mail-attachments-'));
  catcher = await startMailCatcher({ smtpPort: 0, webPort: 0, mailDirectory: dir });
  ses = createSesEndpoint({ smtp: { port: catcher.smtpPort }, region: 'ap-southeast-2' });
  server = createAwsStandInServer([ses], () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new SESv2Client({ region: 'ap-southeast-2', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  blobs = (await createTestBucket()).blobs;
});
afterAll(async () => {
  client?.destroy();
  ses?.close();
  if (server) {
    server.close();
    await once(server, 'close');
  }
  await catcher?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await catcher.clear();
});

const mailer = () => createSesMailer({ from: 'PortDesk <porting@portdesk.example.test>', client, blobs });

const base = (): SendEmailCommandInput => ({
  FromEmailAddress: 'porting@portdesk.example.test',
  Destination: { ToAddresses: ['porting@carrier.example.test'] },
  Content: { Simple: { Subject: { Data: 'Port-in request [PD-pin_0001]' }, Body: { Text: { Data: 'See the attached files.' } } } },
});

const withAttachments = (attachments: unknown[]): SendEmailCommandInput => {
  const input = base();
  input.Content!.Simple!.Attachments = attachments as never;
  return input;
};

async function refused(input: SendEmailCommandInput): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  const error = await client.send(new SendEmailCommand(input)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const e = error as Error & { $metadata: { httpStatusCode?: number } };
  expect(e.$metadata.httpStatusCode).toBe(400);
  return e;
}

describe('the SES mailer with attachments -> SES stand-in -> MailDev', () => {
  it('delivers each attachment from the blob store with its file name, type and exact bytes', async () => {
    const loa = await samplePdf('Letter of Authority - signed');
    const bill = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256))]);
    await blobs.put('documents/pin_att1/doc_loa', loa, 'application/pdf');
    await blobs.put('documents/pin_att1/doc_bill', bill, 'image/jpeg');

    await mailer().send({
      to: ['porting@carrier.example.test'],
      subject: 'Demande de portabilité [PD-pin_att1]',
      text: 'Le mandat signé est joint.',
      html: '<p>Le mandat signé est joint.</p>',
      reference: 'PD-pin_att1',
      attachments: [
        { filename: 'mandat-signé-pin_att1.pdf', contentType: 'application/pdf', blobKey: 'documents/pin_att1/doc_loa' },
        { filename: 'facture mars 2026.jpg', contentType: 'image/jpeg', blobKey: 'documents/pin_att1/doc_bill' },
      ],
    });

    const [email, ...others] = await caughtEmails(catcher);
    expect(others).toEqual([]);
    expect(email!.subject).toBe('Demande de portabilité [PD-pin_att1]');
    const files = email!.attachments ?? [];
    expect(files.map((f) => [f.filename, f.contentType, f.contentDisposition])).toEqual([
      ['mandat-signé-pin_att1.pdf', 'application/pdf', 'attachment'],
      ['facture mars 2026.jpg', 'image/jpeg', 'attachment'],
    ]);
    expect(sha256(await caughtFile(catcher, email!, files[0]!))).toBe(sha256(loa));
    expect(sha256(await caughtFile(catcher, email!, files[1]!))).toBe(sha256(bill));
    // The body still arrives beside the files.
    expect((await catcher.list())[0]!.text).toContain('Le mandat signé est joint.');
  });

  it('sends no Attachments member for an email without attachments (and needs no blob store)', async () => {
    const plain = createSesMailer({ from: 'porting@portdesk.example.test', client });
    await plain.send({ to: ['ops@portdesk.example.test'], subject: 'Port-in overdue [PD-pin_att2]', text: 'Overdue', html: '<p>Overdue</p>' });
    const [email] = await caughtEmails(catcher);
    expect(email!.attachments ?? []).toEqual([]);
  });

  it('refuses, before calling SES, an email whose attachments take it over 40 MB once encoded', async () => {
    // 30 MB of file is 41.1 MB in base64 with its line breaks: over the limit.
    await blobs.put('documents/pin_att3/doc_big', Buffer.alloc(30_000_000, 0x25), 'application/pdf');
    const error = await mailer()
      .send({
        to: ['porting@carrier.example.test'],
        subject: 'Port-in request [PD-pin_att3]',
        text: 'x',
        html: '<p>x</p>',
        attachments: [{ filename: 'bill.pdf', contentType: 'application/pdf', blobKey: 'documents/pin_att3/doc_big' }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailTooLargeError);
    expect((error as Error).name).toBe('EmailTooLargeError');
    expect((error as Error).message).toMatch(/about 41\.1 MB once encoded; SES accepts at most 40\.0 MB\. Nothing was sent\./);
    expect((error as EmailTooLargeError).estimatedBytes).toBeGreaterThan(SES_MAX_MESSAGE_BYTES);
    expect(await caughtEmails(catcher)).toEqual([]);
  });

  it('fails clearly for an attachment whose file is missing, or when it has no blob store', async () => {
    const attachments = [{ filename: 'loa.pdf', contentType: 'application/pdf', blobKey: 'documents/pin_att4/none' }];
    const email = { to: ['porting@carrier.example.test'], subject: 'Port-in request [PD-pin_att4]', text: 'x', html: '<p>x</p>', attachments };
    await expect(mailer().send(email)).rejects.toThrow();
    await expect(createSesMailer({ from: 'porting@portdesk.example.test', client }).send(email)).rejects.toThrow(/no blob store: it cannot attach 1 file/);
    expect(await caughtEmails(catcher)).toEqual([]);
  });
});

describe('the SES stand-in checks attachments as SES does', () => {
  const pdf = new TextEncoder().encode('%PDF-1.7 test');

  it('refuses an attachment without FileName with a 400 BadRequestException', async () => {
    const error = await refused(withAttachments([{ RawContent: pdf, ContentType: 'application/pdf' }]));
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toBe('Missing required field Content.Simple.Attachments[0].FileName.');
  });

  it('refuses a bad disposition, transfer encoding, content type or content id, and a file name over 255 characters', async () => {
    const ok = { RawContent: pdf, FileName: 'loa.pdf' };
    for (const [bad, pattern] of [
      [{ ...ok, ContentDisposition: 'DOWNLOAD' }, /ContentDisposition "DOWNLOAD": ATTACHMENT or INLINE/],
      [{ ...ok, ContentTransferEncoding: 'BINARY' }, /ContentTransferEncoding "BINARY"/],
      [{ ...ok, ContentType: `application/${'x'.repeat(80)}` }, /ContentType must be between 1 and 78/],
      [{ ...ok, ContentId: '' }, /ContentId must be between 1 and 78/],
      [{ ...ok, FileName: `${'a'.repeat(252)}.pdf` }, /FileName must be between 1 and 255/],
      [{ ...ok, FileName: 'loa.pdf\r\nBcc: evil@example.test' }, /line breaks/],
      [{ FileName: 'loa.pdf' }, /Missing required field Content.Simple.Attachments\[0\].RawContent/],
    ] as const) {
      const error = await refused(withAttachments([bad]));
      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toMatch(pattern);
    }
  });

  it('refuses RawContent that is not base64 in the JSON (as the HTTPS API requires)', async () => {
    const body = JSON.stringify({ ...base(), Content: { Simple: { ...base().Content!.Simple, Attachments: [{ FileName: 'loa.pdf', RawContent: 'not base64!' }] } } });
    const res = await fetch(`${endpoint}/v2/email/outbound-emails`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(((await res.json()) as { message: string }).message).toMatch(/RawContent must be base64-encoded/);
  });

  it('rejects a file type SES does not send (MessageRejected), whatever the case of its extension', async () => {
    const error = await refused(withAttachments([{ RawContent: pdf, FileName: 'setup.EXE' }]));
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toMatch(/does not send \.exe files/);
  });

  it('rejects a message over 40 MB (MessageRejected) and relays nothing refused', async () => {
    const error = await refused(withAttachments([{ RawContent: new Uint8Array(32 * 1024 * 1024), FileName: 'big.pdf' }]));
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toMatch(/Message length is more than 41943040 bytes/);
    expect(await caughtEmails(catcher)).toEqual([]);
  });

  it('relays an inline attachment with its content id, and a text file sent 7-bit, intact', async () => {
    const text = Buffer.from('Account: LC-445566\r\nHolder: Quokka Widgets\r\n');
    await client.send(
      new SendEmailCommand(
        withAttachments([
          { RawContent: text, FileName: 'notes.txt', ContentType: 'text/plain', ContentTransferEncoding: 'SEVEN_BIT' },
          { RawContent: pdf, FileName: 'logo.pdf', ContentType: 'application/pdf', ContentDisposition: 'INLINE', ContentId: 'logo1' },
        ]),
      ),
    );
    const [email] = await caughtEmails(catcher);
    const files = email!.attachments ?? [];
    expect(files.map((f) => [f.filename, f.contentDisposition])).toEqual([
      ['notes.txt', 'attachment'],
      ['logo.pdf', 'inline'],
    ]);
    expect((await caughtFile(catcher, email!, files[0]!)).equals(text)).toBe(true);
    expect(sha256(await caughtFile(catcher, email!, files[1]!))).toBe(sha256(pdf));
  });
});
