// The event SES gives a receipt rule's Lambda action (invocation type Event), built from a raw
// message and its SMTP envelope. The local SMTP intake (local/smtp-intake.ts) hands it to the intake
// handler; tests build the same event with other verdicts (a virus, SPF and DKIM failing, ...).
//
// The shape follows SES's documented Lambda event (docs: "Sample incoming email event", Lambda
// action) and @types/aws-lambda's SESEvent:
//   Records[0].eventSource 'aws:ses', eventVersion '1.0'
//   ses.mail     timestamp (received), source (envelope MAIL FROM), messageId (SES's own id; the S3
//                object key after the action's prefix), destination (To and Cc of the headers),
//                headersTruncated (headers over 10 KB), headers[] (SES's trace headers first, then
//                the message's, unfolded, as sent), commonHeaders {returnPath, from, date, to, cc,
//                bcc, sender, replyTo, messageId, subject} (those the message has; subject decoded)
//   ses.receipt  timestamp (action triggered), processingTimeMillis, recipients (envelope RCPT TO
//                the rule matched), spam/virus/spf/dkim/dmarc verdicts {status}, dmarcPolicy (only
//                when DMARC failed), action {type 'Lambda', functionArn, invocationType}
// SES also prepends its trace headers to the message it stores in S3; the local intake stores the
// bytes exactly as received and lists the trace headers in the event only.
import { randomBytes } from 'node:crypto';
import type { SESEvent, SESMail, SESMailCommonHeaders, SESMailHeader, SESReceipt } from 'aws-lambda';
import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import type { ReceiptVerdicts, Verdict } from '../../shared/rules/email/types.ts';

/** SES's limit on an incoming message, headers included: larger ones are refused at SMTP (552). */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/** SES truncates the event's header list past this (and says so in `headersTruncated`). */
export const SES_HEADERS_LIMIT_BYTES = 10 * 1024;

/**
 * What the local path reports. No spam or virus scanner runs here: DISABLED, what SES reports when
 * a rule does not scan. There is no DNS, so SPF and DKIM are reported passed (the sender-domain rule
 * still decides who may act) and DMARC, which needs the sender's published policy, GRAY.
 */
export const LOCAL_VERDICTS: Readonly<ReceiptVerdicts> = { spam: 'DISABLED', virus: 'DISABLED', spf: 'PASS', dkim: 'PASS', dmarc: 'GRAY' };

/** The function ARN the local events name (an account id that is no real account's). */
export const LOCAL_INTAKE_FUNCTION_ARN = 'arn:aws:lambda:ap-southeast-2:000000000000:function:portdesk-email-intake';

export interface SesReceiptInput {
  /** The message as received: its headers are read from it. */
  raw: Buffer;
  /** SES's id of the message (`newSesMessageId()`); the raw message is stored under `inbound/<messageId>`. */
  messageId: string;
  /** Envelope MAIL FROM (empty for the null sender of bounces). */
  mailFrom: string;
  /** Envelope RCPT TO addresses the rule matched. */
  recipients: string[];
  /** When the message was received. */
  receivedAt: Date;
  /** From receipt to the action (default 0). */
  processingTimeMillis?: number;
  /** Verdicts to report; those not given are LOCAL_VERDICTS'. */
  verdicts?: Partial<ReceiptVerdicts>;
  /** The sender domain's DMARC policy: SES reports it only when DMARC failed. */
  dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  functionArn?: string;
  invocationType?: 'Event' | 'RequestResponse';
  /** The receiving host named in the Received trace header. */
  receivedBy?: string;
  /** The SMTP client: its address and HELO name (Received, Received-SPF). */
  client?: { address?: string; helo?: string };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** An id in the form of SES's inbound message ids: 40 lower-case letters and digits (200 random bits). */
export function newSesMessageId(): string {
  const bytes = randomBytes(40);
  let id = '';
  for (const b of bytes) id += BASE32[b & 31];
  return id;
}

/** The SES Lambda-action event for one received message. */
export async function sesReceiptEvent(input: SesReceiptInput): Promise<SESEvent> {
  const verdicts: ReceiptVerdicts = { ...LOCAL_VERDICTS, ...input.verdicts };
  const processingTimeMillis = input.processingTimeMillis ?? 0;
  const head = headerBlock(input.raw);
  const parsed = await simpleParser(head, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const messageHeaders: SESMailHeader[] = parsed.headerLines.map(({ line }) => {
    const colon = line.indexOf(':');
    return { name: line.slice(0, colon).trim(), value: unfold(line.slice(colon + 1)) };
  });
  const rawValue = (name: string) => messageHeaders.find((h) => h.name.toLowerCase() === name)?.value;

  const { headers, truncated } = limitHeaders([...traceHeaders(input, verdicts), ...messageHeaders]);
  const to = addresses(parsed.to);
  const cc = addresses(parsed.cc);
  const commonHeaders: Partial<SESMailCommonHeaders> & { returnPath: string } = { returnPath: input.mailFrom };
  if (parsed.from) commonHeaders.from = rendered(parsed.from);
  commonHeaders.date = rawValue('date') ?? input.receivedAt.toUTCString();
  if (parsed.to) commonHeaders.to = rendered(parsed.to);
  if (parsed.cc) commonHeaders.cc = rendered(parsed.cc);
  if (parsed.bcc) commonHeaders.bcc = rendered(parsed.bcc);
  const sender = parsed.headers.get('sender') as AddressObject | undefined;
  if (sender?.value) commonHeaders.sender = rendered(sender);
  if (parsed.replyTo) commonHeaders.replyTo = rendered(parsed.replyTo);
  const messageIdHeader = rawValue('message-id');
  if (messageIdHeader !== undefined) commonHeaders.messageId = messageIdHeader;
  if (parsed.subject !== undefined) commonHeaders.subject = parsed.subject;

  const mail: SESMail = {
    timestamp: input.receivedAt.toISOString(),
    source: input.mailFrom,
    messageId: input.messageId,
    // The To and Cc addresses of the headers; the envelope's when the headers name none (Bcc only).
    destination: [...to, ...cc].length > 0 ? [...to, ...cc] : [...input.recipients],
    headersTruncated: truncated,
    headers,
    // Only the headers the message has; Date falls back to the receipt time (SES documents commonHeaders.date as such).
    commonHeaders: commonHeaders as SESMailCommonHeaders,
  };
  const receipt: SESReceipt = {
    timestamp: new Date(input.receivedAt.getTime() + processingTimeMillis).toISOString(),
    processingTimeMillis,
    recipients: [...input.recipients],
    spamVerdict: { status: verdicts.spam },
    virusVerdict: { status: verdicts.virus },
    spfVerdict: { status: verdicts.spf },
    dkimVerdict: { status: verdicts.dkim },
    dmarcVerdict: { status: verdicts.dmarc },
    ...(verdicts.dmarc === 'FAIL' && input.dmarcPolicy ? { dmarcPolicy: input.dmarcPolicy } : {}),
    action: { type: 'Lambda', functionArn: input.functionArn ?? LOCAL_INTAKE_FUNCTION_ARN, invocationType: input.invocationType ?? 'Event' },
  };
  return { Records: [{ eventSource: 'aws:ses', eventVersion: '1.0', ses: { mail, receipt } }] };
}

/** The header section of a message with its terminating blank line (at most 1 MB, mailparser's limit). */
function headerBlock(raw: Buffer): Buffer {
  const limit = Math.min(raw.length, 1024 * 1024);
  const window = raw.subarray(0, limit);
  if (window.length > 0 && (window[0] === 0x0a || (window[0] === 0x0d && window[1] === 0x0a))) return Buffer.from('\r\n');
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  const ends = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((e) => e > 0);
  if (ends.length > 0) return raw.subarray(0, Math.min(...ends));
  return Buffer.concat([window, Buffer.from('\r\n\r\n')]);
}

const unfold = (value: string): string => value.replace(/\r?\n(?=[ \t])/g, '').replace(/[\r\n]+$/, '').trim();

/** The headers SES adds in front of the message's (as its events list them), for these verdicts. */
function traceHeaders(input: SesReceiptInput, verdicts: ReceiptVerdicts): SESMailHeader[] {
  const by = input.receivedBy ?? 'inbound-smtp.portdesk.local';
  const client = input.client?.address ?? '127.0.0.1';
  const helo = input.client?.helo ?? 'localhost';
  const from = input.mailFrom;
  const fromDomain = from.includes('@') ? from.slice(from.lastIndexOf('@') + 1) : helo;
  const recipient = input.recipients[0] ?? '';
  const spf = authResult(verdicts.spf);
  const headers: SESMailHeader[] = [
    { name: 'Return-Path', value: `<${from}>` },
    {
      name: 'Received',
      value: `from ${helo} (${helo} [${client}]) by ${by} with SMTP id ${input.messageId} for ${recipient}; ${rfc2822(input.receivedAt)}`,
    },
  ];
  // SES adds the scan verdicts only when the rule scans.
  if (verdicts.spam !== 'DISABLED') headers.push({ name: 'X-SES-Spam-Verdict', value: verdicts.spam });
  if (verdicts.virus !== 'DISABLED') headers.push({ name: 'X-SES-Virus-Verdict', value: verdicts.virus });
  headers.push(
    { name: 'Received-SPF', value: `${spf} (spfCheck: ${by} reports ${verdicts.spf} for ${fromDomain}) client-ip=${client}; envelope-from=${from}; helo=${helo};` },
    {
      name: 'Authentication-Results',
      value: `${by}; spf=${spf} client-ip=${client}; envelope-from=${from}; helo=${helo}; dkim=${authResult(verdicts.dkim)} header.i=@${fromDomain}; dmarc=${authResult(verdicts.dmarc)} header.from=${fromDomain};`,
    },
  );
  return headers;
}

/** An Authentication-Results word (RFC 8601) for a verdict. */
function authResult(verdict: Verdict): string {
  switch (verdict) {
    case 'PASS':
      return 'pass';
    case 'FAIL':
      return 'fail';
    case 'PROCESSING_FAILED':
      return 'temperror';
    case 'GRAY':
    case 'DISABLED':
      return 'none';
  }
}

/** `Mon, 05 Aug 2019 21:30:02 +0000 (UTC)`, as SES's Received header dates. */
function rfc2822(at: Date): string {
  return at.toUTCString().replace(/GMT$/, '+0000 (UTC)');
}

/** Headers in order while they fit SES's 10 KB; the rest is cut and `headersTruncated` set. */
function limitHeaders(all: SESMailHeader[]): { headers: SESMailHeader[]; truncated: boolean } {
  const kept: SESMailHeader[] = [];
  let bytes = 0;
  for (const header of all) {
    bytes += Buffer.byteLength(header.name) + Buffer.byteLength(header.value) + 4;
    if (bytes > SES_HEADERS_LIMIT_BYTES) return { headers: kept, truncated: true };
    kept.push(header);
  }
  return { headers: kept, truncated: false };
}

type AddressField = AddressObject | AddressObject[] | undefined;

function flatten(field: AddressField): EmailAddress[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a]));
}

/** Bare addresses of an address header. */
const addresses = (field: AddressField): string[] => flatten(field).flatMap((a) => (a.address ? [a.address] : []));

/** Each address as SES's commonHeaders write it: `Name <address>` (name quoted when it must be), or the bare address. */
function rendered(field: AddressField): string[] {
  return flatten(field).flatMap((a) => {
    if (!a.address) return [];
    if (!a.name) return [a.address];
    const name = /[()<>[\]:;@\\,."]/.test(a.name) ? `"${a.name.replace(/(["\\])/g, '\\$1')}"` : a.name;
    return [`${name} <${a.address}>`];
  });
}
