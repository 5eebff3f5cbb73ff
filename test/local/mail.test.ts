// Outgoing mail locally: the real SES v2 client -> the SES stand-in (served by the AWS stand-in
// server) -> SMTP. The relay is checked against a minimal SMTP sink (a test double that records the
// raw message), and end to end against MailDev when it is installed. Bad requests must come back as
// the SDK's own BadRequestException.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestException, SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSesMailer, REFERENCE_HEADER } from '../../shared/adapters/aws/ses-mailer.ts';
import { createAwsStandInServer } from '../../local/aws/server.ts';
import { createSesEndpoint, type SesStandIn } from '../../local/aws/ses.ts';
import { startMailCatcher, type MailCatcher } from '../../local/mail-catcher.ts';

// ---- a minimal SMTP sink: enough of RFC 5321 for nodemailer, recording each message ----------------

interface SunkMessage {
  from: string;
  to: string[];
  data: string;
}

interface SmtpSink {
  port: number;
  messages: SunkMessage[];
  /** Resolves with the next message received (or the first not yet awaited). */
  next(): Promise<SunkMessage>;
  close(): Promise<void>;
}

async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SunkMessage[] = [];
  const waiters: Array<(m: SunkMessage) => void> = [];
  let taken = 0;
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let current: SunkMessage = { from: '', to: [], data: '' };
    socket.write('220 sink.example.test ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          current.data = buffer.slice(0, end + 2).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          inData = false;
          messages.push(current);
          waiters.shift()?.(current);
          current = { from: '', to: [], data: '' };
          socket.write('250 2.0.0 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 sink.example.test\r\n');
        else if (verb === 'MAIL') {
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          socket.write('250 2.1.0 ok\r\n');
        } else if (verb === 'RCPT') {
          current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          socket.write('250 2.1.5 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
          return;
        } else socket.write('250 ok\r\n'); // RSET, NOOP
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    next: () => {
      const index = taken++;
      const ready = messages[index];
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A header of a raw message, unfolded. */
function header(raw: string, name: string): string | null {
  const head = raw.split('\r\n\r\n')[0] ?? '';
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const line = unfolded.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

// ---- a stand-in server for a given relay ---------------------------------------------------------

interface StandIn {
  endpoint: string;
  ses: SesStandIn;
  client: SESv2Client;
  close(): Promise<void>;
}

async function startStandIn(smtpPort: number): Promise<StandIn> {
  const ses = createSesEndpoint({ smtp: { port: smtpPort }, region: 'ap-southeast-2' });
  const server: Server = createAwsStandInServer([ses], () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SESv2Client({
    region: 'ap-southeast-2',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    endpoint,
    ses,
    client,
    close: async () => {
      client.destroy();
      ses.close();
      server.close();
      await once(server, 'close');
    },
  };
}

const valid = (): SendEmailCommandInput => ({
  FromEmailAddress: 'PortDesk <porting@portdesk.example.test>',
  Destination: { ToAddresses: ['robin@customer.example.test'] },
  Content: {
    Simple: {
      Subject: { Data: 'Transfer date [PD-pin_0001]', Charset: 'UTF-8' },
      Body: { Text: { Data: 'Plain part', Charset: 'UTF-8' }, Html: { Data: '<p>HTML part</p>', Charset: 'UTF-8' } },
    },
  },
});

async function badRequest(client: SESv2Client, input: SendEmailCommandInput): Promise<BadRequestException> {
  const error = await client.send(new SendEmailCommand(input)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  const bad = error as BadRequestException;
  expect(bad.name).toBe('BadRequestException');
  expect(bad.$metadata.httpStatusCode).toBe(400);
  return bad;
}

// ---- the relay, against the sink ------------------------------------------------------------------

describe('SES stand-in relaying to SMTP', () => {
  let sink: SmtpSink;
  let standIn: StandIn;

  beforeAll(async () => {
    sink = await startSmtpSink();
    standIn = await startStandIn(sink.port);
  });
  afterAll(async () => {
    await standIn.close();
    await sink.close();
  });

  it('accepts SendEmail from the real SDK client, answers a MessageId and relays both parts by SMTP', async () => {
    const input = valid();
    input.Destination = { ToAddresses: ['robin@customer.example.test'], CcAddresses: ['ops@portdesk.example.test'], BccAddresses: ['audit@portdesk.example.test'] };
    input.ReplyToAddresses = ['intake@portdesk.example.test'];
    input.ConfigurationSetName = 'portdesk-local';
    const result = await standIn.client.send(new SendEmailCommand(input));
    expect(result.MessageId).toMatch(/^[0-9a-f]+-[0-9a-f-]{36}-000000$/);
    const message = await sink.next();
    expect(message.from).toBe('porting@portdesk.example.test');
    expect([...message.to].sort()).toEqual(['audit@portdesk.example.test', 'ops@portdesk.example.test', 'robin@customer.example.test']);
    expect(header(message.data, 'Subject')).toBe('Transfer date [PD-pin_0001]');
    expect(header(message.data, 'To')).toBe('robin@customer.example.test');
    expect(header(message.data, 'Cc')).toBe('ops@portdesk.example.test');
    expect(header(message.data, 'Bcc')).toBeNull(); // Bcc is envelope only
    expect(header(message.data, 'Reply-To')).toBe('intake@portdesk.example.test');
    expect(header(message.data, 'Message-ID')).toBe(`<${result.MessageId}@ap-southeast-2.amazonses.com>`);
    expect(header(message.data, 'Content-Type')).toMatch(/^multipart\/alternative/);
    expect(message.data).toContain('Plain part');
    expect(message.data).toContain('<p>HTML part</p>');
  });

  it('the SES mailer sends a composed email with UTF-8 content and the reference header', async () => {
    const mailer = createSesMailer({ from: 'PortDesk <porting@portdesk.example.test>', client: standIn.client, configurationSet: 'portdesk-local' });
    const { messageId } = await mailer.send({
      to: ['camille@client.example.test'],
      subject: 'Date de portage : jeudi 3 décembre 2026 [PD-pin_0002]',
      text: 'Votre numéro sera porté le jeudi 3 décembre 2026. Frais : 20,00 €',
      html: '<p>Votre numéro sera porté le <strong>jeudi 3 décembre 2026</strong>.</p>',
      reference: 'PD-pin_0002',
    });
    expect(messageId).not.toBe('');
    const message = await sink.next();
    expect(message.to).toEqual(['camille@client.example.test']);
    // Non-ASCII subject travels as an RFC 2047 encoded word, in UTF-8.
    expect(header(message.data, 'Subject')).toMatch(/=\?UTF-8\?/i);
    expect(header(message.data, REFERENCE_HEADER)).toBe('PD-pin_0002');
    expect(message.data).toMatch(/charset=utf-8/i);
  });

  it('the SES mailer passes its Reply-To and configuration set, and refuses an email without recipients', async () => {
    const mailer = createSesMailer({
      from: 'porting@portdesk.example.test',
      replyTo: ['intake@portdesk.example.test'],
      configurationSet: 'portdesk-local',
      client: standIn.client,
    });
    await mailer.send({ to: ['ops@portdesk.example.test'], subject: 'Port-in overdue [PD-pin_0005]', text: 'Overdue', html: '<p>Overdue</p>' });
    const message = await sink.next();
    expect(header(message.data, 'From')).toBe('porting@portdesk.example.test');
    expect(header(message.data, 'Reply-To')).toBe('intake@portdesk.example.test');
    expect(header(message.data, REFERENCE_HEADER)).toBeNull();
    await expect(mailer.send({ to: [], subject: 'x', text: 'x', html: 'x' })).rejects.toThrow(/at least one recipient/);
  });

  it('refuses a request without From, recipients, subject or body with the SDK BadRequestException', async () => {
    const noFrom = valid();
    delete noFrom.FromEmailAddress;
    expect((await badRequest(standIn.client, noFrom)).message).toBe('Missing required field FromEmailAddress.');

    const noRecipients = valid();
    noRecipients.Destination = { ToAddresses: [] };
    expect((await badRequest(standIn.client, noRecipients)).message).toMatch(/at least one recipient/);

    const noSubject = valid();
    noSubject.Content = { Simple: { Subject: { Data: '' }, Body: { Text: { Data: 'x' } } } };
    expect((await badRequest(standIn.client, noSubject)).message).toMatch(/Subject/);

    const noBody = valid();
    noBody.Content = { Simple: { Subject: { Data: 'x' }, Body: {} } };
    expect((await badRequest(standIn.client, noBody)).message).toMatch(/Text, Html or both/);

    const badAddress = valid();
    badAddress.Destination = { ToAddresses: ['not-an-address'] };
    expect((await badRequest(standIn.client, badAddress)).message).toMatch(/Illegal address in Destination.ToAddresses\[0\]/);

    const tooMany = valid();
    tooMany.Destination = { ToAddresses: Array.from({ length: 51 }, (_, i) => `r${i}@customer.example.test`) };
    expect((await badRequest(standIn.client, tooMany)).message).toMatch(/exceeds 50/);

    const injected = valid();
    injected.Content = { Simple: { ...valid().Content!.Simple!, Headers: [{ Name: 'X-Test', Value: 'a\r\nBcc: evil@example.test' }] } };
    expect((await badRequest(standIn.client, injected)).message).toMatch(/line breaks/);

    const raw = valid();
    raw.Content = { Raw: { Data: new TextEncoder().encode('Subject: x\r\n\r\nbody') } };
    expect((await badRequest(standIn.client, raw)).message).toMatch(/Simple content only/);

    expect(sink.messages.length).toBe(3); // nothing refused was relayed
  });

  it('leaves other SES operations to the server (unknown operation)', async () => {
    const res = await fetch(`${standIn.endpoint}/v2/email/identities`, { method: 'GET' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});

// ---- end to end with MailDev (a dev dependency) --------------------------------------------------------

describe('SES stand-in -> MailDev mail catcher', () => {
  let dir: string;
  let catcher: MailCatcher;
  let standIn: StandIn;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portdesk-mail-'));
    catcher = await startMailCatcher({ smtpPort: 0, webPort: 0, mailDirectory: dir });
    standIn = await startStandIn(catcher.smtpPort);
  });
  afterAll(async () => {
    await standIn?.close();
    await catcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await catcher.clear();
  });

  it('list() shows what the SES mailer sent, decoded', async () => {
    const mailer = createSesMailer({ from: 'PortDesk <porting@portdesk.example.test>', client: standIn.client });
    await mailer.send({
      to: ['camille@client.example.test'],
      subject: 'Portabilité terminée : 3 numéros actifs [PD-pin_0003]',
      text: 'La portabilité de vos 3 numéros est terminée.',
      html: '<p>La portabilité de vos 3 numéros est terminée.</p>',
      reference: 'PD-pin_0003',
    });
    const mail = await catcher.list();
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      to: ['camille@client.example.test'],
      subject: 'Portabilité terminée : 3 numéros actifs [PD-pin_0003]',
    });
    expect(mail[0]!.text).toContain('La portabilité de vos 3 numéros est terminée.');
    expect(Number.isNaN(Date.parse(mail[0]!.sentAt))).toBe(false);
    const inbox = await fetch(catcher.webUrl, { headers: { accept: 'text/html' } }); // a browser's request
    expect(inbox.status).toBe(200);
  });

  it('keeps mail in its directory across a restart, and clear() empties it', async () => {
    const mailer = createSesMailer({ from: 'porting@portdesk.example.test', client: standIn.client });
    await mailer.send({ to: ['ops@portdesk.example.test'], subject: 'Port-in overdue [PD-pin_0004]', text: 'Overdue', html: '<p>Overdue</p>' });
    await standIn.close();
    await catcher.close();
    catcher = await startMailCatcher({ smtpPort: 0, webPort: 0, mailDirectory: dir });
    standIn = await startStandIn(catcher.smtpPort);
    expect((await catcher.list()).map((m) => m.subject)).toEqual(['Port-in overdue [PD-pin_0004]']);
    await catcher.clear();
    expect(await catcher.list()).toEqual([]);
  });
});
