// Order references in email subjects and bodies (issue 4 "Parsing": matching by `[PD-<order id>]`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findOrderReferences } from '../../shared/rules/email/references.ts';

const A = 'pin_k3vq7x2mzt5hr4na';
const B = 'pin_w6ebd2yq3sfu7lcp';
const C = 'pin_aaaabbbbccccdddd';
/** A port-out id (issue 6): referenced like a port-in order, returned with its own prefix. */
const P = 'pout_m4tq2zr7kx5vb3na';

describe('findOrderReferences', () => {
  it.each<[string, string, string, string[]]>([
    ['the subject of our own email', `[PD-${A}] Port-in request for Harbourside Dental Pty Ltd`, 'Please find the request attached.', [A]],
    ['a reply chain', `Re: Re: Fwd: [PD-${A}] Port-in request`, `Status: Rejected\n\n> [PD-${A}]\n>> Reference [PD-${A}]`, [A]],
    ['French reply prefixes', `RE : TR : [PD-${A}] Demande de portabilité`, '', [A]],
    ['the body only (a new thread)', 'Porting update', `Hello,\nYour order PD-${A} has been scheduled.`, [A]],
    ['bare, upper-case prefix', `Fw: pd-${A}`, '', [A]],
    ['a subject a mail system upper-cased', `RE: [PD-${A.toUpperCase()}]`, '', [A]],
    ['spaces inside the brackets', `[ PD-${A} ]`, '', [A]],
    ['punctuation around a bare reference', '', `(PD-${A}), PD-${B}. Ref:PD-${C}!`, [A, B, C]],
    ['two orders: both, subject first', `[PD-${B}] and [PD-${A}]`, `About PD-${C} too.`, [B, A, C]],
    ['the same order in subject and body', `[PD-${A}]`, `PD-${A}`, [A]],
    ['subject before body, whatever the order in the body', `[PD-${B}]`, `[PD-${A}] then [PD-${B}]`, [B, A]],
    ['no reference', 'Port request', 'Please port 07 3123 4567 for Harbourside Dental.', []],
    ['the id alone, without PD-', A, `Order ${A}`, []],
    ['a port-out: the subject of our answer to the gaining carrier', `Re: Port-out request accepted [PD-${P}] – 2 numbers`, 'Port completed on 2026-03-16.', [P]],
    ['a port-out, bare in the body', 'Port completed', `Our ref PD-${P}, completed today.`, [P]],
    ['a port-out, upper-cased by a mail system', `RE: [PD-${P.toUpperCase()}]`, '', [P]],
    ['a port-out, spaces inside the brackets', `[ PD-${P} ]`, '', [P]],
    ['a port-out repeated in a reply chain', `Re: [PD-${P}]`, `Done.\n> [PD-${P}]\n>> PD-${P}`, [P]],
    ['a port-in and a port-out: both, with their prefixes', `[PD-${A}] and [PD-${P}]`, '', [A, P]],
    ['a port-out in the subject, a port-in in the body', `[PD-${P}]`, `See also PD-${A}.`, [P, A]],
  ])('%s', (_name, subject, text, ids) => {
    expect(findOrderReferences(subject, text)).toEqual(ids);
  });

  it.each<[string, string]>([
    ['glued to letters before', `XPD-${A}`],
    ['glued to a hyphenated token', `ticket-PD-${A}`],
    ['a longer id (17 characters)', `[PD-${A}q]`],
    ['a longer id, bare', `PD-${A}7`],
    ['a file name', `PD-${A}.pdf`],
    ['an email address', `porting+PD-${A}@portdesk.example.test`],
    ['a URL path', `https://portal.example.test/orders/PD-${A}`],
    ['a URL query', `https://portal.example.test/?ref=PD-${A}`],
    ['characters outside the id alphabet (0, 1, 8, 9)', 'PD-pin_k3vq7x2mzt5hr4n0'],
    ['too short', 'PD-pin_k3vq7x2mzt5hr4n'],
    ['another prefix', `PD-acc_${A.slice(4)}`],
    ['an underscore joiner', `ref_PD-${A}`],
    ['a port-out glued to letters before', `XPD-${P}`],
    ['a longer port-out id (17 characters)', `[PD-${P}q]`],
    ['a port-out id too short', `PD-${P.slice(0, -1)}`],
    ['a port-out file name', `PD-${P}.pdf`],
    ['a port-out in a URL path', `https://portal.example.test/port-outs/PD-${P}`],
    ['a port-out id outside the alphabet', 'PD-pout_m4tq2zr7kx5vb3n1'],
    ['a prefix that only starts like ours', `PD-pouts_${P.slice(5)}`],
    ['a hyphen where the prefix has its underscore', `PD-pout-${P.slice(5)}`],
  ])('never inside a longer token: %s', (_name, token) => {
    expect(findOrderReferences(token, `See ${token} for details.`)).toEqual([]);
  });
});

describe('findOrderReferences: properties', () => {
  const idChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567');
  const anyId = fc
    .tuple(fc.constantFrom('pin_', 'pout_'), fc.array(idChar, { minLength: 16, maxLength: 16 }))
    .map(([prefix, cs]) => `${prefix}${cs.join('')}`);
  const filler = fc.string({ maxLength: 40 });
  /** Text with references (bracketed or bare) spread between arbitrary filler. */
  const textWith = (ids: string[]) =>
    fc.tuple(fc.array(filler, { minLength: ids.length + 1, maxLength: ids.length + 1 }), fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length })).map(
      ([fillers, bracketed]) => ids.map((id, i) => `${fillers[i]} ${bracketed[i] ? `[PD-${id}]` : `PD-${id}`} `).join('') + fillers[ids.length],
    );

  it('never returns an id that is not in the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (subject, text) => {
        const input = `${subject}\n${text}`.toLowerCase();
        for (const id of findOrderReferences(subject, text)) {
          expect(id).toMatch(/^(pin|pout)_[a-z2-7]{16}$/);
          expect(input).toContain(`pd-${id}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('finds what was written, distinct, in order, even amid arbitrary text', () => {
    fc.assert(
      fc.property(fc.array(anyId, { minLength: 1, maxLength: 4 }).chain((ids) => fc.tuple(fc.constant(ids), textWith(ids))), ([ids, text]) => {
        const found = findOrderReferences('', text);
        // Filler could glue a letter to a reference; what is found is always a written id, in order.
        expect(found.every((id) => ids.includes(id))).toBe(true);
        expect(new Set(found).size).toBe(found.length);
      }),
    );
    fc.assert(
      fc.property(fc.array(anyId, { minLength: 1, maxLength: 4 }), (ids) => {
        const text = ids.map((id) => `Order [PD-${id}] and PD-${id}.`).join('\n');
        expect(findOrderReferences('', text)).toEqual([...new Set(ids)]);
      }),
    );
  });

  it('is idempotent on repeated quoting: a reply chain quoting itself names the same orders', () => {
    const quote = (text: string) =>
      `Thanks.\n\nOn Tue, 1 Dec 2026 at 09:12, Porting Desk <porting@portdesk.example.test> wrote:\n${text
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')}`;
    fc.assert(
      fc.property(fc.array(anyId, { minLength: 0, maxLength: 3 }), fc.integer({ min: 1, max: 6 }), filler, (ids, depth, noise) => {
        const original = `${noise}\n${ids.map((id) => `Reference [PD-${id}]`).join('\n')}`;
        const subject = ids[0] ? `[PD-${ids[0]}] Port request` : 'Port request';
        const once = findOrderReferences(subject, original);
        let chain = original;
        let replySubject = subject;
        for (let i = 0; i < depth; i++) {
          chain = quote(chain);
          replySubject = `Re: ${replySubject}`;
          expect(findOrderReferences(replySubject, chain)).toEqual(once);
        }
      }),
    );
  });
});
