// The local SES stand-in: answers the SES API v2 call SendEmail (`POST /v2/email/outbound-emails`,
// restJson1, exactly as @aws-sdk/client-sesv2 sends it), checks the request as SES would (400
// BadRequestException with a message), and relays the message by SMTP to the local mail catcher.
// Simple content only: PortDesk sends nothing else (Raw and Template are refused with a 400 that says
// so). Signatures and configuration sets are not checked. Bodies are never logged.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { AwsEndpoint } from './endpoint.ts';

export const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
/** SES's limit on recipients (To, Cc and Bcc together) of one message. */
export const MAX_RECIPIENTS = 50;
const CHARSETS = new Set(['utf-8', 'utf8', 'iso-8859-1', 'us-ascii', 'shift_jis']);

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
}

/** A request SES would refuse with 400 BadRequestException. */
export class BadRequest extends Error {}

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
  return { from, to, cc, bcc, replyTo, subject, text, html, headers };
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
