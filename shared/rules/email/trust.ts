// Who a message may act for (issue 4 "Trust"): only a sender whose domain belongs to a carrier
// (its `emailDomains`) and whose mail passed SPF or DKIM can change that carrier's orders; a
// customer's mail can only bring documents; anything else is quarantined with its reason.
// Why each rule:
// - A virus or spam verdict outranks everything: such a message is never acted on.
// - SPF and DKIM vouch for a domain, but not necessarily for the From header's: a forger can pass
//   SPF for their own envelope domain while writing a carrier's address in From. DMARC checks that
//   alignment, so a DMARC FAIL makes the sender unauthenticated even when SPF or DKIM passed.
//   (A domain without a DMARC policy gives GRAY: SPF or DKIM then decide, as the issue says.)
// - Least privilege: an address that is a customer's is read as that customer, even at a carrier's
//   domain (a customer with a mailbox at their own telco must not gain a carrier's powers).
// - Domains compare exactly or as subdomains, label by label, in their ASCII (punycode) form:
//   `carrier.example.test.evil.example` and `evilcarrier.example.test` are not `carrier.example.test`,
//   and a look-alike in another script is a different domain.
import type { ReceiptVerdicts, SenderTrust } from './types.ts';

export interface SenderFacts {
  /** The From address (a bare address; `Name <address>` is tolerated); null or '' when there is none. */
  fromAddress: string | null;
  verdicts: ReceiptVerdicts;
  carriers: { id: string; emailDomains: string[] }[];
  /** Customer addresses: accounts' adminEmail and orders' submitterEmail. */
  customerAddresses: { accountId: string; address: string }[];
}

const ASCII_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A domain in lower-case ASCII (IDNA via the WHATWG URL parser: `Opérateur.example` ->
 * `xn--oprateur-c1a.example`), without a trailing dot; null when it is not a host name.
 */
export function normalizeDomain(domain: string): string | null {
  const d = domain.trim().replace(/\.$/, '').toLowerCase();
  if (d === '' || d.length > 253) return null;
  if (ASCII_DOMAIN.test(d)) return d;
  // Only non-ASCII names go through the URL parser, and nothing that could change what it parses.
  if (/[\s/?#@:%\\[\]<>"'`^|{}]/u.test(d) || /^[\x00-\x7f]*$/.test(d)) return null;
  try {
    const host = new URL(`http://${d}/`).hostname;
    return ASCII_DOMAIN.test(host) && host.length <= 253 ? host : null;
  } catch {
    return null;
  }
}

/** The address's local part (lower case) and ASCII domain, or null when it is not an address. */
export function parseAddress(raw: string): { local: string; domain: string } | null {
  let s = raw.trim();
  const angle = /<([^<>]*)>\s*$/.exec(s);
  if (angle) s = (angle[1] ?? '').trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const local = s.slice(0, at).toLowerCase();
  const domain = normalizeDomain(s.slice(at + 1));
  if (domain === null || /[\s<>]/.test(local)) return null;
  return { local, domain };
}

/** `domain` is `listed` or one of its subdomains (label-wise: `xcarrier.test` is not under `carrier.test`). */
export const isWithinDomain = (domain: string, listed: string): boolean => domain === listed || domain.endsWith(`.${listed}`);

const authenticated = (v: ReceiptVerdicts) => (v.spf === 'PASS' || v.dkim === 'PASS') && v.dmarc !== 'FAIL';

function unauthenticatedMessage(who: string, v: ReceiptVerdicts): string {
  if (v.spf !== 'PASS' && v.dkim !== 'PASS') return `${who}, but the message passed neither SPF (${v.spf}) nor DKIM (${v.dkim}): the From address may be forged.`;
  return `${who}, but the message failed DMARC: SPF or DKIM vouched for another domain than the From address's.`;
}

const untrusted = (code: 'virus' | 'spam' | 'unknown_sender' | 'sender_not_authenticated', message: string): SenderTrust => ({
  kind: 'untrusted',
  code,
  message,
});

/**
 * Who a message may act for: a carrier (by its sender's domain), a customer (by its sender's
 * address), or nobody (`virus`, `spam`, `sender_not_authenticated`, `unknown_sender`, with a
 * message for the operator). Both carrier and customer need SPF or DKIM to pass (and DMARC not to
 * fail). Ambiguity (two carriers claiming the same domain, one address on two accounts) is
 * `unknown_sender`: the rules will not pick one.
 */
export function judgeSender(input: SenderFacts): SenderTrust {
  const { verdicts } = input;
  if (verdicts.virus === 'FAIL') return untrusted('virus', 'SES found a virus in the message.');
  // A scan that could not finish (an encrypted archive, say) is no clean bill of health.
  if (verdicts.virus === 'PROCESSING_FAILED') return untrusted('virus', 'SES could not finish scanning the message for viruses.');
  if (verdicts.spam === 'FAIL') return untrusted('spam', 'SES classified the message as spam.');

  const from = input.fromAddress === null || input.fromAddress.trim() === '' ? null : parseAddress(input.fromAddress);
  if (from === null) return untrusted('unknown_sender', 'The message has no usable From address.');
  const address = `${from.local}@${from.domain}`;

  const accounts = [
    ...new Set(
      input.customerAddresses
        .filter((c) => {
          const known = parseAddress(c.address);
          return known !== null && `${known.local}@${known.domain}` === address;
        })
        .map((c) => c.accountId),
    ),
  ];
  if (accounts.length > 1) {
    return untrusted('unknown_sender', `The sender's address belongs to ${accounts.length} customer accounts (${accounts.join(', ')}); an operator decides which.`);
  }
  const account = accounts[0];
  if (account !== undefined) {
    if (!authenticated(verdicts)) {
      return untrusted('sender_not_authenticated', unauthenticatedMessage(`The sender is a customer of account ${account}`, verdicts));
    }
    return { kind: 'customer', accountId: account };
  }

  // The carriers whose listed domains cover the sender's, by their most specific (longest) match.
  const bestMatch = new Map<string, string>();
  for (const carrier of input.carriers) {
    for (const listed of carrier.emailDomains) {
      const domain = normalizeDomain(listed);
      if (domain === null || !isWithinDomain(from.domain, domain)) continue;
      const current = bestMatch.get(carrier.id);
      if (current === undefined || domain.length > current.length) bestMatch.set(carrier.id, domain);
    }
  }
  if (bestMatch.size === 0) return untrusted('unknown_sender', `The sender's domain ${from.domain} is no carrier's and the address no customer's.`);
  // A carrier listing a subdomain is more specific than one listing its parent: it wins. Two
  // carriers listing the same domain are ambiguous.
  const longest = Math.max(...[...bestMatch.values()].map((d) => d.length));
  const claimants = [...bestMatch].filter(([, d]) => d.length === longest);
  if (claimants.length > 1) {
    return untrusted(
      'unknown_sender',
      `Several carriers (${claimants.map(([id]) => id).join(', ')}) list the domain ${claimants[0]?.[1]}: the sender cannot be told apart. Fix the carriers' email domains.`,
    );
  }
  const [carrierId, domain] = claimants[0] as [string, string];
  if (!authenticated(verdicts)) {
    return untrusted('sender_not_authenticated', unauthenticatedMessage(`The sender's domain ${from.domain} belongs to carrier ${carrierId} (${domain})`, verdicts));
  }
  return { kind: 'carrier', carrierId };
}
