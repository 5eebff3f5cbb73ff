// One email body as a list of blocks, rendered twice: a plain-text part readable on its own and a
// simple HTML part (table layout, inline styles only) that mail clients render. Every string in a
// block is plain text; the HTML renderer escapes all of it, so no composer ever writes markup.
import { escapeHtml, oneLine, safeUrl, type EmailStyle } from './format.ts';

/** Inline text: plain, or emphasised (bold in HTML, as is in text). */
export type Inline = string | { strong: string };

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: Inline | Inline[] }
  /** A highlighted box (warning: amber; info: blue). The label starts the text part's line. */
  | { kind: 'notice'; tone: 'warning' | 'info'; label: string; text: Inline | Inline[] }
  /** Label/value rows; a value may hold several lines. */
  | { kind: 'facts'; rows: ReadonlyArray<readonly [label: string, value: string | readonly string[]]> }
  | { kind: 'list'; items: readonly (Inline | Inline[])[] }
  /** Phone numbers (up to thousands), laid out compactly: a grid, never one table row each. */
  | { kind: 'numbers'; caption: string; numbers: readonly string[] }
  | { kind: 'link'; label: string; url: string }
  /** Machine text (an error cause): monospace, kept as it is. */
  | { kind: 'preformatted'; text: string };

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface EmailDocument {
  style: EmailStyle;
  subject: string;
  blocks: readonly Block[];
  /** Closing lines (reference, who sent it), smaller. */
  footer: readonly string[];
}

export function render(doc: EmailDocument): ComposedEmail {
  const subject = oneLine(doc.subject);
  return { subject, text: renderText(doc), html: renderHtml({ ...doc, subject }) };
}

/** "Label:" in English, "Label :" in French typography (a no-break space before the colon). */
const colon = (label: string, style: EmailStyle): string => (style.language === 'fr' ? `${label}\u00a0:` : `${label}:`);

const inlines = (text: Inline | Inline[]): Inline[] => (Array.isArray(text) ? text : [text]);
const plain = (text: Inline | Inline[]): string => inlines(text).map((t) => (typeof t === 'string' ? t : t.strong)).join('');

// ---- text ---------------------------------------------------------------------------------------

const TEXT_NUMBERS_PER_LINE = 5;

function renderText(doc: EmailDocument): string {
  const out: string[] = [];
  for (const block of doc.blocks) out.push(textBlock(block, doc.style));
  out.push(['--', ...doc.footer].join('\n'));
  return `${out.join('\n\n')}\n`;
}

function textBlock(block: Block, style: EmailStyle): string {
  switch (block.kind) {
    case 'heading':
      return `${block.text}\n${'='.repeat(Math.min(72, [...block.text].length))}`;
    case 'paragraph':
      return plain(block.text);
    case 'notice':
      return `${colon(block.label.toUpperCase(), style)} ${plain(block.text)}`;
    case 'facts': {
      const width = Math.max(...block.rows.map(([label]) => [...colon(label, style)].length)) + 1;
      return block.rows
        .map(([label, value]) => {
          const lines = typeof value === 'string' ? [value] : value;
          const head = colon(label, style).padEnd(width);
          return lines.map((line, i) => `${i === 0 ? head : ' '.repeat(width)}${line}`).join('\n');
        })
        .join('\n');
    }
    case 'list':
      return block.items.map((item) => `- ${plain(item)}`).join('\n');
    case 'numbers': {
      const width = Math.max(0, ...block.numbers.map((n) => n.length)) + 2;
      const lines: string[] = [];
      for (let i = 0; i < block.numbers.length; i += TEXT_NUMBERS_PER_LINE) {
        lines.push(`  ${block.numbers.slice(i, i + TEXT_NUMBERS_PER_LINE).map((n) => n.padEnd(width)).join('').trimEnd()}`);
      }
      return `${block.caption}\n${lines.join('\n')}`;
    }
    case 'link':
      return `${colon(block.label, style)} ${block.url}`;
    case 'preformatted':
      return block.text
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
  }
}

// ---- HTML ---------------------------------------------------------------------------------------

const FONT = 'font-family:Arial,Helvetica,sans-serif';
const MONO = 'font-family:Consolas,Menlo,Courier,monospace';
const HTML_NUMBERS_PER_ROW = 4;
const TONES = {
  warning: 'background:#fff4e5;border-left:4px solid #d97706',
  info: 'background:#eef4fb;border-left:4px solid #2563eb',
} as const;

function renderHtml(doc: EmailDocument): string {
  const body = doc.blocks.map((block) => htmlBlock(block, doc.style)).join('\n');
  const footer = doc.footer.map((line) => escapeHtml(line)).join('<br>');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(doc.style.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;background:#ffffff;border:1px solid #e5e7eb">
<tr><td style="padding:24px;${FONT};font-size:15px;line-height:1.5;color:#1f2937">
${body}
<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280">${footer}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

const htmlInline = (text: Inline | Inline[]): string =>
  inlines(text)
    .map((t) => (typeof t === 'string' ? escapeHtml(t) : `<strong>${escapeHtml(t.strong)}</strong>`))
    .join('');

function htmlBlock(block: Block, style: EmailStyle): string {
  switch (block.kind) {
    case 'heading':
      return `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;color:#111827">${escapeHtml(block.text)}</h1>`;
    case 'paragraph':
      return `<p style="margin:0 0 12px">${htmlInline(block.text)}</p>`;
    case 'notice':
      return `<p style="margin:0 0 12px;padding:10px 12px;${TONES[block.tone]}"><strong>${escapeHtml(colon(block.label, style))}</strong> ${htmlInline(block.text)}</p>`;
    case 'facts': {
      const rows = block.rows
        .map(([label, value]) => {
          const lines = (typeof value === 'string' ? [value] : value).map((line) => escapeHtml(line)).join('<br>');
          return `<tr><td valign="top" style="padding:3px 16px 3px 0;color:#6b7280;white-space:nowrap">${escapeHtml(label)}</td><td valign="top" style="padding:3px 0">${lines}</td></tr>`;
        })
        .join('\n');
      return `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;${FONT};font-size:14px">\n${rows}\n</table>`;
    }
    case 'list':
      return `<ul style="margin:0 0 12px;padding-left:20px">${block.items.map((item) => `<li style="margin:0 0 4px">${htmlInline(item)}</li>`).join('')}</ul>`;
    case 'numbers': {
      // Bare cells (the table's cellpadding spaces them): thousands of numbers stay a few bytes each.
      const rows: string[] = [];
      for (let i = 0; i < block.numbers.length; i += HTML_NUMBERS_PER_ROW) {
        rows.push(`<tr>${block.numbers.slice(i, i + HTML_NUMBERS_PER_ROW).map((n) => `<td>${escapeHtml(n)}</td>`).join('')}</tr>`);
      }
      return `<p style="margin:0 0 6px"><strong>${escapeHtml(block.caption)}</strong></p>
<table role="presentation" cellpadding="3" cellspacing="0" style="margin:0 0 16px;${MONO};font-size:13px;color:#111827">
${rows.join('\n')}
</table>`;
    }
    case 'link': {
      const url = safeUrl(block.url);
      if (url === null) return `<p style="margin:0 0 12px">${escapeHtml(colon(block.label, style))} ${escapeHtml(block.url)}</p>`;
      // The button, and the address under it: readable and copyable where a client strips styles.
      return `<p style="margin:0 0 16px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:8px 14px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(block.label)}</a><br><span style="font-size:12px;color:#6b7280">${escapeHtml(url)}</span></p>`;
    }
    case 'preformatted':
      return `<pre style="margin:0 0 12px;padding:8px;background:#f9fafb;border:1px solid #e5e7eb;${MONO};font-size:12px;white-space:pre-wrap;word-break:break-word">${escapeHtml(block.text)}</pre>`;
  }
}
