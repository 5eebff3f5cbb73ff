// The local SES stand-in: answers the SES API v2 call SendEmail (`POST /v2/email/outbound-emails`,
// restJson1, exactly as @aws-sdk/client-sesv2 sends it), checks the request as SES would (400
// BadRequestException, or MessageRejected for content SES will not send, with a message), and relays
// the message by SMTP to the local mail catcher. Simple content only, with its `Attachments` (the
// bytes arrive base64 in the JSON and are relayed as MIME parts, so they show in the catcher): PortDesk
// sends nothing else (Raw and Template are refused with a 400 that says so). Signatures and
// configuration sets are not checked. Bodies and attachments are never logged.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { AwsEndpoint } from './endpoint.ts';

export const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
/** SES's limit on recipients (To, Cc and Bcc together) of one message. */
export const MAX_RECIPIENTS = 50;
const CHARSETS = new Set(['utf-8', 'utf8', 'iso-8859-1', 'us-ascii', 'shift_jis']);
/** SES's limit on a message's size, attachments included once encoded (the stand-in counts the encoded content). */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/** Extensions SES refuses to send as attachments (SES developer guide, "Unsupported attachment types"). */
const UNSUPPORTED_EXTENSIONS = new Set(
  (
    'ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp its js jse ksh lib lnk mad maf mag mam maq ' +
    'mar mas mat mau mav maw mda mdb mde mdt mdw mdz msc msh msh1 msh2 mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf ' +
    'scr sct shb shs sys ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros vss vst vsw vxd ws wsc wsf wsh xnk'
  ).split(' '),
);
const DISPOSITIONS = { ATTACHMENT: 'attachment', INLINE: 'inline' } as const;
const TRANSFER_ENCODINGS = { BASE64: 'base64', QUOTED_PRINTABLE: 'quoted-printable', SEVEN_BIT: '7bit' } as const;

export interface SesStandInOptions {
  /** The SMTP server to relay to: the mail catcher. Host defaults to 127.0.0.1. */
  smtp: { host?: string; port: number };
  /** Region in the Message-ID domain (`<id>@<region>.amazonses.com`, as SES writes it). */
  region?: string;
  /** Told of each relayed message: ids and counts only, never addresses' content or bodies. */
  onSent?: (info: { messageId: string; recipients: number }) => void;
}

export interface SesStandIn extends AwsEndpoint {
  /** Closes the SMTP connection pool. */
  close(): void;
}

/** What SendEmail needs of a request, once checked. */
export interface CheckedEmail {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
  headers: Array<{ key: string; value: string }>;
  attachments: CheckedAttachment[];
}

/** One `Content.Simple.Attachments` entry, checked and decoded. */
export interface CheckedAttachment {
  filename: string;
  /** Absent: the catcher's relay derives it from the file name, as SES does. */
  contentType: string | undefined;
  disposition: 'attachment' | 'inline';
  contentId: string | undefined;
  description: string | undefined;
  transferEncoding: 'base64' | 'quoted-printable' | '7bit';
  content: Buffer;
}

/** A request SES would refuse with 400 BadRequestException. */
export class BadRequest extends Error {}

/** A well-formed request whose content SES will not send (400 MessageRejected). */
export class MessageRejected extends Error {}

export function createSesEndpoint(options: SesStandInOptions): SesStandIn {
  const region = options.region ?? 'ap-southeast-2';
  const transport = nodemailer.createTransport({
    host: options.smtp.host ?? '127.0.0.1',
    port: options.smtp.port,
    secure: false,
    // The catcher's STARTTLS (if offered) has a self-signed certificate; plain SMTP on loopback is enough.
    ignoreTLS: true,
    pool: true,
    maxConnections: 2,
  });
  return {
    service: 'ses',
    matches(req: IncomingMessage): boolean {
      return req.method === 'POST' && pathOf(req) === SEND_EMAIL_PATH;
    },
    async handle(_req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
      let email: CheckedEmail;
      try {
        email = checkSendEmail(parseJson(body));
      } catch (error) {
        if (error instanceof BadRequest) return sendRestJsonError(res, 400, 'BadRequestException', error.message);
        if (error instanceof MessageRejected) return sendRestJsonError(res, 400, 'MessageRejected', error.message);
        throw error;
      }
      const id = `0108${Date.now().toString(16)}-${randomUUID()}-000000`;
      await transport.sendMail({
        from: email.from,
        to: email.to,
        cc: email.cc,
        bcc: email.bcc,
        replyTo: email.replyTo,
        subject: email.subject,
        ...(email.text !== undefined ? { text: email.text } : {}),
        ...(email.html !== undefined ? { html: email.html } : {}),
        headers: email.headers,
        // Content as bytes only (never `path` or `href`): the relay reads nothing from disk or network.
        attachments: email.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
          contentDisposition: a.disposition,
          ...(a.contentId !== undefined ? { cid: a.contentId } : {}),
          ...(a.description !== undefined ? { headers: { 'Content-Description': a.description } } : {}),
          contentTransferEncoding: a.transferEncoding,
        })),
        messageId: `<${id}@${region}.amazonses.com>`,
      });
      options.onSent?.({ messageId: id, recipients: email.to.length + email.cc.length + email.bcc.length });
      sendRestJson(res, { MessageId: id });
    },
    close(): void {
      transport.close();
    },
  };
}

const pathOf = (req: IncomingMessage): string => (req.url ?? '').split('?')[0] ?? '';

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
  } catch {
    throw new BadRequest('The request body is not valid JSON.');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One mailbox (`a@b` or `Name <a@b>`), as SES accepts it; throws BadRequest naming the field. */
function mailbox(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequest(`${field} must be an email address.`);
  if (/[\r\n]/.test(value)) throw new BadRequest(`Illegal address in ${field}: line breaks are not allowed.`);
  const parsed = addressparser(value, { flatten: true });
  const address = parsed.length === 1 ? parsed[0]?.address : undefined;
  if (!address || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) throw new BadRequest(`Illegal address in ${field}: ${JSON.stringify(value)}.`);
  return value;
}

function mailboxes(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequest(`${field} must be a list of email addresses.`);
  return value.map((v, i) => mailbox(v, `${field}[${i}]`));
}

/** A `{ Data, Charset }` content member of Simple content. */
function content(value: unknown, field: string, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new BadRequest(`Missing required field ${field}.`);
    return undefined;
  }
  if (!isObject(value) || typeof value.Data !== 'string') throw new BadRequest(`${field}.Data must be a string.`);
  if (value.Charset !== undefined && (typeof value.Charset !== 'string' || !CHARSETS.has(value.Charset.toLowerCase()))) {
    throw new BadRequest(`Unsupported charset ${JSON.stringify(value.Charset)} in ${field}.Charset.`);
  }
  return value.Data;
}

/** The SendEmail request as SES checks it: what a valid Simple message must have. */
export function checkSendEmail(request: unknown): CheckedEmail {
  if (!isObject(request)) throw new BadRequest('The request body must be a JSON object.');
  const body = request;
  if (!isObject(body.Content)) throw new BadRequest('Missing required field Content.');
  const kinds = ['Simple', 'Raw', 'Template'].filter((k) => (body.Content as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1) throw new BadRequest('Content must contain exactly one of Simple, Raw or Template.');
  if (kinds[0] !== 'Simple') throw new BadRequest(`The local SES stand-in supports Simple content only, not ${kinds[0]}.`);
  const simple = body.Content.Simple;
  if (!isObject(simple)) throw new BadRequest('Content.Simple must be an object.');

  if (body.FromEmailAddress === undefined || body.FromEmailAddress === null || body.FromEmailAddress === '') {
    throw new BadRequest('Missing required field FromEmailAddress.');
  }
  const from = mailbox(body.FromEmailAddress, 'FromEmailAddress');
  const destination = body.Destination;
  if (destination !== undefined && !isObject(destination)) throw new BadRequest('Destination must be an object.');
  const to = mailboxes(destination?.ToAddresses, 'Destination.ToAddresses');
  const cc = mailboxes(destination?.CcAddresses, 'Destination.CcAddresses');
  const bcc = mailboxes(destination?.BccAddresses, 'Destination.BccAddresses');
  const recipients = to.length + cc.length + bcc.length;
  if (recipients === 0) throw new BadRequest('Missing required field Destination: the message needs at least one recipient.');
  if (recipients > MAX_RECIPIENTS) throw new BadRequest(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  const replyTo = mailboxes(body.ReplyToAddresses, 'ReplyToAddresses');

  const subject = content(simple.Subject, 'Content.Simple.Subject', true) as string;
  if (subject.trim() === '') throw new BadRequest('Content.Simple.Subject.Data must not be empty.');
  if (!isObject(simple.Body)) throw new BadRequest('Missing required field Content.Simple.Body.');
  const text = content(simple.Body.Text, 'Content.Simple.Body.Text', false);
  const html = content(simple.Body.Html, 'Content.Simple.Body.Html', false);
  if (text === undefined && html === undefined) throw new BadRequest('Content.Simple.Body must contain Text, Html or both.');

  const headers: CheckedEmail['headers'] = [];
  if (simple.Headers !== undefined) {
    if (!Array.isArray(simple.Headers)) throw new BadRequest('Content.Simple.Headers must be a list.');
    for (const [i, h] of simple.Headers.entries()) {
      if (!isObject(h) || typeof h.Name !== 'string' || typeof h.Value !== 'string') {
        throw new BadRequest(`Content.Simple.Headers[${i}] needs a Name and a Value.`);
      }
      // A header name is printable ASCII without a colon; a value never holds a line break (no injection).
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(h.Name)) throw new BadRequest(`Invalid header name ${JSON.stringify(h.Name)}.`);
      if (/[\r\n]/.test(h.Value)) throw new BadRequest(`Invalid value for header ${h.Name}: line breaks are not allowed.`);
      headers.push({ key: h.Name, value: h.Value });
    }
  }

  const attachments = checkAttachments(simple.Attachments);
  const encoded =
    [subject, text ?? '', html ?? ''].reduce((sum, part) => sum + Buffer.byteLength(part), 0) +
    attachments.reduce((sum, a) => sum + Math.ceil(a.content.length / 3) * 4, 0);
  if (encoded > MAX_MESSAGE_BYTES) throw new MessageRejected(`Message length is more than ${MAX_MESSAGE_BYTES} bytes long: ${encoded}.`);
  return { from, to, cc, bcc, replyTo, subject, text, html, headers, attachments };
}

/** An optional string member of an attachment, within SES's length limits. */
function optionalString(value: unknown, field: string, min: number, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequest(`${field} must be a string.`);
  if (value.length < min || value.length > max) throw new BadRequest(`${field} must be between ${min} and ${max} characters long.`);
  if (/[\r\n]/.test(value)) throw new BadRequest(`Invalid ${field}: line breaks are not allowed.`);
  return value;
}

/** `Content.Simple.Attachments` as SES checks it (API reference, Attachment). */
function checkAttachments(value: unknown): CheckedAttachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadRequest('Content.Simple.Attachments must be a list.');
  return value.map((a: unknown, i): CheckedAttachment => {
    const field = `Content.Simple.Attachments[${i}]`;
    if (!isObject(a)) throw new BadRequest(`${field} must be an object.`);
    if (a.FileName === undefined || a.FileName === null || a.FileName === '') throw new BadRequest(`Missing required field ${field}.FileName.`);
    const filename = optionalString(a.FileName, `${field}.FileName`, 1, 255) as string;
    const extension = /\.([^.]+)$/.exec(filename)?.[1]?.toLowerCase();
    if (extension !== undefined && UNSUPPORTED_EXTENSIONS.has(extension)) {
      throw new MessageRejected(`Attachment ${JSON.stringify(filename)}: SES does not send .${extension} files.`);
    }
    if (a.RawContent === undefined || a.RawContent === null) throw new BadRequest(`Missing required field ${field}.RawContent.`);
    // restJson1 carries a blob as base64 text.
    if (typeof a.RawContent !== 'string' || a.RawContent.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(a.RawContent)) {
      throw new BadRequest(`${field}.RawContent must be base64-encoded.`);
    }
    const disposition = a.ContentDisposition ?? 'ATTACHMENT';
    if (typeof disposition !== 'string' || !Object.hasOwn(DISPOSITIONS, disposition)) {
      throw new BadRequest(`Invalid ${field}.ContentDisposition ${JSON.stringify(disposition)}: ATTACHMENT or INLINE.`);
    }
    const encoding = a.ContentTransferEncoding ?? 'SEVEN_BIT';
    if (typeof encoding !== 'string' || !Object.hasOwn(TRANSFER_ENCODINGS, encoding)) {
      throw new BadRequest(`Invalid ${field}.ContentTransferEncoding ${JSON.stringify(encoding)}: BASE64, QUOTED_PRINTABLE or SEVEN_BIT.`);
    }
    const content = Buffer.from(a.RawContent, 'base64');
    let transferEncoding: CheckedAttachment['transferEncoding'] = TRANSFER_ENCODINGS[encoding as keyof typeof TRANSFER_ENCODINGS];
    // 7-bit cannot carry 8-bit bytes or long lines; the relay falls back to base64 so the catcher shows the file intact.
    if (transferEncoding === '7bit' && !isSevenBitText(content)) transferEncoding = 'base64';
    return {
      filename,
      contentType: optionalString(a.ContentType, `${field}.ContentType`, 1, 78),
      disposition: DISPOSITIONS[disposition as keyof typeof DISPOSITIONS],
      contentId: optionalString(a.ContentId, `${field}.ContentId`, 1, 78),
      description: optionalString(a.ContentDescription, `${field}.ContentDescription`, 0, 1000),
      transferEncoding,
      content,
    };
  });
}

/** ASCII without NUL, lines of at most 998 bytes (RFC 5322). */
function isSevenBitText(content: Buffer): boolean {
  let line = 0;
  for (const byte of content) {
    if (byte === 0 || byte > 0x7f) return false;
    line = byte === 0x0a ? 0 : line + 1;
    if (line > 998) return false;
  }
  return true;
}

/** A restJson1 error as AWS services send it: the SDK maps the error type header to its exception class. */
function sendRestJsonError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendRestJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
