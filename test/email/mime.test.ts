// The MIME parser (mailparser underneath) on the email corpus and on hostile input: every fixture
// reads as its index says (subject, sender, text, attachments and their SHA-256, defects); encodings
// decode (quoted-printable, base64, ISO-8859-1, HTML only); broken MIME is reported, never thrown;
// the 20 MB message parses within bounds; and random, generated and mutated messages never make
// parse() throw or hang.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MailparserMimeParser, OPERATOR_HEADERS, defectCode, type MimeDefectCode } from '../../shared/adapters/email/mime.ts';
import type { ParsedEmail } from '../../shared/app/ports.ts';
import {
  BIG_ATTACHMENT,
  EMAIL_FIXTURES,
  PLACEHOLDERS,
  bigAttachmentContent,
  bigAttachmentMessage,
  fixture,
  loadFixture,
} from './fixtures.ts';

const parser = new MailparserMimeParser();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const KNOWN_CODES = new Set<MimeDefectCode>([
  'unparseable', 'empty_message', 'no_headers', 'malformed_header', 'oversized_header', 'no_mime_version', 'bad_date', 'no_boundary',
  'boundary_not_found', 'missing_closing_boundary', 'nesting_too_deep', 'bad_base64', 'bad_quoted_printable', 'unknown_transfer_encoding',
  'unknown_charset', 'refused_charset', 'undecodable_text', 'html_not_converted', 'more_defects',
]);

const codes = (parsed: ParsedEmail) => [...new Set(parsed.defects.map(defectCode))].sort();

/** What every result must be, whatever the input: the shape of ParsedEmail, hashes that match, known defect codes. */
function expectWellFormed(parsed: ParsedEmail): void {
  expect(typeof parsed.text).toBe('string');
  expect(typeof parsed.subject).toBe('string');
  expect(parsed.html === null || typeof parsed.html === 'string').toBe(true);
  expect(parsed.messageId === null || (typeof parsed.messageId === 'string' && parsed.messageId !== '' && !parsed.messageId.startsWith('<'))).toBe(true);
  expect(parsed.date === null || !Number.isNaN(Date.parse(parsed.date))).toBe(true);
  expect(parsed.from === null || parsed.from.address === parsed.from.address.toLowerCase()).toBe(true);
  for (const address of [...parsed.to, ...parsed.cc]) expect(address).toBe(address.toLowerCase());
  for (const header of parsed.headers) expect(OPERATOR_HEADERS as readonly string[]).toContain(header.name);
  for (const attachment of parsed.attachments) {
    expect(attachment.size).toBe(attachment.content.length);
    expect(attachment.sha256).toBe(sha256(attachment.content));
  }
  for (const defect of parsed.defects) expect(KNOWN_CODES.has(defectCode(defect)), defect).toBe(true);
  expect(parsed.defects.length).toBeLessThanOrEqual(25);
}

/** parse() must settle by itself (its own time limit); this only turns a hang into a failure. */
async function parseWithin(raw: Buffer, ms = 20_000, p = parser): Promise<ParsedEmail> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`parse() did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p.parse(raw), hung]);
  } finally {
    clearTimeout(timer);
  }
}

const mail = (head: string, body: string, encoding: BufferEncoding = 'utf8') =>
  Buffer.from(`From: Test Sender <sender@carrier.example.test>\r\nTo: porting@portdesk.example.test\r\nSubject: test\r\nDate: Thu, 19 Nov 2026 10:00:00 +1000\r\nMessage-ID: <t1@carrier.example.test>\r\n${head}\r\n${body}`, encoding);

// ---- the corpus ---------------------------------------------------------------------------------------

describe('the email corpus', () => {
  it('has one index entry per file, each naming its placeholders', () => {
    const files = EMAIL_FIXTURES.map((entry) => entry.file);
    expect(new Set(files).size).toBe(files.length);
    for (const entry of EMAIL_FIXTURES) {
      const raw = loadFixture(entry.file).toString('latin1');
      expect(raw.includes('\r\n'), `${entry.file} has CRLF line ends`).toBe(true);
      expect(/(?<!\r)\n/.test(raw), `${entry.file} has no bare LF`).toBe(false);
      for (const key of Object.keys(PLACEHOLDERS) as (keyof typeof PLACEHOLDERS)[]) {
        expect(raw.includes(PLACEHOLDERS[key]), `${entry.file} ${key}`).toBe(entry.orders.includes(key));
      }
      // invented domains only
      for (const domain of raw.match(/@[a-z0-9.-]+\.[a-z]+/gi) ?? []) expect(domain.toLowerCase(), entry.file).toMatch(/\.example\.test$/);
    }
  });

  it.each(EMAIL_FIXTURES.map((entry) => [entry.file, entry] as const))('%s reads as its index says', async (_file, entry) => {
    const parsed = await parseWithin(loadFixture(entry.file));
    expectWellFormed(parsed);
    const m = entry.mime;
    expect(parsed.subject).toBe(m.subject);
    expect(parsed.from?.address).toBe(m.from);
    for (const phrase of m.textIncludes) expect(parsed.text).toContain(phrase);
    expect(parsed.text).not.toContain('\uFFFD');
    expect(parsed.html !== null).toBe(m.html);
    expect(parsed.date).toBe(entry.sentAt);
    expect(parsed.messageId).toMatch(/^[^<>\s]+@[^<>\s]+$/);
    expect(parsed.to).toContain('porting@portdesk.example.test');
    expect(parsed.attachments.map(({ filename, contentType, size, sha256: hash }) => ({ filename, contentType, size, sha256: hash }))).toEqual(m.attachments);
    expect(codes(parsed)).toEqual([...new Set(m.defects)].sort());
    const names = parsed.headers.map((h) => h.name);
    for (const name of ['From', 'To', 'Subject', 'Date', 'Message-ID', 'Authentication-Results', 'Received-SPF']) expect(names, name).toContain(name);
  });

  it('puts real order ids in place of the placeholders, byte for byte', async () => {
    const id = 'pin_kqm7q2xwz4t6wdy5';
    const other = 'pin_r5s7t2u3v4w6x7y2';
    const original = loadFixture('fr-carrier-two-references.eml');
    const raw = loadFixture('fr-carrier-two-references.eml', { orderId: id, otherOrderId: other });
    expect(raw.length).toBe(original.length);
    const parsed = await parser.parse(raw);
    expect(parsed.subject).toBe(`RE: [PD-${id}] [PD-${other}] Demandes de portabilité`);
    expect(parsed.text).toContain(`[PD-${other}] 01 42 68 53 01`);
    expect(parsed.text).not.toContain('pin_aaaa');
    // the ISO-8859-1 message keeps its bytes
    const latin1 = loadFixture('fr-carrier-transfer-date-latin1.eml', { orderId: id });
    expect((await parser.parse(latin1)).text).toContain("l'Échiquier");
    expect(() => loadFixture('au-carrier-rejection.eml', { orderId: 'PD-123' })).toThrow(/order id/);
  });
});

// ---- encodings ----------------------------------------------------------------------------------------

describe('encodings', () => {
  it('HTML only: text without tags or entities, a table row per line, cells apart, no wrapping', async () => {
    const parsed = await parser.parse(loadFixture('gb-carrier-rejection-html-only.eml'));
    expect(parsed.html).toContain('<table');
    expect(parsed.text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(parsed.text).not.toMatch(/&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i);
    expect(parsed.text).not.toContain('window.dataLayer'); // script dropped
    expect(parsed.text).not.toContain('font-family'); // style dropped
    const lines = parsed.text.split('\n');
    expect(lines).toContain('Status: Rejected');
    expect(lines).toContain('Reason code: NM-02');
    expect(lines).toContain('Your port order for 020 7946 0000 has been rejected. The account holder name doesn’t match our records for this line.');
  });

  it('HTML only, past the converter’s limits: read by the tag stripper, still without tags', async () => {
    const small = new MailparserMimeParser({ maxHtmlLengthToParse: 200 });
    const html = `<html><head><style>p{color:red}</style></head><body><!-- <p>hidden</p> --><table><tr><td>Status:</td><td>Accepted</td></tr><tr><td>Transfer&nbsp;date:</td><td>03/12/2026</td></tr></table><p>L&#8217;op&eacute;rateur &amp; nous</p>${'<p>filler</p>'.repeat(30)}</body></html>`;
    const parsed = await small.parse(mail('MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n', html));
    expect(codes(parsed)).toEqual(['html_not_converted']);
    expect(parsed.text.split('\n')).toEqual(expect.arrayContaining(['Status: Accepted', 'Transfer date: 03/12/2026', 'L’opérateur & nous']));
    expect(parsed.text).not.toMatch(/<|hidden|color:red/);
  });

  it('quoted-printable: soft line breaks joined, UTF-8 sequences decoded', async () => {
    const raw = loadFixture('gb-carrier-transfer-date-qp.eml');
    expect(raw.toString('latin1')).toContain('=E2=80=99'); // it really is QP on the wire
    const parsed = await parser.parse(raw);
    expect(parsed.text).toContain('Apologies for the delay – we’ve now been able to validate the order. The port of 020 7946 0000 is confirmed for Tuesday 8 December 2026 – our engineers will be on standby from 10:00.');
    expect(parsed.text).not.toMatch(/=[0-9A-F]{2}|=\n/);
    expect(parsed.html).toContain('class="MsoNormal"'); // =3D decoded in the HTML part too
  });

  it('base64 text body decoded (UTF-8 inside)', async () => {
    const parsed = await parser.parse(loadFixture('au-carrier-transfer-date-base64.eml'));
    expect(parsed.text.startsWith('PORT BOOKING CONFIRMATION')).toBe(true);
    expect(parsed.text).toContain('Coral Networks’ porting system');
  });

  it('ISO-8859-1 body and encoded words decoded; RFC 2231 file names too', async () => {
    const latin1 = await parser.parse(loadFixture('fr-carrier-transfer-date-latin1.eml'));
    expect(latin1.text).toContain('Suite à votre relance, nous vous confirmons que le portage du 01 42 68 53 00\nest programmé le jeudi 17 déc. 2026');
    expect(latin1.from).toEqual({ address: 'portabilite@hexatel.example.test', name: 'Hexatel Portabilité' });
    expect(latin1.subject).toBe(`Re: [PD-${PLACEHOLDERS.orderId}] Date de portage programmée`);
    const subjectHeader = latin1.headers.find((h) => h.name === 'Subject');
    expect(subjectHeader?.value).toBe(latin1.subject); // decoded for the operator
    const mandate = await parser.parse(loadFixture('fr-customer-signed-mandate.eml'));
    expect(mandate.attachments[0]?.filename).toBe('mandat signé.pdf');
    expect(mandate.from?.name).toBe('Élodie Marchand');
  });

  it('an unknown charset is decoded as UTF-8 or windows-1252 and reported; bad UTF-8 is reported', async () => {
    const unknownLatin = await parser.parse(mail('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-hexatel-legacy\r\n', 'Date de portage : 10 d\xe9c. 2026', 'latin1'));
    expect(unknownLatin.text).toBe('Date de portage : 10 déc. 2026');
    expect(unknownLatin.defects).toEqual(['unknown_charset: "x-hexatel-legacy" is not a known character set (decoded as windows-1252)']);
    const unknownUtf8 = await parser.parse(mail('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n', 'Créneau : 9h00'));
    expect(unknownUtf8.text).toBe('Créneau : 9h00');
    expect(codes(unknownUtf8)).toEqual(['unknown_charset']);
    const badUtf8 = await parser.parse(mail('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n', 'Cr\xe9neau', 'latin1'));
    expect(codes(badUtf8)).toEqual(['undecodable_text']);
    const windows = await parser.parse(mail('MIME-Version: 1.0\r\nContent-Type: text/plain; charset="Windows-1252"\r\n', '\x93Accept\xe9\x94 \x80', 'latin1'));
    expect(windows.text).toBe('“Accepté” €');
    expect(windows.defects).toEqual([]);
    const utf7 = await parser.parse(mail('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-7\r\n', 'Hi +ADw-script+AD4-'));
    expect(utf7.text).toBe('Hi +ADw-script+AD4-');
    expect(codes(utf7)).toEqual(['refused_charset']);
  });
});

// ---- fields -------------------------------------------------------------------------------------------

describe('fields', () => {
  it('Message-ID without brackets, addresses lower-cased, groups opened, Reply-To, Cc', async () => {
    const parsed = await parser.parse(
      Buffer.from(
        'From: "Porting, Desk" <Porting@CoralNet.Example.Test>\r\nReply-To: Desk <Desk@CoralNet.example.test>\r\nTo: PortDesk <PORTING@portdesk.example.test>, Team: a@x.example.test, b@x.example.test;\r\nCc: c@x.example.test\r\nCc: d@x.example.test\r\nMessage-ID:   <  abc.123@coralnet.example.test >  \r\nSubject: =?UTF-8?B?UG9ydCDinJQ=?=\r\nDate: Thu, 3 Dec 2026 10:42:55 +1000 (AEST)\r\n\r\nhi\r\n',
      ),
    );
    expect(parsed.messageId).toBe('abc.123@coralnet.example.test');
    expect(parsed.from).toEqual({ address: 'porting@coralnet.example.test', name: 'Porting, Desk' });
    expect(parsed.replyTo).toBe('desk@coralnet.example.test');
    expect(parsed.to).toEqual(['porting@portdesk.example.test', 'a@x.example.test', 'b@x.example.test']);
    expect(parsed.cc).toEqual(['c@x.example.test', 'd@x.example.test']);
    expect(parsed.subject).toBe('Port ✔');
    expect(parsed.date).toBe('2026-12-03T00:42:55.000Z');
    expect(codes(parsed)).toEqual([]);
  });

  it('no subject, no date, no Message-ID, no From: empty values, not errors', async () => {
    const parsed = await parser.parse(Buffer.from('To: porting@portdesk.example.test\r\n\r\nhello\r\n'));
    expect(parsed).toMatchObject({ subject: '', date: null, messageId: null, from: null, replyTo: null, text: 'hello\n', html: null, attachments: [], defects: [] });
  });

  it('an unreadable Date is null (mailparser would say "now") and reported', async () => {
    const parsed = await parser.parse(Buffer.from('From: a@x.example.test\r\nDate: sometime next week\r\n\r\nhi'));
    expect(parsed.date).toBeNull();
    expect(parsed.defects).toEqual(['bad_date: "sometime next week" is not a date']);
  });

  it('a huge Subject is cut for storage and reported', async () => {
    const parsed = await parser.parse(Buffer.from(mail('', 'hi').toString('latin1').replace('Subject: test', `Subject: [PD-${PLACEHOLDERS.orderId}] ${'x'.repeat(100_000)}`), 'latin1'));
    expect(parsed.subject.length).toBe(4096);
    expect(parsed.subject.startsWith(`[PD-${PLACEHOLDERS.orderId}]`)).toBe(true);
    expect(codes(parsed)).toEqual(['oversized_header']);
  });
});

// ---- broken MIME --------------------------------------------------------------------------------------

describe('broken MIME: reported, never thrown', () => {
  it('missing closing boundary and a cut base64 part: the text is whole, the part is what arrived', async () => {
    const parsed = await parser.parse(loadFixture('fr-broken-missing-closing-boundary.eml'));
    expect(parsed.defects).toEqual([
      'missing_closing_boundary: multipart/mixed in the message does not end with "--=_hxt_5f2c9a_--" (truncated?)',
      expect.stringMatching(/^bad_base64: \d+ base64 characters in part 2 \(text\/csv\) do not make whole groups of four \(truncated\?\)$/),
    ]);
    expect(parsed.text).toContain('Le compte\nrendu détaillé est joint.');
    expect(parsed.attachments[0]?.content.toString('utf8').startsWith('numero;operateur_donneur')).toBe(true);
  });

  it('bad base64: the garbage is skipped and the PDF comes out whole', async () => {
    const broken = await parser.parse(loadFixture('au-broken-bad-base64.eml'));
    const clean = await parser.parse(loadFixture('au-customer-bill-copy.eml'));
    expect(broken.defects).toEqual(['bad_base64: 24 byte(s) outside the base64 alphabet in part 2 (application/pdf) (skipped)']);
    expect(broken.attachments[0]?.sha256).toBe(clean.attachments[0]?.sha256);
    expect(broken.attachments[0]?.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it.each([
    ['multipart without a boundary', 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n', '--x\r\n\r\nhi\r\n--x--\r\n', ['no_boundary']],
    ['a boundary never used', 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="zz"\r\n', 'just text\r\n', ['boundary_not_found']],
    ['MIME headers without MIME-Version', 'Content-Type: text/plain; charset=utf-8\r\n', 'hi\r\n', ['no_mime_version']],
    ['invalid quoted-printable', 'MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n', 'a =ZZ b = c\r\n', ['bad_quoted_printable']],
    ['an unknown transfer encoding', 'MIME-Version: 1.0\r\nContent-Transfer-Encoding: x-uuencode\r\n', 'begin 644 a\r\n', ['unknown_transfer_encoding']],
    ['base64 cut mid-group', 'MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n', 'SGVsbG8gd29ybG\r\n', ['bad_base64']],
    ['a header line that is not a header', 'MIME-Version: 1.0\r\nthis is not a header\r\n', 'hi\r\n', ['malformed_header']],
  ])('%s', async (_name, head, body, expected) => {
    const parsed = await parseWithin(mail(head, body));
    expectWellFormed(parsed);
    expect(codes(parsed)).toEqual(expected);
  });

  it('nested multiparts, every one cut off: listed up to the cap', async () => {
    let body = '';
    for (let i = 0; i < 60; i++) body += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
    const parsed = await parseWithin(Buffer.from(`From: a@x.example.test\r\nMIME-Version: 1.0\r\n${body}Content-Type: text/plain\r\n\r\nhi\r\n`));
    expectWellFormed(parsed);
    expect(parsed.defects.length).toBe(25);
    expect(parsed.defects.at(-1)).toMatch(/^more_defects: \d+ more not listed$/);
  });

  it('empty input, headers only, plain garbage, non-buffer input: a result with its defects', async () => {
    expect((await parser.parse(Buffer.alloc(0))).defects).toEqual(['empty_message: no bytes']);
    expect(codes(await parser.parse(Buffer.from('just some words\r\nand more')))).toEqual(['no_headers']);
    const binary = await parser.parse(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0d, 0x0a, 0x0d, 0x0a, 0x80]));
    expectWellFormed(binary);
    const notBuffer = await parser.parse(undefined as unknown as Buffer);
    expect(notBuffer.defects).toEqual(['unparseable: the input is not a byte buffer']);
    const headersOnly = await parser.parse(Buffer.from('From: a@x.example.test\r\nSubject: only headers'));
    expect(headersOnly).toMatchObject({ subject: 'only headers', text: '', defects: [] });
  });

  it('what mailparser refuses (a 2 MB header block) is unparseable, with the Message-ID and headers the scan saw', async () => {
    const raw = Buffer.from(`Message-ID: <big@x.example.test>\r\nFrom: a@x.example.test\r\nX-Padding: ${'p'.repeat(2 * 1024 * 1024)}\r\n\r\nhi`);
    const parsed = await parseWithin(raw);
    expectWellFormed(parsed);
    expect(parsed.messageId).toBe('big@x.example.test');
    expect(parsed.defects.at(-1)).toMatch(/^unparseable: /);
    expect(parsed.headers).toEqual(expect.arrayContaining([{ name: 'From', value: 'a@x.example.test' }]));
  });

  it('gives up at its time limit: unparseable, not a hang', async () => {
    const hurried = new MailparserMimeParser({ timeoutMs: 1 });
    const raw = mail('MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n', `--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.alloc(6 * 1024 * 1024, 1).toString('base64')}\r\n--b--\r\n`);
    const parsed = await parseWithin(raw, 10_000, hurried);
    expect(parsed.defects.at(-1)).toMatch(/^unparseable: timed out after \d+ ms$/);
    expect(parsed.attachments).toEqual([]);
  });
});

// ---- the 20 MB message --------------------------------------------------------------------------------

describe('a 20 MB attachment', () => {
  it('parses within bounds; the attachment is whole (peak memory logged)', async () => {
    const bytes = 20 * 1024 * 1024;
    const raw = await bigAttachmentMessage(bytes, { orderId: 'pin_kqm7q2xwz4t6wdy5' });
    const before = process.memoryUsage();
    const peak = { rss: before.rss, arrayBuffers: before.arrayBuffers, heapUsed: before.heapUsed };
    const sample = () => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    };
    const sampler = setInterval(sample, 5);
    const started = performance.now();
    const parsed = await parseWithin(raw, 60_000);
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    sample();
    const mib = (n: number) => Math.round(n / 1048576);
    // Sampled between chunks (the parser yields every megabyte); rss only grows past what earlier tests reserved.
    console.log(
      `[mime] ${(raw.length / 1048576).toFixed(1)} MiB message, ${bytes / 1048576} MiB attachment: ${Math.round(elapsed)} ms; ` +
        `peak over the parse: rss +${mib(peak.rss - before.rss)} MiB (${mib(peak.rss)} MiB), buffers +${mib(peak.arrayBuffers - before.arrayBuffers)} MiB, heap +${mib(peak.heapUsed - before.heapUsed)} MiB`,
    );
    expectWellFormed(parsed);
    expect(parsed.defects).toEqual([]);
    expect(parsed.subject).toBe('Re: [PD-pin_kqm7q2xwz4t6wdy5] Your port-in request: a bill copy is needed');
    expect(parsed.from?.address).toBe('robin.ng@quokkawidgets.example.test');
    expect(parsed.attachments).toHaveLength(1);
    const attachment = parsed.attachments[0]!;
    expect(attachment).toMatchObject({ filename: BIG_ATTACHMENT.attachmentFilename, contentType: 'application/pdf', size: bytes });
    expect(attachment.sha256).toBe(sha256(bigAttachmentContent(bytes)));
    expect(raw.length).toBeGreaterThan(26_214_400); // above the intake's default 25 MiB: oversized there
  }, 120_000);
});

// ---- properties: nothing makes parse() throw or hang ------------------------------------------------------

const quick = new MailparserMimeParser({ timeoutMs: 10_000 });
const settles = async (raw: Buffer) => {
  const parsed = await parseWithin(raw, 15_000, quick);
  expectWellFormed(parsed);
};

const HEADER_NAMES = ['From', 'To', 'Cc', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'References', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition', 'X-Other'];
const CONTENT_TYPES = [
  'text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1', 'text/plain; charset=x-nope', 'text/plain; charset=utf-7', 'text/html',
  'text/html; charset="windows-1252"', 'multipart/mixed; boundary=BND', 'multipart/alternative; boundary="BND"', 'multipart/related', 'multipart/mixed; boundary=',
  'message/rfc822', 'application/pdf; name="a.pdf"', 'image/png', 'multipart/mixed; boundary="BND"; boundary="OTHER"', ';;;', '',
];
const ENCODINGS = ['7bit', '8bit', 'binary', 'base64', 'quoted-printable', 'x-uuencode', 'BASE64', ''];
const text = fc.string({ unit: 'binary', maxLength: 200 });
const headerValue = fc.oneof(
  text,
  fc.constantFrom(...CONTENT_TYPES),
  fc.constantFrom(...ENCODINGS),
  fc.constantFrom('=?UTF-8?B?w6k=?=', '=?ISO-8859-1?Q?d=E9c?=', '=?bogus?X?zz?=', '"unterminated <a@b', '<>', 'Team:;', 'a@b, , ,c@', 'Thu, 31 Feb 2026 99:99:99 +9999'),
);
const bodyPiece = fc.oneof(
  text,
  fc.constantFrom('--BND\r\n', '--BND--\r\n', '--BND', '\r\n\r\n', 'Content-Type: text/html\r\n\r\n<p>x</p>', '=E9=\r\n', '=ZZ', 'SGVsbG8=', '!!@@', '<div><div><td>', '&#xD800;&bogus;'),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);
const generatedMessage = fc
  .record({
    headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 14 }),
    separator: fc.constantFrom('\r\n\r\n', '\n\n', '\r\n', '', '\r\n \r\n'),
    body: fc.array(bodyPiece, { maxLength: 24 }),
  })
  .map(({ headers, separator, body }) => Buffer.from(headers.map(([name, value]) => `${name}: ${value}`).join('\r\n') + separator + body.join(''), 'latin1'));

type Mutation = (raw: Buffer, a: number, b: number) => Buffer;
const MUTATIONS: Record<string, Mutation> = {
  flipBytes: (raw, a, b) => {
    const out = Buffer.from(raw);
    for (let i = 0; i < 1 + (b % 40); i++) out[(a + i * 7919) % out.length] = (b + i * 31) & 0xff;
    return out;
  },
  truncate: (raw, a) => raw.subarray(0, a % (raw.length + 1)),
  dropBoundaries: (raw) => Buffer.from(raw.toString('latin1').replace(/boundary="?[^";\r\n]+"?/gi, ''), 'latin1'),
  dropDelimiterLines: (raw, a) => Buffer.from(raw.toString('latin1').split('\r\n').filter((line, i) => !(line.startsWith('--') && (i + a) % 2 === 0)).join('\r\n'), 'latin1'),
  hugeHeaderLine: (raw, a) => Buffer.concat([Buffer.from(`X-Huge: ${'h'.repeat(50_000 + (a % 3) * 600_000)}\r\n`), raw]),
  hugeSubject: (raw, a) => Buffer.from(raw.toString('latin1').replace(/^Subject:/m, `Subject: ${'s'.repeat(10_000 + (a % 200_000))}`), 'latin1'),
  bareLineFeeds: (raw) => Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'),
  strayCarriageReturns: (raw, a) => Buffer.from(raw.toString('latin1').replace(/\r\n/g, (m, at: number) => ((at + a) % 3 === 0 ? '\r' : m)), 'latin1'),
  insertNuls: (raw, a) => Buffer.concat([raw.subarray(0, a % raw.length), Buffer.alloc(1 + (a % 500)), raw.subarray(a % raw.length)]),
  duplicate: (raw, a) => Buffer.concat([raw, raw.subarray(a % raw.length)]),
  deepNesting: (raw, a) => {
    let wrap = '';
    for (let i = 0; i < 20 + (a % 400); i++) wrap += `Content-Type: multipart/mixed; boundary=n${i}\r\n\r\n--n${i}\r\n`;
    return Buffer.concat([Buffer.from(`From: x@y.example.test\r\nMIME-Version: 1.0\r\n${wrap}`), raw]);
  },
  longLine: (raw, a) => Buffer.concat([raw, Buffer.alloc(200_000 + (a % 800_000), 0x41)]),
};
const CORPUS = EMAIL_FIXTURES.map((entry) => loadFixture(entry.file));

describe('properties: parse() never throws or hangs', () => {
  it('on random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => settles(Buffer.from(bytes))), { numRuns: 300 });
  });

  it('on random header and body combinations', async () => {
    await fc.assert(fc.asyncProperty(generatedMessage, settles), { numRuns: 400 });
  });

  it('on mutated fixtures (byte flips, truncation, boundaries removed, huge header lines, nesting…)', async () => {
    const mutation = fc.constantFrom(...Object.keys(MUTATIONS));
    await fc.assert(
      fc.asyncProperty(fc.nat(CORPUS.length - 1), fc.array(fc.tuple(mutation, fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }), async (index, steps) => {
        let raw = CORPUS[index]!;
        for (const [name, a, b] of steps) raw = MUTATIONS[name]!(raw, a, b);
        await settles(raw);
      }),
      { numRuns: 400 },
    );
  }, 300_000);

  it('fixture() finds an entry and fails loudly for a missing one', () => {
    expect(fixture('gb-carrier-auto-reply.eml').expect).toEqual({ kind: 'quarantine', code: 'unclear_answer' });
    expect(() => fixture('nope.eml')).toThrow(/No email fixture/);
  });
});
