// Pieces every order email shares: the reference that replies keep, the order link, how an account
// holder, an address and a line are written in each language.
import type { AccountHolder, LineService, LineType, Market, PortInLine, PortInOrder, ServiceAddress } from '../rules/types.ts';
import { policyFor } from '../rules/markets.ts';
import type { Language } from './format.ts';
import type { Block } from './layout.ts';

/** Links the emails point to. */
export interface OrderLinks {
  /** Base URL of order pages, e.g. `https://portdesk.example.test/orders`; an order's page is `<order>/<order id>`. */
  order: string;
}

/** `PD-<order id>`: what email intake matches replies on (also `EmailMessage.reference`). */
export const orderReference = (orderId: string): string => `PD-${orderId}`;

/** `[PD-<order id>]`, as it appears in every order email's subject. */
export const subjectReference = (orderId: string): string => `[${orderReference(orderId)}]`;

/** The order's page: `<links.order>/<order id>`. */
export const orderUrl = (links: OrderLinks, orderId: string): string => `${links.order.replace(/\/+$/, '')}/${encodeURIComponent(orderId)}`;

/** The numbers of an order as E.164 (or as typed, for an invalid one), in order. */
export const orderNumbersOf = (order: PortInOrder): string[] => order.lines.map((line) => line.e164 ?? line.input);

/** "Acme Pty Ltd (Alex Martin)", "Acme Pty Ltd", "Alex Martin"; null when nothing was given. */
export function accountHolderName(holder: AccountHolder | null): string | null {
  if (!holder) return null;
  const person = [holder.firstName, holder.lastName].filter((s) => s && s.trim() !== '').join(' ');
  const business = holder.businessName?.trim() ?? '';
  if (business && person) return `${business} (${person})`;
  return business || person || null;
}

/**
 * An address as the market writes it, one element per line: AU "Brisbane QLD 4000", GB "London" then
 * "EC1A 1AA", FR "75002 Paris". The country is added only when it is not the market's own.
 */
export function addressLines(address: ServiceAddress | null, market: Market): string[] {
  if (!address) return [];
  const lines = [address.line1, address.line2 ?? ''];
  const region = address.region ?? '';
  switch (market) {
    case 'AU':
      lines.push([address.locality, region, address.postcode].filter(Boolean).join(' '));
      break;
    case 'GB':
      lines.push([address.locality, region].filter(Boolean).join(', '), address.postcode);
      break;
    case 'FR':
      lines.push([address.postcode, address.locality].filter(Boolean).join(' '), region);
      break;
  }
  if (address.country && address.country.toUpperCase() !== policyFor(market).country) lines.push(address.country);
  return lines.map((l) => l.trim()).filter((l) => l !== '');
}

const LINE_TYPES: Readonly<Record<Language, Record<LineType, string>>> = {
  en: { pstn: 'PSTN', isdn: 'ISDN', mobile: 'Mobile', digital: 'Digital' },
  fr: { pstn: 'RTC (analogique)', isdn: 'RNIS (Numéris)', mobile: 'Mobile', digital: 'Numérique' },
};

const SERVICES: Readonly<Record<Language, Record<LineService, string>>> = {
  en: {
    adsl: 'ADSL',
    dsl: 'DSL',
    eftpos: 'EFTPOS',
    line_hunt: 'line hunt',
    duet: 'Duet',
    in_dial: 'in-dial',
    on_ramp: 'On-Ramp',
    split_phone_fax: 'split phone/fax',
  },
  fr: {
    adsl: 'ADSL',
    dsl: 'DSL',
    eftpos: 'TPE',
    line_hunt: 'groupement de lignes',
    duet: 'Duet',
    in_dial: 'SDA',
    on_ramp: 'On-Ramp',
    split_phone_fax: 'téléphone/fax partagé',
  },
};

export const lineTypeLabel = (type: LineType, language: Language): string => LINE_TYPES[language][type];
export const serviceLabel = (service: LineService, language: Language): string => SERVICES[language][service];

/** "PSTN", "ISDN with line hunt, EFTPOS": a line's type and the services on it. */
export function lineLabel(line: Pick<PortInLine, 'lineType' | 'services'>, language: Language): string {
  const type = lineTypeLabel(line.lineType, language);
  if (line.services.length === 0) return type;
  const services = [...line.services].sort().map((s) => SERVICES[language][s]);
  return `${type} ${language === 'fr' ? 'avec' : 'with'} ${services.join(', ')}`;
}

/**
 * The numbers grouped by line type and services, each group a compact grid: a porting desk sees at
 * once which lines are what, and 5,000 numbers stay small (never one table row per number).
 */
export function numbersByLine(order: PortInOrder, language: Language, caption: (label: string, count: number) => string): Block[] {
  const groups = new Map<string, { label: string; numbers: string[] }>();
  for (const line of order.lines) {
    const label = lineLabel(line, language);
    let group = groups.get(label);
    if (!group) {
      group = { label, numbers: [] };
      groups.set(label, group);
    }
    group.numbers.push(line.e164 ?? line.input);
  }
  return [...groups.values()].map((g) => ({ kind: 'numbers', caption: caption(g.label, g.numbers.length), numbers: g.numbers }));
}
