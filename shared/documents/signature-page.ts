// The signed LOA: the unsigned document, byte for byte, followed by an incremental update that adds a
// "Signature certificate" page with the audit trail (who, when, where from, the hash of what was
// signed). Because the unsigned bytes are kept as they are, anyone can check the signature: the
// file's first bytes hash to the SHA-256 the certificate prints.
import { createHash } from 'node:crypto';
import { PDFDocument } from '@cantoo/pdf-lib';
import type { Market } from '../rules/types.ts';
import { LOA_WORDING, loaFilename } from './loa-wording.ts';
import {
  CONTENT_WIDTH,
  MARGIN_X,
  MUTED,
  PageFlow,
  dateOf,
  drawFooter,
  embedFonts,
  formatCount,
  marketDateTime,
  toWinAnsi,
  utcDateTime,
  wrapText,
  type Fonts,
  type TextStyle,
} from './pdf-layout.ts';

export interface SignatureAudit {
  market: Market;
  orderId: string;
  requestId: string;
  signerName: string;
  signerEmail: string;
  /** ISO instant: printed in UTC and in market time (with the zone name). */
  signedAt: string;
  channel: 'signing_page' | 'api';
  ip: string | null;
  userAgent: string | null;
  /** SHA-256 hex of the unsigned LOA bytes. */
  unsignedSha256: string;
}

/** A user agent longer than this is cut (with a mark): the certificate stays one page. */
const MAX_USER_AGENT = 1_000;
const LABEL_WIDTH = 170;
const BODY = { size: 9.5, leading: 13.5 };

function row(flow: PageFlow, label: string, value: string, fonts: Fonts, valueStyle: TextStyle = { font: fonts.regular, size: BODY.size }): void {
  const lines = wrapText(toWinAnsi(value), valueStyle.font, valueStyle.size, CONTENT_WIDTH - LABEL_WIDTH);
  const labelLines = wrapText(toWinAnsi(label), fonts.bold, 8.5, LABEL_WIDTH - 10);
  for (let i = 0; i < Math.max(lines.length, labelLines.length); i++) {
    flow.ensure(BODY.leading);
    flow.gap(BODY.leading);
    flow.draw(labelLines[i] ?? '', MARGIN_X, { font: fonts.bold, size: 8.5, color: MUTED });
    flow.draw(lines[i] ?? '', MARGIN_X + LABEL_WIDTH, valueStyle);
  }
  flow.gap(3);
}

/** The unsigned LOA's pages unchanged plus a final "Signature certificate" page with the audit trail. */
export async function appendSignaturePage(unsigned: Uint8Array, audit: SignatureAudit): Promise<Uint8Array> {
  const actual = createHash('sha256').update(unsigned).digest('hex');
  // The certificate must never vouch for a document it is not attached to.
  if (actual !== audit.unsignedSha256.toLowerCase()) {
    throw new Error(`The unsigned LOA's SHA-256 is ${actual}, not the ${audit.unsignedSha256} given for order ${audit.orderId}.`);
  }
  const wording = LOA_WORDING[audit.market];
  const text = wording.certificate;
  // An incremental update: save() writes the original bytes unchanged and appends the new objects.
  const doc = await PDFDocument.load(unsigned, { forIncrementalUpdate: true, updateMetadata: false });
  const pagesBefore = doc.getPageCount();
  const fonts = await embedFonts(doc);

  const flow = new PageFlow(doc, fonts);
  flow.draw(toWinAnsi(text.title), MARGIN_X, { font: fonts.bold, size: 20 });
  flow.gap(6);
  flow.paragraph(text.intro(pagesBefore), { font: fonts.regular, size: BODY.size, color: MUTED }, BODY.leading);
  flow.gap(8);
  flow.rule();
  flow.gap(6);

  const userAgent = audit.userAgent === null ? text.notRecorded
    : audit.userAgent.length > MAX_USER_AGENT ? `${audit.userAgent.slice(0, MAX_USER_AGENT)} [...]`
    : audit.userAgent;
  row(flow, text.signer, audit.signerName, fonts);
  row(flow, text.signerEmail, audit.signerEmail, fonts);
  row(flow, text.signedAtUtc, utcDateTime(audit.signedAt), fonts);
  row(flow, text.signedAtMarket, marketDateTime(audit.signedAt, audit.market), fonts);
  row(flow, text.channel, text.channels[audit.channel], fonts);
  row(flow, text.ip, audit.ip ?? text.notRecorded, fonts);
  row(flow, text.userAgent, userAgent, fonts);
  row(flow, text.sha256, actual, fonts, { font: fonts.mono, size: 8 });
  row(flow, text.orderId, audit.orderId, fonts);
  row(flow, text.requestId, audit.requestId, fonts);

  flow.ensure(18 + 3 * BODY.leading);
  flow.gap(18);
  flow.draw(toWinAnsi(text.verifyHeading), MARGIN_X, { font: fonts.bold, size: 11 });
  flow.gap(2);
  flow.paragraph(text.verify(loaFilename(audit.orderId, false), formatCount(unsigned.byteLength, audit.market)), { font: fonts.regular, size: BODY.size }, BODY.leading);

  for (const page of doc.getPages().slice(pagesBefore)) {
    drawFooter(page, wording.footer(audit.orderId, audit.requestId), text.title, fonts);
  }

  doc.setTitle(text.documentTitle);
  doc.setSubject(text.subject(audit.orderId));
  doc.setKeywords(['PortDesk', 'LOA', 'signed', audit.orderId, audit.requestId, `sha256:${actual}`]);
  doc.setProducer('PortDesk');
  doc.setModificationDate(dateOf(audit.signedAt));
  return doc.save();
}

