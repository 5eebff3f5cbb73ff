// Orders for email tests: a complete PortInOrder per market, changed one field at a time.
// Invented names; example.test addresses only.
import { expect } from 'vitest';
import type { ComposedEmail, SigningEmailInput } from '../../shared/notifications/index.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { Market, PortInLine, PortInOrder } from '../../shared/rules/types.ts';

export const LINKS = { order: 'https://portdesk.example.test/orders' };

export const NUMBERS: Record<Market, string[]> = {
  AU: ['+61732123456', '+61732123457', '+61732123458'],
  GB: ['+442079460001', '+442079460002', '+442079460003'],
  FR: ['+33142685301', '+33142685302', '+33142685303'],
};

const ADDRESSES = {
  AU: { line1: '12 Wattle Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
  GB: { line1: '1 Juniper Row', locality: 'London', postcode: 'EC1A 1AA', country: 'GB' },
  FR: { line1: '10 rue des Tilleuls', locality: 'Paris', postcode: '75002', country: 'FR' },
} as const;

export function line(e164: string, overrides: Partial<PortInLine> = {}): PortInLine {
  return { input: e164, e164, lineType: 'pstn', services: [], acknowledgedServiceLoss: false, dslSeparated: false, ...overrides };
}

export function order(market: Market, overrides: Partial<PortInOrder> = {}): PortInOrder {
  const currency = policyFor(market).currency;
  const zero = { currency, amountMinor: 0 };
  return {
    id: `pin_${market.toLowerCase()}0001`,
    accountId: 'acc_0001',
    market,
    status: 'submitted',
    details: {
      carrierId: 'car_0001',
      losingCarrierAccountNumber: 'LC-445566',
      pin: null,
      accountHolder: { businessName: 'Quokka Widgets', firstName: 'Robin', lastName: 'Example' },
      serviceAddress: { ...ADDRESSES[market] },
      submitterEmail: 'robin@customer.example.test',
      primaryNumber: market === 'FR' ? NUMBERS.FR[0]! : null,
      internetConnection: market === 'FR' ? 'fibre' : null,
      temporaryNumber: null,
      termsAccepted: true,
    },
    lines: NUMBERS[market].map((n) => line(n)),
    category: 'complex',
    portBackNumbers: [],
    quote: { currency, lines: [], total: zero, taxIncluded: null, monthlyChargeChange: null },
    issues: { errors: [], warnings: [] },
    monthlyFee: { currency, amountMinor: 3000 },
    holdReason: null,
    signature: {
      signerName: 'Robin Example',
      at: '2026-03-02T00:00:00.000Z',
      channel: 'signing_page',
      requestId: 'sig_fixture',
      documentSha256: '0'.repeat(64),
      signedDocumentId: 'doc_fixture_signed',
      ip: null,
      userAgent: null,
    },
    signingRequests: [],
    commencementDate: '2026-03-02',
    dueDate: '2026-03-30',
    transferDate: null,
    rejectionCount: 0,
    lastRejection: null,
    resubmitBy: null,
    completedOn: null,
    finalCompensation: null,
    charges: [],
    overdueSince: null,
    confirmedTransferDate: null,
    compensationAccruedTo: null,
    exception: null,
    dueAt: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-02T00:00:00.000Z',
    version: 3,
    ...overrides,
  };
}

/** `count` distinct valid-looking numbers of the market. */
export function manyNumbers(market: Market, count: number): string[] {
  const prefix = { AU: '+6173', GB: '+44207', FR: '+3314' }[market];
  const width = { AU: 7, GB: 7, FR: 7 }[market];
  return Array.from({ length: count }, (_, i) => `${prefix}${String(1_000_000 + i).padStart(width, '0')}`);
}

/** The visible text of an HTML part (tags dropped, entities decoded), for "the HTML says X" checks. */
export function htmlText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Both parts, whitespace collapsed (no-break spaces included), for fact checks. */
export const squash = (s: string): string => s.replace(/[\s\u00a0\u202f]+/g, ' ');

/** A signing link as the signing page's route makes it (`/sign/<token>`); an invented token. */
export const SIGNING_URL = 'https://portdesk.example.test/sign/sgt_4kQ9xZr2Lw7VbN3pT8mYcE1uHd6sAf0J';

/** The input of a signing email for `order`, asked for on 2 March, expiring 7 days later. */
export function signingInput(o: PortInOrder, overrides: Partial<SigningEmailInput> = {}): SigningEmailInput {
  return {
    order: o,
    links: LINKS,
    signingUrl: SIGNING_URL,
    expiresAt: '2026-03-09T10:00:00.000Z',
    accountHolderName: 'Quokka Widgets',
    reason: 'submitted',
    carrierName: 'Bilby Telecom',
    ...overrides,
  };
}

/** Both parts, as a reader sees them (whitespace collapsed, HTML tags dropped). */
export const parts = (email: ComposedEmail): [string, string] => [squash(email.text), squash(htmlText(email.html))];

/** Each fact is in the text part and in the HTML part. */
export function expectInBoth(email: ComposedEmail, ...facts: string[]): void {
  const [text, html] = parts(email);
  for (const fact of facts) {
    expect(text, `text part should say: ${fact}`).toContain(squash(fact));
    expect(html, `HTML part should say: ${fact}`).toContain(squash(fact));
  }
}

/** No fact is in either part. */
export function expectInNeither(email: ComposedEmail, ...facts: string[]): void {
  const [text, html] = parts(email);
  for (const fact of facts) {
    expect(text).not.toContain(squash(fact));
    expect(html).not.toContain(squash(fact));
  }
}
