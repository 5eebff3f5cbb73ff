// Operator, account-administrator and carrier emails, per market.
import { describe, expect, it } from 'vitest';
import {
  carrierResubmissionEmail,
  carrierSubmissionEmail,
  exceptionEmail,
  overdueEmail,
  terminationWarningEmail,
  type ComposedEmail,
} from '../../shared/notifications/index.ts';
import type { Market } from '../../shared/rules/types.ts';
import { htmlText, line, LINKS, manyNumbers, NUMBERS, order, squash } from './fixtures.ts';

const MARKETS: Market[] = ['AU', 'GB', 'FR'];
const ref = (market: Market) => `[PD-pin_${market.toLowerCase()}0001]`;

function expectInBoth(email: ComposedEmail, ...facts: string[]): void {
  for (const part of [squash(email.text), squash(htmlText(email.html))]) {
    for (const fact of facts) expect(part).toContain(squash(fact));
  }
}

describe('overdue (operator)', () => {
  it.each(MARKETS)('%s: order, market, carrier, due date, days overdue', (market) => {
    const email = overdueEmail({
      order: order(market, { dueDate: '2026-03-30' }),
      links: LINKS,
      carrier: { id: 'car_0001', name: 'Bilby Telecom' },
      today: '2026-04-02',
    });
    expect(email.subject).toContain(ref(market));
    expect(email.subject).toContain(market);
    expect(email.subject).toContain('Bilby Telecom (car_0001)');
    expectInBoth(email, `PD-pin_${market.toLowerCase()}0001`, 'Bilby Telecom (car_0001)');
    if (market === 'FR') expectInBoth(email, 'lundi 30 mars 2026', '3 jours');
    else expectInBoth(email, 'Monday 30 March 2026', '3 days', 'Days overdue');
  });

  it('in English for an FR order when the desk asks for it, with French-market dates in Paris terms', () => {
    const email = overdueEmail({ order: order('FR'), links: LINKS, today: '2026-03-31', language: 'en' });
    expect(email.subject).toBe('Port-in overdue by 1 day (FR, car_0001) [PD-pin_fr0001]');
    expectInBoth(email, 'Monday 30 March 2026', 'Losing carrier', 'car_0001');
  });
});

describe('exception (operator)', () => {
  it.each(MARKETS)('%s: order, workflow step, error and cause', (market) => {
    const email = exceptionEmail({
      order: order(market, {
        exception: { step: 'SubmitToCarrier', error: 'CarrierTimeout', cause: 'POST https://carrier.example.test/ports timed out\nafter 3 attempts', at: '2026-03-02T01:00:00.000Z' },
      }),
      links: LINKS,
    });
    expect(email.subject).toContain(ref(market));
    expect(email.subject).toContain('SubmitToCarrier');
    expectInBoth(email, 'SubmitToCarrier', 'CarrierTimeout', 'timed out', 'after 3 attempts');
    expect(email.text).toContain('    POST https://carrier.example.test/ports timed out\n    after 3 attempts');
    expect(email.html).toContain('<pre');
  });

  it('needs an exception', () => {
    expect(() => exceptionEmail({ order: order('AU'), links: LINKS })).toThrow(/no workflow exception/);
  });
});

describe('termination warning (account administrator)', () => {
  const account = (market: Market) => ({ id: 'acc_0001', name: 'Quokka Widgets', market });

  it('GB: 30 days to port out after termination', () => {
    const email = terminationWarningEmail({ account: account('GB'), terminationDate: '2026-05-29', remainingNumbers: 12 });
    expect(email.subject).toBe('Account terminates on Friday 29 May 2026: 12 numbers still to port out (Quokka Widgets)');
    expectInBoth(email, '12 numbers are still active', '30 days, until Sunday 28 June 2026', 'port them out before the termination date');
  });

  it('FR: 40 days, in French', () => {
    const email = terminationWarningEmail({ account: account('FR'), terminationDate: '2026-05-29', remainingNumbers: 2 });
    expect(email.subject).toContain('vendredi 29 mai 2026');
    expectInBoth(email, '2 numéros y sont encore actifs', '40 jours, jusqu’au mercredi 8 juillet 2026', 'avant la résiliation');
    for (const part of [email.subject, squash(email.text)]) expect(part).not.toMatch(/\b(the|your|numbers|port out)\b/i);
  });

  it('AU: no window, released at termination', () => {
    const email = terminationWarningEmail({ account: account('AU'), terminationDate: '2026-05-29', remainingNumbers: 1, links: { numbers: 'https://portdesk.example.test/accounts/acc_0001/numbers' } });
    expectInBoth(email, '1 number is still active', 'none', 'port them out before Friday 29 May 2026', 'there is no porting window afterwards');
    expect(email.html).toContain('href="https://portdesk.example.test/accounts/acc_0001/numbers"');
    expect(email.subject).not.toContain('[PD-');
  });
});

describe('carrier submission', () => {
  const withPin = (market: Market) =>
    order(market, {
      details: { ...order(market).details, pin: '4826' },
      lines: [line(NUMBERS[market][0]!), line(NUMBERS[market][1]!, { lineType: 'isdn', services: ['line_hunt', 'eftpos'] }), line(NUMBERS[market][2]!)],
    });

  it.each(MARKETS)('%s: everything the porting desk needs, and replies keep the reference', (market) => {
    const email = carrierSubmissionEmail({ order: withPin(market), links: LINKS, carrier: { id: 'car_0001', name: 'Bilby Telecom' } });
    expect(email.subject.startsWith(market === 'FR' ? 'Demande de portabilité [PD-pin_fr0001]' : `Port-in request ${ref(market)}`)).toBe(true);
    expectInBoth(
      email,
      `PD-pin_${market.toLowerCase()}0001`,
      'Quokka Widgets (Robin Example)',
      'LC-445566',
      '4826',
      'robin@customer.example.test',
      'Robin Example',
      ...NUMBERS[market],
    );
    if (market === 'FR') {
      expectInBoth(email, '10 rue des Tilleuls', '75002 Paris', 'RTC (analogique)', 'RNIS (Numéris) avec TPE, groupement de lignes : 1 numéro', `Gardez la référence [PD-pin_fr0001] dans l’objet de chaque réponse`, 'mandat signé le lundi 2 mars 2026');
      for (const part of [email.subject, squash(email.text)]) expect(part).not.toMatch(/\b(the|your|numbers|request)\b/i);
    } else {
      expectInBoth(email, 'PSTN: 2 numbers', 'ISDN with EFTPOS, line hunt: 1 number', 'Keep the reference [PD-', 'Letter of Authority signed Monday 2 March 2026');
    }
    if (market === 'AU') expectInBoth(email, '12 Wattle Street', 'Brisbane QLD 4000', 'Complex');
    if (market === 'GB') expectInBoth(email, '1 Juniper Row', 'London', 'EC1A 1AA');
  });

  it('leaves the PIN out when none was given', () => {
    const email = carrierSubmissionEmail({ order: order('GB'), links: LINKS, carrier: { id: 'car_0001', name: 'Bilby Telecom' } });
    expect(email.text).not.toContain('PIN');
  });

  it.each(MARKETS)('%s: the resubmission says it is a corrected resubmission and why it was rejected', (market) => {
    const email = carrierResubmissionEmail({
      order: { ...withPin(market), rejectionCount: 1, lastRejection: { reasonCode: 'name_mismatch', reason: 'Holder name differs', rejectedOn: '2026-03-05', at: '2026-03-05T01:00:00.000Z' } },
      links: LINKS,
      carrier: { id: 'car_0001', name: 'Bilby Telecom' },
    });
    expect(email.subject).toContain(market === 'FR' ? 'Demande de portabilité [PD-pin_fr0001] – nouvelle soumission corrigée' : `Port-in request ${ref(market)} – corrected resubmission`);
    expectInBoth(email, 'name_mismatch', 'Holder name differs', '4826');
  });

  it.each(MARKETS)('%s: 5,000 numbers stay under 350 KB, grouped by line type', (market) => {
    const numbers = manyNumbers(market, 5000);
    const email = carrierSubmissionEmail({
      order: order(market, { lines: numbers.map((n, i) => line(n, i % 10 === 0 ? { lineType: 'isdn' } : {})) }),
      links: LINKS,
      carrier: { id: 'car_0001', name: 'Bilby Telecom' },
    });
    const bytes = Buffer.byteLength(email.subject) + Buffer.byteLength(email.text) + Buffer.byteLength(email.html);
    expect(bytes).toBeLessThan(350 * 1024);
    expect(email.html.match(/<td>\+\d+<\/td>/g)).toHaveLength(5000);
    expectInBoth(email, market === 'FR' ? 'RNIS (Numéris) : 500 numéros' : 'ISDN: 500 numbers');
  });
});
