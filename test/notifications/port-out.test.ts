// Port-out emails, per market: to the administrator (accepted, completed, withdrawn, numbers released)
// and to the gaining carrier (the answer to its emailed request). Every number in national and E.164
// form, the ported-in warning only when some came by port-in, the not-cancellable sentence, the
// port-back fee in the market's money, French throughout for FR, hostile text escaped, 1,000 numbers small.
import { describe, expect, it } from 'vitest';
import {
  numbersReleasedEmail,
  portOutAcceptedEmail,
  portOutAnswerEmail,
  portOutCompletedEmail,
  portOutWithdrawnEmail,
  type ComposedEmail,
  type PortOutAcceptedEmailInput,
  type PortOutAnswerEmailInput,
} from '../../shared/notifications/index.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { Market } from '../../shared/rules/types.ts';
import { expectInBoth, expectInNeither, htmlText, manyNumbers, NUMBERS, parts, squash } from './fixtures.ts';

const MARKETS: Market[] = ['AU', 'GB', 'FR'];
const REF = '[PD-pout_0001]';
const CARRIER = 'Bilby Telecom';
const SCRIPT = '<script>alert("pd")</script>';

/** The fixture numbers as their holder writes them (libphonenumber's national format). */
const NATIONAL: Record<Market, string[]> = {
  AU: ['(07) 3212 3456', '(07) 3212 3457', '(07) 3212 3458'],
  GB: ['020 7946 0001', '020 7946 0002', '020 7946 0003'],
  FR: ['01 42 68 53 01', '01 42 68 53 02', '01 42 68 53 03'],
};

/** 16 March 2026 in each market's words. */
const REQUESTED: Record<Market, string> = { AU: 'Monday 16 March 2026', GB: 'Monday 16 March 2026', FR: 'lundi 16 mars 2026' };

/** English words that must not appear in a French email. */
const ENGLISH = /\b(the|your|numbers?|port-out|port-in|cannot|ported|carrier|charges?|request)\b/i;

const account = (market: Market) => ({ id: 'acc_0001', name: 'Quokka Widgets', market });

function accepted(market: Market, overrides: Partial<PortOutAcceptedEmailInput> = {}): PortOutAcceptedEmailInput {
  return {
    account: account(market),
    portOut: { id: 'pout_0001', carrierName: CARRIER, requestedDate: '2026-03-16', authorizedName: 'Robin Example' },
    numbers: NUMBERS[market].map((e164, i) => ({ e164, portedIn: i > 0 })),
    portBackFee: { currency: policyFor(market).currency, amountMinor: 2500 },
    ...overrides,
  };
}

/** Nothing leaked from a missing or mistyped value, in any part. */
function expectClean(email: ComposedEmail): void {
  for (const part of [email.subject, email.text, email.html]) expect(part).not.toMatch(/undefined|NaN|\[object Object\]|\bnull\b|Infinity/);
}

/** One row of a facts table: "Label: value" in the text part (French "Label : value"), the same two cells in the HTML. */
function expectFact(email: ComposedEmail, label: string, value: string): void {
  const colon = email.html.includes('lang="fr-FR"') ? ' :' : ':';
  expect(squash(email.text)).toContain(`${label}${colon} ${value}`);
  expect(email.html).toMatch(new RegExp(`>${label}</td><td[^>]*>${value}<`));
}

/** The line of a part that holds `e164` in the number table (the only place an E.164 number is written in an administrator email). */
const rowOf = (part: string, e164: string): string => {
  const rows = part.split('\n').filter((l) => l.includes(e164));
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

function expectFrench(email: ComposedEmail): void {
  const words = (part: string) => part.replace(/https?:\/\/\S+/g, '');
  for (const part of [email.subject, squash(email.text), squash(htmlText(email.html))]) expect(words(part)).not.toMatch(ENGLISH);
  expect(email.html).toContain('<html lang="fr-FR">');
}

describe('port_out_accepted (administrator, at once)', () => {
  const FEE: Record<Market, string> = { AU: 'A$25.00 incl. GST per number', GB: '£25.00 per number', FR: '25,00 € TTC par numéro' };

  it.each(MARKETS)('%s: warning headline, the reference and the count in the subject, every number in both forms', (market) => {
    const email = portOutAcceptedEmail(accepted(market));
    expectClean(email);
    expect(email.subject).toContain(REF);
    expect(email.subject).toContain(market === 'FR' ? '3 numéros' : '3 numbers');
    expect(email.subject).toMatch(market === 'FR' ? /^Attention : / : /^Warning: /);
    expectInBoth(email, ...NUMBERS[market], ...NATIONAL[market], CARRIER, 'Robin Example', REQUESTED[market], 'PD-pout_0001');
    if (market === 'FR') {
      expectInBoth(email, 'Attention : des numéros vont quitter votre compte (portabilité sortante)', 'Opérateur receveur', 'Autorisée par', 'Date demandée');
      expectFrench(email);
    } else {
      expectInBoth(email, 'Warning: numbers are being ported out of your account', 'Gaining carrier', 'Authorised by', 'Requested date');
    }
  });

  it.each(MARKETS)('%s: the ported-in numbers are marked and warned about, with their count', (market) => {
    const email = portOutAcceptedEmail(accepted(market));
    const mark = market === 'FR' ? '← arrivé par portabilité' : '← ported in to us';
    for (const part of [email.text, email.html]) {
      expect(rowOf(part, NUMBERS[market][0]!)).not.toContain(mark);
      expect(rowOf(part, NUMBERS[market][1]!)).toContain(mark);
      expect(rowOf(part, NUMBERS[market][2]!)).toContain(mark);
    }
    if (market === 'FR') {
      expect(email.text).toContain('NUMÉROS ARRIVÉS PAR PORTABILITÉ\u00a0: 2 de ces numéros');
      expectInBoth(email, '2 de ces numéros sont arrivés chez nous par portabilité', 'Leurs appels et fax entrants cesseront');
      expectFact(email, 'Dont arrivés par portabilité', '2');
    } else {
      expect(email.text).toContain('PORTED-IN NUMBERS: 2 of these numbers');
      expectInBoth(email, '2 of these numbers came to us by port-in', 'Their inbound calls and faxes stop');
      expectFact(email, 'Came to us by port-in', '2');
    }
    // Few enough to be named in the warning itself.
    expectInBoth(email, `(${NATIONAL[market][1]}, ${NATIONAL[market][2]})`);
    expect(email.html).toMatch(/background:#fff4e5[^>]*><strong>(Ported-in numbers|Numéros arrivés par portabilité)/);
  });

  it.each(MARKETS)('%s: one ported-in number is warned about in the singular', (market) => {
    const email = portOutAcceptedEmail(accepted(market, { numbers: NUMBERS[market].map((e164, i) => ({ e164, portedIn: i === 2 })) }));
    expectInBoth(email, market === 'FR' ? '1 de ces numéros est arrivé chez nous par portabilité' : '1 of these numbers came to us by port-in');
  });

  it.each(MARKETS)('%s: no ported-in warning and no mark when none came by port-in', (market) => {
    const email = portOutAcceptedEmail(accepted(market, { numbers: NUMBERS[market].map((e164) => ({ e164, portedIn: false })) }));
    expectClean(email);
    expectInBoth(email, ...NUMBERS[market]);
    expectInNeither(email, 'ported in to us', 'came to us by port-in', 'inbound calls and faxes', 'arrivé par portabilité', 'appels et fax entrants');
  });

  it.each(MARKETS)('%s: cannot be cancelled, what to do if it is a mistake, how to port back and the fee per number', (market) => {
    const email = portOutAcceptedEmail(accepted(market));
    if (market === 'FR') {
      expectInBoth(
        email,
        'Une portabilité sortante acceptée ne peut pas être annulée',
        `contactez ${CARRIER} sans attendre et demandez-lui de retirer sa demande de portabilité`,
        'nouvelle demande de portabilité entrante',
        `Des frais de retour de portabilité de ${FEE.FR} s’appliquent.`,
      );
    } else {
      expectInBoth(
        email,
        'An accepted port-out cannot be cancelled: the gaining carrier started it, and we must release the numbers it asks for.',
        `contact ${CARRIER} at once and ask it to withdraw its port-out request`,
        'bring them back with a new port-in order',
        `A port-back fee of ${FEE[market]} applies.`,
      );
    }
  });

  it.each(MARKETS)('%s: porting back is free when there is no port-back fee', (market) => {
    for (const portBackFee of [null, { currency: policyFor(market).currency, amountMinor: 0 }]) {
      const email = portOutAcceptedEmail(accepted(market, { portBackFee }));
      expectClean(email);
      expectInBoth(email, market === 'FR' ? 'Le retour est gratuit : il n’y a pas de frais de retour de portabilité.' : 'Porting back is free: there is no port-back fee.');
      expectInNeither(email, FEE[market], 'per number', 'par numéro');
    }
  });

  it('links to the port-out and to a new port-in order when given, never to a script', () => {
    const plain = portOutAcceptedEmail(accepted('GB'));
    expect(plain.html).not.toContain('href=');
    const email = portOutAcceptedEmail(
      accepted('GB', { links: { portOut: 'https://portdesk.example.test/port-outs/pout_0001', portIns: 'javascript:alert(1)' } }),
    );
    expect(email.html).toContain('href="https://portdesk.example.test/port-outs/pout_0001"');
    expect(email.html).not.toContain('href="javascript:');
    expectInBoth(email, 'View the port-out', 'Port numbers back (new port-in order)');
  });

  it.each(MARKETS)('%s: a hostile carrier, signer and account name are escaped in the HTML and read as given', (market) => {
    const email = portOutAcceptedEmail(
      accepted(market, {
        account: { id: 'acc_0001', name: `Quokka ${SCRIPT}`, market },
        portOut: { id: 'pout_0001', carrierName: `Bilby ${SCRIPT}`, requestedDate: '2026-03-16', authorizedName: '<img src=x onerror=alert(1)>' },
      }),
    );
    expect(email.html).not.toMatch(/<script|<img/i);
    expect(email.html).toContain('Bilby &lt;script&gt;alert(&quot;pd&quot;)&lt;/script&gt;');
    expect(htmlText(email.html)).toContain(`Bilby ${SCRIPT}`);
    expect(htmlText(email.html)).toContain('<img src=x onerror=alert(1)>');
    expect(email.text).toContain(`Bilby ${SCRIPT}`);
  });

  it.each(MARKETS)('%s: 1,000 numbers (every 7th ported in) stay under 120 KB, one compact table, every number listed once', (market) => {
    const numbers = manyNumbers(market, 1000).map((e164, i) => ({ e164, portedIn: i % 7 === 0 }));
    const portedIn = numbers.filter((n) => n.portedIn).length;
    const email = portOutAcceptedEmail(accepted(market, { numbers }));
    expectClean(email);
    const bytes = Buffer.byteLength(email.subject) + Buffer.byteLength(email.text) + Buffer.byteLength(email.html);
    expect(bytes).toBeLessThan(120 * 1024);
    expect(squash(email.subject)).toContain(market === 'FR' ? '1 000 numéros' : '1,000 numbers');
    for (const part of [email.text, email.html]) {
      for (const n of numbers) expect(part.split(n.e164)).toHaveLength(2);
      expect(part.split(market === 'FR' ? '← arrivé par portabilité' : '← ported in to us')).toHaveLength(portedIn + 1);
    }
    // Too many to name in the warning: it points to the marks, with the count.
    expectInBoth(email, market === 'FR' ? `${portedIn} de ces numéros sont arrivés chez nous par portabilité, signalés dans la liste` : `${portedIn} of these numbers came to us by port-in, marked in the list below`);
    // No paragraph or table row per number.
    expect(email.html.match(/<p\b/g)?.length ?? 0).toBeLessThan(20);
    expect(email.html.match(/<tr\b/g)?.length ?? 0).toBeLessThan(20);
  });
});

describe('port_out_completed (administrator)', () => {
  const completed = (market: Market, monthlyChargeChange: { currency: 'EUR' | 'AUD' | 'GBP'; amountMinor: number } | null = null) =>
    portOutCompletedEmail({
      account: account(market),
      portOut: { id: 'pout_0001', carrierName: CARRIER, completedOn: '2026-03-20' },
      numbers: NUMBERS[market],
      monthlyChargeChange,
      links: { portOut: 'https://portdesk.example.test/port-outs/pout_0001', numbers: 'https://portdesk.example.test/numbers' },
    });

  it.each(['AU', 'GB'] as const)('%s: the numbers left on the date, left the inventory, calls go to the new carrier, charges stop; no monthly change', (market) => {
    const email = completed(market);
    expectClean(email);
    expect(email.subject).toBe(`Port-out complete: 3 numbers left for ${CARRIER} on Friday 20 March 2026 ${REF}`);
    expectInBoth(
      email,
      ...NUMBERS[market],
      ...NATIONAL[market],
      'of the account Quokka Widgets left us for',
      'no longer in your number inventory',
      `inbound calls and faxes to them now reach ${CARRIER}`,
      'Monthly charges for these numbers stop from Friday 20 March 2026',
      'a new port-in order; the port-back fee then applies',
      'View your numbers',
    );
    expectInNeither(email, 'a month', 'additional-number', 'subscription');
  });

  it('FR: in French, with the change in the monthly charge', () => {
    const email = completed('FR', { currency: 'EUR', amountMinor: -1990 });
    expectClean(email);
    expect(email.subject).toContain(REF);
    expect(email.subject).toContain('Portabilité sortante terminée : 3 numéros partis chez Bilby Telecom le vendredi 20 mars 2026');
    expectInBoth(
      email,
      ...NUMBERS.FR,
      ...NATIONAL.FR,
      'ont quitté notre réseau pour Bilby Telecom',
      'Ils ne figurent plus dans votre inventaire de numéros',
      'arrivent désormais chez Bilby Telecom',
      'Les frais mensuels de ces numéros s’arrêtent à partir du vendredi 20 mars 2026',
      'Évolution de vos frais de numéros supplémentaires : −19,90 € TTC par mois',
      'nouvelle demande de portabilité entrante',
    );
    expectFrench(email);
  });

  it('FR: a zero change says the monthly charge stays as it is', () => {
    const email = completed('FR', { currency: 'EUR', amountMinor: 0 });
    expectClean(email);
    expectInBoth(email, 'Le montant de votre abonnement mensuel ne change pas');
    expectInNeither(email, 'par mois', '0,00');
  });

  it('one number reads in the singular', () => {
    const email = portOutCompletedEmail({ account: account('GB'), portOut: { id: 'pout_0001', carrierName: CARRIER, completedOn: '2026-03-20' }, numbers: NUMBERS.GB.slice(0, 1), monthlyChargeChange: null });
    expect(email.subject).toContain('1 number left');
    expectInBoth(email, 'It is no longer in your number inventory', 'Monthly charges for this number stop');
  });
});

describe('port_out_withdrawn (administrator)', () => {
  it.each(MARKETS)('%s: the carrier withdrew, with its reason; the numbers stay and nothing changes', (market) => {
    const email = portOutWithdrawnEmail({ account: account(market), portOut: { id: 'pout_0001', carrierName: CARRIER, reason: 'Customer changed their mind' }, numbers: NUMBERS[market] });
    expectClean(email);
    expect(email.subject).toContain(REF);
    expectInBoth(email, ...NUMBERS[market], ...NATIONAL[market], CARRIER, 'Customer changed their mind');
    if (market === 'FR') {
      expect(email.subject).toContain('vos 3 numéros restent chez nous');
      expectInBoth(email, 'a retiré sa demande de portabilité sortante', 'Motif indiqué', 'Les numéros restent chez nous');
    } else {
      expect(email.subject).toContain('your 3 numbers stay with us');
      expectInBoth(email, 'has withdrawn its request to port 3 numbers out', 'Reason given', 'The numbers stay with us', 'carry on as before');
    }
  });

  it.each(MARKETS)('%s: no reason row when the carrier gave none', (market) => {
    const email = portOutWithdrawnEmail({ account: account(market), portOut: { id: 'pout_0001', carrierName: CARRIER, reason: null }, numbers: NUMBERS[market] });
    expectClean(email);
    expectInNeither(email, 'Reason given', 'Motif indiqué');
    if (market === 'FR') expectFrench(email);
  });
});

describe('numbers_released (administrator)', () => {
  const released = (market: Market, numbers = NUMBERS[market]) =>
    numbersReleasedEmail({ account: account(market), terminationDate: '2026-05-29', releasedOn: market === 'AU' ? '2026-05-29' : market === 'GB' ? '2026-06-28' : '2026-07-08', numbers });

  it('GB: terminated, the 30-day window ended, released and lost, every number listed', () => {
    const email = released('GB');
    expectClean(email);
    expect(email.subject).toBe('Numbers released: 3 numbers of Quokka Widgets can no longer be ported');
    expectInBoth(
      email,
      ...NUMBERS.GB,
      ...NATIONAL.GB,
      'terminated on Friday 29 May 2026',
      'stayed portable for 30 days; that porting window has ended',
      'On Sunday 28 June 2026 we therefore released the 3 numbers still on it.',
      'can no longer be ported out to another carrier, nor ported back to us',
    );
  });

  it('AU: no window after termination', () => {
    const email = released('AU');
    expectClean(email);
    expectInBoth(email, ...NUMBERS.AU, 'there is no porting window afterwards', 'nor ported back to us');
    expectFact(email, 'Porting window after termination', 'none');
  });

  it('FR: in French, 40 days', () => {
    const email = released('FR');
    expectClean(email);
    expect(email.subject).toBe('Numéros libérés : 3 numéros du compte Quokka Widgets ne sont plus portables');
    expectInBoth(
      email,
      ...NUMBERS.FR,
      ...NATIONAL.FR,
      'a été résilié le vendredi 29 mai 2026',
      'restaient portables pendant 40 jours ; ce délai est écoulé',
      'Le mercredi 8 juillet 2026, nous avons donc libéré les 3 numéros qui y restaient.',
      'ne peuvent plus être portés vers un autre opérateur, ni revenir chez nous',
    );
    expectFrench(email);
  });

  it.each(MARKETS)('%s: an account email: no port-out reference, the account in the footer', (market) => {
    const email = released(market);
    expect(email.subject).not.toContain('[PD-');
    expectInBoth(email, market === 'FR' ? 'Compte acc_0001.' : 'Account acc_0001.');
  });
});

describe('port_out_answer (gaining carrier)', () => {
  const answer = (market: Market | null, portOut: Partial<PortOutAnswerEmailInput['portOut']> = {}): ComposedEmail =>
    portOutAnswerEmail({
      market,
      portOut: { id: 'pout_0001', status: 'accepted', requestedDate: '2026-03-16', numbers: NUMBERS[market ?? 'GB'], rejection: null, ...portOut },
    });

  const rejected = (market: Market | null, code: string, numbers: string[]) =>
    answer(market, { status: 'rejected', rejection: { code, message: 'The port-out PIN is missing or wrong.', numbers } });

  it.each(['AU', 'GB', null] as const)('%s: accepted, in English: we release the numbers on completion; tell us by API or reply', (market) => {
    const email = answer(market);
    expectClean(email);
    expect(email.subject).toBe(`Port-out request accepted ${REF} – 3 numbers`);
    expectInBoth(
      email,
      ...NUMBERS[market ?? 'GB'],
      'We have accepted your port-out request for 3 numbers',
      'requested for Monday 16 March 2026.',
      'We will release the numbers when you complete the port.',
      'through our API',
      `reply to this email keeping ${REF} in the subject`,
    );
    expect(email.html).toContain(`<html lang="${market === 'AU' ? 'en-AU' : 'en-GB'}">`);
  });

  it('FR: accepted, in French', () => {
    const email = answer('FR');
    expectClean(email);
    expect(email.subject).toBe(`Portabilité sortante acceptée ${REF} – 3 numéros`);
    expectInBoth(email, ...NUMBERS.FR, 'Nous libérerons les numéros lorsque vous terminerez le portage.', 'par notre API', `en gardant ${REF} dans l’objet`);
    expectFrench(email);
  });

  it.each(['AU', 'GB', null] as const)('%s: rejected: the code, the message, the numbers concerned and how to send a corrected new request', (market) => {
    const concerned = NUMBERS[market ?? 'GB'].slice(1);
    const email = rejected(market, 'number_not_found', concerned);
    expectClean(email);
    expect(email.subject).toBe(`Port-out request rejected (number_not_found) ${REF} – 3 numbers`);
    expectInBoth(
      email,
      'number_not_found',
      'The port-out PIN is missing or wrong.',
      'Numbers concerned (2)',
      ...concerned,
      'These numbers are not in service with us',
      'Send a new, corrected request, through our API or as a new email with the signed Letter of Authority attached',
    );
    // Only the numbers concerned are listed.
    expectInNeither(email, NUMBERS[market ?? 'GB'][0]!);
  });

  it('FR: rejected, in French, with the advice for the code', () => {
    const email = rejected('FR', 'pin_mismatch', []);
    expectClean(email);
    expect(email.subject).toBe(`Portabilité sortante rejetée (pin_mismatch) ${REF} – 3 numéros`);
    expectFact(email, 'Code du motif', 'pin_mismatch');
    expectInBoth(email, 'Le compte est protégé par un code de portabilité sortante', 'Envoyez une nouvelle demande corrigée');
    expectInNeither(email, 'Numéros concernés');
    // The rules' message is the carrier-facing sentence as given; everything else is French.
    const withoutMessage = { ...email, text: email.text.replace('The port-out PIN is missing or wrong.', ''), html: email.html.replace('The port-out PIN is missing or wrong.', '') };
    expectFrench(withoutMessage);
  });

  it('an unknown code gets the generic advice', () => {
    expectInBoth(rejected('GB', 'something_else', []), 'Correct what the reason above says, then send a new request.');
  });

  it('a hostile message and code are escaped in the HTML, and the subject stays one line', () => {
    const email = answer('GB', { status: 'rejected', rejection: { code: `x_${SCRIPT}\r\nBcc: evil@example.test`, message: `Rejected ${SCRIPT}`, numbers: [] } });
    expect(email.html).not.toMatch(/<script/i);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(parts(email)[1]).toContain(`Rejected ${SCRIPT}`);
  });

  it('a rejected answer needs its rejection', () => {
    expect(() => answer('GB', { status: 'rejected', rejection: null })).toThrow(/no rejection/);
  });
});
