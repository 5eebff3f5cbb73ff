// The Letter of Authority's signing rules: requests, links' expiry, voiding by edits, reminders.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildLines, decide, type PortInCommand } from '../../shared/rules/port-in/order.ts';
import { awaitsSignature, currentSigningRequest, signingReminderDueAt, SIGNING_LINK_DAYS, SIGNING_REMINDER_DAYS } from '../../shared/rules/port-in/signing.ts';
import { nextDueAt } from '../../shared/rules/port-in/next-deadline.ts';
import { checkDeadlines } from '../../shared/rules/port-in/deadline-check.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import { InvalidTransitionError, RuleViolationError } from '../../shared/rules/errors.ts';
import type { PortInOrder } from '../../shared/rules/types.ts';
import { SAMPLE_NUMBER, buildOrder, command, ctx, details, facts, line, signCommand, signingRequest, systemCtx } from './port-in-fixtures.ts';

const SUBMITTED_AT = '2026-03-02T01:00:00.000Z';
const DAY = 86_400_000;
const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

const awaiting = (market: 'AU' | 'GB' | 'FR' = 'AU') => buildOrder({ market, createdAt: SUBMITTED_AT, steps: [[SUBMITTED_AT, command.submit]] }).order;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidTransitionError || error instanceof RuleViolationError) return error.code;
    throw error;
  }
  return 'no error';
}

/** A rejected order (first rejection) that was signed on request sig_1. */
function rejectedAfterSigning(): PortInOrder {
  return buildOrder({
    market: 'AU',
    createdAt: SUBMITTED_AT,
    steps: [
      [SUBMITTED_AT, command.submit],
      [SUBMITTED_AT, command.sign],
      ['2026-03-03T00:00:00Z', command.reject],
    ],
  }).order;
}

const edit = (order: PortInOrder, requestId: string | null): PortInCommand => ({
  type: 'update',
  details: details(order.market, { losingCarrierAccountNumber: 'ACC-999' }),
  lines: order.lines,
  facts: facts(),
  signing: requestId ? signingRequest(requestId) : null,
});

describe('submit opens a signing request', () => {
  it('is pending, holds the link hash and the LOA document, and expires after 7 days', () => {
    const { order, decisions } = buildOrder({ market: 'AU', createdAt: SUBMITTED_AT, steps: [[SUBMITTED_AT, command.submit]] });
    expect(order.status).toBe('awaiting_signature');
    expect(order.signingRequests).toEqual([
      {
        id: 'sig_1',
        tokenHashes: ['hash-of-sig_1'],
        signerEmail: 'signer@example.test',
        documentId: 'doc_loa_sig_1',
        createdAt: SUBMITTED_AT,
        expiresAt: later(SUBMITTED_AT, SIGNING_LINK_DAYS * DAY),
        remindedAt: null,
        state: 'pending',
        voidedBecause: null,
      },
    ]);
    expect(decisions.at(-1)!.events.map((e) => e.type)).toContain('signature_requested');
    expect(awaitsSignature(order)).toBe(true);
  });

  it('is not opened when the order is invalid (nothing to sign)', () => {
    const draft = buildOrder({ market: 'AU', createdAt: SUBMITTED_AT }).order;
    const invalid = { ...draft, details: { ...draft.details, losingCarrierAccountNumber: null } };
    expect(codeOf(() => decide(invalid, command.submit, ctx('AU', SUBMITTED_AT)))).toBe('order_invalid');
  });
});

describe('signing', () => {
  it('records the audit trail, marks the request signed and sends the order to the carrier', () => {
    const order = awaiting();
    const signedAt = later(SUBMITTED_AT, DAY);
    const d = decide(order, { ...signCommand('sig_1', 'Alex Martin', 'signing_page'), ip: '203.0.113.7', userAgent: 'Firefox' }, ctx('AU', signedAt));
    expect(d.order.status).toBe('submitted');
    expect(d.order.signature).toEqual({
      signerName: 'Alex Martin',
      at: signedAt,
      channel: 'signing_page',
      requestId: 'sig_1',
      documentSha256: 'a'.repeat(64),
      signedDocumentId: 'doc_signed_sig_1',
      ip: '203.0.113.7',
      userAgent: 'Firefox',
    });
    expect(currentSigningRequest(d.order)?.state).toBe('signed');
    expect(d.events.map((e) => e.type)).toEqual(['signed', 'sent_to_carrier']);
  });

  it('puts a GB order on hold when the call prerequisites are unmet, signed all the same', () => {
    const d = decide(awaiting('GB'), command.sign, ctx('GB', SUBMITTED_AT, { hasInboundCall: false }));
    expect(d.order.status).toBe('on_hold');
    expect(d.order.signature?.requestId).toBe('sig_1');
  });

  it.each([
    ['the link expired (signing page)', () => decide(awaiting(), signCommand('sig_1', 'Alex', 'signing_page'), ctx('AU', later(SUBMITTED_AT, SIGNING_LINK_DAYS * DAY))), 'signing_link_expired'],
    ['an unknown request', () => decide(awaiting(), signCommand('sig_404'), ctx('AU', SUBMITTED_AT)), 'signing_request_unknown'],
    ['a blank name', () => decide(awaiting(), signCommand('sig_1', '   '), ctx('AU', SUBMITTED_AT)), 'signer_name_required'],
    ['a draft (not submitted)', () => decide(buildOrder({ market: 'AU', createdAt: SUBMITTED_AT }).order, command.sign, ctx('AU', SUBMITTED_AT)), 'invalid_status'],
    ['signed already', () => decide(decide(awaiting(), command.sign, ctx('AU', SUBMITTED_AT)).order, command.sign, ctx('AU', SUBMITTED_AT)), 'already_signed'],
    ['a cancelled order', () => decide(decide(awaiting(), command.cancel, ctx('AU', SUBMITTED_AT)).order, command.sign, ctx('AU', SUBMITTED_AT)), 'order_final'],
  ])('is refused for %s', (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });

  it('through the API still works after the link expired (the expiry guards the link, not the document)', () => {
    const d = decide(awaiting(), signCommand('sig_1', 'Alex Martin', 'api'), ctx('AU', later(SUBMITTED_AT, 10 * DAY)));
    expect(d.order.status).toBe('submitted');
  });
});

describe('a new link (request_signature)', () => {
  it('voids the pending request as replaced and opens a new one; the old request can no longer be signed', () => {
    const renewed = decide(awaiting(), { type: 'request_signature', signing: signingRequest('sig_2') }, ctx('AU', later(SUBMITTED_AT, 8 * DAY))).order;
    expect(renewed.signingRequests.map((r) => [r.id, r.state, r.voidedBecause])).toEqual([
      ['sig_1', 'voided', 'replaced'],
      ['sig_2', 'pending', null],
    ]);
    expect(codeOf(() => decide(renewed, signCommand('sig_1'), ctx('AU', later(SUBMITTED_AT, 8 * DAY))))).toBe('signing_request_voided');
    expect(decide(renewed, signCommand('sig_2', 'Alex', 'signing_page'), ctx('AU', later(SUBMITTED_AT, 9 * DAY))).order.status).toBe('submitted');
  });

  it('is refused once signed', () => {
    const signed = decide(awaiting(), command.sign, ctx('AU', SUBMITTED_AT)).order;
    expect(codeOf(() => decide(signed, { type: 'request_signature', signing: signingRequest('sig_2') }, ctx('AU', SUBMITTED_AT)))).toBe('signature_not_needed');
  });
});

describe('an edit after signing voids the signature', () => {
  it('voids the signed request, opens a new one, and resubmission waits for the new signature', () => {
    const rejected = rejectedAfterSigning();
    const at = '2026-03-04T00:00:00Z';
    const edited = decide(rejected, edit(rejected, 'sig_2'), ctx('AU', at));
    expect(edited.order.signature).toBeNull();
    expect(edited.order.status).toBe('rejected');
    expect(edited.order.signingRequests.map((r) => [r.id, r.state, r.voidedBecause])).toEqual([
      ['sig_1', 'voided', 'order_edited'],
      ['sig_2', 'pending', null],
    ]);
    expect(edited.events.find((e) => e.type === 'signature_voided')?.data).toEqual({ requestId: 'sig_1', because: 'order_edited', wasSigned: true });
    expect(codeOf(() => decide(edited.order, command.resubmit, ctx('AU', at)))).toBe('signature_required');

    const resigned = decide(edited.order, signCommand('sig_2'), ctx('AU', at));
    expect(resigned.order.status).toBe('rejected'); // signing alone does not resubmit
    expect(resigned.order.signature?.requestId).toBe('sig_2');
    expect(decide(resigned.order, command.resubmit, ctx('AU', at)).order.status).toBe('submitted');
  });

  it('a second edit before signing replaces the pending request (voided as edited)', () => {
    const rejected = rejectedAfterSigning();
    const once = decide(rejected, edit(rejected, 'sig_2'), ctx('AU', '2026-03-04T00:00:00Z')).order;
    const twice = decide(once, edit(once, 'sig_3'), ctx('AU', '2026-03-04T01:00:00Z')).order;
    expect(twice.signingRequests.map((r) => r.state)).toEqual(['voided', 'voided', 'pending']);
    expect(currentSigningRequest(twice)?.id).toBe('sig_3');
  });

  it('a rejected order cannot be edited without a new signing request (programming error, not a user error)', () => {
    const rejected = rejectedAfterSigning();
    expect(() => decide(rejected, edit(rejected, null), ctx('AU', '2026-03-04T00:00:00Z'))).toThrow(/new signing request/);
  });

  it('editing a draft opens no request', () => {
    const draft = buildOrder({ market: 'AU', createdAt: SUBMITTED_AT }).order;
    const d = decide(draft, { type: 'update', details: details('AU'), lines: buildLines([line(SAMPLE_NUMBER.AU)], policyFor('AU')), facts: facts(), signing: null }, ctx('AU', SUBMITTED_AT));
    expect(d.order.signingRequests).toEqual([]);
  });
});

describe('the reminder after 3 days unsigned', () => {
  const dueAt = later(SUBMITTED_AT, SIGNING_REMINDER_DAYS * DAY);

  it('is the order\'s next deadline while it waits for the signature', () => {
    const order = awaiting();
    expect(signingReminderDueAt(order)?.toISOString()).toBe(dueAt);
    expect(nextDueAt(order)).toBe(dueAt);
  });

  it('is sent once at the deadline with a second link, and is not due again', () => {
    const order = awaiting();
    expect(checkDeadlines(order, systemCtx('AU', later(dueAt, -1)), { signingTokenHash: 'h2' }).decision.events).toEqual([]);
    const outcome = checkDeadlines(order, systemCtx('AU', dueAt), { signingTokenHash: 'h2' });
    expect(outcome.notices).toEqual(['signing_reminder']);
    const reminded = outcome.decision.order;
    expect(currentSigningRequest(reminded)).toMatchObject({ remindedAt: dueAt, tokenHashes: ['hash-of-sig_1', 'h2'], state: 'pending' });
    expect(reminded.dueAt).toBeNull();
    expect(checkDeadlines(reminded, systemCtx('AU', later(dueAt, DAY)), { signingTokenHash: 'h3' }).decision.events).toEqual([]);
  });

  it('needs a fresh link from the caller', () => {
    expect(() => checkDeadlines(awaiting(), systemCtx('AU', dueAt))).toThrow(/new link/);
  });

  it('is not due once signed, nor for a draft', () => {
    const signed = decide(awaiting(), command.sign, ctx('AU', SUBMITTED_AT)).order;
    expect(signingReminderDueAt(signed)).toBeNull();
    expect(signingReminderDueAt(buildOrder({ market: 'AU', createdAt: SUBMITTED_AT }).order)).toBeNull();
  });

  it('for a rejected order waiting for its new signature, comes before the resubmission deadline when earlier', () => {
    const rejected = rejectedAfterSigning();
    const edited = decide(rejected, edit(rejected, 'sig_2'), ctx('AU', '2026-03-04T00:00:00Z')).order;
    const reminder = later('2026-03-04T00:00:00.000Z', SIGNING_REMINDER_DAYS * DAY);
    expect(edited.resubmitBy! > reminder).toBe(true);
    expect(edited.dueAt).toBe(reminder);
    const outcome = checkDeadlines(edited, systemCtx('AU', reminder), { signingTokenHash: 'h9' });
    expect(outcome.notices).toEqual(['signing_reminder']);
    expect(outcome.decision.order.dueAt).toBe(edited.resubmitBy);
  });
});

describe('invariants over any sequence of signing commands', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('sign' as const), request: fc.integer({ min: 1, max: 4 }), page: fc.boolean() }),
    fc.record({ kind: fc.constant('renew' as const) }),
    fc.record({ kind: fc.constant('reject' as const) }),
    fc.record({ kind: fc.constant('edit' as const) }),
    fc.record({ kind: fc.constant('resubmit' as const) }),
    fc.record({ kind: fc.constant('remind' as const) }),
  );

  it('at most one request is pending, it is the newest, and a signature always names the newest, signed request', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.integer({ min: 0, max: 9 })), { maxLength: 12 }), (steps) => {
        let order = awaiting();
        let at = Date.parse(SUBMITTED_AT);
        let serial = 1;
        for (const [s, days] of steps) {
          at += days * DAY;
          const c = ctx('AU', new Date(at).toISOString());
          const cmd: PortInCommand =
            s.kind === 'sign'
              ? signCommand(`sig_${s.request}`, 'Alex', s.page ? 'signing_page' : 'api')
              : s.kind === 'renew'
                ? { type: 'request_signature', signing: signingRequest(`sig_${++serial}`) }
                : s.kind === 'reject'
                  ? command.reject
                  : s.kind === 'edit'
                    ? edit(order, `sig_${++serial}`)
                    : s.kind === 'resubmit'
                      ? command.resubmit
                      : { type: 'remind_signer', tokenHash: `h${serial}` };
          try {
            order = decide(order, cmd, c).order;
          } catch (error) {
            if (!(error instanceof InvalidTransitionError || error instanceof RuleViolationError)) throw error;
          }
          const pending = order.signingRequests.filter((r) => r.state === 'pending');
          expect(pending.length).toBeLessThanOrEqual(1);
          if (pending[0]) expect(pending[0]).toBe(currentSigningRequest(order));
          if (order.signature) {
            expect(order.signature.requestId).toBe(currentSigningRequest(order)?.id);
            expect(currentSigningRequest(order)?.state).toBe('signed');
          }
          // The carrier only ever gets an order that is signed.
          if (['submitted', 'scheduled', 'on_hold'].includes(order.status)) expect(order.signature).not.toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });
});
