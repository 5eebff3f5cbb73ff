// Customer emails, per kind and per market: the reference in the subject, the facts in both parts,
// the market's language and conventions.
import { describe, expect, it } from 'vitest';
import {
  cancellationEmail,
  compensationStartedEmail,
  completionEmail,
  rejectionEmail,
  transferDateEmail,
  withdrawalEmail,
  type ComposedEmail,
} from '../../shared/notifications/index.ts';
import { lateTransferCompensation } from '../../shared/rules/compensation.ts';
import { resubmissionDeadline } from '../../shared/rules/deadlines.ts';
import type { Market, PortInOrder, Rejection } from '../../shared/rules/types.ts';
import { expectInBoth, expectInNeither, LINKS, manyNumbers, NUMBERS, order, parts, squash, line } from './fixtures.ts';

const MARKETS: Market[] = ['AU', 'GB', 'FR'];


/** French emails are French throughout: no English sentence words leak in. */
function expectFrench(email: ComposedEmail): void {
  for (const part of [email.subject, ...parts(email)]) {
    expect(part).not.toMatch(/\b(the|your|you|order|numbers|please|with|from)\b/i);
  }
}

const ref = (market: Market) => `[PD-pin_${market.toLowerCase()}0001]`;

function rejected(market: Market, reasonCode = 'account_number_mismatch', reason = 'Account number does not match'): PortInOrder {
  const rejection: Rejection = { reasonCode, reason, rejectedOn: '2026-03-05', at: '2026-03-05T01:00:00.000Z' };
  return order(market, {
    status: 'rejected',
    rejectionCount: 1,
    lastRejection: rejection,
    resubmitBy: resubmissionDeadline(market, '2026-03-05').toISOString(),
    charges:
      market === 'AU'
        ? [
            { kind: 'porting_fee', amount: { currency: 'AUD', amountMinor: 27000 }, at: '2026-03-02T00:00:00.000Z', description: 'Porting fee' },
            { kind: 'rejection_fee', amount: { currency: 'AUD', amountMinor: 6000 }, at: rejection.at, description: 'Carrier rejection' },
          ]
        : [],
  });
}

describe('rejection', () => {
  it.each(MARKETS)('%s: the subject has the reference and the last day to correct', (market) => {
    const email = rejectionEmail({ order: rejected(market), links: LINKS });
    expect(email.subject).toContain(ref(market));
    expect(email.subject).toContain(market === 'FR' ? 'jeudi 12 mars 2026' : 'Thursday 12 March 2026');
  });

  it('AU: reason, what to fix, the deadline in Brisbane time, the fee per number and in total, the second-rejection rule', () => {
    const email = rejectionEmail({ order: rejected('AU'), links: LINKS });
    expectInBoth(
      email,
      'account_number_mismatch',
      'Account number does not match',
      'Copy it exactly from a recent bill',
      'Thursday 12 March 2026 at 11:59 pm AEST',
      'A$20.00 incl. GST per number × 3 numbers = A$60.00 incl. GST',
      'If the corrected order is rejected again, it is withdrawn',
      'https://portdesk.example.test/orders/pin_au0001',
    );
    expect(email.html).toContain('href="https://portdesk.example.test/orders/pin_au0001"');
  });

  it('GB: the deadline in London time and no fee (rejections are free)', () => {
    const email = rejectionEmail({ order: rejected('GB'), links: LINKS });
    expectInBoth(email, 'Thursday 12 March 2026 at 23:59 GMT', 'If the corrected order is rejected again, it is withdrawn');
    expectInNeither(email, 'Rejection fee', '£');
  });

  it('FR: entirely in French, with the deadline in Paris time', () => {
    const email = rejectionEmail({ order: rejected('FR', 'pin_invalid', 'RIO erroné'), links: LINKS });
    expectInBoth(
      email,
      'Votre demande de portabilité a été rejetée',
      'RIO erroné',
      'Le code d’identification (RIO ou code PIN) est erroné',
      'jeudi 12 mars 2026 à 23:59 (heure de Paris, UTC+1)',
      'Si la demande corrigée est de nouveau rejetée, elle est retirée',
    );
    expectFrench(email);
  });

  it.each([
    ['account_number_mismatch', 'not an invoice or customer reference number'],
    ['name_mismatch', 'including the legal form'],
    ['address_mismatch', 'not a postal or billing address'],
    ['pin_invalid', 'porting PIN or passcode'],
    ['number_not_on_account', 'place one order per account'],
    ['service_type_mismatch', 'Check each number against a recent bill'],
    ['carrier_system_error', 'Compare every detail of the order'],
  ])('maps reason code %s to a concrete sentence (generic advice otherwise)', (code, advice) => {
    expectInBoth(rejectionEmail({ order: rejected('GB', code), links: LINKS }), advice);
  });

  it('AU: a fee given explicitly wins; none charged means no fee line', () => {
    const email = rejectionEmail({ order: rejected('AU'), links: LINKS, feeCharged: null });
    expectInNeither(email, 'Rejection fee');
  });

  it('needs a rejection and a deadline on the order', () => {
    expect(() => rejectionEmail({ order: order('AU'), links: LINKS })).toThrow(/no rejection/);
  });
});

describe('transfer date', () => {
  it.each(MARKETS)('%s: the date, until when the carrier may change it, the reference', (market) => {
    const email = transferDateEmail({ order: order(market, { status: 'scheduled', transferDate: '2026-12-03' }), links: LINKS });
    expect(email.subject).toContain(ref(market));
    if (market === 'FR') {
      expect(email.subject).toContain('jeudi 3 décembre 2026');
      expectInBoth(email, 'jeudi 3 décembre 2026', 'jusqu’à la veille, le mercredi 2 décembre 2026 inclus');
      expectFrench(email);
    } else {
      expect(email.subject).toContain('Thursday 3 December 2026');
      expectInBoth(email, 'Thursday 3 December 2026', 'until the day before, Wednesday 2 December 2026');
    }
  });

  it('GB and FR warn to keep the old service active until completion; AU does not', () => {
    const mk = (market: Market) => transferDateEmail({ order: order(market, { status: 'scheduled', transferDate: '2026-12-03' }), links: LINKS });
    expectInBoth(mk('GB'), 'Keep your current service active until we confirm that the port is complete');
    expectInBoth(mk('FR'), 'Gardez votre service actuel actif');
    expectInNeither(mk('AU'), 'Keep your current service active');
  });

  it('says when the carrier changed the date', () => {
    const email = transferDateEmail({
      order: order('GB', { status: 'scheduled', transferDate: '2026-12-03' }),
      links: LINKS,
      previousTransferDate: '2026-12-01',
    });
    expect(email.subject).toContain('Transfer date changed');
    expectInBoth(email, 'from Tuesday 1 December 2026 to Thursday 3 December 2026');
  });
});

describe('completion', () => {
  const completed = (market: Market, overrides: Partial<PortInOrder> = {}) =>
    order(market, { status: 'completed', transferDate: '2026-03-16', completedOn: '2026-03-20', ...overrides });

  it.each(MARKETS)('%s: the date, every number, and cancel the old service only now', (market) => {
    const email = completionEmail({ order: completed(market), links: LINKS });
    expect(email.subject).toContain(ref(market));
    expectInBoth(email, ...NUMBERS[market]);
    if (market === 'FR') {
      expectInBoth(email, 'vendredi 20 mars 2026', 'Vous pouvez maintenant résilier le service chez votre ancien opérateur', 'Faites-le seulement maintenant');
      expectFrench(email);
    } else {
      expectInBoth(email, 'Friday 20 March 2026', 'You can now cancel the service for these numbers with your previous provider', 'Do it only now');
    }
  });

  it('GB: the compensation due for a late transfer', () => {
    const compensation = lateTransferCompensation({
      market: 'GB',
      monthlyFee: { currency: 'GBP', amountMinor: 3000 },
      confirmedTransferDate: '2026-03-16',
      completedOn: '2026-03-20',
      today: '2026-03-20',
    });
    expect(compensation).toMatchObject({ eligible: true, daysLate: 3, accruesFrom: '2026-03-18' });
    const email = completionEmail({ order: completed('GB', { finalCompensation: compensation }), links: LINKS });
    expectInBoth(email, 'you are due £2.96 for 3 days late (counted from Wednesday 18 March 2026)');
    for (const part of parts(email)) expect(part).toMatch(/compensation due/i);
  });

  it('GB: no compensation line when the port was on time', () => {
    const email = completionEmail({
      order: completed('GB', { finalCompensation: { eligible: false, daysLate: 0, amount: { currency: 'GBP', amountMinor: 0 }, accruesFrom: '2026-03-18' } }),
      links: LINKS,
    });
    expectInNeither(email, 'Compensation', '£');
  });

  it('FR: the test call result and the temporary number released', () => {
    const email = completionEmail({
      order: completed('FR', { details: { ...order('FR').details, temporaryNumber: { number: '+33187654321', keepAsVirtual: false } } }),
      links: LINKS,
      testCall: { number: NUMBERS.FR[0]!, answered: true },
    });
    expectInBoth(email, `Appel de test vers ${NUMBERS.FR[0]} : réussi`, 'Le numéro temporaire +33187654321 a été libéré');
    expectFrench(email);
  });

  it('FR: a failed test call and the temporary number kept as a billed virtual number', () => {
    const email = completionEmail({
      order: completed('FR', { details: { ...order('FR').details, temporaryNumber: { number: '+33187654321', keepAsVirtual: true } } }),
      links: LINKS,
      testCall: { number: NUMBERS.FR[0]!, answered: false },
    });
    expectInBoth(email, 'échec', 'Le numéro temporaire +33187654321 est conservé comme numéro virtuel', '9,95 € TTC par mois');
  });

  it.each(MARKETS)('%s: 5,000 numbers are all listed and the email stays under 350 KB', (market) => {
    const numbers = manyNumbers(market, 5000);
    const email = completionEmail({ order: completed(market, { lines: numbers.map((n) => line(n)) }), links: LINKS });
    const bytes = Buffer.byteLength(email.subject) + Buffer.byteLength(email.text) + Buffer.byteLength(email.html);
    expect(bytes).toBeLessThan(350 * 1024);
    for (const n of [numbers[0]!, numbers[2499]!, numbers[4999]!]) {
      expect(email.text).toContain(n);
      expect(email.html).toContain(`<td>${n}</td>`);
    }
    expect(email.text.match(/\+\d{10,}/g)).toHaveLength(5000);
    expect(email.html.match(/<td>\+\d+<\/td>/g)).toHaveLength(5000);
    expect(squash(email.text)).toContain(market === 'FR' ? '5 000 numéros' : '5,000 numbers');
  });
});

describe('cancellation', () => {
  it('AU: the stage and the fee, and porting fees are not refunded', () => {
    const email = cancellationEmail({
      order: order('AU', {
        status: 'cancelled',
        updatedAt: '2026-03-10T00:00:00.000Z',
        charges: [{ kind: 'porting_fee', amount: { currency: 'AUD', amountMinor: 27000 }, at: '2026-03-02T00:00:00.000Z', description: '' }],
      }),
      links: LINKS,
      stage: 'withCarrier',
      fee: { currency: 'AUD', amountMinor: 27000 },
    });
    expect(email.subject).toContain(ref('AU'));
    expectInBoth(
      email,
      'was cancelled while it was with the losing carrier, before the transfer date',
      'Tuesday 10 March 2026 at 10:00 am AEST',
      'A cancellation fee of A$270.00 incl. GST is charged',
      'The porting fees already charged (A$270.00 incl. GST) are not refunded',
    );
  });

  it('GB: free cancellation says so, with no amount', () => {
    const email = cancellationEmail({ order: order('GB', { status: 'cancelled' }), links: LINKS, stage: 'onTransferDate', fee: { currency: 'GBP', amountMinor: 0 } });
    expect(email.subject).toContain(ref('GB'));
    expectInBoth(email, 'on the transfer date', 'There is no charge for this cancellation', 'none');
    expectInNeither(email, '£', 'not refunded');
  });

  it('FR: free cancellation, in French', () => {
    const email = cancellationEmail({ order: order('FR', { status: 'cancelled' }), links: LINKS, stage: 'beforeCarrier', fee: { currency: 'EUR', amountMinor: 0 } });
    expect(email.subject).toContain(ref('FR'));
    expectInBoth(email, 'après sa soumission, avant son envoi à l’opérateur actuel', 'Cette annulation est gratuite');
    expectFrench(email);
  });
});

describe('withdrawal', () => {
  it('AU: after a second rejection, with its reason and fee; start a new order', () => {
    const base = rejected('AU', 'name_mismatch', 'Name differs');
    const email = withdrawalEmail({ order: { ...base, status: 'withdrawn', rejectionCount: 2, resubmitBy: null }, links: LINKS, reason: 'second_rejection' });
    expect(email.subject).toContain(ref('AU'));
    expectInBoth(
      email,
      'rejected your corrected order for 3 numbers again on Thursday 5 March 2026',
      'A second rejection withdraws the order',
      'Name differs',
      'A$20.00 incl. GST per number × 3 numbers = A$60.00 incl. GST',
      'including the legal form',
      'To port them, start a new order with corrected details',
    );
  });

  it('GB: the resubmission deadline passed, named in London time', () => {
    const base = rejected('GB');
    const email = withdrawalEmail({ order: { ...base, status: 'withdrawn', resubmitBy: null }, links: LINKS, reason: 'resubmission_deadline_passed' });
    expect(email.subject).toContain(ref('GB'));
    expectInBoth(email, 'was not corrected and resubmitted by the deadline (Thursday 12 March 2026 at 23:59 GMT)', 'start a new order');
  });

  it('FR: in French, for either reason', () => {
    const base = { ...rejected('FR'), status: 'withdrawn' as const, resubmitBy: null };
    for (const reason of ['second_rejection', 'resubmission_deadline_passed'] as const) {
      const email = withdrawalEmail({ order: base, links: LINKS, reason });
      expect(email.subject).toContain(ref('FR'));
      expectInBoth(email, 'Une demande retirée est définitive', 'créez une nouvelle demande');
      expectFrench(email);
    }
  });
});

describe('compensation started (GB)', () => {
  const compensation = lateTransferCompensation({
    market: 'GB',
    monthlyFee: { currency: 'GBP', amountMinor: 3000 },
    confirmedTransferDate: '2026-03-16',
    completedOn: null,
    today: '2026-03-20',
  });
  const scheduled = order('GB', { status: 'scheduled', transferDate: '2026-03-16', confirmedTransferDate: '2026-03-16' });

  it('the confirmed date, from when it accrues, the daily rate and the amount so far', () => {
    const email = compensationStartedEmail({ order: scheduled, links: LINKS, compensation, asOf: '2026-03-20' });
    expect(email.subject).toContain(ref('GB'));
    expect(email.subject).toContain('Wednesday 18 March 2026');
    expectInBoth(
      email,
      'Your confirmed transfer date was Monday 16 March 2026',
      'compensation accrues from Wednesday 18 March 2026',
      'monthly subscription × 12 ÷ 365: £30.00 × 12 ÷ 365 ≈ £0.99 a day',
      '3 days, £2.96',
    );
  });

  it('in French for an FR order (the composer follows the market)', () => {
    const fr = order('FR', { status: 'scheduled', transferDate: '2026-03-16', confirmedTransferDate: '2026-03-16', monthlyFee: { currency: 'EUR', amountMinor: 3000 } });
    const email = compensationStartedEmail({
      order: fr,
      links: LINKS,
      compensation: { ...compensation, amount: { currency: 'EUR', amountMinor: 296 } },
      asOf: '2026-03-20',
    });
    expect(email.subject).toContain(ref('FR'));
    expectInBoth(email, '30,00 € × 12 ÷ 365 ≈ 0,99 € par jour', '3 jours, 2,96 € TTC');
    expectFrench(email);
  });
});
