// The intake Lambda: SES receipt rule -> S3 action (raw message under `inbound/<SES message id>`)
// -> this function (Lambda action, asynchronous). Locally the SMTP stand-in stores the raw message in
// the local S3 server and calls this handler with the same event shape.
//
// Each record goes through receiveInboundEmail. A transient failure is rethrown after it was
// counted on the message's record, so Lambda's asynchronous retries (and the local SMTP path) try
// again; the use case quarantines the message once its attempts are spent. Logs: ids and codes only.
import type { SESEvent, SESReceiptStatus } from 'aws-lambda';
import { receiveInboundEmail, type ReceiveOutcome } from '../../shared/app/use-cases/inbound-email.ts';
import type { ReceiptVerdicts, Verdict } from '../../shared/rules/email/types.ts';
import { MailparserMimeParser } from '../../shared/adapters/email/mime.ts';
import { inboxDeps } from '../lib/deps.ts';
import type { IntakeDeps } from '../../shared/app/context.ts';

/** The S3 action's object key prefix (RAW_MAIL_PREFIX; CDK and the local SMTP path use the default). */
const RAW_MAIL_PREFIX = process.env.RAW_MAIL_PREFIX || 'inbound/';

const deps: IntakeDeps = { ...inboxDeps, mime: new MailparserMimeParser() };

const VERDICTS: readonly Verdict[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'];
/** A verdict SES did not give (or gave in a form we do not know) counts as not passed. */
const verdictOf = (status: SESReceiptStatus | undefined): Verdict => (status && VERDICTS.includes(status.status) ? status.status : 'PROCESSING_FAILED');

export function verdictsOf(receipt: SESEvent['Records'][number]['ses']['receipt']): ReceiptVerdicts {
  return {
    spam: verdictOf(receipt.spamVerdict),
    virus: verdictOf(receipt.virusVerdict),
    spf: verdictOf(receipt.spfVerdict),
    dkim: verdictOf(receipt.dkimVerdict),
    dmarc: verdictOf(receipt.dmarcVerdict),
  };
}

export async function handler(event: SESEvent): Promise<ReceiveOutcome[]> {
  const outcomes: ReceiveOutcome[] = [];
  for (const record of event.Records) {
    const { mail, receipt } = record.ses;
    const action = receipt.action;
    outcomes.push(
      await receiveInboundEmail(deps, {
        rawKey: action?.type === 'S3' ? action.objectKey : `${RAW_MAIL_PREFIX}${mail.messageId}`,
        sesMessageId: mail.messageId,
        receivedAt: new Date(Date.parse(mail.timestamp) || Date.now()).toISOString(),
        verdicts: verdictsOf(receipt),
        recipients: receipt.recipients ?? [],
      }),
    );
  }
  return outcomes;
}
