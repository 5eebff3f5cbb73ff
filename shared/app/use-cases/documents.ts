// An order's documents over the API: bill copies and other files customers upload, beside the LOAs
// the signing code writes and the attachments the email intake keeps. The file's type is decided from
// its bytes (magic numbers), never from its name or the declared content type.
import { createHash } from 'node:crypto';
import { basename } from 'node:path/posix';
import { fileTypeFromBuffer } from 'file-type';
import { documentBlobKey, type Caller, type DocumentRecord, type PageRequest } from '../ports.ts';
import { newId, type UseCaseDeps } from '../context.ts';
import { loadOrder } from './port-ins.ts';
import { HttpError } from '../../http/problem.ts';
import { InvalidTransitionError, NotFoundError } from '../../rules/errors.ts';
import { isFinal } from '../../rules/types.ts';

/**
 * The largest upload: 4 MiB. The file arrives inside the Lambda invocation, whose payload is capped at
 * 6 MB; API Gateway hands binary bodies over base64-encoded (4/3 the size), so 4 MiB becomes about
 * 5.6 MB, leaving room for the multipart framing and the rest of the event.
 */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Seconds a download link stays valid. */
export const DOWNLOAD_URL_SECONDS = 900;

/** Longest stored filename (characters). */
export const MAX_FILENAME_LENGTH = 200;

export type UploadKind = 'bill_copy' | 'other';

export interface DocumentUpload {
  kind: UploadKind;
  /** As the client named it; only kept (sanitized) for people, never trusted. */
  filename: string;
  bytes: Buffer;
}

/** What a document looks like to API callers. */
export interface DocumentView {
  id: string;
  orderId: string;
  kind: DocumentRecord['kind'];
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  source: { channel: DocumentRecord['source']['channel']; inboundEmailId?: string };
  createdAt: string;
  downloadUrl: string;
  downloadUrlExpiresAt: string;
}

/** Accepted types, by the MIME type file-type detects, with the extensions a name may keep. */
const ACCEPTED: Readonly<Record<string, { ext: string; aliases: readonly string[] }>> = {
  'application/pdf': { ext: 'pdf', aliases: ['pdf'] },
  'image/png': { ext: 'png', aliases: ['png'] },
  'image/jpeg': { ext: 'jpg', aliases: ['jpg', 'jpeg'] },
};

/** What file-type calls the executables, installers and packages it recognizes. */
const EXECUTABLE_TYPES: ReadonlySet<string> = new Set(['exe', 'elf', 'macho', 'dmg', 'apk', 'deb', 'rpm', 'class', 'jar', 'wasm', 'crx', 'xpi', 'lnk']);

export async function uploadDocument(deps: UseCaseDeps, caller: Caller, orderId: string, upload: DocumentUpload): Promise<DocumentView> {
  const order = await loadOrder(deps, caller, orderId);
  if (isFinal(order.status)) {
    throw new InvalidTransitionError('order_final', `The order is ${order.status}: no documents can be added to it any more.`, order.status);
  }
  const { bytes } = upload;
  if (bytes.byteLength === 0) {
    throw new HttpError(400, 'document_empty', 'The file is empty; attach the bill copy itself (PDF, PNG or JPEG).');
  }
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) {
    throw new HttpError(413, 'document_too_large', `The file has ${bytes.byteLength} bytes; send at most ${MAX_DOCUMENT_BYTES} (4 MiB), e.g. a lower-resolution scan.`);
  }
  const contentType = await detectDocumentType(bytes);

  const id = newId('doc');
  const blobKey = documentBlobKey(order.id, id);
  // The file first: a description never points at a file that is not there.
  await deps.blobs.put(blobKey, bytes, contentType);
  const document: DocumentRecord = {
    id,
    orderId: order.id,
    kind: upload.kind,
    filename: sanitizeFilename(upload.filename, contentType),
    contentType,
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    blobKey,
    source: { channel: 'upload' },
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.documents.putDocument(document);
  return viewOf(deps, caller, document);
}

export async function listDocuments(deps: UseCaseDeps, caller: Caller, orderId: string, page: PageRequest) {
  const order = await loadOrder(deps, caller, orderId);
  const found = await deps.documents.listDocuments(order.id, page);
  return { items: await Promise.all(found.items.map((d) => viewOf(deps, caller, d))), nextCursor: found.nextCursor };
}

export async function getDocument(deps: UseCaseDeps, caller: Caller, orderId: string, documentId: string): Promise<DocumentView> {
  const order = await loadOrder(deps, caller, orderId);
  const document = await deps.documents.getDocument(order.id, documentId);
  if (!document) throw new NotFoundError('document', documentId);
  return viewOf(deps, caller, document);
}

/**
 * The MIME type of an acceptable document, from its bytes; refuses executables and scripts (whatever
 * they are named) and every other type.
 */
export async function detectDocumentType(bytes: Buffer): Promise<string> {
  const detected = await fileTypeFromBuffer(bytes);
  const head = bytes.subarray(0, 2).toString('latin1');
  if ((detected && EXECUTABLE_TYPES.has(detected.ext)) || head === '#!' || head === 'MZ') {
    throw new HttpError(415, 'document_executable', 'The file is a program or script, not a document; renamed executables are refused. Send the bill as PDF, PNG or JPEG.');
  }
  if (!detected || ACCEPTED[detected.mime] === undefined) {
    const what = detected ? `${detected.mime} (.${detected.ext})` : 'no known file type (e.g. plain text)';
    throw new HttpError(415, 'unsupported_document_type', `The file's content is ${what}, whatever its name says; send a PDF, PNG or JPEG.`);
  }
  return detected.mime;
}

// Bidirectional overrides and isolates can make `bill_fdp.exe` display as `bill_exe.pdf`.
const UNSAFE_CHARACTERS = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The client's filename as we keep it: no directories, no control or direction-changing characters,
 * at most 200 characters, and an extension that matches the detected type (a wrong one is replaced).
 */
export function sanitizeFilename(name: string, contentType: string): string {
  const accepted = ACCEPTED[contentType];
  if (!accepted) throw new Error(`No filename rule for ${contentType}`);
  const cleaned = basename(name.replace(/\\/g, '/')).replace(UNSAFE_CHARACTERS, '').trim();
  const match = /^(.*)\.([A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)$/.exec(cleaned);
  let stem = cleaned;
  let ext = accepted.ext;
  if (match) {
    const [, before, current] = match as unknown as [string, string, string];
    if (accepted.aliases.includes(current.toLowerCase())) ext = current;
    // A name that is only an extension (".pdf") keeps nothing before it.
    if (current.length <= 8) stem = before;
  }
  stem = stem.replace(/^\.+/, '').trim() || 'document';
  const room = MAX_FILENAME_LENGTH - ext.length - 1;
  return `${Array.from(stem).slice(0, room).join('').trim()}.${ext}`;
}

async function viewOf(deps: UseCaseDeps, caller: Caller, document: DocumentRecord): Promise<DocumentView> {
  const source: DocumentView['source'] = { channel: document.source.channel };
  // Which received message a document came from is the back office's business (the inbound-email routes are theirs).
  if (caller.role === 'operator' && document.source.inboundEmailId !== undefined) source.inboundEmailId = document.source.inboundEmailId;
  return {
    id: document.id,
    orderId: document.orderId,
    kind: document.kind,
    filename: document.filename,
    contentType: document.contentType,
    size: document.size,
    sha256: document.sha256,
    source,
    createdAt: document.createdAt,
    downloadUrl: await deps.blobs.downloadUrl(document.blobKey, DOWNLOAD_URL_SECONDS),
    downloadUrlExpiresAt: new Date(deps.clock.now().getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString(),
  };
}
