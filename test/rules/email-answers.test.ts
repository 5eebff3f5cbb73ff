// Reading a losing carrier's answer from its email (issue 4 "Parsing"): structured lines first,
// free text otherwise, dates in the market's conventions; two answers, no answer or an unreadable
// date are `unclear` and go to an operator.
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  MAX_REASON,
  MAX_REASON_CODE,
  RECOGNISED_REASON_CODES,
  UNSPECIFIED_REASON,
  readCarrierAnswer,
  reasonCodeOf,
  recogniseReason,
} from '../../shared/rules/email/answers.ts';
import type { CarrierAnswer, Understanding } from '../../shared/rules/email/types.ts';
import { KNOWN_REJECTION_CODES } from '../../shared/notifications/copy.ts';
import { MARKETS, type Market } from '../../shared/rules/types.ts';

const REF = '[PD-pin_k3vq7x2mzt5hr4na]';
const answerOf = (u: Understanding): CarrierAnswer | null => (u.kind === 'answer' ? u.answer : null);
const unclearCode = (u: Understanding) => (u.kind === 'unclear' ? u.code : null);
const transfer = (transferDate: string): CarrierAnswer => ({ type: 'transfer_date', transferDate });
const completed = (completedOn: string): CarrierAnswer => ({ type: 'completed', completedOn });

describe('structured lines', () => {
  it.each<[string, Market, string, CarrierAnswer]>([
    ['AU rejection with code and reason', 'AU', 'Status: Rejected\nReason code: AN01\nReason: Account number does not match', {
      type: 'rejected',
      reasonCode: 'account_number_mismatch',
      reason: 'Account number does not match (carrier code AN01)',
    }],
    ['GB rejection, carrier code only', 'GB', 'Status: REJECTED\nReason code: PAC-EXP-07', { type: 'rejected', reasonCode: 'pac_exp_07', reason: 'PAC-EXP-07' }],
    ['a carrier code that is one of ours', 'GB', 'Status: rejection\nReason code: NAME_MISMATCH\nReason: Business name on the order is Harbourside Dental, our records say Harbourside Dental Group', {
      type: 'rejected',
      reasonCode: 'name_mismatch',
      reason: 'Business name on the order is Harbourside Dental, our records say Harbourside Dental Group',
    }],
    ['a rejection with no reason at all', 'AU', 'Status: Refused', { type: 'rejected', reasonCode: UNSPECIFIED_REASON, reason: 'The carrier rejected the order without giving a reason.' }],
    ['the reason on the status line', 'AU', 'Status: Rejected - customer name does not match', { type: 'rejected', reasonCode: 'name_mismatch', reason: 'customer name does not match' }],
    ['a reason label alone on its line (HTML tables)', 'AU', 'Status:\nRejected\nReason:\nThe service address does not match our records.', {
      type: 'rejected',
      reasonCode: 'address_mismatch',
      reason: 'The service address does not match our records.',
    }],
    ['FR rejection in French labels', 'FR', 'Statut : rejeté\nCode motif : RIO_INVALIDE\nMotif : Le code RIO est invalide', {
      type: 'rejected',
      reasonCode: 'pin_invalid',
      reason: 'Le code RIO est invalide (carrier code RIO_INVALIDE)',
    }],
    ['FR, labels in any order and extra spaces', 'FR', 'Motif  :   Le numéro de compte ne correspond pas\n  STATUT   :   Refusée  ', {
      type: 'rejected',
      reasonCode: 'account_number_mismatch',
      reason: 'Le numéro de compte ne correspond pas',
    }],
    ['no status, but a reason code: a rejection', 'GB', 'Reason code: 42\nReason: Number not on the account', { type: 'rejected', reasonCode: 'number_not_on_account', reason: 'Number not on the account (carrier code 42)' }],
    ['AU scheduled', 'AU', 'Status: Scheduled\nTransfer date: 03/12/2026', transfer('2026-12-03')],
    ['GB "transfer date set", FOC label', 'GB', 'status: transfer date set\nFOC date: 3 December 2026', transfer('2026-12-03')],
    ['GB port date with a time window', 'GB', 'Status: Accepted\nPort date: Thursday 3 December 2026, 08:00-10:00', transfer('2026-12-03')],
    ['a date in the status line', 'AU', 'Status: Confirmed for 3/12/2026', transfer('2026-12-03')],
    ['FR confirmé', 'FR', 'Statut : confirmé\nDate de portage : 3 déc. 2026', transfer('2026-12-03')],
    ['only a transfer date line', 'AU', 'Transfer date: 03.12.2026', transfer('2026-12-03')],
    ['markdown bold labels (HTML conversion)', 'GB', '**Status:** Scheduled\n**Transfer date:** 03/12/2026', transfer('2026-12-03')],
    ['a list of fields', 'AU', '- Status: Scheduled\n- Port date: 2026-12-03', transfer('2026-12-03')],
    ['rejection form with an empty transfer date', 'AU', 'Status: Rejected\nTransfer date: N/A\nReason: Incorrect account number', {
      type: 'rejected',
      reasonCode: 'account_number_mismatch',
      reason: 'Incorrect account number',
    }],
    ['completed', 'GB', 'Status: Completed\nCompleted on: 03/12/2026', completed('2026-12-03')],
    ['ported, completion date', 'AU', 'Status: Ported\nCompletion date: 3rd December 2026\nTransfer date: 03/12/2026', completed('2026-12-03')],
    ['done', 'AU', 'Status: done\nCompleted on: 2 December 2026', completed('2026-12-02')],
    ['FR terminé', 'FR', 'Statut : terminé\nDate de fin : jeudi 3 décembre 2026', completed('2026-12-03')],
    ['FR effectué', 'FR', 'Statut : Effectué\nDate de fin : 1er mars 2027', completed('2027-03-01')],
    ['only a completion date line', 'GB', 'Completed on: 03/12/2026', completed('2026-12-03')],
  ])('%s (%s)', (_name, market, text, expected) => {
    expect(answerOf(readCarrierAnswer(text, market))).toEqual(expected);
  });

  it.each<[string, Market, string, 'no_answer_found' | 'conflicting_answers' | 'date_unreadable']>([
    ['completed with no completion date (never today)', 'GB', 'Status: Completed', 'date_unreadable'],
    ['completed with only the transfer date (not guessed as the completion date)', 'GB', 'Status: Completed\nPort date: 03/12/2026', 'date_unreadable'],
    ['completed "today"', 'AU', 'Status: Completed\nCompleted on: today', 'date_unreadable'],
    ['scheduled, date to be confirmed', 'GB', 'Status: Scheduled\nTransfer date: TBC', 'date_unreadable'],
    ['scheduled, no date', 'AU', 'Status: Accepted', 'date_unreadable'],
    ['scheduled, impossible date', 'AU', 'Status: Scheduled\nTransfer date: 31/02/2026', 'date_unreadable'],
    ['scheduled, two-digit year', 'GB', 'Status: Scheduled\nTransfer date: 03/12/26', 'date_unreadable'],
    ['a rejection and a transfer date', 'AU', 'Status: Rejected\nTransfer date: 03/12/2026', 'conflicting_answers'],
    ['two statuses', 'GB', 'Status: Rejected\nStatus: Scheduled\nTransfer date: 03/12/2026', 'conflicting_answers'],
    ['two different transfer dates', 'GB', 'Status: Scheduled\nTransfer date: 03/12/2026\nPort date: 04/12/2026', 'conflicting_answers'],
    ['a transfer date and a completion date, no status', 'AU', 'Transfer date: 03/12/2026\nCompleted on: 03/12/2026', 'conflicting_answers'],
    ['fields and text disagree on the date', 'GB', 'Status: Accepted\nTransfer date: 03/12/2026\nThe transfer date for this port has been set to 4 December 2026.', 'conflicting_answers'],
    ['fields say scheduled, text says rejected', 'GB', 'Status: Scheduled\nTransfer date: 03/12/2026\nUnfortunately your port request has been rejected.', 'conflicting_answers'],
    ['a status we do not act on', 'GB', 'Status: In progress', 'no_answer_found'],
    ['a negated status', 'GB', 'Status: Not completed', 'no_answer_found'],
  ])('%s: unclear %s', (_name, market, text, code) => {
    const u = readCarrierAnswer(text, market);
    expect(unclearCode(u)).toBe(code);
    expect(u.kind === 'unclear' && u.message.length > 0).toBe(true);
  });
});

describe('free text', () => {
  it.each<[string, Market, string, CarrierAnswer]>([
    ['AU rejection, reason after a colon', 'AU', 'Hi team,\n\nWe are unable to process this port: the account number does not match our records.\n\nRegards,\nMeridian Telecom porting', {
      type: 'rejected',
      reasonCode: 'account_number_mismatch',
      reason: 'We are unable to process this port: the account number does not match our records.',
    }],
    ['GB rejection, reason in the next sentence', 'GB', 'Your port request has been rejected. The account holder name does not match our records. Please correct it and resubmit.', {
      type: 'rejected',
      reasonCode: 'name_mismatch',
      reason: 'Your port request has been rejected. The account holder name does not match our records.',
    }],
    ['a rejection with an unrecognised reason', 'GB', 'We cannot process this request because the line is under contract until March.', {
      type: 'rejected',
      reasonCode: UNSPECIFIED_REASON,
      reason: 'We cannot process this request because the line is under contract until March.',
    }],
    ['wrapped over lines (plain text at 72 columns)', 'AU', 'Unfortunately we have rejected this port as the\nPIN provided is incorrect.', {
      type: 'rejected',
      reasonCode: 'pin_invalid',
      reason: 'Unfortunately we have rejected this port as the PIN provided is incorrect.',
    }],
    ['FR rejection', 'FR', 'Bonjour,\n\nLa demande de portabilité a été rejetée : le numéro 01 42 68 53 00 ne figure pas sur le contrat indiqué.\n\nCordialement,\nService Portabilité', {
      type: 'rejected',
      reasonCode: 'number_not_on_account',
      reason: 'La demande de portabilité a été rejetée : le numéro 01 42 68 53 00 ne figure pas sur le contrat indiqué.',
    }],
    ['FR "impossible de donner suite"', 'FR', 'Nous sommes dans l’impossibilité de donner suite à votre demande : l’adresse ne correspond pas.', {
      type: 'rejected',
      reasonCode: 'address_mismatch',
      reason: 'Nous sommes dans l’impossibilité de donner suite à votre demande : l’adresse ne correspond pas.',
    }],
    ['GB transfer date set', 'GB', 'Hello,\nThe transfer date for this port has been set to 3 December 2026.\nKind regards', transfer('2026-12-03')],
    ['AU "will be ported on"', 'AU', 'Your numbers will be ported on 03/12/2026 between 8am and 10am AEST.', transfer('2026-12-03')],
    ['AU month first (carriers do)', 'AU', 'The port is scheduled for December 3, 2026.', transfer('2026-12-03')],
    ['a date before the cue', 'GB', 'On Thursday 3 December 2026 your numbers will be ported.', transfer('2026-12-03')],
    ['a date change: the new date counts', 'GB', 'Your port date has been changed from 1 December 2026 to 3 December 2026.', transfer('2026-12-03')],
    ['a replaced date named after the new one', 'GB', 'The port has been rescheduled for 3 December 2026 instead of 1 December 2026.', transfer('2026-12-03')],
    ['a requested date is not the answer', 'GB', 'Your requested port date of 1 December 2026 is not available. Your port has been scheduled for 3 December 2026.', transfer('2026-12-03')],
    ['a hypothetical sentence is no answer', 'AU', 'If the port is rejected, a fee of A$20 applies per number. The port will be ported on 3/12/2026.', transfer('2026-12-03')],
    ['a question is no answer', 'GB', 'Has the port been rejected? No: the transfer date is 3 December 2026.', transfer('2026-12-03')],
    ['a cue without a date, and the date in another sentence', 'GB', 'Your port has been scheduled. The transfer date is 3 Dec 2026.', transfer('2026-12-03')],
    ['FR prévue', 'FR', 'Bonjour,\n\nLa portabilité est prévue le 3 déc. 2026.\n\nCordialement', transfer('2026-12-03')],
    ['FR "sera effective"', 'FR', 'La portabilité de vos numéros sera effective le jeudi 3 décembre 2026 entre 9h et 12h.', transfer('2026-12-03')],
    ['FR without accents', 'FR', 'La portabilite est prevue le 03/12/2026.', transfer('2026-12-03')],
    ['FR date change', 'FR', 'La date de portage est reportée au 3 décembre 2026, au lieu du 1er décembre 2026.', transfer('2026-12-03')],
    ['GB completed today, with the date', 'GB', 'The port completed today, 3 December 2026.', completed('2026-12-03')],
    ['AU has been completed on', 'AU', 'Your port has been completed on 03/12/2026. Please cancel your old service now.', completed('2026-12-03')],
    ['successfully ported', 'GB', 'Your numbers were successfully ported on 3 Dec 2026.', completed('2026-12-03')],
    ['FR effectué', 'FR', 'Le portage a été effectué le 3 décembre 2026.', completed('2026-12-03')],
    ['FR portabilité effectuée', 'FR', 'Portabilité effectuée le 03.12.2026 à 10h02.', completed('2026-12-03')],
  ])('%s (%s)', (_name, market, text, expected) => {
    expect(answerOf(readCarrierAnswer(text, market))).toEqual(expected);
  });

  it.each<[string, Market, string, 'no_answer_found' | 'conflicting_answers' | 'date_unreadable']>([
    ['a completion without a date: never today', 'GB', 'The port has been completed.', 'date_unreadable'],
    ['completed "today" without the date', 'AU', 'Your port completed today.', 'date_unreadable'],
    ['FR completion without a date', 'FR', 'Le portage a été effectué avec succès.', 'date_unreadable'],
    ['a transfer without a date', 'GB', 'Your numbers will be ported next week.', 'date_unreadable'],
    ['a transfer date without a year', 'GB', 'Your numbers will be ported on 3 December.', 'date_unreadable'],
    ['a transfer date with a two-digit year', 'AU', 'Your numbers will be ported on 03/12/26.', 'date_unreadable'],
    ['a transfer date whose weekday contradicts it', 'GB', 'Your numbers will be ported on Friday 3 December 2026.', 'date_unreadable'],
    ['completed, with the scheduled date only before the completion words', 'GB', 'The port scheduled for 3 December 2026 has been completed.', 'date_unreadable'],
    ['a rejection and a transfer date', 'GB', 'Your port request has been rejected. Your numbers will be ported on 3 December 2026.', 'conflicting_answers'],
    ['two transfer dates', 'AU', 'Your numbers will be ported on 3/12/2026. The transfer date is 4/12/2026.', 'conflicting_answers'],
    ['a transfer date and a completion', 'GB', 'The port date is 3 December 2026. The port has been completed on 3 December 2026.', 'conflicting_answers'],
    ['nothing recognisable', 'GB', 'Thanks for your email. We will get back to you within two business days.', 'no_answer_found'],
    ['a negated rejection', 'GB', 'Your request has not been rejected; we are still reviewing it.', 'no_answer_found'],
    ['an empty message', 'AU', '', 'no_answer_found'],
    ['only quoted history', 'AU', 'On Tue, 1 Dec 2026, PortDesk wrote:\n> Your numbers will be ported on 03/12/2026.', 'no_answer_found'],
    ['an order confirmation date is not a transfer date', 'GB', 'Your order was confirmed on 1 December 2026. We will be in touch.', 'no_answer_found'],
  ])('%s: unclear %s', (_name, market, text, code) => {
    expect(unclearCode(readCarrierAnswer(text, market))).toBe(code);
  });
});

describe('the nasty messages of the issue', () => {
  it('a reply chain quoting an older rejection ABOVE a new transfer date: the newest part wins', () => {
    const text = [
      'On Tue, 1 Dec 2026 at 09:12, Meridian Telecom porting <porting@meridian.example.test> wrote:',
      '> Status: Rejected',
      '> Reason code: AN01',
      '> Reason: Account number does not match',
      '>',
      '> On Mon, 30 Nov 2026 at 16:40, PortDesk <porting@portdesk.example.test> wrote:',
      `>> ${REF} Port-in request for Harbourside Dental Pty Ltd`,
      '',
      'Thanks for the corrected details.',
      'Status: Scheduled',
      'Transfer date: 03/12/2026',
    ].join('\n');
    expect(answerOf(readCarrierAnswer(text, 'AU'))).toEqual(transfer('2026-12-03'));
  });

  it('a top-posted reply above the quoted rejection', () => {
    const text = `The transfer date for this port has been set to 3 December 2026.\n\nOn Tue, 1 Dec 2026 at 09:12, Meridian Telecom porting <porting@meridian.example.test> wrote:\n> We are unable to process this port: the account number does not match.`;
    expect(answerOf(readCarrierAnswer(text, 'GB'))).toEqual(transfer('2026-12-03'));
  });

  it('an Outlook reply whose history holds a rejection', () => {
    const text = `Status: Completed\nCompleted on: 03/12/2026\n\n________________________________\nFrom: PortDesk <porting@portdesk.example.test>\nSent: Tuesday, 1 December 2026 9:12 AM\nTo: Northwind Telco porting\nSubject: RE: ${REF}\n\nStatus: Rejected\nReason: Incorrect account number`;
    expect(answerOf(readCarrierAnswer(text, 'GB'))).toEqual(completed('2026-12-03'));
  });

  it('a forwarded carrier answer IS the answer', () => {
    const text = `---------- Forwarded message ---------\nFrom: Service Portabilité <portabilite@operateur.example.test>\nDate: jeu. 3 déc. 2026 à 16:02\nSubject: TR: ${REF}\nTo: <contact@boulangerie-lefevre.example.test>\n\n\nBonjour,\n\nLe portage a été effectué le 3 décembre 2026.\n\nLe mar. 1 déc. 2026 à 09:12, PortDesk a écrit :\n> Statut : rejeté`;
    expect(answerOf(readCarrierAnswer(text, 'FR'))).toEqual(completed('2026-12-03'));
  });

  it('an HTML-only message, converted by the MIME parser the intake uses', async () => {
    const html = [
      '<html><body><p>Hello PortDesk team,</p>',
      '<p>The transfer date for this port has been <b>set</b> to <strong>3&nbsp;December&nbsp;2026</strong>.</p>',
      '<table><tr><td><b>Status:</b></td><td>Scheduled</td></tr><tr><td><b>Transfer date:</b></td><td>03/12/2026</td></tr></table>',
      '<p>Kind regards,<br>Porting Team, Northwind Telco</p>',
      '<div style="border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> PortDesk &lt;porting@portdesk.example.test&gt;<br><b>Sent:</b> Tuesday, 1 December 2026 9:12 AM<br>',
      `<b>To:</b> Porting Team<br><b>Subject:</b> ${REF} Port-in request</p></div>`,
      '<p>Status: Rejected</p></body></html>',
    ].join('\n');
    const raw = `From: porting@northwind-telco.example.test\r\nTo: porting@portdesk.example.test\r\nSubject: RE: ${REF}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}`;
    const parsed = await simpleParser(raw);
    expect(answerOf(readCarrierAnswer(parsed.text ?? '', 'GB'))).toEqual(transfer('2026-12-03'));
  });

  it('French Outlook reply with a quoted older rejection', () => {
    const text = `Bonjour,\n\nLa portabilité est prévue le 3 déc. 2026.\n\nDe : PortDesk <porting@portdesk.example.test>\nEnvoyé : mardi 1 décembre 2026 09:12\nÀ : Service Portabilité\nObjet : RE: ${REF} Demande de portabilité\n\nStatut : rejeté\nMotif : RIO invalide`;
    expect(answerOf(readCarrierAnswer(text, 'FR'))).toEqual(transfer('2026-12-03'));
  });

  it('reading the newest part twice gives the same answer (the intake cuts it first)', () => {
    const text = `Status: Scheduled\nTransfer date: 03/12/2026\n\nOn Tue, 1 Dec 2026, PortDesk wrote:\n> Status: Rejected`;
    expect(readCarrierAnswer(text, 'AU')).toEqual(readCarrierAnswer('Status: Scheduled\nTransfer date: 03/12/2026', 'AU'));
  });
});

describe('evidence, codes and limits', () => {
  it('keeps the lines an answer came from as evidence', () => {
    const u = readCarrierAnswer('Hello,\n\nStatus: Scheduled\nTransfer date: 03/12/2026\n\nRegards', 'AU');
    expect(u).toEqual({ kind: 'answer', answer: transfer('2026-12-03'), evidence: 'Status: Scheduled\nTransfer date: 03/12/2026' });
  });

  it('caps the reason at 1,000 characters and the code at 64', () => {
    const long = `The account number does not match. ${'Details follow. '.repeat(200)}`;
    const u = readCarrierAnswer(`Status: Rejected\nReason code: ${'X'.repeat(100)}\nReason: ${long}`, 'GB');
    const a = answerOf(u);
    expect(a?.type).toBe('rejected');
    if (a?.type !== 'rejected') return;
    expect(a.reason.length).toBe(MAX_REASON);
    expect(a.reasonCode).toBe('account_number_mismatch');
    expect(reasonCodeOf('X'.repeat(100))).toHaveLength(MAX_REASON_CODE);
  });

  it.each<[string, string | null]>([
    ['AN-01', 'an_01'],
    ['  Account Number Mismatch ', 'account_number_mismatch'],
    ['RIO invalide (expiré)', 'rio_invalide_expire'],
    ['42', '42'],
    ['---', null],
    ['', null],
  ])('carrier code %j -> %j', (code, slug) => {
    expect(reasonCodeOf(code)).toBe(slug);
  });

  it('recognises the reasons customers get advice for', () => {
    expect([...RECOGNISED_REASON_CODES].sort()).toEqual([...KNOWN_REJECTION_CODES].sort());
    expect(recogniseReason('The line type does not match our records (ISDN, not PSTN).')).toBe('service_type_mismatch');
    expect(recogniseReason('Le type de ligne ne correspond pas.')).toBe('service_type_mismatch');
    expect(recogniseReason('The passcode has expired.')).toBe('pin_invalid');
    expect(recogniseReason('Nom du titulaire incorrect')).toBe('name_mismatch');
    expect(recogniseReason('Try again later.')).toBeNull();
  });
});

describe('properties', () => {
  const anyMarket = fc.constantFrom(...MARKETS);
  const isUnderstanding = (u: Understanding) => {
    if (u.kind === 'unclear') {
      expect(['no_answer_found', 'conflicting_answers', 'date_unreadable']).toContain(u.code);
      expect(u.message.length).toBeGreaterThan(0);
      return;
    }
    expect(u.evidence.length).toBeLessThanOrEqual(1000);
    const a = u.answer;
    if (a.type === 'rejected') {
      expect(a.reasonCode).toMatch(/^[a-z0-9]+(?:_[a-z0-9]+)*$/);
      expect(a.reasonCode.length).toBeLessThanOrEqual(MAX_REASON_CODE);
      expect(a.reason.trim().length).toBeGreaterThan(0);
      expect(a.reason.length).toBeLessThanOrEqual(MAX_REASON);
    } else {
      expect(a.type === 'transfer_date' ? a.transferDate : a.completedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  };

  it('never throws on arbitrary strings, and always gives a well-formed understanding', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), anyMarket, (text, market) => isUnderstanding(readCarrierAnswer(text, market))),
      { numRuns: 1000 },
    );
  });

  it('never throws on mail-like text built from the words it reads', () => {
    const words = fc.constantFrom(
      'Status:', 'Statut :', 'Reason code:', 'Motif :', 'Transfer date:', 'Completed on:', 'rejected', 'scheduled', 'completed', 'rejeté',
      'effectué', 'will be ported on', 'has been completed', '03/12/2026', '3 déc. 2026', 'December 3, 2026', '31/02/2026', 'not', 'if',
      '>', 'On Tue, 1 Dec 2026, PortDesk wrote:', '-----Original Message-----', 'From:', 'Sent:', '\n', '\n\n', '.', ':', ' ', 'N/A',
    );
    fc.assert(
      fc.property(fc.array(words, { maxLength: 40 }), anyMarket, (parts, market) => isUnderstanding(readCarrierAnswer(parts.join(' '), market))),
      { numRuns: 2000 },
    );
  });

  it('reads the transfer date of a structured answer in every market and format', () => {
    const DAY_MS = 86_400_000;
    const anyDate = fc.integer({ min: Date.parse('2000-01-01') / DAY_MS, max: Date.parse('2099-12-31') / DAY_MS }).map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10));
    fc.assert(
      fc.property(anyDate, anyMarket, fc.constantFrom('dmy', 'iso'), (iso, market, style) => {
        const [y, m, d] = iso.split('-');
        const written = style === 'iso' ? iso : `${d}/${m}/${y}`;
        expect(answerOf(readCarrierAnswer(`Status: Scheduled\nTransfer date: ${written}`, market))).toEqual(transfer(iso));
      }),
    );
  });

  it('stays fast on a large message', () => {
    const big = `${'The quick brown fox jumps over the lazy dog. '.repeat(20_000)}\n${'Status: x\n'.repeat(5_000)}`;
    const started = performance.now();
    expect(unclearCode(readCarrierAnswer(big, 'GB'))).toBe('no_answer_found');
    // Lines built to make a backtracking regex explode: long runs of blanks, dashes, stars.
    const blanks = ' '.repeat(200_000);
    for (const hostile of [`Status:${blanks}x`, `- ${blanks}*${blanks}Status`, '-'.repeat(200_000), `Status${blanks}:`, `port ${'x'.repeat(200_000)} rejetee`, `3${blanks}December`]) {
      expect(() => readCarrierAnswer(hostile, 'FR')).not.toThrow();
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
