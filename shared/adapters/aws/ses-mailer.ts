// The Mailer port on Amazon SES (API v2, SendEmail with Simple content). Locally the same code talks
// to the SES stand-in (local/aws/ses.ts) through SES_ENDPOINT, which relays to the mail catcher.
// Attachments are read from the blob store when the email is sent (the outbox item only names them)
// and go as Simple content `Attachments`. Never log an email's text, HTML or attachments: a carrier
// request holds the customer's PIN, and its attachments are the customer's documents.
import { SESv2Client, SendEmailCommand, type Attachment, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { BlobStore, EmailMessage, Mailer } from '../../app/ports.ts';

/** Custom header carrying our `PD-<order id>` reference (SES sets the Message-ID itself). */
export const REFERENCE_HEADER = 'X-PortDesk-Reference';

/**
 * SES refuses a message above 40 MB, attachments included, counted once encoded. Read as 40,000,000
 * bytes (the smaller reading of "MB"), so what we let through SES accepts.
 */
export const SES_MAX_MESSAGE_BYTES = 40_000_000;
/** Allowance for the headers and MIME part headers around the content we can measure. */
const MIME_OVERHEAD_BYTES = 16 * 1024;
const PART_OVERHEAD_BYTES = 512;

/** Thrown before calling SES when the message would exceed its size limit: retrying will not help. */
export class EmailTooLargeError extends Error {
  override readonly name = 'EmailTooLargeError';
  readonly estimatedBytes: number;
  constructor(estimatedBytes: number, attachmentCount: number) {
    super(
      `The email with its ${attachmentCount} attachment(s) would be about ${megabytes(estimatedBytes)} MB once encoded; ` +
        `SES accepts at most ${megabytes(SES_MAX_MESSAGE_BYTES)} MB. Nothing was sent.`,
    );
    this.estimatedBytes = estimatedBytes;
  }
}

const megabytes = (bytes: number): string => (bytes / 1_000_000).toFixed(1);

/** Size of `bytes` in base64 with a line break every 76 characters, as MIME carries it. */
export function base64MimeBytes(bytes: number): number {
  const encoded = Math.ceil(bytes / 3) * 4;
  return encoded + 2 * Math.ceil(encoded / 76);
}

export interface SesMailerOptions {
  /** From address, a verified SES identity, e.g. `PortDesk <porting@portdesk.example.test>`. */
  from: string;
  /** Reply-To addresses (e.g. the mailbox email intake reads); none by default. */
  replyTo?: string[];
  /** SES configuration set (event publishing, suppression); none by default. */
  configurationSet?: string;
  /** SES API endpoint (SES_ENDPOINT, the local stand-in); the AWS default when absent. */
  endpoint?: string;
  region?: string;
  /** A client to reuse (tests, or one shared per Lambda); built from endpoint and region otherwise. */
  client?: SESv2Client;
  /** Where attachments' bytes are read from; an email with attachments fails without it. */
  blobs?: BlobStore;
}

export function createSesMailer(options: SesMailerOptions): Mailer {
  if (!options.from.trim()) throw new Error('The SES mailer needs a From address');
  const config: SESv2ClientConfig = {};
  if (options.region) config.region = options.region;
  if (options.endpoint) config.endpoint = options.endpoint;
  const client = options.client ?? new SESv2Client(config);
  const utf8 = (Data: string) => ({ Data, Charset: 'UTF-8' });

  /** Reads each attachment, stopping as soon as the message would be too large for SES. */
  async function attachmentsOf(email: EmailMessage): Promise<Attachment[]> {
    const wanted = email.attachments ?? [];
    if (wanted.length === 0) return [];
    if (!options.blobs) throw new Error(`The SES mailer has no blob store: it cannot attach ${wanted.length} file(s)`);
    // Bodies counted as base64 too: SES may encode them so, and it is the larger bound.
    let estimate =
      MIME_OVERHEAD_BYTES + base64MimeBytes(Buffer.byteLength(email.subject) + Buffer.byteLength(email.text) + Buffer.byteLength(email.html));
    const attachments: Attachment[] = [];
    for (const file of wanted) {
      const content = await options.blobs.get(file.blobKey);
      estimate += PART_OVERHEAD_BYTES + Buffer.byteLength(file.filename) + base64MimeBytes(content.length);
      if (estimate > SES_MAX_MESSAGE_BYTES) throw new EmailTooLargeError(estimate, wanted.length);
      attachments.push({
        RawContent: content,
        FileName: file.filename,
        ContentType: file.contentType,
        ContentDisposition: 'ATTACHMENT',
        // SES's default is 7-bit, which would mangle binary files such as PDFs.
        ContentTransferEncoding: 'BASE64',
      });
    }
    return attachments;
  }

  return {
    async send(email: EmailMessage): Promise<{ messageId: string }> {
      if (email.to.length === 0) throw new Error('An email needs at least one recipient');
      const attachments = await attachmentsOf(email);
      const result = await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: email.to },
          ...(options.replyTo?.length ? { ReplyToAddresses: options.replyTo } : {}),
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
          Content: {
            Simple: {
              Subject: utf8(email.subject),
              Body: { Text: utf8(email.text), Html: utf8(email.html) },
              ...(email.reference ? { Headers: [{ Name: REFERENCE_HEADER, Value: email.reference }] } : {}),
              ...(attachments.length > 0 ? { Attachments: attachments } : {}),
            },
          },
        }),
      );
      if (!result.MessageId) throw new Error('SES accepted the email but returned no MessageId');
      return { messageId: result.MessageId };
    },
  };
}

/**
 * The mailer from settings: MAIL_FROM (required), SES_CONFIGURATION_SET, MAIL_REPLY_TO (comma
 * separated), SES_ENDPOINT (local stand-in) and AWS_REGION, all optional. `blobs`: where the
 * attachments are read from.
 */
export function sesMailerFromEnv(env: NodeJS.ProcessEnv = process.env, blobs?: BlobStore): Mailer {
  const from = env.MAIL_FROM;
  if (!from) throw new Error('Missing required setting MAIL_FROM');
  const options: SesMailerOptions = { from };
  const replyTo = (env.MAIL_REPLY_TO ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (replyTo.length > 0) options.replyTo = replyTo;
  if (env.SES_CONFIGURATION_SET) options.configurationSet = env.SES_CONFIGURATION_SET;
  if (env.SES_ENDPOINT) options.endpoint = env.SES_ENDPOINT;
  if (env.AWS_REGION) options.region = env.AWS_REGION;
  if (blobs) options.blobs = blobs;
  return createSesMailer(options);
}
