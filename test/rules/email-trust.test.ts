// Who a message may act for (issue 4 "Trust"): a carrier by its domain, a customer by its address,
// each only with SPF or DKIM passed (and DMARC not failed); viruses, spam and strangers go to quarantine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWithinDomain, judgeSender, normalizeDomain, parseAddress, type SenderFacts } from '../../shared/rules/email/trust.ts';
import type { ReceiptVerdicts, SenderTrust, Verdict } from '../../shared/rules/email/types.ts';

const CLEAN: ReceiptVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };
/** What the local path reports (local/aws/ses-receipt.ts): no scanners, no DNS. */
const LOCAL: ReceiptVerdicts = { spam: 'DISABLED', virus: 'DISABLED', spf: 'PASS', dkim: 'PASS', dmarc: 'GRAY' };

const CARRIERS: SenderFacts['carriers'] = [
  { id: 'car_meridian', emailDomains: ['meridian-telecom.example.test'] },
  { id: 'car_northwind', emailDomains: ['porting.northwind.example.test', 'Northwind-Wholesale.example.test.'] },
  { id: 'car_operateur', emailDomains: ['opérateur.example.test'] },
  // A group domain, and a subsidiary listing its own subdomain of it.
  { id: 'car_group', emailDomains: ['telcogroup.example.test'] },
  { id: 'car_group_wholesale', emailDomains: ['wholesale.telcogroup.example.test'] },
];
const CUSTOMERS: SenderFacts['customerAddresses'] = [
  { accountId: 'acc_harbourside', address: 'Practice.Manager@Harbourside-Dental.example.test' },
  { accountId: 'acc_harbourside', address: 'reception@harbourside-dental.example.test' },
  { accountId: 'acc_lefevre', address: 'contact@boulangerie-lefevre.example.test' },
  // A customer whose mailbox is at a carrier's domain.
  { accountId: 'acc_kestrel', address: 'kestrel.accounts@meridian-telecom.example.test' },
];

const judge = (fromAddress: string | null, verdicts: Partial<ReceiptVerdicts> = {}, facts: Partial<SenderFacts> = {}): SenderTrust =>
  judgeSender({ fromAddress, verdicts: { ...CLEAN, ...verdicts }, carriers: CARRIERS, customerAddresses: CUSTOMERS, ...facts });
const kind = (t: SenderTrust) => (t.kind === 'carrier' ? `carrier:${t.carrierId}` : t.kind === 'customer' ? `customer:${t.accountId}` : `untrusted:${t.code}`);

describe('judgeSender: carriers', () => {
  it.each<[string, string, Partial<ReceiptVerdicts>, string]>([
    ['exact domain, SPF and DKIM pass', 'porting@meridian-telecom.example.test', {}, 'carrier:car_meridian'],
    ['SPF only', 'porting@meridian-telecom.example.test', { dkim: 'FAIL' }, 'carrier:car_meridian'],
    ['DKIM only', 'porting@meridian-telecom.example.test', { spf: 'FAIL' }, 'carrier:car_meridian'],
    ['no DMARC policy (GRAY): SPF decides', 'porting@meridian-telecom.example.test', { dmarc: 'GRAY', dkim: 'GRAY' }, 'carrier:car_meridian'],
    ['the local path', 'porting@meridian-telecom.example.test', LOCAL, 'carrier:car_meridian'],
    ['a subdomain of a listed domain', 'desk@au.meridian-telecom.example.test', {}, 'carrier:car_meridian'],
    ['upper case address', 'PORTING@MERIDIAN-TELECOM.EXAMPLE.TEST', {}, 'carrier:car_meridian'],
    ['a listed domain written with capitals and a trailing dot', 'ops@northwind-wholesale.example.test', {}, 'carrier:car_northwind'],
    ['a display name around the address', 'Northwind Porting <desk@porting.northwind.example.test>', {}, 'carrier:car_northwind'],
    ['an IDN domain, written in Unicode', 'portabilite@opérateur.example.test', {}, 'carrier:car_operateur'],
    ['the same IDN domain in punycode', 'portabilite@xn--oprateur-c1a.example.test', {}, 'carrier:car_operateur'],
    ['the most specific listed domain wins', 'desk@wholesale.telcogroup.example.test', {}, 'carrier:car_group_wholesale'],
    ['the parent domain is the group', 'desk@retail.telcogroup.example.test', {}, 'carrier:car_group'],
  ])('%s', (_name, from, verdicts, expected) => {
    expect(kind(judge(from, verdicts))).toBe(expected);
  });

  it.each<[string, string, Partial<ReceiptVerdicts>, string]>([
    ['neither SPF nor DKIM passed', 'porting@meridian-telecom.example.test', { spf: 'FAIL', dkim: 'FAIL' }, 'sender_not_authenticated'],
    ['SPF soft results are no pass', 'porting@meridian-telecom.example.test', { spf: 'GRAY', dkim: 'PROCESSING_FAILED' }, 'sender_not_authenticated'],
    ['checks disabled', 'porting@meridian-telecom.example.test', { spf: 'DISABLED', dkim: 'DISABLED' }, 'sender_not_authenticated'],
    ['SPF passed for another domain: DMARC fails (a forged From)', 'porting@meridian-telecom.example.test', { dmarc: 'FAIL' }, 'sender_not_authenticated'],
    ['a lookalike: the carrier domain as a subdomain of another', 'porting@meridian-telecom.example.test.evil.example', {}, 'unknown_sender'],
    ['a lookalike: the carrier domain as a suffix of a longer label', 'porting@fake-meridian-telecom.example.test', {}, 'unknown_sender'],
    ['a lookalike: Cyrillic "е" in the domain', 'porting@m\u0435ridian-telecom.example.test', {}, 'unknown_sender'],
    ['a lookalike: the domain in the local part', 'meridian-telecom.example.test@evil.example', {}, 'unknown_sender'],
    ['a lookalike: two @', 'porting@meridian-telecom.example.test@evil.example', {}, 'unknown_sender'],
    ['a display name claiming the carrier', 'porting@meridian-telecom.example.test <attacker@evil.example>', {}, 'unknown_sender'],
    ['a stranger', 'someone@mailbox.example', {}, 'unknown_sender'],
    ['no From address', '', {}, 'unknown_sender'],
    ['not an address', 'Meridian porting', {}, 'unknown_sender'],
    ['an invalid domain', 'porting@meridian_telecom..example.test', {}, 'unknown_sender'],
  ])('%s: untrusted %s', (_name, from, verdicts, code) => {
    const t = judge(from, verdicts);
    expect(kind(t)).toBe(`untrusted:${code}`);
    expect(t.kind === 'untrusted' && t.message.length > 0).toBe(true);
  });

  it('a null From address is an unknown sender', () => {
    expect(kind(judge(null))).toBe('untrusted:unknown_sender');
  });

  it('two carriers claiming the same domain: ambiguous, said clearly', () => {
    const carriers = [
      { id: 'car_a', emailDomains: ['shared-desk.example.test'] },
      { id: 'car_b', emailDomains: ['Shared-Desk.example.test'] },
    ];
    const t = judge('porting@shared-desk.example.test', {}, { carriers });
    expect(t.kind).toBe('untrusted');
    if (t.kind !== 'untrusted') return;
    expect(t.code).toBe('unknown_sender');
    expect(t.message).toContain('car_a');
    expect(t.message).toContain('car_b');
    expect(t.message).toContain('shared-desk.example.test');
  });

  it('one carrier listing a domain twice is no ambiguity', () => {
    const carriers = [
      { id: 'car_a', emailDomains: ['desk.example.test', 'DESK.example.test'] },
      { id: 'car_a', emailDomains: ['desk.example.test'] },
    ];
    expect(kind(judge('porting@desk.example.test', {}, { carriers }))).toBe('carrier:car_a');
  });

  it('ignores listed domains that are not host names', () => {
    const carriers = [{ id: 'car_a', emailDomains: ['', '.', 'exa mple.test', '@desk.example.test'] }];
    expect(kind(judge('porting@desk.example.test', {}, { carriers }))).toBe('untrusted:unknown_sender');
  });
});

describe('judgeSender: customers', () => {
  it.each<[string, string, Partial<ReceiptVerdicts>, string]>([
    ['the account administrator, any case', 'practice.manager@harbourside-dental.example.test', {}, 'customer:acc_harbourside'],
    ['the order submitter', 'Reception@Harbourside-Dental.example.test', {}, 'customer:acc_harbourside'],
    ['a French customer', 'contact@boulangerie-lefevre.example.test', { dkim: 'FAIL' }, 'customer:acc_lefevre'],
    ['the local path', 'contact@boulangerie-lefevre.example.test', LOCAL, 'customer:acc_lefevre'],
    ['a customer mailbox at a carrier domain stays a customer (least privilege)', 'kestrel.accounts@meridian-telecom.example.test', {}, 'customer:acc_kestrel'],
    ['not authenticated', 'contact@boulangerie-lefevre.example.test', { spf: 'FAIL', dkim: 'FAIL' }, 'untrusted:sender_not_authenticated'],
    ['DMARC failed', 'contact@boulangerie-lefevre.example.test', { dmarc: 'FAIL' }, 'untrusted:sender_not_authenticated'],
    ['another address at the customer domain is nobody', 'accounts@harbourside-dental.example.test', {}, 'untrusted:unknown_sender'],
  ])('%s', (_name, from, verdicts, expected) => {
    expect(kind(judge(from, verdicts))).toBe(expected);
  });

  it('one address on two accounts: ambiguous', () => {
    const customerAddresses = [
      { accountId: 'acc_one', address: 'office@shared.example.test' },
      { accountId: 'acc_two', address: 'Office@shared.example.test' },
    ];
    const t = judge('office@shared.example.test', {}, { customerAddresses });
    expect(kind(t)).toBe('untrusted:unknown_sender');
    expect(t.kind === 'untrusted' && t.message.includes('acc_one') && t.message.includes('acc_two')).toBe(true);
  });
});

describe('judgeSender: verdicts first', () => {
  it.each<[string, Partial<ReceiptVerdicts>, string]>([
    ['a virus, even from a carrier', { virus: 'FAIL' }, 'untrusted:virus'],
    ['a virus scan that could not finish', { virus: 'PROCESSING_FAILED' }, 'untrusted:virus'],
    ['spam, even from a carrier', { spam: 'FAIL' }, 'untrusted:spam'],
    ['a virus and spam: the virus', { virus: 'FAIL', spam: 'FAIL' }, 'untrusted:virus'],
    ['no scanner (local path)', { virus: 'DISABLED', spam: 'DISABLED' }, 'carrier:car_meridian'],
    ['spam scan failed: the sender rules decide', { spam: 'PROCESSING_FAILED' }, 'carrier:car_meridian'],
  ])('%s', (_name, verdicts, expected) => {
    expect(kind(judge('porting@meridian-telecom.example.test', verdicts))).toBe(expected);
    if (expected.startsWith('untrusted')) expect(kind(judge('contact@boulangerie-lefevre.example.test', verdicts))).toBe(expected);
  });
});

describe('addresses and domains', () => {
  it.each<[string, { local: string; domain: string } | null]>([
    ['Porting@Meridian-Telecom.example.test', { local: 'porting', domain: 'meridian-telecom.example.test' }],
    ['"Desk, Porting" <desk@example.test>', { local: 'desk', domain: 'example.test' }],
    ['desk@example.test.', { local: 'desk', domain: 'example.test' }],
    ['desk@ÉXAMPLE.test', { local: 'desk', domain: 'xn--xample-9ua.test' }],
    ['desk@', null],
    ['@example.test', null],
    ['desk@exa mple.test', null],
    ['desk@example..test', null],
    ['desk@-example.test', null],
    ['desk@http://example.test', null],
  ])('%s', (raw, parsed) => {
    expect(parseAddress(raw)).toEqual(parsed);
  });

  it('subdomains are whole labels', () => {
    expect(isWithinDomain('a.b.example.test', 'example.test')).toBe(true);
    expect(isWithinDomain('example.test', 'example.test')).toBe(true);
    expect(isWithinDomain('badexample.test', 'example.test')).toBe(false);
    expect(isWithinDomain('example.test.evil.example', 'example.test')).toBe(false);
  });

  it('never trusts a domain that is not the listed one or under it', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const domain = fc.array(label, { minLength: 2, maxLength: 4 }).map((ls) => ls.join('.'));
    fc.assert(
      fc.property(domain, domain, fc.constantFrom<Verdict>('PASS', 'FAIL', 'GRAY'), (sender, listed, spf) => {
        const t = judgeSender({
          fromAddress: `desk@${sender}`,
          verdicts: { ...CLEAN, spf, dkim: 'FAIL' },
          carriers: [{ id: 'car_x', emailDomains: [listed] }],
          customerAddresses: [],
        });
        const covered = sender === listed || sender.endsWith(`.${listed}`);
        expect(t.kind === 'carrier').toBe(covered && spf === 'PASS');
        if (!covered) expect(kind(t)).toBe('untrusted:unknown_sender');
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 80 })), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), fc.string({ maxLength: 40 }), (from, domains, customer) => {
        const t = judgeSender({ fromAddress: from, verdicts: CLEAN, carriers: [{ id: 'car_x', emailDomains: domains }], customerAddresses: [{ accountId: 'acc_x', address: customer }] });
        expect(['carrier', 'customer', 'untrusted']).toContain(t.kind);
      }),
      { numRuns: 1000 },
    );
    expect(normalizeDomain('x'.repeat(300))).toBeNull();
  });
});
