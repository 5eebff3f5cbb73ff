// What the PDF documents (the Letter of Authority and its signature certificate) share: WinAnsi-safe
// text, the standard fonts, the A4 page geometry, word wrapping, a flowing writer that starts new
// pages as text runs down, the footer on every page, and instants written in a market's time.
import {
  PDFName,
  StandardFonts,
  beginText,
  endText,
  moveText,
  rgb,
  setFillingColor,
  setFontAndSize,
  showText,
  type Color,
  type PDFDocument,
  type PDFFont,
  type PDFPage,
} from '@cantoo/pdf-lib';
import { Encodings } from '@cantoo/pdf-lib/standard-fonts';
import { DateTime } from 'luxon';
import { policyFor } from '../rules/markets.ts';
import type { Market } from '../rules/types.ts';

// ---- text the standard fonts can show -------------------------------------------------------------

/** Letters NFKD does not take apart (a stroke is not a combining mark), and dashes WinAnsi lacks. */
const FALLBACKS: Readonly<Record<string, string>> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  Ŧ: 'T',
  ŧ: 't',
  ı: 'i',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2212': '-',
};

const canEncode = (char: string): boolean => Encodings.WinAnsi.canEncodeUnicodeCodePoint(char.codePointAt(0) ?? -1);

/**
 * One line of text the standard fonts (WinAnsi) can show, so that no name a customer types can make a
 * render throw: what WinAnsi encodes is kept as it is ("Émilie Bézier"); anything else is
 * decomposed (NFKD) without its combining marks ("Ż" -> "Z", "ﬁ" -> "fi"), or mapped from a few
 * letters NFKD keeps whole ("Ł" -> "L"), else becomes "?" (CJK, emoji). Line breaks, tabs and other
 * white space become single spaces; invisible format characters are dropped.
 */
export function toWinAnsi(text: string): string {
  const flat = text
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\s\p{Cc}]+/gu, ' ');
  let out = '';
  for (const char of flat) {
    if (canEncode(char)) {
      out += char;
      continue;
    }
    for (const part of char.normalize('NFKD').replace(/\p{M}/gu, '')) {
      out += canEncode(part) ? part : (FALLBACKS[part] ?? '?');
    }
  }
  return out;
}

// ---- page geometry and fonts -----------------------------------------------------------------------

/** A4 in points. */
export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;
export const MARGIN_X = 50;
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X;
/** Baseline of the first line on a page. */
export const CONTENT_TOP = PAGE_HEIGHT - 60;
/** No content baseline goes below this: the footer lives underneath. */
export const CONTENT_BOTTOM = 64;
const FOOTER_Y = 34;

export const INK = rgb(0.1, 0.1, 0.12);
export const MUTED = rgb(0.38, 0.38, 0.42);
export const RULE = rgb(0.72, 0.72, 0.76);

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** For hashes: fixed width, easy to compare character by character. */
  mono: PDFFont;
}

export async function embedFonts(doc: PDFDocument): Promise<Fonts> {
  const [regular, bold, mono] = await Promise.all([
    doc.embedFont(StandardFonts.Helvetica),
    doc.embedFont(StandardFonts.HelveticaBold),
    doc.embedFont(StandardFonts.Courier),
  ]);
  return { regular, bold, mono };
}

/**
 * A new A4 page with the fonts in its resources under their own names (/Helvetica, ...). pdf-lib's
 * drawText would add a resource of a random name (Math.random) at each change of font: the bytes would
 * differ from one render to the next, and a 5,000-number table would carry thousands of them.
 */
export function addPage(doc: PDFDocument, fonts: Fonts): PDFPage {
  const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  for (const font of [fonts.regular, fonts.bold, fonts.mono]) page.node.setFontDictionary(PDFName.of(font.name), font.ref);
  return page;
}

/** One line of WinAnsi-safe text with its baseline at (x, y), on a page made by `addPage`. */
export function drawLine(page: PDFPage, text: string, x: number, y: number, style: TextStyle): void {
  if (text === '') return;
  page.pushOperators(
    beginText(),
    setFillingColor(style.color ?? INK),
    setFontAndSize(style.font.name, style.size),
    moveText(x, y),
    showText(style.font.encodeText(text)),
    endText(),
  );
}

// ---- wrapping --------------------------------------------------------------------------------------

/**
 * pdf-lib measures standard-font text with kerning that the drawn text does not get, so measured
 * widths run a little short: wrap with some room to spare.
 */
const WIDTH_SLACK = 0.97;

/** Breaks a WinAnsi-safe text into lines no wider than `width`; a word longer than a line is cut. */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const limit = width * WIDTH_SLACK;
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= limit;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = '';
    if (fits(word)) {
      line = word;
      continue;
    }
    // A word wider than the line: cut it, character by character.
    let piece = '';
    for (const char of word) {
      if (piece !== '' && !fits(piece + char)) {
        lines.push(piece);
        piece = '';
      }
      piece += char;
    }
    line = piece;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

// ---- flowing writer -----------------------------------------------------------------------------

export interface TextStyle {
  font: PDFFont;
  size: number;
  color?: Color;
}

/**
 * Writes down the page from the top and starts a new page when the next piece does not fit.
 * `onNewPage` runs on each page it starts after the first (running titles, repeated table headers).
 */
export class PageFlow {
  page: PDFPage;
  y = CONTENT_TOP;
  onNewPage: ((flow: PageFlow) => void) | null = null;

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
  ) {
    this.page = addPage(doc, fonts);
  }

  /** Space left above the bottom margin on this page. */
  get room(): number {
    return this.y - CONTENT_BOTTOM;
  }

  newPage(): void {
    this.page = addPage(this.doc, this.fonts);
    this.y = CONTENT_TOP;
    this.onNewPage?.(this);
  }

  /** Moves to a new page unless `height` more points fit on this one. */
  ensure(height: number): void {
    if (this.y - height < CONTENT_BOTTOM) this.newPage();
  }

  gap(points: number): void {
    this.y -= points;
  }

  /** Draws one line at the current baseline without moving down. Text must be WinAnsi-safe. */
  draw(text: string, x: number, style: TextStyle): void {
    drawLine(this.page, text, x, this.y, style);
  }

  /** A wrapped paragraph at `x`, `width` wide, each line `leading` below the previous. */
  paragraph(text: string, style: TextStyle, leading: number, x = MARGIN_X, width = CONTENT_WIDTH): void {
    for (const line of wrapText(toWinAnsi(text), style.font, style.size, width)) {
      this.ensure(leading);
      this.y -= leading;
      this.draw(line, x, style);
    }
  }

  /** A horizontal rule across the content width, at the current position. */
  rule(x = MARGIN_X, width = CONTENT_WIDTH, thickness = 0.5): void {
    this.page.drawLine({ start: { x, y: this.y }, end: { x: x + width, y: this.y }, thickness, color: RULE });
  }
}

/** The footer of a page made by `addPage`: who the document belongs to on the left, where we are on the right. */
export function drawFooter(page: PDFPage, left: string, right: string, fonts: Fonts): void {
  const size = 7.5;
  page.drawLine({
    start: { x: MARGIN_X, y: FOOTER_Y + 11 },
    end: { x: PAGE_WIDTH - MARGIN_X, y: FOOTER_Y + 11 },
    thickness: 0.4,
    color: RULE,
  });
  const rightText = toWinAnsi(right);
  const rightWidth = fonts.regular.widthOfTextAtSize(rightText, size);
  const leftWidth = CONTENT_WIDTH - rightWidth - 16;
  // The left part is made of ids: cut it rather than let it run into the page number.
  const [leftLine = ''] = wrapText(toWinAnsi(left), fonts.regular, size, leftWidth);
  drawLine(page, leftLine, MARGIN_X, FOOTER_Y, { font: fonts.regular, size, color: MUTED });
  drawLine(page, rightText, PAGE_WIDTH - MARGIN_X - rightWidth, FOOTER_Y, { font: fonts.regular, size, color: MUTED });
}

// ---- dates in market time -----------------------------------------------------------------------

const LOCALES: Readonly<Record<Market, string>> = { AU: 'en-AU', GB: 'en-GB', FR: 'fr-FR' };

function instantOf(iso: string): DateTime {
  const at = DateTime.fromISO(iso, { zone: 'utc' });
  if (!at.isValid) throw new RangeError(`Not an ISO 8601 instant: ${JSON.stringify(iso)}`);
  return at;
}

/** The JavaScript Date of an ISO instant (PDF creation and modification dates). */
export const dateOf = (iso: string): Date => instantOf(iso).toJSDate();

/** The market date an instant falls on, as the market writes it: 21/11/2026 (en-AU, en-GB, fr-FR alike). */
export const marketDate = (iso: string, market: Market): string =>
  instantOf(iso).setZone(policyFor(market).timeZone).toFormat('dd/MM/yyyy');

/** "2026-11-21 03:04:05 UTC". */
export const utcDateTime = (iso: string): string => `${instantOf(iso).toFormat('yyyy-MM-dd HH:mm:ss')} UTC`;

/** "21/11/2026 13:04:05 AEST (Australia/Brisbane)", "… GMT (Europe/London)", "… UTC+1 (Europe/Paris)". */
export function marketDateTime(iso: string, market: Market): string {
  const zone = policyFor(market).timeZone;
  return `${instantOf(iso).setZone(zone).setLocale(LOCALES[market]).toFormat('dd/MM/yyyy HH:mm:ss ZZZZ')} (${zone})`;
}

/** A count with the market's grouping: "5,000" / "5 000" (a plain space: the standard fonts lack U+202F). */
export const formatCount = (n: number, market: Market): string => toWinAnsi(new Intl.NumberFormat(LOCALES[market]).format(n));
