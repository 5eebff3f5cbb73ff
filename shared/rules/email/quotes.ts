// The newest part of a reply or forward (issue 4 "Parsing": replies quoting earlier mail,
// forwarded mail). A carrier's reply usually quotes the whole conversation, older answers
// included: reading the quoted history would apply an old rejection again, or see two answers
// where the sender gave one. So the answer is read from what the sender wrote now.
// Conservative by design: only well-known reply and forward markers cut the text; when unsure,
// the text is kept (an operator reading too much in quarantine beats an answer silently lost).

const QUOTED = /^[ \t]*>/;
const BLANK = /^[\s\u00a0\u202f]*$/;
/** Longest line taken for an attribution ("On …, … wrote:"), so a huge one-line HTML conversion is not scanned. */
const MAX_ATTRIBUTION = 400;
/** Most lines of a quoted message's header block (long To: and Cc: lists fold over several): bounds the work per line. */
const MAX_HEADER_LINES = 40;

// "On Thu, 3 Dec 2026 at 10:02, Jane Citizen <jane@…> wrote:", "Le jeu. 3 déc. 2026 à 10:02, … a écrit :".
const ATTRIBUTION_ON = /^(?:On|Le)\s[\s\S]*\s(?:wrote|a\s+écrit)\s*:$/iu;
// "Jane Citizen <jane@…> wrote:": only an attribution when a quoted block follows.
const ATTRIBUTION_ANY = /\s(?:wrote|a\s+écrit|writes|écrit)\s*:$/iu;
// Separators written by mail clients above a forwarded or original message.
const FORWARD_SEPARATOR =
  /^[-\s]*-{2,}\s*(?:forwarded message|message transf[ée]r[ée]|message réexpédié)\s*-{2,}[-\s]*$|^(?:begin forwarded message|début du message réexpédié)\s*:$/iu;
const ORIGINAL_SEPARATOR = /^[-\s]*-{2,}\s*(?:original message|message d['’]origine|mail original)\s*-{2,}[-\s]*$/iu;
const RULE = /^[_\u2014\u2500-]{10,}$/u;
// Header lines of a quoted message, as Outlook, Gmail and Apple Mail write them (also bold after an HTML conversion).
const HEADER =
  /^[ \t]*\*{0,2}(from|sent|date|to|cc|bcc|subject|reply-to|importance|de|envoy[ée]|[àa]|objet|répondre à)\*{0,2}[ \t\u00a0\u202f]*\*{0,2}:/iu;
const FORWARD_SUBJECT = /^\s*(?:\*{0,2}\s*)?(?:fwd?|tr)\s*:/iu;

/**
 * A marker at line `start`. History (or the forwarded message) follows from line `end`: for an
 * attribution, after the attribution; for a forward, where the forwarded message's own header
 * block begins (it is skipped once the forwarded text is unquoted); for an original, after its header block.
 */
interface Cut {
  kind: 'attribution' | 'forward' | 'original';
  start: number;
  end: number;
}

const isQuoted = (line: string) => QUOTED.test(line);
const isBlank = (line: string) => BLANK.test(line);

/** The header block starting at `from` (blank lines before it skipped): its end, and what it says. */
function headerBlock(lines: readonly string[], from: number): { end: number; names: Set<string>; subject: string | null } {
  let i = from;
  while (i < lines.length && isBlank(lines[i] ?? '') && i - from < 2) i++;
  const names = new Set<string>();
  let subject: string | null = null;
  let last: string | null = null;
  const stop = Math.min(lines.length, i + MAX_HEADER_LINES);
  for (; i < stop; i++) {
    const line = lines[i] ?? '';
    const m = HEADER.exec(line);
    if (m) {
      last = (m[1] ?? '').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
      names.add(last);
      if (last === 'subject' || last === 'objet') subject = line.slice(m[0].length);
    } else if (last !== null && /^[ \t]+\S/.test(line)) {
      continue; // a folded header line (a long To: list)
    } else break;
  }
  return { end: i, names, subject };
}

/** An Outlook-style header block ("From: … Sent: … To: … Subject: …") starting at line `i`, without a separator above it. */
function outlookBlock(lines: readonly string[], i: number): { end: number; forwarded: boolean } | null {
  if (!/^[ \t]*\*{0,2}(?:from|de)\*{0,2}[ \t\u00a0\u202f]*\*{0,2}:\s*\S/iu.test(lines[i] ?? '')) return null;
  const block = headerBlock(lines, i);
  const has = (...names: string[]) => names.some((n) => block.names.has(n));
  if (!has('sent', 'envoye', 'date') || !has('to', 'a', 'subject', 'objet')) return null;
  return { end: block.end, forwarded: block.subject !== null && FORWARD_SUBJECT.test(block.subject) };
}

/** Where the quoted history starts, if a known marker says so. */
function findCut(lines: readonly string[], from: number): Cut | null {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (isQuoted(line) || isBlank(line)) continue;
    const trimmed = line.trim();
    // Separators are short; a long line is never one (and is not scanned for one).
    const short = trimmed.length <= 200;
    if (short && (FORWARD_SEPARATOR.test(trimmed) || ORIGINAL_SEPARATOR.test(trimmed))) {
      const block = headerBlock(lines, i + 1);
      const forwarded = FORWARD_SEPARATOR.test(trimmed) || (block.subject !== null && FORWARD_SUBJECT.test(block.subject));
      return forwarded ? { kind: 'forward', start: i, end: i + 1 } : { kind: 'original', start: i, end: block.end };
    }
    if (short && RULE.test(trimmed)) {
      let next = i + 1;
      while (next < lines.length && isBlank(lines[next] ?? '') && next - i < 3) next++;
      const block = outlookBlock(lines, next);
      if (block) return block.forwarded ? { kind: 'forward', start: i, end: next } : { kind: 'original', start: i, end: block.end };
    }
    const block = outlookBlock(lines, i);
    if (block) return block.forwarded ? { kind: 'forward', start: i, end: i } : { kind: 'original', start: i, end: block.end };
    // An attribution, possibly wrapped over up to three lines.
    let joined = '';
    for (let j = i; j < Math.min(lines.length, i + 3); j++) {
      const part = lines[j] ?? '';
      if (isQuoted(part) || isBlank(part)) break;
      joined = joined === '' ? part.trim() : `${joined} ${part.trim()}`;
      if (joined.length > MAX_ATTRIBUTION) break;
      const quoteFollows = isQuoted(lines[nextNonBlank(lines, j + 1)] ?? '');
      if (ATTRIBUTION_ON.test(joined) || (quoteFollows && ATTRIBUTION_ANY.test(joined))) {
        return { kind: 'attribution', start: i, end: j + 1 };
      }
    }
  }
  return null;
}

function nextNonBlank(lines: readonly string[], from: number): number {
  let i = from;
  while (i < lines.length && isBlank(lines[i] ?? '')) i++;
  return i;
}

/** Nested forwards unwrapped at most; deeper ones are kept as they are (each level copies the text). */
const MAX_FORWARD_DEPTH = 8;

function newest(all: readonly string[], forwardedMessage: boolean): string[] {
  let lines = all;
  let from = 0;
  let forwards = 0;
  const out: string[] = [];
  const unquoted = (to: number) => lines.slice(from, to).filter((l) => !isQuoted(l));
  // Iterative, not recursive: a hostile message can nest thousands of quotes.
  for (;;) {
    const cut = forwards > MAX_FORWARD_DEPTH ? null : findCut(lines, from);
    if (cut === null) return [...out, ...unquoted(lines.length)];
    const before = unquoted(cut.start);
    out.push(...before);
    if (cut.kind === 'attribution') {
      // Gmail and Apple Mail quote with '>' under the attribution. Text after that quoted block was
      // written by the sender below the quote (bottom-posting): it is new too. Without a '>' block,
      // everything under the attribution is history.
      let i = nextNonBlank(lines, cut.end);
      if (!isQuoted(lines[i] ?? '')) return out;
      while (i < lines.length && (isQuoted(lines[i] ?? '') || isBlank(lines[i] ?? ''))) i++;
      from = i;
      continue;
    }
    if ((cut.kind === 'original' && !(forwardedMessage && forwards === 0)) || out.some((l) => !isBlank(l))) return out;
    // A forward with nothing written above it: the forwarded message IS the content (a carrier's
    // answer passed on). The same for an original message block with nothing above it when the
    // message itself is a forward: that is how an Outlook rule auto-forwards (the inner block keeps
    // its RE: subject; only the outer Subject says FW:). Read it the same way, since it may quote
    // its own history.
    let forwarded = lines.slice(cut.end);
    const nonBlank = forwarded.filter((l) => !isBlank(l));
    if (nonBlank.length > 0 && nonBlank.every(isQuoted)) forwarded = forwarded.map((l) => l.replace(/^[ \t]*> ?/, ''));
    lines = forwarded;
    from = headerBlock(forwarded, 0).end;
    forwards++;
  }
}

/**
 * The part of a message its sender wrote now: the text above the first reply or forward marker
 * ("On … wrote:", "Le … a écrit :", "-----Original Message-----", an Outlook "From: … Sent: …"
 * block, "De : … Envoyé : …"), without '>'-quoted lines (text written between or under quoted
 * lines is kept). A forward with nothing written above it gives the forwarded message's own
 * newest part. Trimmed, runs of blank lines collapsed; '' when the sender wrote nothing new.
 * `forwardedMessage`: the message's own Subject marks it as a forward (see `isForwardSubject`).
 */
export function newestPart(text: string, options: { forwardedMessage?: boolean } = {}): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // Blank lines left where quotes were removed collapse to one.
  return newest(lines, options.forwardedMessage ?? false)
    .join('\n')
    .replace(/\n[ \t]*\n(?:[ \t]*\n)+/g, '\n\n')
    .trim();
}

/** Whether a Subject marks its message as a forward (FW:, Fwd:, TR: in French clients), after any RE:. */
export const isForwardSubject = (subject: string): boolean => /^\s*(?:(?:re|aw|réf?)\s*:\s*)*(?:fwd?|tr)\s*:/iu.test(subject);
