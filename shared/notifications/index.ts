// The emails PortDesk sends, by kind. Each composer is a pure function of plain data returning
// `{ subject, text, html }`; the caller adds recipients (and `reference: orderReference(id)`) to make
// an `EmailMessage` (../app/ports.ts). Language and conventions follow the market: English (en-AU,
// en-GB) for AU and GB, French for FR; dates in the market's time zone; money from minor units.
import { terminationWarningEmail, type TerminationWarningEmailInput } from './account.ts';
import { carrierResubmissionEmail, carrierSubmissionEmail, type CarrierSubmissionEmailInput } from './carrier.ts';
import {
  cancellationEmail,
  compensationStartedEmail,
  completionEmail,
  rejectionEmail,
  transferDateEmail,
  withdrawalEmail,
  type CancellationEmailInput,
  type CompensationStartedEmailInput,
  type CompletionEmailInput,
  type RejectionEmailInput,
  type TransferDateEmailInput,
  type WithdrawalEmailInput,
} from './customer.ts';
import type { ComposedEmail } from './layout.ts';
import { exceptionEmail, overdueEmail, type ExceptionEmailInput, type OverdueEmailInput } from './operator.ts';
import {
  numbersReleasedEmail,
  portOutAcceptedEmail,
  portOutAnswerEmail,
  portOutCompletedEmail,
  portOutWithdrawnEmail,
  type NumbersReleasedEmailInput,
  type PortOutAcceptedEmailInput,
  type PortOutAnswerEmailInput,
  type PortOutCompletedEmailInput,
  type PortOutWithdrawnEmailInput,
} from './port-out.ts';
import { signingReminderEmail, signingRequestEmail, type SigningEmailInput } from './signing.ts';

/** The input each kind of email needs (see each input type for what it holds). */
export interface NotificationInputs {
  /** To the submitter: the carrier rejected the order (first rejection); what to fix, the deadline, the AU fee. */
  rejection: RejectionEmailInput;
  /** To the submitter: the carrier set or changed the transfer date. */
  transfer_date: TransferDateEmailInput;
  /** To the submitter: the port completed; numbers, GB compensation, FR test call and temporary number. */
  completion: CompletionEmailInput;
  /** To the submitter: the order was cancelled; stage and fee. */
  cancellation: CancellationEmailInput;
  /** To the submitter: the order was withdrawn (second rejection or missed resubmission deadline). */
  withdrawal: WithdrawalEmailInput;
  /** To the submitter (GB): late-transfer compensation has started to accrue. */
  compensation_started: CompensationStartedEmailInput;
  /** To the account holder: sign the order's Letter of Authority (holds the signing link: never log it). */
  signing_request: SigningEmailInput;
  /** To the account holder: the Letter of Authority is still unsigned after 3 days (holds the signing link). */
  signing_reminder: SigningEmailInput;
  /** To the operators: a live order is past its due date. */
  overdue: OverdueEmailInput;
  /** To the operators: a workflow step failed for good. */
  exception: ExceptionEmailInput;
  /** To the account's administrator: termination is near and numbers remain. */
  termination_warning: TerminationWarningEmailInput;
  /** To the losing carrier's porting desk: the port-in request (holds the PIN: never log it). */
  carrier_submission: CarrierSubmissionEmailInput;
  /** To the losing carrier's porting desk: the corrected request after a rejection (holds the PIN). */
  carrier_resubmission: CarrierSubmissionEmailInput;
  /** To the account's administrator, at once: a gaining carrier's port-out was accepted; every number, the ported-in ones, not cancellable, port-back. */
  port_out_accepted: PortOutAcceptedEmailInput;
  /** To the account's administrator: the numbers left us; their charges stop (FR: the monthly change). */
  port_out_completed: PortOutCompletedEmailInput;
  /** To the account's administrator: the gaining carrier withdrew its port-out; the numbers stay. */
  port_out_withdrawn: PortOutWithdrawnEmailInput;
  /** To the account's administrator: the post-termination window ended and the remaining numbers were released. */
  numbers_released: NumbersReleasedEmailInput;
  /** To the gaining carrier that asked by email: its port-out request was accepted, or rejected with what to fix. */
  port_out_answer: PortOutAnswerEmailInput;
}

export type NotificationKind = keyof NotificationInputs;

export type Audience = 'customer' | 'operator' | 'account_admin' | 'carrier';

/**
 * Who each kind goes to; `containsSecrets`: the body holds a credential, the customer's PIN or a link
 * that acts for the customer (the signing link): never log its text or HTML.
 */
export const NOTIFICATION_KINDS: { readonly [K in NotificationKind]: { audience: Audience; containsSecrets: boolean } } = {
  rejection: { audience: 'customer', containsSecrets: false },
  transfer_date: { audience: 'customer', containsSecrets: false },
  completion: { audience: 'customer', containsSecrets: false },
  cancellation: { audience: 'customer', containsSecrets: false },
  withdrawal: { audience: 'customer', containsSecrets: false },
  compensation_started: { audience: 'customer', containsSecrets: false },
  signing_request: { audience: 'customer', containsSecrets: true },
  signing_reminder: { audience: 'customer', containsSecrets: true },
  overdue: { audience: 'operator', containsSecrets: false },
  exception: { audience: 'operator', containsSecrets: false },
  termination_warning: { audience: 'account_admin', containsSecrets: false },
  carrier_submission: { audience: 'carrier', containsSecrets: true },
  carrier_resubmission: { audience: 'carrier', containsSecrets: true },
  port_out_accepted: { audience: 'account_admin', containsSecrets: false },
  port_out_completed: { audience: 'account_admin', containsSecrets: false },
  port_out_withdrawn: { audience: 'account_admin', containsSecrets: false },
  numbers_released: { audience: 'account_admin', containsSecrets: false },
  port_out_answer: { audience: 'carrier', containsSecrets: false },
};

export const NOTIFICATIONS: { readonly [K in NotificationKind]: (input: NotificationInputs[K]) => ComposedEmail } = {
  rejection: rejectionEmail,
  transfer_date: transferDateEmail,
  completion: completionEmail,
  cancellation: cancellationEmail,
  withdrawal: withdrawalEmail,
  compensation_started: compensationStartedEmail,
  signing_request: signingRequestEmail,
  signing_reminder: signingReminderEmail,
  overdue: overdueEmail,
  exception: exceptionEmail,
  termination_warning: terminationWarningEmail,
  carrier_submission: carrierSubmissionEmail,
  carrier_resubmission: carrierResubmissionEmail,
  port_out_accepted: portOutAcceptedEmail,
  port_out_completed: portOutCompletedEmail,
  port_out_withdrawn: portOutWithdrawnEmail,
  numbers_released: numbersReleasedEmail,
  port_out_answer: portOutAnswerEmail,
};

/** Composes one email of `kind`. Throws (a programming error) when the order lacks what the kind tells about. */
export function composeNotification<K extends NotificationKind>(kind: K, input: NotificationInputs[K]): ComposedEmail {
  const compose = NOTIFICATIONS[kind] as (input: NotificationInputs[K]) => ComposedEmail;
  return compose(input);
}

export type { ComposedEmail } from './layout.ts';
export type { OrderLinks } from './common.ts';
export { orderReference, subjectReference, orderUrl } from './common.ts';
export { escapeHtml, formatDate, formatDeadline, formatInstant, formatMoney, styleFor, type EmailStyle, type Language } from './format.ts';
export { KNOWN_REJECTION_CODES, rejectionAdvice } from './copy.ts';
export type {
  CancellationEmailInput,
  CompensationStartedEmailInput,
  CompletionEmailInput,
  RejectionEmailInput,
  TestCallResult,
  TransferDateEmailInput,
  WithdrawalEmailInput,
  WithdrawalReason,
} from './customer.ts';
export type { CarrierRef, ExceptionEmailInput, OverdueEmailInput } from './operator.ts';
export type { TerminationWarningEmailInput } from './account.ts';
export type { CarrierSubmissionEmailInput } from './carrier.ts';
export type { SigningEmailInput, SigningReason } from './signing.ts';
export type {
  NumbersReleasedEmailInput,
  PortOutAcceptedEmailInput,
  PortOutAnswerEmailInput,
  PortOutCompletedEmailInput,
  PortOutWithdrawnEmailInput,
} from './port-out.ts';
export {
  cancellationEmail,
  carrierResubmissionEmail,
  carrierSubmissionEmail,
  compensationStartedEmail,
  completionEmail,
  exceptionEmail,
  numbersReleasedEmail,
  overdueEmail,
  portOutAcceptedEmail,
  portOutAnswerEmail,
  portOutCompletedEmail,
  portOutWithdrawnEmail,
  rejectionEmail,
  signingReminderEmail,
  signingRequestEmail,
  terminationWarningEmail,
  transferDateEmail,
  withdrawalEmail,
};
