// The Mailer port on Amazon SES (API v2, SendEmail with Simple content). Locally the same code talks
// to the SES stand-in (local/aws/ses.ts) through SES_ENDPOINT, which relays to the mail catcher.
// Never log an email's text or HTML: a carrier request holds the customer's PIN.
import { SESv2Client, SendEmailCommand, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { EmailMessage, Mailer } from '../../app/ports.ts';

/** Custom header carrying our `PD-<order id>` reference (SES sets the Message-ID itself). */
export const REFERENCE_HEADER = 'X-PortDesk-Reference';

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
}

export function createSesMailer(options: SesMailerOptions): Mailer {
  if (!options.from.trim()) throw new Error('The SES mailer needs a From address');
  const config: SESv2ClientConfig = {};
  if (options.region) config.region = options.region;
  if (options.endpoint) config.endpoint = options.endpoint;
  const client = options.client ?? new SESv2Client(config);
  const utf8 = (Data: string) => ({ Data, Charset: 'UTF-8' });
  return {
    async send(email: EmailMessage): Promise<{ messageId: string }> {
      if (email.to.length === 0) throw new Error('An email needs at least one recipient');
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
 * separated), SES_ENDPOINT (local stand-in) and AWS_REGION, all optional.
 */
export function sesMailerFromEnv(env: NodeJS.ProcessEnv = process.env): Mailer {
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
  return createSesMailer(options);
}
