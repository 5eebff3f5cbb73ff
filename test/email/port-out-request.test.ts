// A gaining carrier's port-out request by email (issue 6, part 7): recognising one, and reading its
// labelled fields in English and French. Anything missing, given twice differently, or a date that
// could be read two ways is `incomplete` (the message goes to an operator).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MailparserMimeParser } from '../../shared/adapters/email/mime.ts';
import { isPortOutRequest, readPortOutRequest, type PortOutEmailInput, type PortOutRequestReading } from '../../shared/rules/email/port-out-request.ts';
import { EMAIL_FIXTURES, loadFixture } from './fixtures.ts';

const inputOf = (reading: PortOutRequestReading): PortOutEmailInput | null => (reading.kind === 'request' ? reading.input : null);
const missingOf = (reading: PortOutRequestReading): string[] | null => (reading.kind === 'incomplete' ? reading.missing : null);

const EN = [
  'Hello PortDesk,',
  '',
  'Please release the numbers below to Kestrel Telecom.',
  '',
  'Numbers: +61 7 3212 3456, +61 7 3212 3457',
  'Account number: ACC-2026',
  'PIN: 4821',
  'Authorised name: Jane Citizen',
  'Requested date: 16/03/2026',
  '',
  'Regards,',
  'Kestrel Telecom porting desk',
].join('\n');

const FR = [
  'Bonjour,',
  '',
  'Merci de libérer les numéros suivants.',
  '',
  'Numéros :',
  '+33 1 42 68 53 00',
  '+33 1 42 68 53 01',
  '',
  'Numéro de compte : CL-778 21',
  'Code PIN : 0042',
  'Nom du signataire : Élodie Marchand',
  'Date souhaitée : 20/03/2026',
  '',
  'Cordialement,',
  'Service portabilité',
].join('\n');

describe('isPortOutRequest', () => {
  it.each<[string, string, string]>([
    ['Port-out request', 'Port-out request', 'Numbers: +61732123456'],
    ['Port out request, upper case, with a count', 'PORT OUT REQUEST – 3 numbers', ''],
    ['portout request', 'Portout request 2026-118', ''],
    ['Porting request – port away', 'Porting request – port away', ''],
    ['Porting request (port out)', 'Porting request (port out) for Acme', ''],
    ['port away request', 'Port away request: Acme Plumbing', ''],
    ['request to port out, in the body', 'Acme Plumbing', 'Hello,\n\nThis is a request to port out the numbers below.\n\nNumbers: +61732123456'],
    ['port-out request in the body', 'Kestrel Telecom', 'Port-out request\n\nNumbers: +61732123456'],
    ['Demande de portabilité sortante', 'Demande de portabilité sortante', ''],
    ['sans accents', 'DEMANDE DE PORTABILITE SORTANTE', ''],
    ['portage sortant, in the body', 'Hexatel', 'Bonjour,\n\nNous vous transmettons une demande de portage sortant.\n'],
    ['Demande de portage (subject)', 'Demande de portage', ''],
    ['Demande de portage – with details (subject)', 'Demande de portage – Boulangerie Lavande', ''],
    ['Demande de portage as the body title', 'Hexatel', 'Demande de portage\n\nNuméros : +33142685300'],
    ['a forward of a request', 'Fwd: Port-out request', '---------- Forwarded message ---------\nFrom: a@b.example\nSubject: Port-out request\n\nNumbers: +61732123456'],
  ])('recognises %s', (_title, subject, text) => {
    expect(isPortOutRequest(subject, text)).toBe(true);
  });

  it.each<[string, string, string]>([
    ['a port-in request of ours', 'Port-in request [PD-pin_k3vq7x2mzt5hr4na] – 1 number', ''],
    ['a port-out request carrying a port-in reference', 'Port-out request [PD-pin_k3vq7x2mzt5hr4na]', ''],
    ['a port-out request carrying a port-out reference', 'Port-out request [PD-pout_k3vq7x2mzt5hr4na]', ''],
    ['a bare reference in the body', 'Port-out request', 'About PD-pout_k3vq7x2mzt5hr4na: the numbers are below.'],
    ['a reply', 'RE: Port-out request', 'Numbers: +61732123456'],
    ['a French reply', 'Réf : Demande de portabilité sortante', ''],
    ['our own French port-in subject', 'Demande de portabilité : 1 numéro', ''],
    ['a port-in request in French', 'Demande de portage entrant', ''],
    ['"demande de portage" inside a sentence', 'Hexatel', 'Bonjour,\n\nVotre demande de portage du 01 42 68 53 00 a été rejetée.'],
    ['a carrier notification without reference', 'Port notification - 07 3212 3456', 'Status: Confirmed\nFOC date: 03/12/2026'],
    ['a newsletter', 'Webinar: number porting in 2027 - reserve your place', 'Join us to hear about porting out and in.'],
    ['"port-out request" only in the quoted history', 'Following up', 'Any news?\n\nOn Mon, 2 Mar 2026 at 10:00, Kestrel <porting@kestrel.example> wrote:\n> Port-out request\n> Numbers: +61732123456'],
    ['nothing at all', '', ''],
  ])('does not take %s for a request', (_title, subject, text) => {
    expect(isPortOutRequest(subject, text)).toBe(false);
  });

  it('takes no message of the email corpus (port-in answers, customers, others) for a request, even without references and reply prefixes', async () => {
    const mime = new MailparserMimeParser();
    for (const f of EMAIL_FIXTURES) {
      const parsed = await mime.parse(loadFixture(f.file));
      expect(isPortOutRequest(parsed.subject, parsed.text), f.file).toBe(false);
      const strip = (s: string) => s.replace(/\[?\s*PD-pin_[a-z2-7]{16}\s*\]?/gi, '');
      const subject = strip(parsed.subject).replace(/^\s*(?:(?:re|fw|fwd|tr|automatic reply)\s*:\s*)+/i, '');
      expect(isPortOutRequest(subject, strip(parsed.text)), `${f.file} without references`).toBe(false);
    }
  });
});

describe('readPortOutRequest: complete requests', () => {
  it('reads an English request', () => {
    expect(readPortOutRequest(EN)).toEqual({
      kind: 'request',
      input: { numbers: ['+61 7 3212 3456', '+61 7 3212 3457'], accountNumber: 'ACC-2026', pin: '4821', authorizedName: 'Jane Citizen', requestedDate: '2026-03-16' },
    });
  });

  it('reads a French request (numbers on the lines under the label, day-first date)', () => {
    expect(readPortOutRequest(FR)).toEqual({
      kind: 'request',
      input: { numbers: ['+33 1 42 68 53 00', '+33 1 42 68 53 01'], accountNumber: 'CL-778 21', pin: '0042', authorizedName: 'Élodie Marchand', requestedDate: '2026-03-20' },
    });
  });

  const minimal = (lines: string[]) => [...lines].join('\n');
  it.each<[string, string, Partial<PortOutEmailInput>]>([
    ['E.164 numbers separated by spaces', minimal(['Numbers: +61732123456 +61732123457 +61732123458', 'Authorized name: J Citizen', 'Port date: 2026-03-16']), {
      numbers: ['+61732123456', '+61732123457', '+61732123458'],
    }],
    ['numbers with spaces, separated by spaces', minimal(['Numbers: +61 7 3212 3456 +61 7 3212 3457', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), {
      numbers: ['+61 7 3212 3456', '+61 7 3212 3457'],
    }],
    ['national numbers separated by spaces (kept as written)', minimal(['Numbers: 0732123456 0732123457', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), {
      numbers: ['0732123456', '0732123457'],
    }],
    ['a national number grouped by spaces stays one number', minimal(['Numbers: 07 3212 3456', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), {
      numbers: ['07 3212 3456'],
    }],
    ['a list under the label, bullets, semicolons and "and"', minimal(['Number(s):', '', '- +61 7 3212 3456; +61 7 3212 3457', '• +61 7 3212 3458 and +61 7 3212 3459', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), {
      numbers: ['+61 7 3212 3456', '+61 7 3212 3457', '+61 7 3212 3458', '+61 7 3212 3459'],
    }],
    ['a number repeated is kept once', minimal(['Numbers: +61732123456, +61732123456', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), { numbers: ['+61732123456'] }],
    ['two "Numbers:" lines', minimal(['Numbers: +61732123456', 'Authorised name: J Citizen', 'Numbers: +61732123457', 'Requested date: 2026-03-16']), {
      numbers: ['+61732123456', '+61732123457'],
    }],
    ['no account number and no PIN', minimal(['Numbers: +61732123456', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), { accountNumber: null, pin: null }],
    ['account number and PIN left empty on purpose', minimal(['Numbers: +61732123456', 'Account number: N/A', 'PIN: -', 'Authorised name: J Citizen', 'Requested date: 2026-03-16']), {
      accountNumber: null,
      pin: null,
    }],
    ['Passcode:, Account no.:, Authorized name: with the value on the next line', minimal(['Numbers: +61732123456', 'Account no.: 889 001', 'Passcode: zx81', 'Authorized name:', '', 'Jane Q. Citizen', 'Requested date: 2026-03-16']), {
      accountNumber: '889 001',
      pin: 'zx81',
      authorizedName: 'Jane Q. Citizen',
    }],
    ['markdown bold labels', minimal(['**Numbers:** +61732123456', '**PIN:** 4821', '**Authorised name:** Jane Citizen', '**Requested date:** 16/03/2026']), {
      pin: '4821',
      authorizedName: 'Jane Citizen',
      requestedDate: '2026-03-16',
    }],
    ['French labels with non-breaking spaces and without accents', minimal(['Numeros\u00a0: +33142685300', 'N° de compte\u202f: 12345', 'Code PIN : 1234', 'Nom du signataire : Elodie Marchand', 'Date souhaitee : 2026-04-01']), {
      numbers: ['+33142685300'],
      accountNumber: '12345',
      pin: '1234',
      requestedDate: '2026-04-01',
    }],
    ['a date with the month in words', minimal(['Numbers: +441632960000', 'Authorised name: P Raman', 'Requested date: 3 December 2026']), { requestedDate: '2026-12-03' }],
    ['DD.MM.YYYY', minimal(['Numbers: +441632960000', 'Authorised name: P Raman', 'Requested date: 03.12.2026']), { requestedDate: '2026-12-03' }],
    ['the same date twice, written differently', minimal(['Numbers: +441632960000', 'Authorised name: P Raman', 'Requested date: 03/12/2026', 'Port date: 2026-12-03']), {
      requestedDate: '2026-12-03',
    }],
    ['the same account number twice, spaced differently', minimal(['Numbers: +441632960000', 'Account number: ACC-2026', 'Account #: acc 2026', 'Authorised name: P Raman', 'Requested date: 2026-12-03']), {
      accountNumber: 'ACC-2026',
    }],
  ])('%s', (_title, text, expected) => {
    const input = inputOf(readPortOutRequest(text));
    expect(input).not.toBeNull();
    expect(input).toMatchObject(expected);
  });

  it('reads only the newest part: quoted history does not count', () => {
    const text = [
      'Numbers: +61732123457',
      'Authorised name: Jane Citizen',
      'Requested date: 2026-03-20',
      '',
      'On Mon, 2 Mar 2026 at 10:00, PortDesk <porting@portdesk.example> wrote:',
      '> Numbers: +61732123456',
      '> PIN: 1111',
      '> Requested date: 2026-03-16',
    ].join('\n');
    expect(inputOf(readPortOutRequest(text))).toEqual({ numbers: ['+61732123457'], accountNumber: null, pin: null, authorizedName: 'Jane Citizen', requestedDate: '2026-03-20' });
  });

  it('a forwarded request is read from the forwarded message', () => {
    const text = ['---------- Forwarded message ---------', 'From: Kestrel <porting@kestrel.example>', 'Subject: Port-out request', '', EN].join('\n');
    expect(inputOf(readPortOutRequest(text, { forwardedMessage: true }))?.requestedDate).toBe('2026-03-16');
  });
});

describe('readPortOutRequest: incomplete requests', () => {
  it.each<[string, string, string[]]>([
    ['no fields at all', 'Hello, please port our numbers away. Thanks.', ['numbers', 'authorizedName', 'requestedDate']],
    ['no numbers', 'Authorised name: J Citizen\nRequested date: 2026-03-16', ['numbers']],
    ['numbers label without any number', 'Numbers: see the attached list\nAuthorised name: J Citizen\nRequested date: 2026-03-16', ['numbers']],
    ['no authorised name', 'Numbers: +61732123456\nRequested date: 2026-03-16', ['authorizedName']],
    ['an empty authorised name', 'Numbers: +61732123456\nAuthorised name: N/A\nRequested date: 2026-03-16', ['authorizedName']],
    ['no requested date', 'Numbers: +61732123456\nAuthorised name: J Citizen', ['requestedDate']],
    ['a two-digit year', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: 16/03/26', ['requestedDate']],
    ['no year', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: 16/03', ['requestedDate']],
    ['month first (not a day-first date)', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: 03/16/2026', ['requestedDate']],
    ['an impossible date', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: 31/02/2026', ['requestedDate']],
    ['a date with words around it', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: ASAP, or 16/03/2026', ['requestedDate']],
    ['"next Monday"', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: next Monday', ['requestedDate']],
    ['a weekday that contradicts the date', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: Friday 16 March 2026', ['requestedDate']],
    ['two different dates', 'Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: 2026-03-16\nPort date: 2026-03-17', ['requestedDate']],
    ['two different names', 'Numbers: +61732123456\nAuthorised name: J Citizen\nNom du signataire : P Raman\nRequested date: 2026-03-16', ['authorizedName']],
    ['two different PINs', 'Numbers: +61732123456\nPIN: 1234\nPasscode: 9999\nAuthorised name: J Citizen\nRequested date: 2026-03-16', ['pin']],
    ['two different account numbers', 'Numbers: +61732123456\nAccount number: A1\nNuméro de compte : B2\nAuthorised name: J Citizen\nRequested date: 2026-03-16', ['accountNumber']],
    ['fields only in the quoted history', 'Please see below.\n\nOn Mon, 2 Mar 2026 at 10:00, Kestrel <p@kestrel.example> wrote:\n> Numbers: +61732123456\n> Authorised name: J Citizen\n> Requested date: 2026-03-16', [
      'numbers',
      'authorizedName',
      'requestedDate',
    ]],
  ])('%s', (_title, text, missing) => {
    expect(missingOf(readPortOutRequest(text))).toEqual(missing);
  });

  it('says what is missing and how to write it, in the message', () => {
    const reading = readPortOutRequest('Numbers: +61732123456\nAuthorised name: J Citizen\nRequested date: 16/03/26');
    expect(reading.kind).toBe('incomplete');
    if (reading.kind !== 'incomplete') return;
    expect(reading.message).toContain('requested date');
    expect(reading.message).toContain('YYYY-MM-DD or DD/MM/YYYY');
    expect(reading.message).toContain('16/03/26');
    expect(reading.message).not.toContain('authorised name');
  });
});

describe('readPortOutRequest: never throws', () => {
  const isReading = (r: PortOutRequestReading) =>
    (r.kind === 'request' && r.input.numbers.length > 0 && /^\d{4}-\d{2}-\d{2}$/.test(r.input.requestedDate) && r.input.authorizedName.trim() !== '') ||
    (r.kind === 'incomplete' && r.missing.length > 0 && r.message.length > 0);

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        expect(isReading(readPortOutRequest(text))).toBe(true);
        expect(typeof isPortOutRequest(text.slice(0, 40), text)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('on text made of labels, numbers, dates and separators', () => {
    const pieces = fc.constantFrom(
      'Numbers:', 'Numéros :', 'PIN:', 'Code PIN :', 'Account number:', 'Authorised name:', 'Nom du signataire :', 'Requested date:', 'Date souhaitée :',
      '+61 7 3212 3456', '0732123456', '16/03/2026', '2026-03-16', '31/02/2026', '03/16/2026', 'N/A', 'Jane', ',', ';', ' and ', '\n', '\n\n', '> ', '**', ':', '+', '-', '•',
      'On Mon, 2 Mar 2026, X wrote:', '-----Original Message-----', 'Port-out request', 'Demande de portage',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 60 }), (parts) => {
        const text = parts.join(' ');
        const reading = readPortOutRequest(text);
        expect(isReading(reading)).toBe(true);
        if (reading.kind === 'request') for (const n of reading.input.numbers) expect(n).toMatch(/\d/);
        expect(typeof isPortOutRequest(parts.slice(0, 3).join(' '), text)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('stays fast on a hostile line (no catastrophic backtracking)', () => {
    const started = Date.now();
    readPortOutRequest(`Numbers:${' '.repeat(50_000)}x\n${'a'.repeat(40)}${' '.repeat(50_000)}`);
    readPortOutRequest(`Numbers:\n${'+6 '.repeat(30_000)}`);
    isPortOutRequest('x', `${'port '.repeat(20_000)}request`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
