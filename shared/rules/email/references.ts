// Order references in email (issue 4 "Parsing"): every email we send about an order carries
// `[PD-<order id>]` in its subject (notifications/copy.ts `orderFooter`), and people answering keep
// it. Finding it is the surest way to match a message to an order. Port-outs (issue 6) are
// referenced the same way: the answer to a gaining carrier's emailed request asks it to reply
// keeping `[PD-pout_…]` when the port completes.

/**
 * `[PD-pin_…]`, `[PD-pout_…]` or bare `PD-pin_…`, `PD-pout_…`: a port-in order id is `pin_`, a
 * port-out id `pout_`, plus 16 characters of [a-z2-7] (app/context.ts `newId`). Case-insensitive: the
 * id alphabet has no capitals, so folding a subject a mail system upper-cased gives back the one id
 * it was, never another.
 * Bracketed, the brackets delimit it. Bare, it must stand alone: not glued to letters, digits or
 * the joiners of a longer token (`x-PD-pin_…`, `PD-pin_….pdf`, `porting+PD-pin_…@…`, a URL path),
 * where it could be part of something else (a file name, another system's id).
 */
const BRACKETED = /\[[\s\u00a0]*PD-((?:pin|pout)_[a-z2-7]{16})[\s\u00a0]*\]/giu;
const BARE = /(?<![\p{L}\p{N}_\-./@+=&?#%~])PD-((?:pin|pout)_[a-z2-7]{16})(?![\p{L}\p{N}_\-@+=~]|[./][\p{L}\p{N}_])/giu;

/**
 * The distinct order ids (`pin_…` and `pout_…`, with their prefix) referenced in a message,
 * subject first, then the body, each in order of first appearance.
 * Why: a reply chain repeats one reference many times (one order); two different ids mean the
 * message is about several orders (port-ins, port-outs or both), and the caller quarantines it
 * (`several_references`) rather than guess which one is meant.
 */
export function findOrderReferences(subject: string, text: string): string[] {
  const ids: string[] = [];
  for (const part of [subject, text]) {
    const found: { index: number; id: string }[] = [];
    for (const re of [BRACKETED, BARE]) {
      for (const m of part.matchAll(re)) found.push({ index: m.index, id: (m[1] ?? '').toLowerCase() });
    }
    found.sort((a, b) => a.index - b.index);
    for (const { id } of found) if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}
