// Local only: the porting mailbox. An SMTP server on 127.0.0.1 (smtp-server) that stands in for SES
// email receiving and the receipt rule CDK builds (infra/constructs/email-intake.ts):
//   RCPT TO   only the intake address is accepted; anyone else gets 550 (SES: no rule matches)
//   SIZE      announced in EHLO and enforced: a larger message gets 552 (SES refuses over 40 MB)
//   DATA      the raw message is stored at `inbound/<message id>` in the local S3 server (the S3
//             action) and only then answered 250: a message the client was told is accepted is
//             never lost, and one that could not be stored gets 451, so the client keeps it and
//             tries again later
//   then      the intake handler is invoked asynchronously with the SES Lambda-action event for the
//             message (the Lambda action, invocation type Event), retried twice on failure as Lambda
//             retries asynchronous invocations (after 1 and 2 minutes by default); a message whose
//             retries are spent is logged, and its raw copy stays in S3 (in AWS it would go to the
//             function's failure queue)
// No authentication and no TLS: it listens on the loopback interface only, and refuses to start
// elsewhere. Verdicts: LOCAL_VERDICTS (local/aws/ses-receipt.ts).
import { performance } from 'node:perf_hooks';
import type { SESEvent } from 'aws-lambda';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Clock } from '../shared/app/clock.ts';
import type { BlobStore } from '../shared/app/ports.ts';
import type { ReceiptVerdicts } from '../shared/rules/email/types.ts';
import { LOCAL_INTAKE_FUNCTION_ARN, SES_MAX_MESSAGE_BYTES, newSesMessageId, sesReceiptEvent } from './aws/ses-receipt.ts';

export const DEFAULT_SMTP_PORT = 2525;
export const DEFAULT_INTAKE_ADDRESS = 'porting@portdesk.local';
/** Lambda's asynchronous invocation: two retries, the first after about a minute, the second after two more. */
export const LAMBDA_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface SmtpIntakeOptions {
  /** SMTP port (SMTP_PORT, default 2525; 0: any free port, see `port` of the result). */
  port?: number;
  /** Loopback only: 127.0.0.1 by default. */
  host?: string;
  /** The porting mailbox (PORTDESK_INTAKE_ADDRESS, default porting@portdesk.local); case is ignored. */
  intakeAddress?: string;
  /** Largest message accepted, in bytes (SES's 40 MB by default). The intake's own, smaller limit quarantines. */
  maxMessageBytes?: number;
  /** Where raw messages are stored (the local S3 server). */
  blobs: BlobStore;
  /** The bucket `blobs` writes to (named in logs). */
  bucket: string;
  /** The S3 action's key prefix (`inbound/`). */
  rawPrefix?: string;
  /** The intake handler, as the Lambda action invokes it. A rejection counts as a failed invocation. */
  deliver: (event: SESEvent) => Promise<void>;
  /** Receipt timestamps (the service clock, which the local runtime may freeze); real time by default. */
  clock?: Clock;
  /** Verdicts to report instead of LOCAL_VERDICTS (tests, demos). */
  verdicts?: Partial<ReceiptVerdicts>;
  /** The function ARN the event names. */
  functionArn?: string;
  /** Waits before each retry (their number is the number of retries): Lambda's by default. */
  retryDelaysMs?: readonly number[];
  log?: (line: string) => void;
}

export interface SmtpIntake {
  host: string;
  port: number;
  /** The address mail is accepted for. */
  address: string;
  /** Resolves once every message accepted so far was delivered or given up on. */
  idle(): Promise<void>;
  /** Stops listening; deliveries still waiting for a retry are given up (their raw messages stay stored). Safe to call twice. */
  close(): Promise<void>;
}

interface SmtpError extends Error {
  responseCode: number;
}

const smtpError = (responseCode: number, message: string): SmtpError => Object.assign(new Error(message), { responseCode });

export async function startSmtpIntake(options: SmtpIntakeOptions): Promise<SmtpIntake> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The local SMTP intake takes mail without authentication, so it listens on the loopback interface only, not ${host}.`);
  const address = (options.intakeAddress ?? DEFAULT_INTAKE_ADDRESS).trim();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address)) throw new Error(`The intake address ${JSON.stringify(address)} is not an email address.`);
  const maxMessageBytes = options.maxMessageBytes ?? SES_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) throw new Error(`maxMessageBytes must be a positive whole number, not ${maxMessageBytes}.`);
  const rawPrefix = options.rawPrefix ?? 'inbound/';
  const clock = options.clock ?? { now: () => new Date() };
  const retryDelays = options.retryDelaysMs ?? LAMBDA_ASYNC_RETRY_DELAYS_MS;
  const log = options.log ?? (() => undefined);

  const pending = new Set<Promise<void>>();
  const timers = new Set<{ timer: NodeJS.Timeout; giveUp: () => void }>();
  let closed = false;

  /** Invokes the handler, then retries on failure; resolves when delivered or given up. */
  function deliverLater(messageId: string, key: string, makeEvent: () => Promise<SESEvent>, received: number): void {
    const done = (async () => {
      let event: SESEvent;
      try {
        event = await makeEvent();
      } catch (error) {
        log(`[smtp] ${messageId}: could not build the SES event (${describe(error)}); the raw message stays at s3://${options.bucket}/${key}`);
        return;
      }
      const elapsed = Math.round(performance.now() - received);
      for (const record of event.Records) {
        record.ses.receipt.processingTimeMillis = elapsed;
        record.ses.receipt.timestamp = new Date(Date.parse(record.ses.mail.timestamp) + elapsed).toISOString();
      }
      for (let attempt = 0; ; attempt++) {
        try {
          // Every attempt gets the same event, as Lambda's retries do, and a copy of its own.
          await options.deliver(structuredClone(event));
          if (attempt > 0) log(`[smtp] ${messageId}: delivered on retry ${attempt}`);
          return;
        } catch (error) {
          const delay = retryDelays[attempt];
          if (delay === undefined || closed) {
            log(`[smtp] ${messageId}: the intake handler failed ${attempt + 1} time(s), giving up (${describe(error)}); the raw message stays at s3://${options.bucket}/${key}`);
            return;
          }
          log(`[smtp] ${messageId}: the intake handler failed (${describe(error)}); retry ${attempt + 1} in ${delay} ms`);
          const retried = await new Promise<boolean>((resolve) => {
            const entry = {
              timer: setTimeout(() => {
                timers.delete(entry);
                resolve(true);
              }, delay),
              giveUp: () => resolve(false),
            };
            timers.add(entry);
          });
          if (!retried) {
            log(`[smtp] ${messageId}: stopped before retry ${attempt + 1}; the raw message stays at s3://${options.bucket}/${key}`);
            return;
          }
        }
      }
    })();
    pending.add(done);
    void done.finally(() => pending.delete(done));
  }

  const server = new SMTPServer({
    name: 'inbound-smtp.portdesk.local',
    banner: `PortDesk local intake for ${address} (SES stand-in)`,
    size: maxMessageBytes,
    rejectOversized: true,
    // Replies carry RFC 3463 codes (550 5.1.1, 552 5.3.4, ...), as SES's do.
    hideENHANCEDSTATUSCODES: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(recipient, _session, callback) {
      if (recipient.address.trim().toLowerCase() !== address.toLowerCase()) {
        callback(smtpError(550, `<${recipient.address}>: no such mailbox here; PortDesk's intake accepts mail for ${address} only`));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let kept = 0;
      let overflowed = false;
      stream.on('data', (chunk: Buffer) => {
        // Past the limit nothing more is kept: the message is refused at the end anyway.
        overflowed ||= kept + chunk.length > maxMessageBytes;
        if (!overflowed) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      let answered = false;
      stream.once('error', (error) => {
        if (answered) return;
        answered = true;
        callback(smtpError(451, `Could not read the message: ${describe(error)}`));
      });
      stream.once('end', () => {
        if (answered) return;
        answered = true;
        if (stream.sizeExceeded || overflowed) {
          callback(smtpError(552, `Message too big: this mailbox takes at most ${maxMessageBytes} bytes`));
          return;
        }
        const received = performance.now();
        const receivedAt = clock.now();
        const raw = Buffer.concat(chunks, kept);
        const messageId = newSesMessageId();
        const key = `${rawPrefix}${messageId}`;
        const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const client = { address: session.remoteAddress, helo: session.hostNameAppearsAs || session.clientHostname };
        options.blobs.put(key, raw, 'message/rfc822').then(
          () => {
            callback(null, `Ok: queued as ${messageId}`);
            log(`[smtp] ${messageId}: ${raw.length} bytes stored at s3://${options.bucket}/${key}`);
            deliverLater(
              messageId,
              key,
              () =>
                sesReceiptEvent({
                  raw,
                  messageId,
                  mailFrom,
                  recipients,
                  receivedAt,
                  verdicts: options.verdicts,
                  functionArn: options.functionArn ?? LOCAL_INTAKE_FUNCTION_ARN,
                  invocationType: 'Event',
                  client,
                }),
              received,
            );
          },
          (error: unknown) => {
            log(`[smtp] could not store a message of ${raw.length} bytes (${describe(error)}); answered 451`);
            callback(smtpError(451, 'Temporary failure storing the message, try again later'));
          },
        );
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SMTP_PORT, host, () => {
      server.removeListener('error', reject);
      const bound = server.server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : (options.port ?? DEFAULT_SMTP_PORT));
    });
  });
  server.on('error', (error) => log(`[smtp] ${describe(error)}`));

  const idle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  return {
    host,
    port,
    address,
    idle,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.giveUp();
      }
      timers.clear();
      await idle();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
