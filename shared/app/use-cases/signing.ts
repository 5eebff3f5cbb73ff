// Signing the Letter of Authority. Submitting an order (or editing a rejected one, or asking for a
// new link) renders the LOA from the order, stores it as one of the order's documents and emails
// the signer a link to the signing page; signing (page or API) stamps a signature page with the
// audit trail onto the unsigned LOA's pages and moves the order on, all through `saveDecision`.
//
// A link is `/sign/<order id>.<secret>`: 256 random bits, of which only the SHA-256 is stored (on
// the order's signing request). The link is in the signer's mailbox and nowhere else: never log it.
import { createHash, randomBytes } from 'node:crypto';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { UseCaseDeps } from '../context.ts';
import { newId } from '../context.ts';
import type { AccountRecord, DocumentRecord, EmailMessage, OutboxItem } from '../ports.ts';
import { documentBlobKey } from '../ports.ts';
import { emailItem } from '../outbox.ts';
import { customerAddress, links } from '../notify.ts';
import { saveDecision } from '../order-writes.ts';
import { composeNotification, orderReference } from '../../notifications/index.ts';
import { appendSignaturePage, loaFilename, renderLetterOfAuthority } from '../../documents/letter-of-authority.ts';
import { policyFor } from '../../rules/markets.ts';
import { awaitsSignature, currentSigningRequest, decide, type Decision, type NewSigningRequest, type OrderContext, type PortInCommand } from '../../rules/port-in/order.ts';
import { InvalidTransitionError, NotFoundError, RuleViolationError } from '../../rules/errors.ts';
import { isFinal, type Actor, type PortInOrder, type SigningRequest } from '../../rules/types.ts';
import { accountFacts } from '../context.ts';

// ---- links --------------------------------------------------------------------------------------

const TOKEN = /^(pin_[a-z2-7]{16})\.([A-Za-z0-9_-]{43})$/;

export const hashSigningToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A new link secret for the order and the hash the order keeps. */
export function newSigningToken(orderId: string): { token: string; tokenHash: string } {
  const token = `${orderId}.${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashSigningToken(token) };
}

export const signingUrl = (deps: UseCaseDeps, token: string): string => `${deps.services.settings.publicBaseUrl.replace(/\/$/, '')}/sign/${token}`;

export function accountHolderName(order: PortInOrder): string {
  const holder = order.details.accountHolder;
  const person = [holder?.firstName, holder?.lastName].filter(Boolean).join(' ');
  return holder?.businessName || person || 'the account holder';
}

// ---- preparing a request: the LOA document and the email --------------------------------------

/** What a command that opens a signing request needs, made before the rules decide. */
export interface PreparedSigning {
  request: NewSigningRequest;
  token: string;
}

export function prepareSigning(order: PortInOrder, account: AccountRecord): PreparedSigning {
  const { token, tokenHash } = newSigningToken(order.id);
  return { token, request: { id: newId('sig'), tokenHash, signerEmail: customerAddress(order, account), documentId: newId('doc') } };
}

export type SigningReason = 'submitted' | 'order_edited' | 'renewed';

/**
 * The LOA of the request `decision` opened, rendered from the order as decided and stored (the file
 * now; its description is written with the order), and the email that asks for the signature.
 */
export async function signingArtifacts(
  deps: UseCaseDeps,
  decision: Decision,
  account: AccountRecord,
  prepared: PreparedSigning,
  reason: SigningReason,
): Promise<{ documents: DocumentRecord[]; emails: OutboxItem[] }> {
  const order = decision.order;
  const request = order.signingRequests.find((r) => r.id === prepared.request.id);
  if (!request) throw new Error(`The decision did not open signing request ${prepared.request.id}`);
  const carrier = order.details.carrierId ? await deps.repository.getCarrier(order.details.carrierId) : null;
  const pdf = Buffer.from(
    await renderLetterOfAuthority({
      market: order.market,
      orderId: order.id,
      requestId: request.id,
      issuedAt: request.createdAt,
      providerName: deps.services.settings.providerName,
      customerName: account.name,
      accountHolder: order.details.accountHolder ?? {},
      serviceAddress: order.details.serviceAddress ?? { line1: '', locality: '', postcode: '', country: order.market },
      losingCarrier: { name: carrier?.name ?? '', accountNumber: order.details.losingCarrierAccountNumber ?? '' },
      numbers: order.lines.map((l) => ({ number: l.e164 ?? l.input, lineType: l.lineType, services: l.services })),
      signerEmail: request.signerEmail,
    }),
  );
  const document = await storeFile(deps, order.id, request.documentId, 'loa_unsigned', loaFilename(order.id, false), pdf, request.createdAt);
  const kind = 'signing_request';
  const email = signingEmail(deps, order, request, prepared.token, kind, reason, carrier?.name ?? null);
  return { documents: [document], emails: [emailItem(`${order.id}.${kind}.${request.id}`, kind, order.id, email, deps.clock.now())] };
}

function signingEmail(
  deps: UseCaseDeps,
  order: PortInOrder,
  request: SigningRequest,
  token: string,
  kind: 'signing_request' | 'signing_reminder',
  reason: SigningReason,
  carrierName: string | null,
): EmailMessage {
  const input = {
    order,
    carrierName,
    links: links(deps),
    signingUrl: signingUrl(deps, token),
    expiresAt: request.expiresAt,
    accountHolderName: accountHolderName(order),
    reason,
  };
  return { to: [request.signerEmail], ...composeNotification(kind, input), reference: orderReference(order.id) };
}

/** The reminder of an unsigned request (the scheduled check), with the second link it added. */
export async function signingReminderItem(deps: UseCaseDeps, order: PortInOrder, token: string, now: Date): Promise<OutboxItem> {
  const request = currentSigningRequest(order);
  if (!request) throw new Error(`Order ${order.id} has no signing request to remind of`);
  const reason: SigningReason = order.status === 'rejected' ? 'order_edited' : 'submitted';
  const carrier = order.details.carrierId ? await deps.repository.getCarrier(order.details.carrierId) : null;
  const email = signingEmail(deps, order, request, token, 'signing_reminder', reason, carrier?.name ?? null);
  return emailItem(`${order.id}.signing_reminder.${request.id}`, 'signing_reminder', order.id, email, now);
}

async function storeFile(
  deps: UseCaseDeps,
  orderId: string,
  id: string,
  kind: DocumentRecord['kind'],
  filename: string,
  bytes: Buffer,
  createdAt: string,
): Promise<DocumentRecord> {
  const blobKey = documentBlobKey(orderId, id);
  await deps.blobs.put(blobKey, bytes, 'application/pdf');
  return {
    id,
    orderId,
    kind,
    filename,
    contentType: 'application/pdf',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    blobKey,
    source: { channel: 'system' },
    createdAt,
  };
}

// ---- signing -----------------------------------------------------------------------------------

export interface SigningInput {
  signerName: string;
  channel: 'signing_page' | 'api';
  /** The request signed: the current one (API), or the one the link opens (page). */
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/**
 * Signs: the rules check the request first (nothing is rendered for a refused signature), then the
 * signature page is stamped onto the unsigned LOA and the order moves on with the signed document.
 */
export async function signOrder(deps: UseCaseDeps, order: PortInOrder, account: AccountRecord, actor: Actor, input: SigningInput): Promise<PortInOrder> {
  const now = deps.clock.now();
  const ctx: OrderContext = { policy: policyFor(account.market), account: accountFacts(account), now, actor };
  const request = order.signingRequests.find((r) => r.id === input.requestId);
  const unsigned = request ? await deps.documents.getDocument(order.id, request.documentId) : null;
  const command: PortInCommand = {
    type: 'sign',
    signerName: input.signerName.trim().replace(/\s+/g, ' '),
    channel: input.channel,
    requestId: input.requestId,
    documentSha256: unsigned?.sha256 ?? '',
    signedDocumentId: newId('doc'),
    ip: input.ip,
    userAgent: input.userAgent ? input.userAgent.slice(0, 512) : null,
  };
  const decision = decide(order, command, ctx);
  if (!request || !unsigned) throw new Error(`The unsigned LOA of order ${order.id} is missing`);
  const signature = decision.order.signature!;
  const signed = await appendSignaturePage(await deps.blobs.get(unsigned.blobKey), {
    market: order.market,
    orderId: order.id,
    requestId: request.id,
    signerName: signature.signerName,
    signerEmail: request.signerEmail,
    signedAt: signature.at,
    channel: signature.channel,
    ip: signature.ip,
    userAgent: signature.userAgent,
    unsignedSha256: unsigned.sha256,
  });
  const document = await storeFile(deps, order.id, signature.signedDocumentId, 'loa_signed', loaFilename(order.id, true), Buffer.from(signed), signature.at);
  await saveDecision(deps, order, decision, [], [document]);
  return decision.order;
}

// ---- the signing page ----------------------------------------------------------------------------

export interface SigningPageView {
  market: 'AU' | 'GB' | 'FR';
  orderId: string;
  requestId: string;
  providerName: string;
  accountHolderName: string;
  serviceAddress: string[];
  losingCarrierName: string;
  losingCarrierAccountNumber: string;
  /** At most the first PAGE_NUMBERS, national format. */
  numbers: string[];
  numberCount: number;
  signerEmailMasked: string;
  issuedAt: string;
  expiresAt: string;
}

export type SigningLinkState =
  | { state: 'ready'; view: SigningPageView }
  | { state: 'expired'; view: SigningPageView; canRenew: boolean }
  | { state: 'signed'; view: SigningPageView; signerName: string; signedAt: string }
  | { state: 'voided'; view: SigningPageView; because: 'order_edited' | 'replaced' }
  | { state: 'closed'; view: SigningPageView; status: string }
  | { state: 'not_found' };

const PAGE_NUMBERS = 50;

interface OpenedLink {
  order: PortInOrder;
  request: SigningRequest;
}

/** The order and request a link opens, or null for a link that is not ours (malformed or unknown). */
async function openLink(deps: UseCaseDeps, token: string): Promise<OpenedLink | null> {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const order = await deps.repository.getOrder(match[1]!);
  if (!order) return null;
  const hash = hashSigningToken(token);
  const request = order.signingRequests.find((r) => r.tokenHashes.includes(hash));
  return request ? { order, request } : null;
}

async function stateOf(deps: UseCaseDeps, opened: OpenedLink): Promise<Exclude<SigningLinkState, { state: 'not_found' }>> {
  const { order, request } = opened;
  const view = await pageView(deps, order, request);
  if (request.state === 'signed' && order.signature?.requestId === request.id) {
    return { state: 'signed', view, signerName: order.signature.signerName, signedAt: order.signature.at };
  }
  if (request.state === 'voided') return { state: 'voided', view, because: request.voidedBecause ?? 'replaced' };
  if (isFinal(order.status) || !awaitsSignature(order)) return { state: 'closed', view, status: order.status };
  if (deps.clock.now().getTime() >= Date.parse(request.expiresAt)) {
    return { state: 'expired', view, canRenew: currentSigningRequest(order)?.id === request.id };
  }
  return { state: 'ready', view };
}

async function pageView(deps: UseCaseDeps, order: PortInOrder, request: SigningRequest): Promise<SigningPageView> {
  const carrier = order.details.carrierId ? await deps.repository.getCarrier(order.details.carrierId) : null;
  const address = order.details.serviceAddress;
  return {
    market: order.market,
    orderId: order.id,
    requestId: request.id,
    providerName: deps.services.settings.providerName,
    accountHolderName: accountHolderName(order),
    serviceAddress: address
      ? [address.line1, address.line2, [address.locality, address.region, address.postcode].filter(Boolean).join(' '), address.country].filter((l): l is string => Boolean(l))
      : [],
    losingCarrierName: carrier?.name ?? '',
    losingCarrierAccountNumber: order.details.losingCarrierAccountNumber ?? '',
    numbers: order.lines.slice(0, PAGE_NUMBERS).map((l) => nationalFormat(l.e164 ?? l.input)),
    numberCount: order.lines.length,
    signerEmailMasked: maskEmail(request.signerEmail),
    issuedAt: request.createdAt,
    expiresAt: request.expiresAt,
  };
}

function nationalFormat(number: string): string {
  try {
    return parsePhoneNumberWithError(number).formatNational();
  } catch {
    return number;
  }
}

/** `alex@example.com` → `a***@example.com`: enough to recognise one's address, not to learn it. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

export async function openSigningLink(deps: UseCaseDeps, token: string): Promise<SigningLinkState> {
  const opened = await openLink(deps, token);
  return opened ? stateOf(deps, opened) : { state: 'not_found' };
}

const MAX_SIGNER_NAME = 200;

export async function signWithLink(
  deps: UseCaseDeps,
  token: string,
  input: { fullName: string; consent: boolean; ip: string | null; userAgent: string | null },
): Promise<SigningLinkState> {
  const opened = await openLink(deps, token);
  if (!opened) throw new NotFoundError('signing link', 'this link');
  const fullName = input.fullName.trim().replace(/\s+/g, ' ');
  const problems = [];
  if (fullName.length < 2 || fullName.length > MAX_SIGNER_NAME) {
    problems.push({ code: 'signer_name_required', path: 'fullName', message: `Type your full name (2 to ${MAX_SIGNER_NAME} characters).` });
  }
  if (!input.consent) {
    problems.push({ code: 'consent_required', path: 'consent', message: 'Tick the box to confirm you authorise the port.' });
  }
  if (problems.length > 0) throw new RuleViolationError(problems[0]!.code, 'Check the highlighted fields and sign again.', problems);
  const { order, request } = opened;
  const account = await deps.repository.getAccount(order.accountId);
  if (!account) throw new Error(`Order ${order.id} belongs to a missing account`);
  const actor: Actor = { kind: 'customer', id: order.accountId };
  const signed = await signOrder(deps, order, account, actor, { signerName: fullName, channel: 'signing_page', requestId: request.id, ip: input.ip, userAgent: input.userAgent });
  return stateOf(deps, { order: signed, request: signed.signingRequests.find((r) => r.id === request.id)! });
}

/** A short-lived URL of the PDF to show: the signed LOA once signed, else the unsigned one. */
export async function signingDocumentUrl(deps: UseCaseDeps, token: string): Promise<string | null> {
  const opened = await openLink(deps, token);
  if (!opened) return null;
  const { order, request } = opened;
  const documentId = request.state === 'signed' && order.signature?.requestId === request.id ? order.signature.signedDocumentId : request.documentId;
  const document = await deps.documents.getDocument(order.id, documentId);
  return document ? deps.blobs.downloadUrl(document.blobKey, 300) : null;
}

/**
 * A new request (new LOA, new link) for an order that still waits for its signature: the customer's
 * API call, or the signer after their link expired. The previous request is voided (replaced).
 */
export async function requestNewSignature(deps: UseCaseDeps, order: PortInOrder, actor: Actor): Promise<PortInOrder> {
  const account = await deps.repository.getAccount(order.accountId);
  if (!account) throw new Error(`Order ${order.id} belongs to a missing account`);
  const ctx: OrderContext = { policy: policyFor(account.market), account: accountFacts(account), now: deps.clock.now(), actor };
  const prepared = prepareSigning(order, account);
  const decision = decide(order, { type: 'request_signature', signing: prepared.request }, ctx);
  const { documents, emails } = await signingArtifacts(deps, decision, account, prepared, 'renewed');
  await saveDecision(deps, order, decision, emails, documents);
  return decision.order;
}

export async function renewSigningLink(deps: UseCaseDeps, token: string): Promise<{ sentTo: string }> {
  const opened = await openLink(deps, token);
  if (!opened) throw new NotFoundError('signing link', 'this link');
  const state = await stateOf(deps, opened);
  if (state.state !== 'expired') {
    throw new InvalidTransitionError('signing_link_not_expired', 'This link has not expired: there is no need for a new one.', opened.order.status);
  }
  if (!state.canRenew) {
    throw new InvalidTransitionError('signing_request_voided', 'A newer link was sent since this one: use the newest email.', opened.order.status);
  }
  const renewed = await requestNewSignature(deps, opened.order, { kind: 'customer', id: opened.order.accountId });
  return { sentTo: maskEmail(currentSigningRequest(renewed)!.signerEmail) };
}
