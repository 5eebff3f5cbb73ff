// The vocabulary of email intake (rulebook: carriers and customers answer by email too). Plain
// data: the rules that read a message (references, dates, carrier answers, trust) are pure
// functions over these types; parsing MIME and storing messages are adapters' work.
import type { IsoDate } from '../types.ts';

/** What a losing carrier can tell us about a port-in order: the same three answers as the API. */
export type CarrierAnswer =
  | { type: 'rejected'; reasonCode: string; reason: string }
  | { type: 'transfer_date'; transferDate: IsoDate }
  | { type: 'completed'; completedOn: IsoDate };

/** What reading a carrier's message gave: one answer (with the text it came from), or why not. */
export type Understanding =
  | { kind: 'answer'; answer: CarrierAnswer; evidence: string }
  | { kind: 'unclear'; code: 'no_answer_found' | 'conflicting_answers' | 'date_unreadable'; message: string };

/** SES receipt verdicts (the local path reports SPF and DKIM as PASS: there is no DNS). */
export type Verdict = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

export interface ReceiptVerdicts {
  spam: Verdict;
  virus: Verdict;
  spf: Verdict;
  dkim: Verdict;
  dmarc: Verdict;
}

/** Who a message may act for, once its sender and verdicts are weighed. */
export type SenderTrust =
  | { kind: 'carrier'; carrierId: string }
  | { kind: 'customer'; accountId: string }
  | { kind: 'untrusted'; code: QuarantineCode; message: string };

/** Why a message was quarantined: stable codes an operator filters by. */
export type QuarantineCode =
  | 'virus'
  | 'spam'
  | 'oversized'
  | 'unparseable'
  | 'no_reference'
  | 'several_references'
  | 'unknown_order'
  | 'unknown_sender'
  | 'sender_not_authenticated'
  | 'sender_not_order_carrier'
  | 'customer_cannot_change_orders'
  | 'unclear_answer'
  | 'rejected_by_rules'
  | 'failed_repeatedly'
  /** A gaining carrier's port-out request lacks a field, or a field could not be read without doubt. */
  | 'port_out_request_incomplete'
  /** A port-out request came without its signed Letter of Authority (a PDF). */
  | 'port_out_loa_missing';
