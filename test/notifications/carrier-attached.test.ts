// The carrier submission says what is attached (the signed LOA, the bill copies), in the market's
// language, in both parts; with nothing attached it says nothing about attachments.
import { describe, expect, it } from 'vitest';
import { carrierResubmissionEmail, carrierSubmissionEmail, type ComposedEmail } from '../../shared/notifications/index.ts';
import { htmlText, LINKS, order, squash } from './fixtures.ts';

const carrier = { id: 'car_0001', name: 'Bilby Telecom' };
const both = (email: ComposedEmail): string[] => [squash(email.text), squash(htmlText(email.html))];

describe('carrier submission: what is attached', () => {
  it('EN: the signed LOA and the bill copies, by file name', () => {
    const email = carrierSubmissionEmail({
      order: order('AU'),
      links: LINKS,
      carrier,
      attached: { signedLoa: 'loa-pin_au0001-signed.pdf', billCopies: ['bill-march.pdf', 'bill-april.pdf'] },
    });
    for (const part of both(email)) {
      expect(part).toMatch(/Attachments/i);
      expect(part).toContain('The signed Letter of Authority is attached (loa-pin_au0001-signed.pdf), with 2 bill copies (bill-march.pdf, bill-april.pdf).');
    }
  });

  it('FR: le mandat signé et une copie de facture', () => {
    const email = carrierResubmissionEmail({
      order: { ...order('FR'), rejectionCount: 1 },
      links: LINKS,
      carrier,
      attached: { signedLoa: 'mandat-signé.pdf', billCopies: ['facture.pdf'] },
    });
    for (const part of both(email)) {
      expect(part).toMatch(/Pièces jointes/i);
      expect(part).toContain('Le mandat signé est joint (mandat-signé.pdf), avec 1 copie de facture (facture.pdf).');
    }
  });

  it('the signed LOA alone, and bill copies alone', () => {
    const loaOnly = carrierSubmissionEmail({ order: order('GB'), links: LINKS, carrier, attached: { signedLoa: 'loa.pdf', billCopies: [] } });
    expect(squash(loaOnly.text)).toContain('The signed Letter of Authority is attached (loa.pdf).');
    expect(loaOnly.text).not.toMatch(/bill cop/);
    const billsOnly = carrierSubmissionEmail({ order: order('FR'), links: LINKS, carrier, attached: { signedLoa: null, billCopies: ['f1.pdf', 'f2.png'] } });
    expect(squash(billsOnly.text)).toContain('Pièces jointes : 2 copies de facture (f1.pdf, f2.png).');
    expect(billsOnly.text).not.toContain('mandat signé est joint');
  });

  it('says nothing about attachments when there are none', () => {
    for (const attached of [undefined, { signedLoa: null, billCopies: [] }]) {
      const email = carrierSubmissionEmail({ order: order('AU'), links: LINKS, carrier, ...(attached ? { attached } : {}) });
      for (const part of both(email)) {
        expect(part).not.toMatch(/Attachments/i);
        expect(part).not.toContain('is attached');
      }
    }
  });
});
