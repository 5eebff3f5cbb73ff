// The Letter of Authority as a losing carrier's porting desk reads it: the PDF's text is extracted with
// pdf.js and checked for what the desk checks (parties, account number, address, authority, every
// number, dates in market time), on every page; then the signature certificate and its hash.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  LOA_FILENAME,
  SCHEDULE_ROWS_PER_PAGE,
  appendSignaturePage,
  renderLetterOfAuthority,
  toWinAnsi,
  type LoaInput,
  type LoaNumber,
  type SignatureAudit,
} from '../../shared/documents/letter-of-authority.ts';
import { flat, readPdf } from '../support/pdf-text.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const AU: LoaInput = {
  market: 'AU',
  orderId: 'pin_01JAU0000000000000000001',
  requestId: 'sig_01JAU000000000000000000A',
  // 22:30 UTC on the 20th is 08:30 on the 21st in Brisbane (UTC+10).
  issuedAt: '2026-11-20T22:30:00.000Z',
  providerName: 'PortDesk',
  customerName: 'Harbour Fax Services',
  accountHolder: { businessName: 'Harbour Fax Pty Ltd' },
  serviceAddress: { line1: '12 Wharf Street', line2: 'Level 4', locality: 'Brisbane City', region: 'QLD', postcode: '4000', country: 'AU' },
  losingCarrier: { name: 'Telstra', accountNumber: 'TLS-88001234' },
  numbers: [
    { number: '+61732101234', lineType: 'pstn', services: ['adsl', 'eftpos'] },
    { number: '+61732105678', lineType: 'isdn', services: ['line_hunt'] },
    { number: '+61412345678', lineType: 'mobile', services: [] },
  ],
  signerEmail: 'accounts@harbourfax.example',
};

const GB: LoaInput = {
  market: 'GB',
  orderId: 'pin_01JGB0000000000000000001',
  requestId: 'sig_01JGB000000000000000000A',
  // 23:30 UTC on 29 March 2026 is 00:30 BST on the 30th in London.
  issuedAt: '2026-03-29T23:30:00.000Z',
  providerName: 'PortDesk',
  customerName: 'Hughes Architects',
  accountHolder: { firstName: 'Olivia', lastName: 'Hughes' },
  serviceAddress: { line1: '221 Baker Street', line2: 'Flat 2', locality: 'London', postcode: 'NW1 6XE', country: 'GB' },
  losingCarrier: { name: 'BT', accountNumber: 'BT-0042-7781' },
  numbers: [
    { number: '+442079460123', lineType: 'pstn', services: [] },
    { number: '+441614960000', lineType: 'digital', services: ['in_dial'] },
  ],
  signerEmail: 'olivia@hughes.example',
};

const FR: LoaInput = {
  market: 'FR',
  orderId: 'pin_01JFR0000000000000000001',
  requestId: 'sig_01JFR000000000000000000A',
  // 23:30 UTC on 20 November is 00:30 on the 21st in Paris (UTC+1).
  issuedAt: '2026-11-20T23:30:00.000Z',
  providerName: 'PortDesk',
  customerName: 'Atelier Bézier',
  accountHolder: { businessName: 'Atelier Bézier SARL', firstName: 'Émilie', lastName: 'Bézier' },
  serviceAddress: { line1: '12 rue de la Paix', locality: 'Paris', postcode: '75002', country: 'FR' },
  losingCarrier: { name: 'Orange', accountNumber: 'ORA-5512-0098' },
  numbers: [
    { number: '+33142685300', lineType: 'pstn', services: ['line_hunt'] },
    { number: '+33612345678', lineType: 'mobile', services: ['eftpos'] },
  ],
  signerEmail: 'emilie@atelier-bezier.example',
};

interface MarketCase {
  input: LoaInput;
  title: string;
  authority: string;
  holder: string;
  address: string[];
  issued: string;
  notIssued: string;
  rows: string[];
  pageOf: (page: number, pages: number) => string;
  columns: string;
  accountNumberLabel: string;
}

const CASES: MarketCase[] = [
  {
    input: AU,
    title: 'Letter of Authority',
    authority: 'I authorise PortDesk to port the numbers listed in this letter from Telstra to PortDesk',
    holder: 'Harbour Fax Pty Ltd',
    address: ['12 Wharf Street', 'Level 4', 'Brisbane City QLD 4000'],
    issued: 'Date of issue 21/11/2026',
    notIssued: '20/11/2026',
    rows: [
      '1 (07) 3210 1234 +61732101234 PSTN ADSL, EFTPOS',
      '2 (07) 3210 5678 +61732105678 ISDN line hunt',
      '3 0412 345 678 +61412345678 Mobile -',
    ],
    pageOf: (page, pages) => `Page ${page} of ${pages}`,
    columns: '# Number E.164 Line type Services on the line',
    accountNumberLabel: 'Account number at losing carrier',
  },
  {
    input: GB,
    title: 'Letter of Authority',
    authority: 'I authorise PortDesk to request the port of the numbers listed in this letter from BT to PortDesk',
    holder: 'Olivia Hughes',
    address: ['221 Baker Street', 'Flat 2', 'London', 'NW1 6XE'],
    issued: 'Date of issue 30/03/2026',
    notIssued: '29/03/2026',
    rows: ['1 020 7946 0123 +442079460123 PSTN -', '2 0161 496 0000 +441614960000 Digital in-dial'],
    pageOf: (page, pages) => `Page ${page} of ${pages}`,
    columns: '# Number E.164 Line type Services on the line',
    accountNumberLabel: 'Account number at losing carrier',
  },
  {
    input: FR,
    title: 'Mandat de portabilité',
    authority:
      'Je donne mandat à PortDesk pour effectuer en mon nom la demande de portabilité des numéros listés dans le présent mandat auprès de mon opérateur actuel, Orange.',
    holder: 'Atelier Bézier SARL (Émilie Bézier)',
    address: ['12 rue de la Paix', '75002 Paris'],
    issued: "Date d'émission 21/11/2026",
    notIssued: '20/11/2026',
    rows: ['1 01 42 68 53 00 +33142685300 RTC (analogique) groupement de lignes', '2 06 12 34 56 78 +33612345678 Mobile TPE'],
    pageOf: (page, pages) => `Page ${page} sur ${pages}`,
    columns: 'N° Numéro E.164 Type de ligne Services sur la ligne',
    accountNumberLabel: "Numéro de compte chez l'opérateur actuel",
  },
];

describe('renderLetterOfAuthority: what the losing carrier checks, in each market', () => {
  it.each(CASES)('$input.market: title, authority, parties, address, account number, numbers, date, footer', async (c) => {
    const pdf = await readPdf(await renderLetterOfAuthority(c.input));
    const all = pdf.pages.join('\n');
    const text = flat(all);
    const lines = all.split('\n').map(flat);

    expect(lines[0]).toBe(c.title);
    expect(text).toContain(c.authority);
    expect(text).toContain(c.input.providerName);
    expect(text).toContain(c.input.customerName);
    expect(text).toContain(c.holder);
    // The address one element per line, as the market writes it.
    for (const line of c.address) expect(lines.some((l) => l.endsWith(line))).toBe(true);
    expect(text).toContain(c.input.losingCarrier.name);
    expect(lines).toContain(`${c.accountNumberLabel} ${c.input.losingCarrier.accountNumber}`);
    expect(text).toContain(c.input.signerEmail);
    // Each number in national format and E.164, with its line type and services (translated in FR).
    for (const row of c.rows) expect(lines).toContain(row);
    expect(lines).toContain(c.columns);
    // The issue date is the market's date, not the UTC one.
    expect(text).toContain(c.issued);
    expect(text).not.toContain(c.notIssued);
    pdf.pages.forEach((page, i) => {
      expect(flat(page)).toContain(c.pageOf(i + 1, pdf.pages.length));
      expect(flat(page)).toContain(c.input.orderId);
      expect(flat(page)).toContain(c.input.requestId);
    });
  });

  it('writes the market-specific undertakings: service loss (AU), keep the service live (GB), termination and DSL (FR)', async () => {
    const [au, gb, fr] = await Promise.all([AU, GB, FR].map(async (input) => flat((await readPdf(await renderLetterOfAuthority(input))).pages.join('\n'))));
    expect(au).toContain('such as ADSL or other internet, EFTPOS, line hunt, Duet, in-dial or split phone/fax, will stop working');
    expect(gb).toContain('I will keep my existing service with BT live until the port has completed.');
    expect(gb).toContain('completing the port ends my contract with BT for the listed numbers only');
    expect(fr).toContain('La portabilité entraîne la résiliation de mon contrat chez Orange pour les seuls numéros portés');
    expect(fr).toContain("Je m'engage à garder ma ligne active chez Orange jusqu'au portage effectif");
    expect(fr).toContain('Signature du titulaire ou de la personne habilitée');
  });

  it('has a signature block that says how it is signed', async () => {
    const text = flat((await readPdf(await renderLetterOfAuthority(GB))).pages.join('\n'));
    expect(text).toMatch(/Signature of the account holder or authorised person Name Signature Date This letter is signed electronically via PortDesk/);
    expect(text).toContain('The signature is certified on the last page of the signed document.');
  });

  it('sets the document metadata from the input', async () => {
    const { info } = await readPdf(await renderLetterOfAuthority(FR));
    expect(info).toMatchObject({ Title: 'Mandat de portabilité', Producer: 'PortDesk', Language: 'fr-FR', CreationDate: 'D:20261120233000Z', ModDate: 'D:20261120233000Z' });
    expect(info.Keywords).toContain(FR.orderId);
  });
});

describe('renderLetterOfAuthority: 5,000 numbers', () => {
  const COUNT = 5_000;
  // +61 7 3210 0000 to +61 7 3210 4999; line types and services vary but stay on one line of the table.
  const numbers: LoaNumber[] = Array.from({ length: COUNT }, (_, i) => ({
    number: `+6173210${String(i).padStart(4, '0')}`,
    lineType: (['pstn', 'isdn', 'digital'] as const)[i % 3] ?? 'pstn',
    services: i % 5 === 0 ? ['eftpos'] : [],
  }));

  it('puts the numbers in a schedule of SCHEDULE_ROWS_PER_PAGE rows a page, header on each, every number once', async () => {
    const started = performance.now();
    const bytes = await renderLetterOfAuthority({ ...AU, numbers });
    const rendered = performance.now() - started;
    const pdf = await readPdf(bytes);

    // The letter with its signature on page 1, then the schedule.
    expect(pdf.pages).toHaveLength(1 + Math.ceil(COUNT / SCHEDULE_ROWS_PER_PAGE));
    expect(flat(pdf.pages[0] ?? '')).toContain('The 5,000 numbers to port are listed in the schedule of numbers that follows this page');
    expect(flat(pdf.pages[0] ?? '')).toContain('Signature of the account holder or authorised person');

    const seenE164: string[] = [];
    const seenNational: string[] = [];
    pdf.pages.slice(1).forEach((page, i) => {
      const lines = page.split('\n').map(flat);
      expect(lines[0]).toBe(i === 0 ? 'Schedule of numbers' : 'Schedule of numbers (continued)');
      expect(lines[1]).toBe('# Number E.164 Line type Services on the line');
      const e164 = page.match(/\+61732\d{6}/g) ?? [];
      const isLast = i === pdf.pages.length - 2;
      expect(e164).toHaveLength(isLast ? COUNT - SCHEDULE_ROWS_PER_PAGE * (pdf.pages.length - 2) : SCHEDULE_ROWS_PER_PAGE);
      seenE164.push(...e164);
      // The rows stay clear of the footer, the page's last line.
      const pageLines = pdf.lines[i + 1] ?? [];
      const footer = pageLines.at(-1);
      const lastRow = pageLines.at(-2);
      expect(flat(footer?.text ?? '')).toMatch(/^Order /);
      expect((lastRow?.y ?? 0) - (footer?.y ?? 0)).toBeGreaterThanOrEqual(20);
      seenNational.push(...(page.match(/\(07\) 3210 \d{4}/g) ?? []));
      expect(flat(page)).toContain(`Page ${i + 2} of ${pdf.pages.length}`);
    });
    expect(seenE164).toEqual(numbers.map((n) => n.number));
    expect(seenNational).toEqual(numbers.map((_, i) => `(07) 3210 ${String(i).padStart(4, '0')}`));
    // Row 5,000 is numbered with the market's grouping.
    expect((pdf.pages.at(-1) ?? '').split('\n').map(flat)).toContain('5,000 (07) 3210 4999 +61732104999 ISDN -');

    console.info(`5,000-number LOA: ${pdf.pages.length} pages, ${bytes.byteLength} bytes, rendered in ${Math.round(rendered)} ms`);
  });
});

describe('appendSignaturePage', () => {
  const audit = (unsigned: Uint8Array, input: LoaInput, overrides: Partial<SignatureAudit> = {}): SignatureAudit => ({
    market: input.market,
    orderId: input.orderId,
    requestId: input.requestId,
    signerName: 'Alex Martin',
    signerEmail: input.signerEmail,
    signedAt: '2026-11-21T03:04:05.000Z',
    channel: 'signing_page',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    unsignedSha256: sha256(unsigned),
    ...overrides,
  });

  it('keeps the unsigned pages as they are and adds a certificate page with the audit trail', async () => {
    const input = { ...AU, numbers: Array.from({ length: 120 }, (_, i) => ({ number: `+6173211${String(i).padStart(4, '0')}`, lineType: 'pstn' as const, services: [] })) };
    const unsigned = await renderLetterOfAuthority(input);
    const trail = audit(unsigned, input);
    const signedBytes = await appendSignaturePage(unsigned, trail);
    const [before, after] = await Promise.all([readPdf(unsigned), readPdf(signedBytes)]);

    expect(before.pages.length).toBeGreaterThan(1);
    expect(after.pages).toHaveLength(before.pages.length + 1);
    expect(after.pages.slice(0, before.pages.length)).toEqual(before.pages);
    // An incremental update: the signed file starts with the unsigned bytes, unchanged.
    expect(Buffer.from(signedBytes.subarray(0, unsigned.byteLength)).equals(Buffer.from(unsigned))).toBe(true);

    const last = flat(after.pages.at(-1) ?? '');
    expect(last).toMatch(/^Signature certificate /);
    expect(last).toContain(`the Letter of Authority on the preceding ${before.pages.length} pages`);
    expect(last).toContain('Signed by Alex Martin');
    expect(last).toContain(`Signer email ${input.signerEmail}`);
    expect(last).toContain('Signed at (UTC) 2026-11-21 03:04:05 UTC');
    expect(last).toContain('Signed at (market time) 21/11/2026 13:04:05 AEST (Australia/Brisbane)');
    expect(last).toContain('Signed through PortDesk signing page (link sent by email)');
    expect(last).toContain('IP address 203.0.113.7');
    expect(last).toContain(`User agent ${trail.userAgent}`);
    expect(last).toContain(`SHA-256 of the unsigned document ${sha256(unsigned)}`);
    expect(last).toContain(`Order ${input.orderId}`);
    expect(last).toContain(`Signing request ${input.requestId}`);
    expect(last).toContain(`sha256sum ${LOA_FILENAME(input.orderId, false)}`);
    expect(last).toContain(`its first ${unsigned.byteLength.toLocaleString('en-AU')} bytes have the same hash`);
    expect(sha256(signedBytes.subarray(0, unsigned.byteLength))).toBe(sha256(unsigned));

    expect(after.info).toMatchObject({ Title: 'Letter of Authority (signed)', Producer: 'PortDesk', CreationDate: 'D:20261120223000Z', ModDate: 'D:20261121030405Z' });
    expect(String(after.info.Keywords)).toContain(`sha256:${sha256(unsigned)}`);
  });

  it('writes the certificate in French for FR, with the Paris time, the API channel and what was not recorded', async () => {
    const unsigned = await renderLetterOfAuthority(FR);
    const signed = await readPdf(await appendSignaturePage(unsigned, audit(unsigned, FR, { signerName: 'Émilie Bézier', channel: 'api', ip: null, userAgent: null })));
    const last = flat(signed.pages.at(-1) ?? '');
    expect(last).toMatch(/^Certificat de signature /);
    expect(last).toContain('Signé par Émilie Bézier');
    expect(last).toContain('Signé le (UTC) 2026-11-21 03:04:05 UTC');
    expect(last).toContain('Signé le (heure de Paris) 21/11/2026 04:04:05 UTC+1 (Europe/Paris)');
    expect(last).toContain('Signé via API PortDesk');
    expect(last).toContain('Adresse IP non disponible');
    expect(last).toContain('Navigateur (user agent) non disponible');
    expect(last).toContain(`SHA-256 du document non signé ${sha256(unsigned)}`);
    expect(signed.info.Title).toBe('Mandat de portabilité (signé)');
  });

  it('names the UK zone in summer (BST) and wraps a long user agent without losing any of it', async () => {
    const unsigned = await renderLetterOfAuthority(GB);
    const userAgent = Array.from({ length: 30 }, (_, i) => `Component${i}/1.${i}.0`).join(' ');
    const signed = await readPdf(await appendSignaturePage(unsigned, audit(unsigned, GB, { signedAt: '2026-07-01T11:00:00Z', userAgent })));
    const last = signed.pages.at(-1) ?? '';
    expect(flat(last)).toContain('Signed at (market time) 01/07/2026 12:00:00 BST (Europe/London)');
    expect(flat(last)).toContain(`User agent ${userAgent}`);
    expect(last.split('\n').filter((l) => l.includes('Component')).length).toBeGreaterThan(1);
  });

  it('refuses to certify bytes whose hash is not the one given', async () => {
    const unsigned = await renderLetterOfAuthority(GB);
    await expect(appendSignaturePage(unsigned, audit(unsigned, GB, { unsignedSha256: 'ab'.repeat(32) }))).rejects.toThrow(/SHA-256/);
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same input, unsigned and signed', async () => {
    const [a, b] = await Promise.all([renderLetterOfAuthority(AU), renderLetterOfAuthority(structuredClone(AU))]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const trail: SignatureAudit = {
      market: 'AU',
      orderId: AU.orderId,
      requestId: AU.requestId,
      signerName: 'Alex Martin',
      signerEmail: AU.signerEmail,
      signedAt: '2026-11-21T03:04:05Z',
      channel: 'api',
      ip: '198.51.100.2',
      userAgent: 'curl/8.7.1',
      unsignedSha256: sha256(a),
    };
    const [sa, sb] = await Promise.all([appendSignaturePage(a, trail), appendSignaturePage(b, { ...trail })]);
    expect(Buffer.from(sa).equals(Buffer.from(sb))).toBe(true);
  });

  it('changes with the input (the issue date is in the bytes)', async () => {
    const [a, b] = await Promise.all([renderLetterOfAuthority(AU), renderLetterOfAuthority({ ...AU, issuedAt: '2026-11-22T22:30:00.000Z' })]);
    expect(sha256(a)).not.toBe(sha256(b));
  });
});

describe('names the standard fonts cannot show', () => {
  it.each([
    ['Łukasz Żółć', 'Lukasz Zólc'],
    ['Émilie Bézier', 'Émilie Bézier'],
    ['Émilie Be\u0301zier', 'Émilie Bézier'],
    ['Zoë Œuvre – €20', 'Zoë Œuvre – €20'],
    ['Đorđe Ħal', 'Dorde Hal'],
    ['ﬁnance Ｌｔｄ', 'finance Ltd'],
    ['山田 太郎', '?? ??'],
    ['Ana 😀 Lima', 'Ana ? Lima'],
    ['line\none\ttab', 'line one tab'],
    ['zero\u200bwidth\u200djoin', 'zerowidthjoin'],
  ])('toWinAnsi(%j) is %j', (input, expected) => {
    expect(toWinAnsi(input)).toBe(expected);
  });

  it('renders transliterated names and keeps French accents, as extracted text', async () => {
    const input: LoaInput = {
      ...FR,
      customerName: '株式会社 Émilie',
      accountHolder: { firstName: 'Łukasz', lastName: 'Żółć' },
      serviceAddress: { ...FR.serviceAddress, line1: '3 allée Émile-Zola' },
    };
    const text = flat((await readPdf(await renderLetterOfAuthority(input))).pages.join('\n'));
    expect(text).toContain('Titulaire de la ligne Lukasz Zólc');
    expect(text).toContain('Client ???? Émilie');
    expect(text).toContain('3 allée Émile-Zola');
  });

  it('toWinAnsi gives text the standard fonts encode, whatever the input', async () => {
    const doc = await PDFDocument.create();
    const fonts = await Promise.all([StandardFonts.Helvetica, StandardFonts.HelveticaBold, StandardFonts.Courier].map((f) => doc.embedFont(f)));
    fc.assert(
      fc.property(fc.oneof(...(['binary', 'grapheme', 'grapheme-composite', 'binary-ascii'] as const).map((unit) => fc.string({ unit, maxLength: 60 }))), (s) => {
        const safe = toWinAnsi(s);
        for (const font of fonts) expect(() => font.encodeText(safe)).not.toThrow();
        expect(toWinAnsi(safe)).toBe(safe);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any unicode in names and address', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: 'grapheme-composite', maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 400 }),
      fc.constantFrom('', ' ', '\n\n', 'Łukasz Żółć', '山田太郎', '👩🏽‍💻', '\u0301\u0301', '\ud800', 'x'.repeat(2_000)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          customerName: text,
          providerName: text,
          signerEmail: text,
          accountHolder: fc.record({ businessName: text, firstName: text, lastName: text }, { requiredKeys: [] }),
          serviceAddress: fc.record({ line1: text, line2: text, locality: text, region: text, postcode: text, country: text }, { requiredKeys: ['line1', 'locality', 'postcode', 'country'] }),
          losingCarrier: fc.record({ name: text, accountNumber: text }),
          market: fc.constantFrom(...(['AU', 'GB', 'FR'] as const)),
        }),
        async (fields) => {
          const bytes = await renderLetterOfAuthority({ ...AU, ...fields, market: fields.market });
          const doc = await PDFDocument.load(bytes);
          expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
          const signed = await appendSignaturePage(bytes, {
            market: fields.market,
            orderId: AU.orderId,
            requestId: AU.requestId,
            signerName: fields.customerName,
            signerEmail: fields.signerEmail,
            signedAt: '2026-11-21T03:04:05Z',
            channel: 'signing_page',
            ip: fields.losingCarrier.accountNumber,
            userAgent: fields.losingCarrier.name,
            unsignedSha256: sha256(bytes),
          });
          expect((await PDFDocument.load(signed)).getPageCount()).toBeGreaterThan(doc.getPageCount());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('LOA_FILENAME', () => {
  it('names the unsigned and the signed file after the order', () => {
    expect(LOA_FILENAME('pin_01JAU0000000000000000001', false)).toBe('LOA-pin_01JAU0000000000000000001.pdf');
    expect(LOA_FILENAME('pin_01JAU0000000000000000001', true)).toBe('LOA-pin_01JAU0000000000000000001-signed.pdf');
    expect(LOA_FILENAME('pin/../x y', true)).toBe('LOA-pin____x_y-signed.pdf');
  });
});
