// The Letter of Authority (FR: mandat de portabilité) an account holder signs before an order goes to
// the losing carrier: what the carrier's porting desk checks (parties, account number, address, the
// authority, every number with its line) on A4 pages with real, extractable text. The same input
// always gives the same bytes, so the SHA-256 the signature certifies can be checked again later.
import { PDFDocument } from '@cantoo/pdf-lib';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { accountHolderName, addressLines, lineTypeLabel, serviceLabel } from '../notifications/common.ts';
import { MARKET_LANGUAGE } from '../notifications/format.ts';
import type { AccountHolder, LineService, LineType, Market, ServiceAddress } from '../rules/types.ts';
import { LOA_WORDING, loaFilename, type LoaWording, type Parties } from './loa-wording.ts';
import {
  CONTENT_BOTTOM,
  CONTENT_TOP,
  CONTENT_WIDTH,
  MARGIN_X,
  MUTED,
  PageFlow,
  dateOf,
  drawFooter,
  embedFonts,
  formatCount,
  marketDate,
  toWinAnsi,
  wrapText,
  type Fonts,
  type TextStyle,
} from './pdf-layout.ts';

export { appendSignaturePage, type SignatureAudit } from './signature-page.ts';
export { loaFilename } from './loa-wording.ts';
export { toWinAnsi } from './pdf-layout.ts';

/** File names of an order's LOA: `LOA_FILENAME(orderId, signed)`, e.g. `LOA-pin_x.pdf` / `LOA-pin_x-signed.pdf`. */
export const LOA_FILENAME = loaFilename;
export const LOA_CONTENT_TYPE = 'application/pdf';

export interface LoaNumber {
  /** E.164. */
  number: string;
  lineType: LineType;
  services: LineService[];
}

export interface LoaInput {
  market: Market;
  orderId: string;
  /** The signing request this version of the LOA belongs to (printed in the footer). */
  requestId: string;
  /** ISO instant the LOA was issued: printed as a date in market time; also the PDF's creation/modification date. */
  issuedAt: string;
  /** The gaining provider (us), e.g. 'PortDesk'. */
  providerName: string;
  /** Our customer (the account's name). */
  customerName: string;
  accountHolder: AccountHolder;
  serviceAddress: ServiceAddress;
  losingCarrier: { name: string; accountNumber: string };
  numbers: LoaNumber[];
  signerEmail: string;
}

// ---- the numbers table ------------------------------------------------------------------------

const TABLE_SIZE = 8.5;
/** Height of one line of a table row; a row whose cells wrap takes several. */
export const ROW_HEIGHT = 12.5;
/** From a table's header baseline to its first row's baseline. */
const HEADER_TO_FIRST_ROW = 16;
/** From a schedule page's heading to its table header. */
const HEADING_TO_HEADER = 24;
const FIRST_SCHEDULE_ROW = CONTENT_TOP - HEADING_TO_HEADER - HEADER_TO_FIRST_ROW;

/**
 * Table lines on each page of the schedule of numbers: as many one-line rows (a number whose line type
 * and services fit their columns, as nearly all do) as each schedule page holds.
 */
export const SCHEDULE_ROWS_PER_PAGE = Math.floor((FIRST_SCHEDULE_ROW - CONTENT_BOTTOM) / ROW_HEIGHT) + 1;

/** Column left edges and widths, in points from the left margin. */
const COLUMNS = [
  { key: 'index', x: 0, width: 34 },
  { key: 'national', x: 34, width: 108 },
  { key: 'e164', x: 142, width: 100 },
  { key: 'lineType', x: 242, width: 92 },
  { key: 'services', x: 334, width: CONTENT_WIDTH - 334 },
] as const;
type ColumnKey = (typeof COLUMNS)[number]['key'];

/** A row ready to draw: each cell already wrapped to its column. */
type Row = Record<ColumnKey, string[]>;
const lineCount = (row: Row): number => Math.max(...COLUMNS.map((c) => row[c.key].length));

function nationalFormat(e164: string): string {
  // Numbers come in E.164; a string that is not one is printed as given rather than failing the letter.
  return parsePhoneNumberFromString(e164)?.formatNational() ?? e164;
}

function tableRows(input: LoaInput, wording: LoaWording, fonts: Fonts): Row[] {
  const language = MARKET_LANGUAGE[input.market];
  const cell = (text: string, width: number) => wrapText(toWinAnsi(text), fonts.regular, TABLE_SIZE, width - 6);
  const width = (key: ColumnKey) => COLUMNS.find((c) => c.key === key)?.width ?? 0;
  return input.numbers.map((n, i) => ({
    index: cell(formatCount(i + 1, input.market), width('index')),
    national: cell(nationalFormat(n.number), width('national')),
    e164: cell(n.number, width('e164')),
    lineType: cell(lineTypeLabel(n.lineType, language), width('lineType')),
    services: cell(n.services.length === 0 ? wording.noServices : n.services.map((s) => serviceLabel(s, language)).join(', '), width('services')),
  }));
}

function drawTableHeader(flow: PageFlow, wording: LoaWording, fonts: Fonts): void {
  const style: TextStyle = { font: fonts.bold, size: TABLE_SIZE };
  for (const column of COLUMNS) flow.draw(toWinAnsi(wording.columns[column.key]), MARGIN_X + column.x, style);
  flow.gap(5);
  flow.rule();
  flow.gap(HEADER_TO_FIRST_ROW - 5 - ROW_HEIGHT);
}

/** Draws one row from the current position (the previous baseline) and moves below it. */
function drawRow(flow: PageFlow, row: Row, fonts: Fonts): void {
  const style: TextStyle = { font: fonts.regular, size: TABLE_SIZE };
  const lines = lineCount(row);
  for (let line = 0; line < lines; line++) {
    flow.gap(ROW_HEIGHT);
    for (const column of COLUMNS) flow.draw(row[column.key][line] ?? '', MARGIN_X + column.x, style);
  }
}

const tableHeight = (rows: Row[]): number => HEADER_TO_FIRST_ROW - ROW_HEIGHT + rows.reduce((sum, r) => sum + lineCount(r) * ROW_HEIGHT, 0);

/** The schedule: from a new page, SCHEDULE_ROWS_PER_PAGE table lines a page, its heading and table header on each. */
function drawSchedule(flow: PageFlow, rows: Row[], wording: LoaWording, fonts: Fonts): void {
  let linesLeft = 0;
  let first = true;
  for (const row of rows) {
    const lines = lineCount(row);
    if (lines > linesLeft) {
      flow.newPage();
      flow.draw(toWinAnsi(first ? wording.scheduleHeading : wording.scheduleContinued), MARGIN_X, { font: fonts.bold, size: 11 });
      flow.gap(HEADING_TO_HEADER);
      drawTableHeader(flow, wording, fonts);
      linesLeft = SCHEDULE_ROWS_PER_PAGE;
      first = false;
    }
    drawRow(flow, row, fonts);
    linesLeft -= lines;
  }
}

// ---- the letter -------------------------------------------------------------------------------

const BODY: Omit<TextStyle, 'font'> & { leading: number } = { size: 9.5, leading: 13.5 };
const LABEL_WIDTH = 190;

function heading(flow: PageFlow, text: string, fonts: Fonts): void {
  // Keep a heading with at least two lines of what follows it.
  flow.ensure(18 + 3 * BODY.leading);
  flow.gap(18);
  flow.draw(toWinAnsi(text), MARGIN_X, { font: fonts.bold, size: 11 });
  flow.gap(4);
}

/** A label in the left column and its value, one or more lines, wrapped in the right column. */
function particular(flow: PageFlow, label: string, values: string[], fonts: Fonts): void {
  const valueWidth = CONTENT_WIDTH - LABEL_WIDTH;
  const lines = values.flatMap((v) => wrapText(toWinAnsi(v), fonts.regular, BODY.size, valueWidth));
  const labelLines = wrapText(toWinAnsi(label), fonts.bold, 8.5, LABEL_WIDTH - 10);
  for (let i = 0; i < Math.max(lines.length, labelLines.length); i++) {
    flow.ensure(BODY.leading);
    flow.gap(BODY.leading);
    flow.draw(labelLines[i] ?? '', MARGIN_X, { font: fonts.bold, size: 8.5, color: MUTED });
    flow.draw(lines[i] ?? '', MARGIN_X + LABEL_WIDTH, { font: fonts.regular, size: BODY.size });
  }
  flow.gap(2);
}

function clauses(flow: PageFlow, texts: string[], fonts: Fonts): void {
  const indent = 18;
  texts.forEach((text, i) => {
    const lines = wrapText(toWinAnsi(text), fonts.regular, BODY.size, CONTENT_WIDTH - indent);
    lines.forEach((line, j) => {
      flow.ensure(BODY.leading);
      flow.gap(BODY.leading);
      if (j === 0) flow.draw(`${i + 1}.`, MARGIN_X, { font: fonts.regular, size: BODY.size });
      flow.draw(line, MARGIN_X + indent, { font: fonts.regular, size: BODY.size });
    });
    flow.gap(4);
  });
}

const SIGNATURE_LINE_GAP = 28;
const NOTE = { size: 8, leading: 11 };

function signatureNoteLines(input: LoaInput, wording: LoaWording, fonts: Fonts): string[] {
  return wrapText(toWinAnsi(wording.signatureNote(input.signerEmail)), fonts.regular, NOTE.size, CONTENT_WIDTH);
}

const signatureBlockHeight = (noteLines: number): number => 18 + 4 + 3 * SIGNATURE_LINE_GAP + 10 + noteLines * NOTE.leading;

function signatureBlock(flow: PageFlow, input: LoaInput, wording: LoaWording, fonts: Fonts): void {
  const note = signatureNoteLines(input, wording, fonts);
  // The block stays in one piece.
  flow.ensure(signatureBlockHeight(note.length));
  flow.gap(18);
  flow.draw(toWinAnsi(wording.signatureHeading), MARGIN_X, { font: fonts.bold, size: 11 });
  flow.gap(4);
  for (const label of [wording.signatureLines.name, wording.signatureLines.signature, wording.signatureLines.date]) {
    flow.gap(SIGNATURE_LINE_GAP);
    flow.draw(toWinAnsi(label), MARGIN_X, { font: fonts.bold, size: 8.5, color: MUTED });
    flow.gap(-2);
    flow.rule(MARGIN_X + 70, 260, 0.7);
    flow.gap(2);
  }
  flow.gap(10);
  for (const line of note) {
    flow.gap(NOTE.leading);
    flow.draw(line, MARGIN_X, { font: fonts.regular, size: NOTE.size, color: MUTED });
  }
}

/** The Letter of Authority as PDF bytes; the same input gives the same bytes. */
export async function renderLetterOfAuthority(input: LoaInput): Promise<Uint8Array> {
  const wording = LOA_WORDING[input.market];
  const issued = dateOf(input.issuedAt);
  // No metadata of pdf-lib's own (its "now" dates): only what is set below, from the input.
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fonts = await embedFonts(doc);
  const parties: Parties = {
    provider: input.providerName,
    losingCarrier: input.losingCarrier.name,
    accountNumber: input.losingCarrier.accountNumber,
  };

  const flow = new PageFlow(doc, fonts);
  flow.draw(toWinAnsi(wording.title), MARGIN_X, { font: fonts.bold, size: 20 });
  flow.gap(4);
  flow.paragraph(wording.subtitle(parties), { font: fonts.regular, size: 10.5, color: MUTED }, 14);
  flow.gap(10);
  flow.rule();

  heading(flow, wording.particularsHeading, fonts);
  const { labels } = wording;
  particular(flow, labels.provider, [input.providerName], fonts);
  particular(flow, labels.customer, [input.customerName], fonts);
  particular(flow, labels.accountHolder, [accountHolderName(input.accountHolder) ?? ''], fonts);
  particular(flow, labels.serviceAddress, addressLines(input.serviceAddress, input.market), fonts);
  particular(flow, labels.losingCarrier, [input.losingCarrier.name], fonts);
  particular(flow, labels.accountNumber, [input.losingCarrier.accountNumber], fonts);
  particular(flow, labels.numberCount, [formatCount(input.numbers.length, input.market)], fonts);
  particular(flow, labels.issuedOn, [marketDate(input.issuedAt, input.market)], fonts);
  particular(flow, labels.signerEmail, [input.signerEmail], fonts);

  heading(flow, wording.authorityHeading, fonts);
  clauses(flow, wording.clauses(parties), fonts);

  const rows = tableRows(input, wording, fonts);
  const signatureHeight = signatureBlockHeight(signatureNoteLines(input, wording, fonts).length);
  heading(flow, wording.numbersHeading, fonts);
  // On the letter's own page when the whole table and the signature fit there; otherwise in a schedule.
  const inline = tableHeight(rows) + BODY.leading + signatureHeight <= flow.room;
  if (inline) {
    flow.gap(BODY.leading);
    drawTableHeader(flow, wording, fonts);
    for (const row of rows) drawRow(flow, row, fonts);
  } else {
    flow.paragraph(wording.numbersInSchedule(formatCount(rows.length, input.market)), { font: fonts.regular, size: BODY.size }, BODY.leading);
  }
  signatureBlock(flow, input, wording, fonts);
  if (!inline) drawSchedule(flow, rows, wording, fonts);

  const pages = doc.getPages();
  pages.forEach((page, i) => drawFooter(page, wording.footer(input.orderId, input.requestId), wording.pageOf(i + 1, pages.length), fonts));

  doc.setTitle(wording.title);
  doc.setSubject(wording.documentSubject(input.orderId));
  doc.setAuthor(input.providerName);
  doc.setKeywords(['PortDesk', 'LOA', input.orderId, input.requestId]);
  doc.setCreator('PortDesk');
  doc.setProducer('PortDesk');
  doc.setLanguage(input.market === 'FR' ? 'fr-FR' : input.market === 'AU' ? 'en-AU' : 'en-GB');
  doc.setCreationDate(issued);
  doc.setModificationDate(issued);
  return doc.save();
}
