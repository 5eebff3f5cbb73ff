// A gaining carrier's port-out request by email (issue 6, part 7): "please release these numbers",
// with labelled fields in English or French and the signed Letter of Authority attached. The intake
// hands what is read here to the same use case as `POST /v1/port-outs`.
// Why so careful: an accepted port-out cannot be cancelled and the numbers leave us. Only the
// newest part of the message counts (a reply quotes older mail); a field that is missing, given
// twice with different values, or a date that could be read two ways makes the request
// `incomplete`, and the message goes to an operator instead.
// Numbers are returned as written: the use case checks them (E.164) and answers `numbers_invalid`.
import type { IsoDate } from '../types.ts';
import { parseMarketDate } from './dates.ts';
import { isForwardSubject, newestPart } from './quotes.ts';

export interface PortOutEmailInput {
  /** The numbers as the carrier wrote them (one entry per number), in order, exact repeats dropped. */
  numbers: string[];
  accountNumber: string | null;
  pin: string | null;
  authorizedName: string;
  requestedDate: IsoDate;
}

export type PortOutRequestReading =
  | { kind: 'request'; input: PortOutEmailInput }
  /** `missing`: the fields (names of PortOutEmailInput) not given, or not readable; `message` says which and how to write them. */
  | { kind: 'incomplete'; missing: string[]; message: string };

/** Text read at most: a request is short; a longer newest part is read from its start. */
const MAX_READ = 200_000;
/**
 * Number entries read at most. More than a request may hold (1000, MAX_NUMBERS_PER_PORT_OUT), so
 * the use case still sees that there were too many; and no more, so a hostile list costs little.
 */
const MAX_NUMBER_ENTRIES = 1_001;
/** Lines a field's value may start below its label ("Numbers:" on one line, the list under it). */
const MAX_GAP_LINES = 3;

// ---------------------------------------------------------------------------------------------
// Folding: lower case, no accents, plain spaces and apostrophes; dashes and underscores as spaces.

const fold = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/[-‐‑–—_]+/g, ' ')
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .trim();

// ---------------------------------------------------------------------------------------------
// Recognising a request.

// A reference we put on every email about an order or a port-out (`[PD-pin_…]`, `[PD-pout_…]`):
// whoever keeps it is answering about something that exists, not asking for something new.
const REFERENCE = /(?<![\p{L}\p{N}])PD-[a-z]{2,8}_[a-z2-7]{16}(?![\p{L}\p{N}])/iu;
// "RE:", "AW:", "Réf :", "SV:": a reply continues a conversation. A losing carrier answering our
// port-in (its own port-out) replies to our email; a gaining carrier's request starts a new one.
const REPLY_SUBJECT = /^\s*(?:re|aw|ref|sv|antw|rif)\s*(?:\[\d+\])?\s*:/;

// Said anywhere in the subject or the newest part (folded): unmistakably a request to port away.
const REQUEST_PHRASES: readonly RegExp[] = [
  /\bport(?:ing)? ?(?:out|away) (?:porting )?requests?\b/, // port-out request, port out request, portout request, port away request
  /\brequests? (?:for (?:a |the )?|to )port(?:ing)? ?(?:out|away)\b/, // request to port out, request for a port-out
  /\bporting requests?\W+port ?(?:out|away)\b/, // Porting request – port away
  /\bdemandes? de (?:portabilite|portage) sortante?s?\b/, // demande de portabilité sortante
  /\b(?:portabilite|portage) sortante?s?\b/,
];
// Only as a title (the subject, or the body's first line): "Demande de portage" also appears in
// sentences about port-ins, and in French our own port-in emails are "Demande de portabilité".
const TITLE_PHRASES: readonly RegExp[] = [/^demandes? de portage\b(?! entrant)/];

/**
 * Whether a message asks us to port numbers away (a new port-out request): a subject or newest part
 * like "Port-out request", "Port out request", "Porting request – port away", "Demande de
 * portabilité sortante", or a subject "Demande de portage". Never when the message carries a
 * `[PD-…]` reference (it is about an order or port-out we know) or its subject marks it as a reply.
 */
export function isPortOutRequest(subject: string, text: string): boolean {
  const head = subject.slice(0, 2_000);
  const body = text.slice(0, MAX_READ);
  if (REFERENCE.test(head) || REFERENCE.test(body)) return false;
  const foldedSubject = fold(head);
  if (REPLY_SUBJECT.test(foldedSubject)) return false;
  const newest = newestPart(body, { forwardedMessage: isForwardSubject(head) });
  const foldedNewest = fold(newest);
  if (REQUEST_PHRASES.some((re) => re.test(foldedSubject) || re.test(foldedNewest))) return true;
  const firstLine = fold(newest.split('\n').find((line) => line.trim() !== '') ?? '');
  return TITLE_PHRASES.some((re) => re.test(foldedSubject) || re.test(firstLine));
}

// ---------------------------------------------------------------------------------------------
// Labelled fields: "Numbers: +61 7 3212 3456", "Numéros :" with the list below, "**PIN:** 1234".

type Field = 'numbers' | 'accountNumber' | 'pin' | 'authorizedName' | 'requestedDate';

const LABELS: Readonly<Record<Field, readonly string[]>> = {
  numbers: [
    'numbers', 'number(s)', 'number', 'numbers to port', 'numbers to port out', 'phone numbers', 'telephone numbers', 'numbers requested',
    'numeros', 'numero(s)', 'numero', 'numeros a porter', 'numeros de telephone', 'numeros concernes',
  ],
  accountNumber: [
    'account number', 'account no', 'account #', 'customer account number', 'losing carrier account number',
    'numero de compte', 'n° de compte', 'no de compte', 'numero de compte client',
  ],
  pin: ['pin', 'pin code', 'port out pin', 'passcode', 'code pin', 'code de portabilite'],
  authorizedName: [
    'authorised name', 'authorized name', 'authorised signatory', 'authorized signatory', 'authorised by', 'authorized by', 'signatory',
    'nom du signataire', 'signataire', 'nom du mandataire',
  ],
  requestedDate: [
    'requested date', 'requested port date', 'port date', 'requested porting date', 'porting date',
    'date souhaitee', 'date de portage souhaitee', 'date de portabilite souhaitee', 'date demandee',
  ],
};
const labelKey = (label: string): string =>
  fold(label.replace(/[()]/g, '').replace(/°/g, 'o').replace(/\./g, ' '));
const LABEL_OF = new Map<string, Field>(
  (Object.entries(LABELS) as [Field, readonly string[]][]).flatMap(([field, labels]) => labels.map((label) => [labelKey(label), field] as const)),
);
// Written so that no two whitespace runs can trade characters beyond the label's 40 characters: linear per line.
const FIELD_LINE = /^[ \t]*(?:[-•*][ \t]*)?(?:\*+[ \t]*)?([\p{L}][\p{L}\p{N}°#.()' -]{0,40}?)[ \t\u00a0\u202f]*(?:\*+[ \t]*)?:[ \t\u00a0\u202f]*(?:\*+[ \t]*)?(.*)$/u;
/** A line holding only numbers (and their separators), under "Numbers:". */
const NUMBER_LINE = /^[ \t]*(?:[-•*][ \t]*)?[+(]?\d(?:[\d \t\u00a0()+.\/,;-]|\s(?:and|et|&)\s)*$/iu;
// A field left empty on purpose.
const EMPTY_VALUE = /^(?:|-+|n\/?a|na|none|nil|null|neant|sans objet|s\/o|aucun|aucune|\.+)$/;

const fieldOf = (line: string): { field: Field; value: string } | null => {
  const m = FIELD_LINE.exec(line);
  const field = m ? LABEL_OF.get(labelKey(m[1] ?? '')) : undefined;
  if (!m || field === undefined) return null;
  return { field, value: (m[2] ?? '').trim().replace(/\*+$/, '').trim() };
};
const isBlank = (line: string) => line.trim() === '';
const isEmptyValue = (value: string) => EMPTY_VALUE.test(fold(value));

/** Every value given per field, in order (a "Numbers:" value holds its continuation lines, newline-joined). */
function readFields(lines: readonly string[]): Map<Field, string[]> {
  const values = new Map<Field, string[]>();
  for (let i = 0; i < lines.length; i++) {
    const found = fieldOf(lines[i] ?? '');
    if (found === null) continue;
    const { field } = found;
    let value = found.value;
    if (field === 'numbers') {
      // The list goes on over the following lines of numbers; blank lines may sit between the label and the list.
      const parts = value === '' ? [] : [value];
      let j = i + 1;
      if (parts.length === 0) while (j < lines.length && j - i <= MAX_GAP_LINES && isBlank(lines[j] ?? '')) j++;
      for (; j < lines.length && NUMBER_LINE.test(lines[j] ?? ''); j++) parts.push((lines[j] ?? '').trim());
      value = parts.join('\n');
      i = j - 1;
    } else if (value === '') {
      let j = i + 1;
      while (j < lines.length && j - i <= MAX_GAP_LINES && isBlank(lines[j] ?? '')) j++;
      const next = lines[j];
      if (next !== undefined && !isBlank(next) && fieldOf(next) === null) {
        value = next.trim();
        i = j;
      }
    }
    values.set(field, [...(values.get(field) ?? []), value]);
  }
  return values;
}

/**
 * One number per entry: entries are separated by commas, semicolons, line breaks or "and"/"et";
 * within one, a `+` starts a new number ("+61 7 3212 3456 +61 7 3212 3457"), and whitespace
 * separates numbers only when every piece is a whole number of 8 digits or more
 * ("0732123456 0732123457"), since spaces also group a number's digits ("07 3212 3456").
 * Entries without a digit are no number ("see attached").
 */
function splitNumbers(value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(/[,;\n]|\s(?:and|et|&)\s/iu)) {
    const entry = raw.replace(/^[\s\u00a0•*-]+/u, '').replace(/[\s\u00a0]+/gu, ' ').trim();
    if (!/\d/.test(entry)) continue;
    const pieces = entry.includes('+')
      ? entry.split(/\s*(?=\+)/)
      : entry.split(' ').every((piece) => /^\d{8,}$/.test(piece))
        ? entry.split(' ')
        : [entry];
    for (const piece of pieces.map((p) => p.trim())) if (/\d/.test(piece)) out.push(piece);
  }
  return out;
}

/**
 * A requested date: YYYY-MM-DD, or day first (DD/MM/YYYY, also with dots or dashes) as every
 * market we serve writes it (AU, GB, FR), or with the month in words. A request names no market,
 * so day first is read in the GB conventions. Two-digit years, no year, impossible dates and a
 * weekday that contradicts the date are no date (null).
 */
function readDate(value: string): IsoDate | null {
  return parseMarketDate(value, 'GB');
}

const DESCRIBE: Readonly<Record<Field, string>> = {
  numbers: 'the numbers to port ("Numbers:" / "Numéros :", E.164 such as +61 7 3212 3456)',
  accountNumber: 'the account number ("Account number:" / "Numéro de compte :")',
  pin: 'the PIN ("PIN:" / "Code PIN :")',
  authorizedName: 'the authorised name ("Authorised name:" / "Nom du signataire :")',
  requestedDate: 'the requested date ("Requested date:" / "Date souhaitée :", as YYYY-MM-DD or DD/MM/YYYY)',
};

/** The single value of a field: null when not given (or left empty); 'conflict' when given twice, differently. */
function single(values: readonly string[] | undefined, key: (value: string) => string = fold): string | null | 'conflict' {
  const given = (values ?? []).map((v) => v.replace(/[\s\u00a0\u202f]+/gu, ' ').trim()).filter((v) => !isEmptyValue(v));
  const distinct = new Map<string, string>(); // the first spelling of each value
  for (const value of given) if (!distinct.has(key(value))) distinct.set(key(value), value);
  if (distinct.size > 1) return 'conflict';
  return distinct.values().next().value ?? null;
}

/**
 * The port-out request in the newest part of a gaining carrier's message, read from its labelled
 * fields (English or French): Numbers (required; on the label's line or the lines below it), Account
 * number, PIN, Authorised name (required), Requested date (required). `forwardedMessage`: the
 * message's Subject marks it as a forward (as for newestPart). Never throws.
 */
export function readPortOutRequest(text: string, options: { forwardedMessage?: boolean } = {}): PortOutRequestReading {
  const newest = newestPart(text.slice(0, MAX_READ), options);
  const fields = readFields(newest.split('\n'));

  const problems: { field: Field; why: string }[] = [];
  const numbers = [...new Set((fields.get('numbers') ?? []).flatMap(splitNumbers))].slice(0, MAX_NUMBER_ENTRIES);
  if (numbers.length === 0) problems.push({ field: 'numbers', why: 'is missing' });

  // Account numbers compare as the rules compare them (case, spaces and dashes aside); PINs exactly.
  const optional = (field: 'accountNumber' | 'pin', key: (value: string) => string): string | null => {
    const value = single(fields.get(field), key);
    if (value === 'conflict') {
      problems.push({ field, why: 'is given twice, differently' });
      return null;
    }
    return value;
  };
  const accountNumber = optional('accountNumber', (v) => v.replace(/[\s-]+/g, '').toLowerCase());
  const pin = optional('pin', (v) => v);

  const name = single(fields.get('authorizedName'));
  if (name === null) problems.push({ field: 'authorizedName', why: 'is missing' });
  if (name === 'conflict') problems.push({ field: 'authorizedName', why: 'is given twice, differently' });

  const dateValues = (fields.get('requestedDate') ?? []).filter((v) => !isEmptyValue(v));
  const dates = [...new Set(dateValues.map(readDate))];
  let requestedDate: IsoDate | null = null;
  if (dateValues.length === 0) problems.push({ field: 'requestedDate', why: 'is missing' });
  else if (dates.includes(null)) problems.push({ field: 'requestedDate', why: `is not a date we can read without doubt ("${dateValues.find((v) => readDate(v) === null)!.slice(0, 40)}")` });
  else if (dates.length > 1) problems.push({ field: 'requestedDate', why: 'is given twice, differently' });
  else requestedDate = dates[0]!;

  if (problems.length > 0 || requestedDate === null || name === null || name === 'conflict') {
    const missing = [...new Set(problems.map((p) => p.field))];
    const list = problems.map((p) => `${DESCRIBE[p.field]} ${p.why}`).join('; ');
    return { kind: 'incomplete', missing, message: `Port-out request incomplete: ${list}.` };
  }
  return { kind: 'request', input: { numbers, accountNumber, pin, authorizedName: name, requestedDate } };
}
