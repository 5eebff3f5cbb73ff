// The MimeParser port on mailparser (`simpleParser`). mailparser reads almost anything and repairs
// what it can without saying so, so a bounded scan of the raw bytes lists what was wrong (`defects`,
// each `code: detail`). parse() never throws and never runs longer than its time limit: a message
// that cannot be read at all comes back nearly empty with an `unparseable: <reason>` defect.
//
// Memory: the raw message is read where it lies (the scan works on views, mailparser gets it in
// chunks), each attachment is held once (simpleParser's buffer, hashed in place; while it joins an
// attachment's chunks both exist, so the peak is about twice the largest attachment), and images are
// not inlined into the HTML as data: URLs (simpleParser's default would copy every one of them).
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { simpleParser, type AddressObject, type IconvConstructor, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import type { MimeParser, ParsedAttachment, ParsedEmail } from '../../app/ports.ts';

export interface MimeParserOptions {
  /** The longest one parse may take before it gives up (`unparseable: timed out …`). Default 15 s. */
  timeoutMs?: number;
  /** HTML longer than this (characters) is not handed to html-to-text; a plain tag stripper reads it instead. Default 2,000,000. */
  maxHtmlLengthToParse?: number;
  /** Subject and header values are cut to this many characters (DynamoDB items are small). Default 4,096. */
  maxHeaderValueLength?: number;
}

/** The headers kept for an operator (and for the intake: Auto-Submitted marks automatic replies). In message order. */
export const OPERATOR_HEADERS = [
  'From',
  'Reply-To',
  'To',
  'Cc',
  'Subject',
  'Date',
  'Message-ID',
  'In-Reply-To',
  'References',
  'Authentication-Results',
  'Received-SPF',
  'Auto-Submitted',
] as const;

/**
 * The first word of every defect (`code: detail`). Informational except `unparseable`: the message
 * was still read as far as possible, and the intake decides what a defect means for it.
 */
export type MimeDefectCode =
  | 'unparseable'
  | 'empty_message'
  | 'no_headers'
  | 'malformed_header'
  | 'oversized_header'
  | 'no_mime_version'
  | 'bad_date'
  | 'no_boundary'
  | 'boundary_not_found'
  | 'missing_closing_boundary'
  | 'nesting_too_deep'
  | 'bad_base64'
  | 'bad_quoted_printable'
  | 'unknown_transfer_encoding'
  | 'unknown_charset'
  | 'refused_charset'
  | 'undecodable_text'
  | 'html_not_converted'
  | 'more_defects';

/** The code of a defect string (`'missing_closing_boundary'` for `'missing_closing_boundary: …'`). */
export function defectCode(defect: string): MimeDefectCode {
  return defect.split(':', 1)[0]!.trim() as MimeDefectCode;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_HTML = 2_000_000;
const DEFAULT_MAX_HEADER_VALUE = 4_096;
/** Addresses kept per To/Cc list. */
const MAX_ADDRESSES = 500;
/** Same as mailparser's maxHeadSize: a longer header block is an error there, and the scan stops reading it. */
const MAX_HEAD_BYTES = 1024 * 1024;
const MAX_SCAN_DEPTH = 30;
const MAX_SCAN_PARTS = 2_000;
const FEED_CHUNK = 64 * 1024;
/** Defects listed at most (a hostile message can have one per part); `unparseable` is always kept. */
const MAX_DEFECTS = 25;

export class MailparserMimeParser implements MimeParser {
  private readonly timeoutMs: number;
  private readonly maxHtml: number;
  private readonly maxHeaderValue: number;

  constructor(options: MimeParserOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxHtml = options.maxHtmlLengthToParse ?? DEFAULT_MAX_HTML;
    this.maxHeaderValue = options.maxHeaderValueLength ?? DEFAULT_MAX_HEADER_VALUE;
  }

  async parse(raw: Buffer): Promise<ParsedEmail> {
    let scan: Scan | null = null;
    try {
      const bytes = asBuffer(raw);
      if (!bytes) return unreadable('the input is not a byte buffer', [], null);
      const deadline = Date.now() + this.timeoutMs;
      scan = scanMessage(bytes);
      const defects = scan.defects;

      const unknownCharsets = new Map<string, string>();
      let mail: ParsedMail;
      try {
        mail = await parseWithin(bytes, this.parserOptions(unknownCharsets), deadline);
      } catch (error) {
        return unreadable(reasonOf(error), defects, scan, this.maxHeaderValue);
      }
      for (const [charset, decodedAs] of unknownCharsets) defects.push(`unknown_charset: "${charset}" is not a known character set (decoded as ${decodedAs})`);

      const html = typeof mail.html === 'string' && mail.html !== '' ? mail.html : null;
      let text = mail.text ?? '';
      if (mail.textConversionError) defects.push(`html_not_converted: ${reasonOf(mail.textConversionError)}`);
      // HTML only (or HTML mailparser could not convert): the text is made from the HTML here (see htmlToText).
      if (html !== null && (scan.plainTextParts === 0 || (text.trim() === '' && mail.textConversionError))) {
        text = await htmlToText(html, this.maxHtml, deadline);
      }
      if (text.includes('\uFFFD')) defects.push('undecodable_text: the text holds bytes its character set could not decode (shown as U+FFFD)');

      const headers = this.operatorHeaders(mail, defects);
      const subject = this.cutValue(mail.subject ?? '', 'Subject', defects);
      return {
        messageId: messageIdOf(mail.messageId ?? scan.topHeaders.get('message-id')),
        from: firstMailbox(mail.from),
        replyTo: firstMailbox(mail.replyTo)?.address ?? null,
        to: addressList(mail.to, 'To', defects),
        cc: addressList(mail.cc, 'Cc', defects),
        subject,
        date: dateOf(scan.topHeaders.get('date'), defects),
        text,
        html,
        headers,
        attachments: mail.attachments.map(toAttachment),
        defects: limitDefects(defects),
      };
    } catch (error) {
      return unreadable(reasonOf(error), scan?.defects ?? [], scan, this.maxHeaderValue);
    }
  }

  private parserOptions(unknownCharsets: Map<string, string>): SimpleParserOptions {
    return {
      // data: URLs for every cid: image would copy each inline image into the HTML string.
      keepCidLinks: true,
      skipImageLinks: true,
      // textAsHtml is not used: no linkify pass over the text.
      skipTextToHtml: true,
      maxHtmlLengthToParse: this.maxHtml,
      // Hashed here with SHA-256; no MD5 pass over every attachment.
      checksumAlgo: false,
      Iconv: recordingDecoder(unknownCharsets),
    };
  }

  /** OPERATOR_HEADERS in message order; From, To, Cc and Subject decoded (encoded words), the others as written. */
  private operatorHeaders(mail: ParsedMail, defects: string[]): { name: string; value: string }[] {
    const out: { name: string; value: string }[] = [];
    const seen = new Set<string>();
    for (const { key, line } of mail.headerLines ?? []) {
      const name = HEADER_NAMES.get(key);
      if (!name) continue;
      let value: string | undefined;
      if (!seen.has(key)) {
        if (key === 'subject') value = mail.subject;
        else if (key === 'from') value = mail.from?.text;
        else if (key === 'to' || key === 'cc') {
          const parsed = mail[key];
          value = Array.isArray(parsed) ? parsed[0]?.text : parsed?.text;
        }
      }
      seen.add(key);
      value ??= unfold(line.slice(line.indexOf(':') + 1));
      out.push({ name, value: this.cutValue(value.trim(), name, defects) });
      if (out.length >= 200) break;
    }
    return out;
  }

  private cutValue(value: string, name: string, defects: string[]): string {
    if (value.length <= this.maxHeaderValue) return value;
    const note = `oversized_header: ${name} was ${value.length} characters (cut to ${this.maxHeaderValue})`;
    if (!defects.includes(note)) defects.push(note);
    return value.slice(0, this.maxHeaderValue);
  }
}

const HEADER_NAMES = new Map<string, string>(OPERATOR_HEADERS.map((name) => [name.toLowerCase(), name]));

// ---- running mailparser within bounds ------------------------------------------------------------

/** simpleParser on the raw bytes fed in chunks (so a timer can stop it between them), rejected at the deadline. */
async function parseWithin(raw: Buffer, options: SimpleParserOptions, deadline: number): Promise<ParsedMail> {
  const source = feed(raw);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const ms = Math.max(0, deadline - Date.now());
    timer = setTimeout(() => {
      const error = new Error(`timed out after ${ms} ms`);
      source.destroy(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([simpleParser(source, options), timedOut]);
  } finally {
    clearTimeout(timer);
    if (!source.destroyed) source.destroy();
  }
}

/** The raw bytes as a stream of views (no copies), yielding to the event loop every megabyte. */
function feed(raw: Buffer): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let at = 0, n = 1; at < raw.length; at += FEED_CHUNK, n++) {
      yield raw.subarray(at, at + FEED_CHUNK);
      if (n % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}

/**
 * mailparser's `Iconv` hook, so that a character set it cannot decode is known: text bodies are decoded
 * with Node's WHATWG decoders; an unknown charset is read as UTF-8 when the bytes are UTF-8, else as
 * windows-1252, and recorded. (mailparser itself decodes UTF-7 never, and ASCII/UTF-8 without this.)
 */
function recordingDecoder(unknown: Map<string, string>): IconvConstructor {
  return class CharsetDecoder extends Transform {
    private readonly decoder: TextDecoder | null;
    private readonly charset: string;
    private readonly held: Buffer[] = [];

    constructor(charset: string, _target: string) {
      super();
      this.charset = charset;
      this.decoder = decoderFor(charset);
    }

    override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      if (!this.decoder) this.held.push(chunk);
      else this.pushText(this.decoder.decode(chunk, { stream: true }));
      done();
    }

    override _flush(done: TransformCallback): void {
      if (this.decoder) {
        this.pushText(this.decoder.decode());
      } else {
        const bytes = Buffer.concat(this.held);
        this.held.length = 0;
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          unknown.set(this.charset, 'UTF-8');
        } catch {
          text = new TextDecoder('windows-1252').decode(bytes);
          unknown.set(this.charset, 'windows-1252');
        }
        this.pushText(text);
      }
      done();
    }

    private pushText(text: string): void {
      if (text) this.push(Buffer.from(text, 'utf8'));
    }
  };
}

function decoderFor(charset: string): TextDecoder | null {
  let label = charset.trim().replace(/^["']|["']$/g, '').toLowerCase();
  label = label
    .replace(/^win(?:dows)?[-_]?(\d{3,4})$/, 'windows-$1')
    .replace(/^cp[-_]?(125\d)$/, 'windows-$1')
    .replace(/^cp[-_]?949$/, 'euc-kr')
    .replace(/^latin[-_]1$/, 'latin1');
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

// ---- HTML-only messages ----------------------------------------------------------------------------

/**
 * Text of an HTML body, by mailparser's own converter (html-to-text, he) on a prepared copy; a tag
 * stripper past the limits. mailparser calls html-to-text with its defaults, which run the rows of a
 * nested table and the cells of a row together ("Transfer date03/12/2026") and wrap lines at 80
 * columns (a "Reason: …" line split in two). So, first: table markup becomes blocks (a row per line,
 * a space between cells), and the spaces inside text become no-break spaces (no wrapping), turned
 * back into spaces afterwards.
 */
async function htmlToText(html: string, maxHtml: number, deadline: number): Promise<string> {
  if (html.length <= maxHtml) {
    try {
      const prepared = html
        .replace(/<(\/?)(?:table|tbody|thead|tfoot|tr|caption)(?=[\s>/])/gi, '<$1div')
        .replace(/<(\/?)t[dh](?=[\s>/])/gi, (_tag, slash: string) => (slash ? '</span' : ' <span'))
        .replace(/>([^<]*)</g, (whole, text: string) => (/[^\s\u00a0]/.test(text) ? `>${text.replace(/[ \t\r\n]+/g, '\u00a0')}<` : whole));
      const wrapper = Buffer.from(`MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${prepared}`, 'utf8');
      const converted = await parseWithin(wrapper, { skipTextToHtml: true, keepCidLinks: true, maxHtmlLengthToParse: maxHtml, checksumAlgo: false }, deadline);
      if (!converted.textConversionError && converted.text !== undefined) {
        return converted.text
          .replace(/\u00a0/g, ' ')
          .replace(/[ \t]+$/gm, '')
          .trim();
      }
    } catch {
      // fall through to the tag stripper
    }
  }
  return stripTags(html.length > 10 * maxHtml ? html.slice(0, 10 * maxHtml) : html);
}

const BLOCK_TAGS = new Set(['p', 'div', 'br', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'blockquote', 'pre', 'section', 'article', 'header', 'footer', 'title']);
const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', eacute: 'é', egrave: 'è', ecirc: 'ê', euml: 'ë', agrave: 'à',
  acirc: 'â', ccedil: 'ç', icirc: 'î', iuml: 'ï', ocirc: 'ô', ucirc: 'û', ugrave: 'ù', Eacute: 'É', Egrave: 'È', Agrave: 'À',
  Ccedil: 'Ç', rsquo: '’', lsquo: '‘', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', ndash: '–', mdash: '—', hellip: '…',
  euro: '€', pound: '£', copy: '©', reg: '®', trade: '™', middot: '·', bull: '•',
};

/** A linear tag stripper for HTML too long or too deep for html-to-text: blocks become lines, cells spaces. */
function stripTags(html: string): string {
  const out: string[] = [];
  const skipTo = /<\/(script|style|head)\s*>/gi;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const name = /^<\/?([a-zA-Z][a-zA-Z0-9]*)/.exec(html.slice(lt, Math.min(gt + 1, lt + 24)))?.[1]?.toLowerCase() ?? '';
    i = gt + 1;
    if ((name === 'script' || name === 'style' || name === 'head') && html[lt + 1] !== '/') {
      skipTo.lastIndex = i;
      const close = skipTo.exec(html);
      i = close ? close.index + close[0].length : html.length;
    } else if (BLOCK_TAGS.has(name)) out.push('\n');
    else if (name === 'td' || name === 'th') out.push(' ');
  }
  return out
    .join('')
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});/gi, (entity, body: string) => {
      if (body[0] === '#') {
        const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
      return ENTITIES[body] ?? entity;
    })
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---- fields ----------------------------------------------------------------------------------------

/** The defects without repeats, at most `max` (the last one then says how many more there were). */
function limitDefects(defects: readonly string[], max = MAX_DEFECTS): string[] {
  const distinct = [...new Set(defects)];
  if (distinct.length <= max) return distinct;
  return [...distinct.slice(0, max - 1), `more_defects: ${distinct.length - (max - 1)} more not listed`];
}

function asBuffer(raw: unknown): Buffer | null {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  return null;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 300) || 'unknown error';
}

function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').replace(/\r?\n/g, ' ');
}

function messageIdOf(value: string | undefined): string | null {
  if (!value) return null;
  const id = unfold(value).trim().replace(/^<\s*/, '').replace(/\s*>$/, '').trim();
  return id === '' ? null : id.slice(0, 998);
}

type AddressInput = AddressObject | AddressObject[] | undefined;

function mailboxes(input: AddressInput): { address: string; name: string }[] {
  const out: { address: string; name: string }[] = [];
  for (const object of Array.isArray(input) ? input : input ? [input] : []) {
    for (const entry of object.value ?? []) {
      for (const box of entry.group ?? [entry]) {
        const address = box.address?.trim().toLowerCase();
        if (address) out.push({ address, name: box.name ?? '' });
      }
    }
  }
  return out;
}

function firstMailbox(input: AddressInput): { address: string; name: string } | null {
  return mailboxes(input)[0] ?? null;
}

function addressList(input: AddressInput, name: string, defects: string[]): string[] {
  const all = [...new Set(mailboxes(input).map((box) => box.address))];
  if (all.length <= MAX_ADDRESSES) return all;
  defects.push(`oversized_header: ${name} lists ${all.length} addresses (the first ${MAX_ADDRESSES} kept)`);
  return all.slice(0, MAX_ADDRESSES);
}

/** The Date header as an ISO instant. Read here: mailparser puts the current time in place of an unreadable date. */
function dateOf(raw: string | undefined, defects: string[]): string | null {
  if (raw === undefined) return null;
  const value = unfold(raw).replace(/\([^()]*\)/g, ' ').trim();
  const time = value ? Date.parse(value) : NaN;
  if (Number.isNaN(time) || time < Date.UTC(1970, 0, 1) || time > Date.UTC(9999, 11, 31)) {
    defects.push(`bad_date: "${value.slice(0, 80)}" is not a date`);
    return null;
  }
  return new Date(time).toISOString();
}

function toAttachment(attachment: ParsedMail['attachments'][number]): ParsedAttachment {
  const content = Buffer.isBuffer(attachment.content) ? attachment.content : Buffer.alloc(0);
  return {
    filename: attachment.filename ?? null,
    contentType: (attachment.contentType || 'application/octet-stream').toLowerCase(),
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    content,
  };
}

/** What is left when mailparser could not read the message: the Message-ID and headers the scan saw, and why. */
function unreadable(reason: string, defects: string[], scan: Scan | null, maxValue = DEFAULT_MAX_HEADER_VALUE): ParsedEmail {
  const headers: { name: string; value: string }[] = [];
  for (const [key, value] of scan?.topHeaders ?? []) {
    const name = HEADER_NAMES.get(key);
    if (name) headers.push({ name, value: unfold(value).trim().slice(0, maxValue) });
  }
  return {
    messageId: messageIdOf(scan?.topHeaders.get('message-id')),
    from: null,
    replyTo: null,
    to: [],
    cc: [],
    subject: '',
    date: null,
    text: '',
    html: null,
    headers,
    attachments: [],
    defects: [...limitDefects(defects, MAX_DEFECTS - 1), `unparseable: ${reason}`],
  };
}

// ---- the structural scan -----------------------------------------------------------------------------

interface Scan {
  defects: string[];
  /** The message's own headers (first occurrence, lower-case names, values as written). */
  topHeaders: Map<string, string>;
  /** text/plain body parts (not attachments) outside attached messages: 0 with an HTML part means HTML only. */
  plainTextParts: number;
  parts: number;
}

interface PartHead {
  headers: Map<string, string>;
  /** Header fields read (all names, not only the kept ones). */
  fields: number;
  body: Buffer;
  firstLineIsHeader: boolean;
  malformedLine: number | null;
}

const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;
const SCANNED_HEADERS = new Set(['content-type', 'content-transfer-encoding', 'content-disposition', 'mime-version', 'date', 'message-id', ...HEADER_NAMES.keys()]);

/** Walks the MIME tree of the raw bytes (views, no copies; depth and part count bounded) and lists what is wrong. */
function scanMessage(raw: Buffer): Scan {
  const scan: Scan = { defects: [], topHeaders: new Map(), plainTextParts: 0, parts: 0 };
  if (raw.length === 0) {
    scan.defects.push('empty_message: no bytes');
    return scan;
  }
  const head = readHead(raw);
  scan.topHeaders = head.headers;
  if (!head.firstLineIsHeader || head.fields === 0) scan.defects.push('no_headers: the message does not begin with header fields');
  else if (head.malformedLine !== null) scan.defects.push(`malformed_header: header line ${head.malformedLine} is not a header field`);
  if (!head.headers.has('mime-version') && (head.headers.has('content-type') || head.headers.has('content-transfer-encoding'))) {
    scan.defects.push('no_mime_version: MIME headers without a MIME-Version header');
  }
  scanEntity(scan, head, 'message', 0, true);
  return scan;
}

function readHead(part: Buffer): PartHead {
  let end: number;
  let bodyStart: number;
  if (part[0] === 0x0a) [end, bodyStart] = [0, 1];
  else if (part[0] === 0x0d && part[1] === 0x0a) [end, bodyStart] = [0, 2];
  else {
    let from = 0;
    for (;;) {
      const nl = part.indexOf(0x0a, from);
      if (nl < 0 || nl > MAX_HEAD_BYTES) {
        [end, bodyStart] = [Math.min(part.length, MAX_HEAD_BYTES), part.length];
        break;
      }
      if (part[nl + 1] === 0x0a) {
        [end, bodyStart] = [nl, nl + 2];
        break;
      }
      if (part[nl + 1] === 0x0d && part[nl + 2] === 0x0a) {
        [end, bodyStart] = [nl, nl + 3];
        break;
      }
      from = nl + 1;
    }
  }
  const headers = new Map<string, string>();
  let fields = 0;
  let firstLineIsHeader = end === 0;
  let malformedLine: number | null = null;
  let name: string | null = null;
  let value = '';
  const keep = () => {
    if (name !== null && SCANNED_HEADERS.has(name) && !headers.has(name)) headers.set(name, value);
  };
  const lines = part.toString('latin1', 0, end).split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if ((line.startsWith(' ') || line.startsWith('\t')) && name !== null) {
      value += `\n${line}`;
      continue;
    }
    keep();
    name = null;
    if (HEADER_LINE.test(line)) {
      fields++;
      if (index === 0) firstLineIsHeader = true;
      const colon = line.indexOf(':');
      name = line.slice(0, colon).trim().toLowerCase();
      value = line.slice(colon + 1);
    } else if (index === 0 && line.startsWith('From ')) {
      firstLineIsHeader = true; // an mbox "From sender date" line: common and harmless
    } else if (!(line === '' && index === lines.length - 1)) {
      malformedLine ??= index + 1;
    }
  }
  keep();
  return { headers, fields, body: part.subarray(bodyStart), firstLineIsHeader, malformedLine };
}

interface ContentType {
  type: string;
  params: Map<string, string>;
}

function contentTypeOf(value: string | undefined, fallback: string): ContentType {
  const params = new Map<string, string>();
  if (value === undefined) return { type: fallback, params };
  const flat = unfold(value);
  const type = flat.split(';', 1)[0]!.replace(/\([^()]*\)/g, '').trim().toLowerCase() || fallback;
  const param = /;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let match = param.exec(flat); match; match = param.exec(flat)) {
    const name = match[1]!.toLowerCase();
    let raw = match[2]!.trim();
    raw = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.replace(/\s*\([^()]*\)\s*$/, '').trim();
    if (!params.has(name)) params.set(name, raw);
  }
  return { type, params };
}

function scanEntity(scan: Scan, head: PartHead, partId: string, depth: number, countsAsBody: boolean): void {
  scan.parts++;
  const contentType = contentTypeOf(head.headers.get('content-type'), 'text/plain');
  const where = partId === 'message' ? 'the message' : `part ${partId} (${contentType.type})`;
  if (contentType.type.startsWith('multipart/')) {
    scanMultipart(scan, head.body, contentType, where, partId, depth);
    return;
  }
  const encoding = unfold(head.headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const disposition = unfold(head.headers.get('content-disposition') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (encoding === 'base64') checkBase64(scan, head.body, where);
  else if (encoding === 'quoted-printable') checkQuotedPrintable(scan, head.body, where);
  else if (!['7bit', '8bit', 'binary', ''].includes(encoding)) scan.defects.push(`unknown_transfer_encoding: "${encoding.slice(0, 40)}" in ${where} (left as is)`);

  if (contentType.type.startsWith('text/') && disposition !== 'attachment') {
    const charset = (contentType.params.get('charset') ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
    if (/^(?:(?:cs)?unicode11)?utf7(?:imap)?$/.test(charset)) scan.defects.push(`refused_charset: UTF-7 text in ${where} is not decoded`);
    if (countsAsBody && contentType.type === 'text/plain') scan.plainTextParts++;
  }
  if (contentType.type === 'message/rfc822' && ['7bit', '8bit', 'binary', ''].includes(encoding)) {
    if (depth + 1 > MAX_SCAN_DEPTH) {
      scan.defects.push(`nesting_too_deep: more than ${MAX_SCAN_DEPTH} levels; the rest was not checked`);
      return;
    }
    const inner = readHead(head.body);
    scanEntity(scan, inner, `${partId === 'message' ? '' : `${partId}.`}message`, depth + 1, false);
  }
}

function scanMultipart(scan: Scan, body: Buffer, contentType: ContentType, where: string, partId: string, depth: number): void {
  const boundary = contentType.params.get('boundary');
  if (!boundary) {
    scan.defects.push(`no_boundary: ${contentType.type} in ${where} declares no boundary; its parts cannot be read`);
    return;
  }
  const needle = Buffer.from(`--${boundary}`, 'latin1');
  const delimiters: { start: number; next: number; close: boolean }[] = [];
  let closed = false;
  for (let pos = 0; ; ) {
    const at = body.indexOf(needle, pos);
    if (at < 0) break;
    pos = at + needle.length;
    if (at > 0 && body[at - 1] !== 0x0a) continue;
    let k = at + needle.length;
    const close = body[k] === 0x2d && body[k + 1] === 0x2d;
    if (close) k += 2;
    while (body[k] === 0x20 || body[k] === 0x09) k++;
    if (!close && k < body.length && body[k] !== 0x0d && body[k] !== 0x0a) continue; // a longer boundary
    const lineEnd = body.indexOf(0x0a, k);
    delimiters.push({ start: at, next: lineEnd < 0 ? body.length : lineEnd + 1, close });
    if (close) {
      closed = true;
      break;
    }
    pos = delimiters[delimiters.length - 1]!.next;
  }
  if (delimiters.length === 0) {
    scan.defects.push(`boundary_not_found: ${contentType.type} in ${where} never uses its boundary "${boundary.slice(0, 70)}"`);
    return;
  }
  if (!closed) scan.defects.push(`missing_closing_boundary: ${contentType.type} in ${where} does not end with "--${boundary.slice(0, 70)}--" (truncated?)`);
  if (depth + 1 > MAX_SCAN_DEPTH) {
    scan.defects.push(`nesting_too_deep: more than ${MAX_SCAN_DEPTH} levels; the rest was not checked`);
    return;
  }
  for (let n = 0; n < delimiters.length; n++) {
    const open = delimiters[n]!;
    if (open.close) break;
    const following = delimiters[n + 1];
    let end = following ? following.start : body.length;
    // the line break before a delimiter belongs to the delimiter
    if (following && body[end - 1] === 0x0a) end -= body[end - 2] === 0x0d ? 2 : 1;
    if (scan.parts >= MAX_SCAN_PARTS) return;
    const child = readHead(body.subarray(open.next, Math.max(open.next, end)));
    scanEntity(scan, child, partId === 'message' ? `${n + 1}` : `${partId}.${n + 1}`, depth + 1, true);
  }
}

const BASE64 = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64[c.charCodeAt(0)] = 1;

function checkBase64(scan: Scan, body: Buffer, where: string): void {
  let data = 0;
  let padding = 0;
  let invalid = 0;
  let afterPadding = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (BASE64[byte] === 1) {
      if (padding > 0) afterPadding++;
      data++;
    } else if (byte === 0x3d) padding++;
    else if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20 && byte !== 0x09) invalid++;
  }
  if (invalid > 0) scan.defects.push(`bad_base64: ${invalid} byte(s) outside the base64 alphabet in ${where} (skipped)`);
  if (afterPadding > 0) scan.defects.push(`bad_base64: data after the "=" padding in ${where}`);
  else if ((data + padding) % 4 !== 0 || padding > 2) scan.defects.push(`bad_base64: ${data} base64 characters in ${where} do not make whole groups of four (truncated?)`);
}

function checkQuotedPrintable(scan: Scan, body: Buffer, where: string): void {
  const hex = (byte: number | undefined) => byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
  let bad = 0;
  for (let at = body.indexOf(0x3d); at >= 0; at = body.indexOf(0x3d, at + 1)) {
    if (hex(body[at + 1]) && hex(body[at + 2])) continue;
    let k = at + 1;
    while (body[k] === 0x20 || body[k] === 0x09) k++;
    if (k >= body.length || body[k] === 0x0a || (body[k] === 0x0d && body[k + 1] === 0x0a)) continue; // soft line break
    bad++;
  }
  if (bad > 0) scan.defects.push(`bad_quoted_printable: ${bad} "=" not followed by two hex digits or a line break in ${where} (kept as written)`);
}
