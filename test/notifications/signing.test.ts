// The Letter of Authority emails (request and reminder), per market and reason: the reference in the
// subject, the signing link in both parts, the expiry in market time, the void signature and the
// resubmission deadline after an edit, French throughout for FR, hostile names escaped.
import { describe, expect, it } from 'vitest';
import {
  signingReminderEmail,
  signingRequestEmail,
  type ComposedEmail,
  type SigningEmailInput,
  type SigningReason,
} from '../../shared/notifications/index.ts';
import { resubmissionDeadline } from '../../shared/rules/deadlines.ts';
import type { Market, PortInOrder } from '../../shared/rules/types.ts';
import { expectInBoth, expectInNeither, htmlText, line, manyNumbers, NUMBERS, order, parts, SIGNING_URL, signingInput } from './fixtures.ts';

const MARKETS: Market[] = ['AU', 'GB', 'FR'];
const REASONS: SigningReason[] = ['submitted', 'order_edited', 'renewed'];
const KINDS = { signing_request: signingRequestEmail, signing_reminder: signingReminderEmail } as const;
type Kind = keyof typeof KINDS;

/** Instants just after midnight market time: the market's date is a day after the UTC date. */
const EXPIRY: Record<Market, { at: string; shown: string; utcDay: string }> = {
  AU: { at: '2026-03-09T14:30:00.000Z', shown: 'Tuesday 10 March 2026 at 12:30 am AEST', utcDay: 'Monday 9 March' },
  GB: { at: '2026-04-09T23:30:00.000Z', shown: 'Friday 10 April 2026 at 00:30 BST', utcDay: 'Thursday 9 April' },
  FR: { at: '2026-03-09T23:30:00.000Z', shown: 'mardi 10 mars 2026 à 00:30 (heure de Paris, UTC+1)', utcDay: 'lundi 9 mars' },
};

/** The resubmission deadline of a rejection on 5 March, as the rejection email shows it. */
const DEADLINE: Record<Market, string> = {
  AU: 'Thursday 12 March 2026 at 11:59 pm AEST',
  GB: 'Thursday 12 March 2026 at 23:59 GMT',
  FR: 'jeudi 12 mars 2026 à 23:59 (heure de Paris, UTC+1)',
};

const ref = (market: Market) => `[PD-pin_${market.toLowerCase()}0001]`;


/** Rejected on 5 March and edited since: the resubmission window is open. */
function rejected(market: Market): PortInOrder {
  return order(market, {
    status: 'rejected',
    signature: null,
    rejectionCount: 1,
    lastRejection: { reasonCode: 'name_mismatch', reason: 'Name does not match', rejectedOn: '2026-03-05', at: '2026-03-05T01:00:00.000Z' },
    resubmitBy: resubmissionDeadline(market, '2026-03-05').toISOString(),
  });
}

function compose(kind: Kind, market: Market, reason: SigningReason, overrides: Partial<SigningEmailInput> = {}): ComposedEmail {
  const o = reason === 'order_edited' ? rejected(market) : order(market, { status: 'submitted', signature: null });
  return KINDS[kind](signingInput(o, { reason, expiresAt: EXPIRY[market].at, ...overrides }));
}

const CASES = MARKETS.flatMap((market) =>
  (Object.keys(KINDS) as Kind[]).flatMap((kind) => REASONS.map((reason) => [market, kind, reason] as const)),
);

describe.each(CASES)('%s %s (%s)', (market, kind, reason) => {
  const email = compose(kind, market, reason);
  const fr = market === 'FR';

  it('has the order reference in the subject', () => {
    expect(email.subject).toContain(ref(market));
    expect(email.subject).toContain(fr ? 'mandat de portabilité' : 'Letter of Authority');
  });

  it('gives the signing link in full in the text part and as a plain link in the HTML part', () => {
    expect(email.text).toContain(SIGNING_URL);
    expect(email.html).toContain(`<a href="${SIGNING_URL}"`);
    expect(email.html).not.toMatch(/<script|onclick|javascript:/i);
  });

  it('gives the expiry in market time, not UTC', () => {
    expectInBoth(email, EXPIRY[market].shown);
    expectInNeither(email, EXPIRY[market].utcDay);
  });

  it('says what is asked: the numbers, the carrier, that nothing goes to the carrier unsigned, what to do if unexpected', () => {
    expectInBoth(email, ...NUMBERS[market], 'Bilby Telecom', fr ? '3 numéros' : '3 numbers');
    if (fr) {
      expectInBoth(
        email,
        'Votre demande ne peut pas être envoyée à Bilby Telecom tant que le mandat n’est pas signé',
        'Si vous n’attendiez pas ce message, ignorez-le',
        'prévenez notre service client',
      );
    } else {
      expectInBoth(
        email,
        'Your order cannot go to Bilby Telecom until the Letter of Authority is signed',
        'If you did not expect this email, ignore it',
        'let our support team know',
      );
    }
  });

  it(fr ? 'is in French throughout' : 'is in English', () => {
    if (fr) {
      // The link's own path ("/sign/…") is not prose.
      for (const part of [email.subject, ...parts(email)].map((p) => p.split(SIGNING_URL).join(''))) {
        // Letter boundaries, not \b: "signé" must not read as the English "sign".
        expect(part).not.toMatch(/(?<!\p{L})(the|your|you|order|numbers|please|with|from|sign|link|letter|authority)(?!\p{L})/iu);
      }
      expect(email.html).toContain('<html lang="fr-FR">');
    } else {
      expect(email.html).toContain(`<html lang="${market === 'AU' ? 'en-AU' : 'en-GB'}">`);
      expectInBoth(email, 'Hello Quokka Widgets,');
    }
  });

  it(reason === 'order_edited' ? 'says the earlier signature is void and gives the resubmission deadline' : 'says nothing of a void signature or a deadline', () => {
    const void_ = fr ? 'l’ancienne signature ne vaut plus' : 'the earlier signature no longer counts';
    const deadline = fr ? 'doit être signée et soumise de nouveau avant le' : 'must be signed and resubmitted by';
    if (reason === 'order_edited') expectInBoth(email, void_, `${deadline} ${DEADLINE[market]}`);
    else expectInNeither(email, void_, deadline);
  });
});

describe('wording by kind and reason', () => {
  it.each(MARKETS)('%s: the reminder says it is not signed yet, the request does not', (market) => {
    const phrase = market === 'FR' ? 'Vous n’avez pas encore signé' : 'You have not signed';
    expectInBoth(compose('signing_reminder', market, 'submitted'), phrase);
    expectInNeither(compose('signing_request', market, 'submitted'), phrase);
    expect(compose('signing_reminder', market, 'submitted').subject).toMatch(market === 'FR' ? /^Rappel : / : /^Reminder: /);
  });

  it.each(MARKETS)('%s: a renewed link says the earlier links no longer work', (market) => {
    const phrase = market === 'FR' ? 'les liens des messages précédents ne fonctionnent plus' : 'links in earlier emails no longer work';
    expectInBoth(compose('signing_request', market, 'renewed'), phrase);
    expectInNeither(compose('signing_request', market, 'submitted'), phrase);
  });

  it.each(MARKETS)('%s: the subjects of the three requests and the reminder differ', (market) => {
    const subjects = new Set([...REASONS.map((r) => compose('signing_request', market, r).subject), compose('signing_reminder', market, 'submitted').subject]);
    expect(subjects.size).toBe(4);
  });

  it.each(MARKETS)('%s: an edit without a resubmission deadline says the signature is void, with no deadline', (market) => {
    const email = signingRequestEmail(signingInput(order(market, { signature: null, resubmitBy: null }), { reason: 'order_edited', expiresAt: EXPIRY[market].at }));
    expectInBoth(email, market === 'FR' ? 'l’ancienne signature ne vaut plus' : 'the earlier signature no longer counts');
    expectInNeither(email, market === 'FR' ? 'Date limite' : 'Deadline', DEADLINE[market]);
  });

  it.each(MARKETS)('%s: the reminder of an edited, rejected order keeps the deadline', (market) => {
    expectInBoth(compose('signing_reminder', market, 'order_edited'), DEADLINE[market]);
  });
});

describe('numbers and carrier', () => {
  it('lists the first five of 5,000 numbers and counts the rest', () => {
    const numbers = manyNumbers('AU', 5000);
    const email = signingRequestEmail(signingInput(order('AU', { lines: numbers.map((n) => line(n)) }), { expiresAt: EXPIRY.AU.at }));
    expectInBoth(email, '5,000 numbers', ...numbers.slice(0, 5), '… and 4,995 more');
    expectInNeither(email, numbers[5]!);
    expect(email.html.length).toBeLessThan(20_000);
  });

  it('FR: "et 4 995 autres" with French grouping', () => {
    const numbers = manyNumbers('FR', 5000);
    const email = signingReminderEmail(signingInput(order('FR', { lines: numbers.map((n) => line(n)) }), { expiresAt: EXPIRY.FR.at }));
    expectInBoth(email, '5 000 numéros', '… et 4 995 autres');
  });

  it.each(MARKETS)('%s: without a carrier name, the current provider', (market) => {
    const email = signingRequestEmail(signingInput(order(market), { carrierName: null, expiresAt: EXPIRY[market].at }));
    expectInBoth(email, market === 'FR' ? 'ne peut pas être envoyée à votre opérateur actuel' : 'cannot go to your current provider');
    expectInNeither(email, 'Bilby');
  });
});

describe('hostile input', () => {
  const SCRIPT = '<script>alert("pd")</script>';

  it.each(MARKETS)('%s: a hostile account holder name is escaped in the HTML and reads as given', (market) => {
    for (const composer of Object.values(KINDS)) {
      const email = composer(signingInput(order(market), { accountHolderName: `Acme & Co ${SCRIPT}`, carrierName: `Bilby "<b>"` }));
      expect(email.html).not.toMatch(/<script|<b>/i);
      expect(email.html).toContain('Acme &amp; Co &lt;script&gt;alert(&quot;pd&quot;)&lt;/script&gt;');
      expect(htmlText(email.html)).toContain(`Acme & Co ${SCRIPT}`);
      expect(email.text).toContain(`Acme & Co ${SCRIPT}`);
    }
  });

  it('a signing link that is not http(s) is refused, never sent as a dead or script link', () => {
    expect(() => signingRequestEmail(signingInput(order('AU'), { signingUrl: 'javascript:alert(1)' }))).toThrow(/signing link/);
    expect(() => signingReminderEmail(signingInput(order('GB'), { signingUrl: '/sign/relative' }))).toThrow(/signing link/);
  });
});
