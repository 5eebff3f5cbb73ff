// Reads a PDF back the way a porting desk's tools would: pdf.js (legacy build, for Node) extracts each
// page's text, lines top to bottom and the pieces of a line left to right, so tests can assert on what
// the document really shows rather than on how it was drawn.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

// pdf.js looks up the metrics of the 14 standard fonts (which a PDF need not embed) in this folder;
// without it every document using Helvetica logs a warning.
const STANDARD_FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

export interface PdfContent {
  /** Each page's text: one line per baseline, pieces of a line joined with a space. */
  pages: string[];
  /** The same lines with their baseline (points from the bottom of the page), top to bottom. */
  lines: { y: number; text: string }[][];
  /** The document information dictionary (Title, Subject, Keywords, Producer, CreationDate, ...). */
  info: Record<string, unknown>;
}

/** Every piece of text on every page, with the document's metadata. */
export async function readPdf(bytes: Uint8Array): Promise<PdfContent> {
  // pdf.js may take over (detach) the buffer it is given: give it a copy.
  const task = getDocument({ data: new Uint8Array(bytes), standardFontDataUrl: STANDARD_FONTS, verbosity: 0 });
  const pdf = await task.promise;
  try {
    const pages: string[] = [];
    const pageLines: { y: number; text: string }[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const lines = new Map<number, { x: number; str: string }[]>();
      for (const item of content.items) {
        if (!('str' in item) || item.str === '') continue;
        const [, , , , x = 0, y = 0] = item.transform as number[];
        const key = Math.round(y * 2) / 2;
        const line = lines.get(key) ?? [];
        line.push({ x, str: item.str });
        lines.set(key, line);
      }
      const ordered = [...lines.entries()]
        .sort(([a], [b]) => b - a)
        .map(([y, pieces]) => ({
          y,
          text: pieces
            .sort((a, b) => a.x - b.x)
            .map((p) => p.str)
            .join(' '),
        }));
      pageLines.push(ordered);
      pages.push(ordered.map((l) => l.text).join('\n'));
      page.cleanup();
    }
    const { info } = await pdf.getMetadata();
    return { pages, lines: pageLines, info: info as Record<string, unknown> };
  } finally {
    await task.destroy();
  }
}

/** Text with every run of white space (line breaks included) as one space: for sentences that wrap. */
export const flat = (text: string): string => text.replace(/\s+/g, ' ').trim();

