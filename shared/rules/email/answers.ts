// Reading a losing carrier's answer from its email (issue 4 "Parsing"): a rejection with its
// reason, a transfer date, or a completion, the same three answers the API takes.
// Why so careful: an answer read wrongly moves a real number on the wrong day or withdraws a good
// order. Only the newest part of the message counts (a reply quotes older answers); structured
// lines ("Status:", "Transfer date:") are read first, free text otherwise; a message that says two
// things, or gives an answer whose date cannot be read, is `unclear` and goes to an operator.
// Nothing here guesses a date (no "today"): rules never read the clock.
import type { IsoDate, Market } from '../types.ts';
import { findDates, type FoundDate } from './dates.ts';
import { newestPart } from './quotes.ts';
import type { CarrierAnswer, Understanding } from './types.ts';

/** Longest reason code (the API's limit, shared/http/schemas.ts) and reason text. */
export const MAX_REASON_CODE = 64;
export const MAX_REASON = 1000;
/** Longest evidence kept with an understanding. */
const MAX_EVIDENCE = 1000;
/** Text read at most: a carrier's answer is short; a longer newest part is read from its start. */
const MAX_READ = 200_000;

/** The code of a rejection whose reason is not recognisable and came without a carrier code. */
export const UNSPECIFIED_REASON = 'unspecified';

type AnswerType = CarrierAnswer['type'];

// ---------------------------------------------------------------------------------------------
// Folding: lower case, no accents, plain spaces and apostrophes, and the SAME length as the input,
// so that positions found in the folded text (cues) and in the original (dates) line up.

function fold(text: string): string {
  let out = '';
  for (const ch of text) {
    let f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    if (f.length !== ch.length) f = ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch;
    out += f;
  }
  return out.replace(/[\u00a0\u202f\t]/g, ' ').replace(/[’‘`]/g, "'");
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();
const truncate = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

// ---------------------------------------------------------------------------------------------
// Reason codes. The recognisable ones match the advice customers get (notifications/copy.ts).

const REASONS: readonly (readonly [string, RegExp])[] = [
  [
    'account_number_mismatch',
    /\baccount\s+(?:number|no\.?|#)\s+(?:(?:provided|given|supplied|quoted|you\s+gave)\s+)?(?:(?:does|do|did)\s+not|doesn't|don't|didn't)\s+match|\b(?:incorrect|invalid|wrong|unknown|mismatched)\s+account\s+(?:number|no\b)|\baccount\s+(?:number|no\.?)\s+(?:is\s+)?(?:incorrect|invalid|wrong|mismatch|not\s+(?:found|recogni[sz]ed|valid|correct))|\bnumero\s+de\s+(?:compte|client)\s+(?:\S+\s+){0,3}?(?:ne\s+correspond|incorrect|invalide|errone|inconnu)/,
  ],
  [
    'pin_invalid',
    /\b(?:pin|passcode|pass\s+code|password|security\s+code|porting\s+code|authori[sz]ation\s+code|rio)\s+(?:\S+\s+){0,2}?(?:is\s+|was\s+)?(?:incorrect|invalid|wrong|expired|not\s+valid|mismatch|(?:does|did)\s+not\s+match|doesn't\s+match)|\b(?:incorrect|invalid|wrong|expired)\s+(?:pin|passcode|rio)\b|\b(?:code\s+)?rio\s+(?:\S+\s+){0,2}?(?:invalide|incorrect|errone|expire|perime)|\bcode\s+(?:pin\s+|confidentiel\s+)?(?:invalide|incorrect|errone)/,
  ],
  [
    'name_mismatch',
    /\b(?:account\s+holder|customer|company|business|account|registered)\s+name\s+(?:\S+\s+){0,2}?(?:(?:does|do|did)\s+not|doesn't|don't)\s+match|\b(?:name|account\s+holder)\s+mismatch|\b(?:incorrect|invalid|wrong)\s+(?:account\s+holder|customer|company|business)\s*(?:name)?\b|\bnom\s+(?:du\s+titulaire|du\s+client|de\s+la\s+societe|de\s+l'entreprise)\s+(?:\S+\s+){0,3}?(?:ne\s+correspond|incorrect|errone)|\btitulaire\s+(?:\S+\s+){0,3}?(?:ne\s+correspond|incorrect|errone)/,
  ],
  [
    'address_mismatch',
    /\b(?:(?:service|installation|site|premises)\s+)?address\s+(?:\S+\s+){0,2}?(?:(?:does|do|did)\s+not|doesn't|don't)\s+match|\baddress\s+mismatch|\b(?:incorrect|invalid|wrong)\s+(?:service\s+|installation\s+|site\s+)?address|\badresse\s+(?:\S+\s+){0,3}?(?:ne\s+correspond|incorrecte|erronee|invalide)/,
  ],
  [
    'number_not_on_account',
    /\bnumbers?\s+(?:\S+\s+){0,6}?(?:is\s+|are\s+)?not\s+(?:on|associated\s+with|linked\s+to|held\s+(?:on|under)|part\s+of|found\s+on|registered\s+(?:to|on|under))\s+(?:the|this|that|your|the\s+customer's)\s+account|\bnumeros?\s+(?:\S+\s+){0,6}?(?:ne\s+(?:figure|figurent|fait|font|sont)\s+pas|n'est\s+pas|n'appartient\s+pas|n'appartiennent\s+pas)\s+(?:\S+\s+){0,3}?(?:compte|contrat)/,
  ],
  [
    'service_type_mismatch',
    /\b(?:line|service)\s+type\s+(?:\S+\s+){0,2}?(?:(?:does|do|did)\s+not|doesn't|don't)\s+match|\b(?:line|service)\s+type\s+mismatch|\btype\s+de\s+(?:ligne|service)\s+(?:\S+\s+){0,3}?(?:ne\s+correspond|incorrect|errone)/,
  ],
];
/** Reason codes recognised in a carrier's text (each has customer advice in notifications/copy.ts). */
export const RECOGNISED_REASON_CODES: readonly string[] = REASONS.map(([code]) => code);

/** The reason code a rejection's text names, or null. Why: the customer gets advice per code. */
export function recogniseReason(text: string): string | null {
  const folded = fold(text);
  for (const [code, re] of REASONS) if (re.test(folded)) return code;
  return null;
}

/** A carrier's own code as a stable snake_case code (`AN-01` -> `an_01`), or null when nothing is left. */
export function reasonCodeOf(carrierCode: string): string | null {
  const slug = fold(carrierCode).replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const code = slug.slice(0, MAX_REASON_CODE).replace(/_+$/, '');
  return code === '' ? null : code;
}

// ---------------------------------------------------------------------------------------------
// Structured lines: "Status: Rejected", "Code motif : AN01", "Date de portage : 03/12/2026".

type Field = 'status' | 'reasonCode' | 'reason' | 'transferDate' | 'completedOn';

const LABELS: Readonly<Record<Field, readonly string[]>> = {
  status: ['status', 'statut', 'port status', 'porting status', 'order status', 'request status', 'statut de la demande', 'statut de la portabilite', 'etat', 'etat de la demande'],
  reasonCode: ['reason code', 'rejection code', 'reject code', 'error code', 'code motif', 'code du motif', 'code de rejet', 'code rejet', 'code erreur'],
  reason: ['reason', 'rejection reason', 'reason for rejection', 'motif', 'motif de rejet', 'motif du rejet', 'raison', 'raison du rejet'],
  transferDate: [
    'transfer date', 'port date', 'porting date', 'foc date', 'foc', 'cutover date', 'cut over date', 'scheduled date', 'scheduled port date',
    'date de portage', 'date de portabilite', 'date de transfert', 'date de bascule', 'date prevue', 'date de portage prevue',
  ],
  completedOn: ['completed on', 'completion date', 'date completed', 'ported on', 'date de fin', 'date de realisation', 'date d\'execution', 'realise le', 'effectue le', 'porte le'],
};
/** Labels compared folded, hyphens as spaces, spaces collapsed: "Cut-over  Date" is "cut over date". */
const labelKey = (label: string) => collapse(fold(label).replace(/[-_]/g, ' '));
const LABEL_OF = new Map<string, Field>(
  (Object.entries(LABELS) as [Field, readonly string[]][]).flatMap(([field, labels]) => labels.map((l) => [labelKey(l), field] as const)),
);
const fieldOf = (m: RegExpExecArray | null): Field | undefined => (m ? LABEL_OF.get(labelKey(m[1] ?? '')) : undefined);
// "Status: x", "  Statut  :  x", "- **Reason code:** x", "Code motif : x".
// Written so that no two whitespace runs can trade characters: linear even on a line of blanks.
const FIELD_LINE = /^[ \t]*(?:[-•*>][ \t]*)?(?:\*+[ \t]*)?([\p{L}][\p{L}' -]{0,40}?)[ \t]*(?:\*+[ \t]*)?:[ \t]*(?:\*+[ \t]*)?(.*)$/u;

const STATUS_WORDS: readonly (readonly [AnswerType, RegExp])[] = [
  ['rejected', /\b(?:rejected|rejection|reject|refused|declined|rejete|rejetee|rejetes|rejetees|rejet|refuse|refusee|refuses|refusees)\b/],
  ['transfer_date', /\b(?:scheduled|transfer\s+date\s+set|date\s+set|accepted|confirmed|approved|booked|planned|confirme|confirmee|accepte|acceptee|planifie|planifiee|programme|programmee|valide|validee)\b/],
  ['completed', /\b(?:completed|complete|ported|done|terminated\s+successfully|termine|terminee|effectue|effectuee|realise|realisee|porte|portee|finalise|finalisee)\b/],
];
// A status word after these is negated ("Not completed", "Non effectué").
const NEGATED_BEFORE = /\b(?:not|never|no\s+longer|non|pas|jamais)\b/;
// A field left empty on purpose: a rejection form's "Transfer date: N/A".
const EMPTY_VALUE = /^(?:|-+|—|–|n\/?a|na|none|nil|null|neant|sans\s+objet|s\/o|aucun|aucune|\.+)$/;

interface FieldLine {
  field: Field;
  value: string;
  line: string;
}

/** Field lines (a label alone on its line takes the next non-empty line as its value) and the other lines. */
function splitFields(lines: readonly string[]): { fields: FieldLine[]; rest: string[] } {
  const fields: FieldLine[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = FIELD_LINE.exec(line);
    const field = fieldOf(m);
    if (!m || field === undefined) {
      rest.push(line);
      continue;
    }
    let value = (m[2] ?? '').trim().replace(/\*+$/, '').trim();
    let shown = line.trim();
    if (value === '') {
      let j = i + 1;
      while (j < lines.length && j - i <= 3 && (lines[j] ?? '').trim() === '') j++;
      const next = lines[j];
      if (next !== undefined && next.trim() !== '' && fieldOf(FIELD_LINE.exec(next)) === undefined) {
        value = next.trim();
        shown = `${shown} ${value}`;
        i = j;
      }
    }
    fields.push({ field, value, line: shown });
  }
  return { fields, rest };
}

const isEmptyValue = (value: string) => EMPTY_VALUE.test(collapse(fold(value)));
const distinctDates = (dates: readonly (IsoDate | null)[]) => [...new Set(dates.filter((d): d is IsoDate => d !== null))];

// ---------------------------------------------------------------------------------------------
// Free text: sentences carrying a cue, matched on folded text (so "rejetée" and "rejetee" are one).

/** A cue, and whether it only counts in a sentence about the port (generic words such as "set to", "completed on"). */
type Cue = readonly [RegExp, boolean];

const REJECT_CUES: readonly Cue[] = ([
  /\b(?:has|have|had|was|were|is|are)\s+(?:been\s+)?(?:rejected|refused|declined)\b/g,
  /\bwe\s+(?:have\s+|had\s+)?(?:rejected|refused|declined)\b/g,
  /\b(?:unable|not\s+able)\s+to\s+(?:process|complete|accept|action|proceed|progress|port)\b/g,
  /\b(?:cannot|can\s?not|can't|could\s+not|couldn't)\s+(?:be\s+)?(?:process|complet|accept|action|proceed|progress|port)/g,
  /\b(?:port|porting|request|order|transfer)\s+(?:request\s+)?(?:rejected|refused|declined)\b/g,
  /\b(?:rejected|refused|declined)\s+(?:due\s+to|because|as|for\s+the\s+following)\b/g,
  /\brejection\s+(?:of|reason|notice)\b/g,
  /\b(?:a|ont)\s+ete\s+(?:rejetee?s?|refusee?s?)\b|\b(?:est|sont)\s+(?:rejetee?s?|refusee?s?)\b|\b(?:a|avons|ont)\s+(?:rejete|refuse)\b/g,
  /\b(?:ne\s+pouvons\s+pas|ne\s+pouvons|sommes\s+dans\s+l'impossibilite\s+de|impossible\s+de)\s+(?:\S+\s+){0,2}?(?:traiter|donner\s+suite|accepter|porter|realiser|effectuer)/g,
  /\bn'a\s+pas\s+pu\s+(?:etre\s+)?(?:traitee?|effectuee?|realisee?|aboutir|acceptee?)/g,
  /\b(?:demande|portabilite|portage)\s+(?:\S+\s+){0,3}?(?:rejetee|refusee)\b/g,
  /\bmotif\s+(?:du\s+|de\s+)?rejet\b/g,
  /\brejet\s+de\s+(?:votre|la|cette)\b/g,
] as const).map((re) => [re, false] as const);
// Words that make a generic cue ("set to", "prévue le", "completed on") about this port.
const PORT_CONTEXT = /\b(?:port|ports|ported|porting|transfer|number|numbers|service|migration|cutover|cut-over|foc|portabilite|portage|transfert|bascule|numero|numeros|ligne|lignes)\b/;
const TRANSFER_CUES: readonly Cue[] = [
  [/\b(?:transfer|port|porting|foc|cut-?over|migration)\s+date\b/g, false],
  [/\b(?:will|shall)\s+(?:now\s+)?(?:be\s+)?(?:ported|transferred|migrated|cut\s+over|port|transfer)\b/g, false],
  [/\b(?:will|shall)\s+(?:now\s+)?be\s+(?:moved|completed)\b/g, true],
  [/\bis\s+going\s+to\s+(?:be\s+)?(?:ported|transferred|migrated|port|transfer)\b/g, false],
  [/\b(?:scheduled|rescheduled|booked|planned)\s+(?:for|on|to)\b|\b(?:set|moved|changed|brought\s+forward|pushed\s+back)\s+(?:to|for)\b/g, true],
  [/\bwill\s+(?:take\s+place|happen|occur|go\s+ahead|go\s+live)\b/g, true],
  [/\bdate\s+de\s+(?:portage|portabilite|transfert|bascule|migration)\b/g, false],
  [/\b(?:prevue?s?|planifiee?s?|programmee?s?|fixee?s?|reportee?s?)\s+(?:le|pour\s+le|au|pour|a\s+la\s+date\s+du)\b/g, true],
  [/\bsera(?:\s+\S+)?\s+(?:portee?|transferee?|effective|effectuee?|realisee?)\b/g, false],
  [/\bseront\s+(?:\S+\s+)?(?:portes|portees|transferes|transferees)\b/g, false],
  [/\baura\s+lieu\s+le\b/g, true],
];
const COMPLETED_CUES: readonly Cue[] = [
  [/\b(?:has|have|was|were)\s+(?:(?:now|been|successfully|fully)\s+){0,3}(?:ported|transferred|migrated)\b/g, false],
  [/\b(?:has|have|was|were)\s+(?:(?:now|been|successfully|fully)\s+){0,3}completed\b/g, true],
  [/\b(?:port|porting|transfer|migration)\s+(?:request\s+|order\s+)?(?:is\s+|was\s+|has\s+)?(?:now\s+)?(?:completed?|done|finished|successful)\b/g, false],
  [/\bsuccessfully\s+(?:ported|transferred)\b/g, false],
  [/\bcompleted\s+(?:on|today|successfully)\b/g, true],
  [/\b(?:a|ont)\s+(?:bien\s+)?ete\s+(?:portee?s?|transferee?s?)\b/g, false],
  [/\b(?:a|ont)\s+(?:bien\s+)?ete\s+(?:effectuee?s?|realisee?s?|finalisee?s?|terminee?s?)\b/g, true],
  [/\b(?:est|sont)\s+(?:desormais\s+|maintenant\s+|bien\s+)?(?:effectuee?s?|terminee?s?|finalisee?s?|realisee?s?|portee?s?)\b/g, true],
  [/\b(?:portage|portabilite)\s+(?:terminee?|effectuee?|realisee?|finalisee?)\b/g, false],
];
// The words just before a cue that negate it ("has not been rejected", "n'a pas été rejetée").
const NEGATION_BEFORE = /\b(?:not|never|no\s+longer|pas|jamais|plus)\s*$|n't\s*$/;
// A date the customer asked for is not the carrier's answer ("your requested port date", "date de portage souhaitée").
const REQUESTED_BEFORE = /\b(?:requested|desired|preferred|proposed|original|previous|old|former)\s*$/;
const REQUESTED_AFTER = /^\s*(?:demandee|souhaitee|initiale|requested|you\s+requested)\b/;
// Hypothetical sentences state no answer ("If the port is rejected, …", "Si la demande est refusée …").
const HYPOTHETICAL = /\b(?:if|unless|whether|in\s+case|should\s+the|si|sauf\s+si|en\s+cas\s+de|au\s+cas\s+ou)\b/;
// A date written as the one replaced ("instead of 1 December", "initialement prévue le …").
const OLD_DATE_BEFORE = /\b(?:instead\s+of|originally|previously|formerly|rather\s+than|replacing|au\s+lieu\s+du?|initialement|precedemment)\b[^.;:]{0,30}$/;
const FROM_BEFORE = /\b(?:from|du)\s+(?:the\s+|le\s+)?$/;
const TO_BEFORE = /\b(?:to|au)\s+(?:the\s+|le\s+)?$/;

interface Sentence {
  text: string;
  folded: string;
  paragraph: number;
}

/** Paragraphs (blank-line separated, lines joined) cut into sentences. */
function sentencesOf(lines: readonly string[]): Sentence[] {
  const out: Sentence[] = [];
  const paragraphs = lines.join('\n').split(/\n[\s\u00a0]*\n/);
  paragraphs.forEach((paragraph, p) => {
    const joined = collapse(paragraph.replace(/\u00a0|\u202f/g, ' '));
    // A sentence ends at . ! ? followed by a capital: "déc. 2026" and "Dec. 3" stay whole.
    for (const text of joined.split(/(?<=[.!?])\s+(?=[\p{Lu}"«(])/u)) {
      if (text.trim() !== '') out.push({ text, folded: fold(text), paragraph: p });
    }
  });
  return out;
}

/** Starts of the cue matches in a sentence; negated ones, requested dates and port-less generic cues left out. */
function cueStarts(folded: string, cues: readonly Cue[]): number[] {
  const starts: number[] = [];
  const aboutPort = PORT_CONTEXT.test(folded);
  for (const [re, needsContext] of cues) {
    if (needsContext && !aboutPort) continue;
    for (const m of folded.matchAll(re)) {
      const before = folded.slice(Math.max(0, m.index - 20), m.index);
      const after = folded.slice(m.index + m[0].length, m.index + m[0].length + 20);
      if (NEGATION_BEFORE.test(before) || REQUESTED_BEFORE.test(before) || REQUESTED_AFTER.test(after)) continue;
      starts.push(m.index);
    }
  }
  return starts;
}

/** The dates of a sentence that could be the answer: not a date named as the one replaced. */
function answerDates(s: Sentence, market: Market): FoundDate[] {
  const dates = findDates(s.text, market);
  const before = (d: FoundDate) => s.folded.slice(Math.max(0, d.index - 40), d.index);
  return dates.filter((d, i) => {
    if (OLD_DATE_BEFORE.test(before(d))) return false;
    // "from 1 December 2026 to 3 December 2026", "du 1er au 3 décembre": the first is the old one.
    const next = dates[i + 1];
    return !(FROM_BEFORE.test(before(d)) && next !== undefined && TO_BEFORE.test(before(next)));
  });
}

/** The date a cue at `at` points to: the first after it, else the last before it (or only after, for a completion). */
function dateFor(dates: readonly FoundDate[], at: number, afterOnly: boolean): IsoDate | null {
  const after = dates.find((d) => d.index >= at);
  if (after) return after.date;
  if (afterOnly) return null;
  return dates.filter((d) => d.index < at).at(-1)?.date ?? null;
}

interface Candidate {
  type: AnswerType;
  date: IsoDate | null;
  sentence: Sentence;
}

function freeTextCandidates(sentences: readonly Sentence[], market: Market): Candidate[] {
  const found: Candidate[] = [];
  for (const s of sentences) {
    if (s.text.trimEnd().endsWith('?') || HYPOTHETICAL.test(s.folded)) continue;
    const rejected = cueStarts(s.folded, REJECT_CUES);
    const completed = cueStarts(s.folded, COMPLETED_CUES);
    const transfer = cueStarts(s.folded, TRANSFER_CUES);
    if (rejected.length > 0) found.push({ type: 'rejected', date: null, sentence: s });
    if (completed.length === 0 && transfer.length === 0) continue;
    const dates = answerDates(s, market);
    if (completed.length > 0) {
      // "The port scheduled for 3 December has been completed": a completion, whose date must
      // follow the completion words when the sentence also names the transfer date.
      for (const at of completed) found.push({ type: 'completed', date: dateFor(dates, at, transfer.length > 0), sentence: s });
    } else {
      for (const at of transfer) found.push({ type: 'transfer_date', date: dateFor(dates, at, false), sentence: s });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Putting it together.

const unclear = (code: 'no_answer_found' | 'conflicting_answers' | 'date_unreadable', message: string): Understanding => ({
  kind: 'unclear',
  code,
  message,
});
const answer = (a: CarrierAnswer, evidence: readonly string[]): Understanding => ({
  kind: 'answer',
  answer: a,
  evidence: truncate(evidence.join('\n'), MAX_EVIDENCE),
});
const describe = (type: AnswerType) =>
  type === 'rejected' ? 'a rejection' : type === 'transfer_date' ? 'a transfer date' : 'a completion';
const dateName = (type: AnswerType) => (type === 'completed' ? 'completion date' : 'transfer date');

/** A rejection's code and text from the carrier's fields and sentences. */
function rejection(codeValue: string | null, reasonValue: string | null, sentences: readonly string[]): CarrierAnswer {
  const reasonText = collapse(reasonValue ?? '') || collapse(sentences.join(' '));
  const carrierCode = codeValue !== null ? collapse(codeValue) : '';
  const carrierSlug = carrierCode === '' ? null : reasonCodeOf(carrierCode);
  const recognised = recogniseReason(`${reasonText} ${carrierCode}`);
  // The carrier's own code when it is one we know; else what its words say; else its code as it is.
  const reasonCode =
    carrierSlug !== null && RECOGNISED_REASON_CODES.includes(carrierSlug) ? carrierSlug : (recognised ?? carrierSlug ?? UNSPECIFIED_REASON);
  let reason = reasonText || carrierCode || 'The carrier rejected the order without giving a reason.';
  // Keep the carrier's own code in the text when it is not the code we record.
  if (carrierCode !== '' && reasonCode !== carrierSlug && reasonText !== '') reason = `${reason} (carrier code ${carrierCode})`;
  return { type: 'rejected', reasonCode, reason: truncate(reason, MAX_REASON) };
}

/** Free-text candidates as one understanding, or null when there are none. */
function fromFreeText(candidates: readonly Candidate[], sentences: readonly Sentence[]): Understanding | null {
  if (candidates.length === 0) return null;
  const types = [...new Set(candidates.map((c) => c.type))];
  if (types.length > 1) {
    return unclear('conflicting_answers', `The message says several things: ${types.map(describe).join(' and ')}.`);
  }
  const type = types[0] as AnswerType;
  const evidence = [...new Set(candidates.map((c) => c.sentence.text))];
  if (type === 'rejected') {
    // The rejection sentence, and the next one of its paragraph when only that one names the reason
    // ("Your port has been rejected. The account number does not match our records.").
    const first = candidates[0]?.sentence as Sentence;
    const parts = [first.text];
    const next = sentences[sentences.indexOf(first) + 1];
    if (recogniseReason(first.text) === null && next !== undefined && next.paragraph === first.paragraph && recogniseReason(next.text) !== null) {
      parts.push(next.text);
    }
    return answer(rejection(null, null, parts), parts);
  }
  const dates = distinctDates(candidates.map((c) => c.date));
  if (dates.length > 1) return unclear('conflicting_answers', `The message gives several ${dateName(type)}s: ${dates.join(', ')}.`);
  const date = dates[0];
  if (date === undefined) {
    return unclear('date_unreadable', `The message reads as ${describe(type)}, but its date cannot be read: "${truncate(evidence.join(' '), 300)}".`);
  }
  return answer(type === 'transfer_date' ? { type, transferDate: date } : { type: 'completed', completedOn: date }, evidence);
}

/** The structured fields as one understanding, or null when they say nothing. */
function fromFields(fields: readonly FieldLine[], market: Market, freeReason: readonly string[]): { result: Understanding | null; unknownStatus: string | null } {
  const values = (field: Field) => fields.filter((f) => f.field === field && !isEmptyValue(f.value));
  const datesOf = (lines: readonly FieldLine[]) => lines.map((f) => distinctDates(findDates(f.value, market).map((d) => d.date)));
  const statusLines = values('status');
  const statuses = new Set<AnswerType>();
  let unknownStatus: string | null = null;
  // What follows the status word, when no Reason line gives it ("Status: Rejected - name does not match").
  let statusRemark: string | null = null;
  for (const s of statusLines) {
    const folded = fold(s.value);
    const says: AnswerType[] = [];
    for (const [type, re] of STATUS_WORDS) {
      const m = re.exec(folded);
      if (m === null || NEGATED_BEFORE.test(folded.slice(0, m.index))) continue;
      says.push(type);
      const remark = s.value.slice(m.index + m[0].length).replace(/^[\s\-–—:,;.()]+/u, '').trim();
      if (type === 'rejected' && remark !== '') statusRemark ??= remark;
    }
    if (says.length === 0) unknownStatus ??= s.value;
    for (const type of says) statuses.add(type);
  }
  const transferLines = values('transferDate');
  const completedLines = values('completedOn');
  const reasonLines = [...values('reasonCode'), ...values('reason')];
  const readable = (lines: readonly FieldLine[]) => datesOf(lines).some((d) => d.length > 0);

  let type: AnswerType | undefined;
  if (statuses.size > 1) {
    return { result: unclear('conflicting_answers', `The status lines say several things: ${[...statuses].map(describe).join(' and ')}.`), unknownStatus };
  }
  if (statuses.size === 1) type = [...statuses][0];
  else {
    // No status: the fields present say what the answer is.
    const implied = new Set<AnswerType>();
    if (transferLines.length > 0) implied.add('transfer_date');
    if (completedLines.length > 0) implied.add('completed');
    if (reasonLines.length > 0) implied.add('rejected');
    if (implied.size > 1) {
      return { result: unclear('conflicting_answers', `The message's fields say several things: ${[...implied].map(describe).join(' and ')}.`), unknownStatus };
    }
    type = [...implied][0];
  }
  if (type === undefined) return { result: null, unknownStatus };

  const evidence = fields.filter((f) => !isEmptyValue(f.value)).map((f) => f.line);
  if (type === 'rejected') {
    // A rejection that also names a date of another answer says two things.
    if (readable(transferLines) || readable(completedLines)) {
      return { result: unclear('conflicting_answers', 'The message says the order is rejected but also gives a transfer or completion date.'), unknownStatus };
    }
    const code = values('reasonCode')[0]?.value ?? null;
    const reason = values('reason').map((f) => f.value).join(' ') || statusRemark;
    return { result: answer(rejection(code, reason, freeReason), evidence), unknownStatus };
  }
  const own = type === 'transfer_date' ? transferLines : completedLines;
  if (type === 'transfer_date' && readable(completedLines)) {
    return { result: unclear('conflicting_answers', 'The message gives a transfer date but also a completion date.'), unknownStatus };
  }
  // A date written in the status line itself counts too ("Status: Accepted, FOC 03/12/2026").
  const dates = distinctDates([...datesOf(own).flat(), ...datesOf(statusLines).flat()]);
  if (dates.length > 1) {
    return { result: unclear('conflicting_answers', `The message gives several ${dateName(type)}s: ${dates.join(', ')}.`), unknownStatus };
  }
  const date = dates[0];
  if (date === undefined) {
    const label = dateName(type);
    const given = own.map((f) => `"${truncate(f.value, 100)}"`).join(', ');
    return {
      result: unclear('date_unreadable', given ? `The ${label} cannot be read: ${given}.` : `The message reads as ${describe(type)} but gives no ${label}.`),
      unknownStatus,
    };
  }
  return {
    result: answer(type === 'transfer_date' ? { type, transferDate: date } : { type: 'completed', completedOn: date }, evidence),
    unknownStatus,
  };
}

/**
 * What a losing carrier's message answers: a rejection (reason code and text), a transfer date or
 * a completion (with its date), or why it is unclear (`no_answer_found`, `conflicting_answers`,
 * `date_unreadable`). `text` is the message's plain text; its newest part is taken here (quoted
 * history never counts). Structured lines come first; free text must not contradict them. Dates
 * are read in the market's conventions (parseMarketDate). Never throws.
 */
export function readCarrierAnswer(text: string, market: Market): Understanding {
  const body = newestPart(text).slice(0, MAX_READ);
  const lines = body.split('\n');
  const { fields, rest } = splitFields(lines);
  const sentences = sentencesOf(rest);
  const candidates = freeTextCandidates(sentences, market);
  const free = fromFreeText(candidates, sentences);
  // A structured rejection without a reason line takes its reason from the text's rejection sentences.
  const freeReason = free?.kind === 'answer' && free.answer.type === 'rejected' ? [free.answer.reason] : [];
  const { result: structured, unknownStatus } = fromFields(fields, market, freeReason);

  if (structured === null) {
    if (free !== null) return free;
    return unclear(
      'no_answer_found',
      unknownStatus !== null
        ? `The status "${truncate(collapse(unknownStatus), 100)}" is not a rejection, a transfer date or a completion.`
        : body === ''
          ? 'The message has no new text (only quoted history, or nothing).'
          : 'No rejection, transfer date or completion was found in the message.',
    );
  }
  if (structured.kind === 'unclear' || free === null) return structured;
  // Free text that says something else than the structured lines makes the message unclear.
  const a = structured.answer;
  if (free.kind === 'answer' && free.answer.type === a.type) {
    const same =
      a.type === 'rejected' ||
      (a.type === 'transfer_date' && free.answer.type === 'transfer_date' && free.answer.transferDate === a.transferDate) ||
      (a.type === 'completed' && free.answer.type === 'completed' && free.answer.completedOn === a.completedOn);
    if (same) return structured;
    return unclear('conflicting_answers', `The message's fields and its text give different ${dateName(a.type)}s.`);
  }
  // The text agrees on the kind but its own date is unreadable ("has been scheduled"): the fields decide.
  if (free.kind === 'unclear' && free.code === 'date_unreadable' && candidates.every((c) => c.type === a.type)) return structured;
  return unclear('conflicting_answers', `The message's fields say ${describe(a.type)}, but its text says something else.`);
}
