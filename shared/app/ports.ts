// Ports: what the use cases need from the outside world. Adapters (DynamoDB, the clock) implement
// them; tests can pass fakes without module mocking.
import type { IsoDate, Market, PlanPrices, PortInEvent, PortInOrder, OrderStatus } from '../rules/types.ts';
import type { PortOutDecision, PortOutEvent, PortOutRequest, PortOutStatus } from '../rules/port-out/types.ts';

export type Role = 'operator' | 'customer' | 'carrier';

export interface AccountRecord {
  id: string;
  name: string;
  market: Market;
  adminEmail: string;
  plan: PlanPrices;
  losingCarrierAccountNumber: string | null;
  /** SHA-256 of the port-out PIN; never the PIN itself. */
  portOutPinHash: string | null;
  terminationDate: IsoDate | null;
  /** When the administrator was warned that the termination date is near (once). */
  terminationWarnedAt: string | null;
  /** When the scheduled check released the numbers left after the post-termination window (once). */
  numbersReleasedAt: string | null;
  /** GB prerequisite: first calls seen each way (ISO instants). */
  firstInboundCallAt: string | null;
  firstOutboundCallAt: string | null;
  /** Numbers active in the inventory; kept in step with every activation and release. */
  activeNumberCount: number;
  createdAt: string;
  version: number;
}

export interface CarrierRecord {
  id: string;
  name: string;
  emailDomains: string[];
  portingEmail: string | null;
  webhookUrl: string | null;
  createdAt: string;
}

export type NumberOrigin = 'provisioned' | 'ported_in';

export interface InventoryNumber {
  e164: string;
  accountId: string;
  origin: NumberOrigin;
  /** `released`: handed back (e.g. an FR temporary number after the port completed); no longer billed. */
  status: 'active' | 'ported_out' | 'released';
  /** When it became active (ISO instant). */
  activeSince: string;
  /** When it left us (ISO instant of the write): by port-out, or released. */
  portedOutAt: string | null;
  /** The port-out that took it (status `ported_out`). */
  portOutId: string | null;
  /** Market date from which its monthly charges stop (the port-out's completion date, or the release day); null while active. */
  chargesStopOn: IsoDate | null;
}

export interface ApiKeyRecord {
  /** SHA-256 (hex) of the key: the key itself is never stored. */
  keyHash: string;
  role: Role;
  accountId: string | null;
  carrierId: string | null;
  createdAt: string;
}

/** Holds a number for one active order (port-in or port-out). */
export interface NumberLock {
  e164: string;
  orderId: string;
  orderKind: 'port_in' | 'port_out';
  takenAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  cursor: string | null;
  limit: number;
}

/** Everything one order command changes, written together (see the adapter for how >100 items are split). */
export interface OrderChange {
  /** The order after the command; its `version` is `expectedVersion + 1` (or 1 on create). */
  order: PortInOrder;
  /** The version read before the command; null when creating. */
  expectedVersion: number | null;
  events: PortInEvent[];
  /** E.164 numbers to lock for this order. */
  lock: string[];
  /** E.164 numbers whose lock held by this order is released. */
  release: string[];
  /** Numbers to make active in the account's inventory as ported in (completion). */
  activate: { accountId: string; numbers: string[] } | null;
  /** Messages to deliver once the change is stored, written in the same transaction (transactional outbox). */
  outbox?: OutboxItem[];
  /** Documents the change produced (e.g. the LOA), described in the same transaction; their files are stored before. */
  documents?: DocumentRecord[];
}

export type PortInOrderSummary = PortInOrder & { lineCount: number };

/** Everything one port-out command changes, written together: the request, its events, its number locks and (completion) the inventory. */
export interface PortOutChange extends PortOutDecision {
  /** The version read before the command; null when creating (the request's `version` is then 1). */
  expectedVersion: number | null;
  /** Messages to deliver once the change is stored (transactional outbox). */
  outbox?: OutboxItem[];
}

export interface PortOutListFilter {
  accountId?: string;
  /** The gaining carrier that asked. */
  carrierId?: string;
  status?: PortOutStatus;
}

export interface OrderListFilter {
  accountId?: string;
  carrierId?: string;
  status?: OrderStatus;
  /** true: only orders with a workflow exception; false: only orders without. */
  exception?: boolean;
}

export interface IdempotencyRecord {
  requestHash: string;
  state: 'in_progress' | 'done';
  response: { statusCode: number; headers: Record<string, string>; body: string } | null;
}

// ---- pending work: the sparse due index -------------------------------------------------------

/**
 * Partitions of the due index: `deadline` holds orders and accounts with a pending deadline (the
 * scheduled check), `outbox` holds undelivered messages (the outbox dispatcher).
 */
export type DueQueue = 'deadline' | 'outbox';

export interface DueItem {
  kind: 'port_in' | 'account' | 'outbox';
  id: string;
  /** ISO instant the item became (or becomes) due. */
  dueAt: string;
}

// ---- outbox: every email, bus event and webhook delivery ------------------------------------

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Our own Message-ID-safe reference, e.g. `PD-pin_...`: carriers' replies keep it. */
  reference?: string;
  /** Files to attach, by reference: the mailer reads them from the blob store when it sends (an
   * outbox item stays small however big the file). */
  attachments?: EmailAttachment[];
}

export interface EmailAttachment {
  filename: string;
  contentType: string;
  blobKey: string;
}

/** A versioned domain event as published on the EventBridge bus (schema: schemas/events/). */
export interface BusEvent {
  source: 'portdesk';
  detailType: string;
  detail: Record<string, unknown> & { version: string; id: string; occurredAt: string };
}

export type OutboxMessage =
  | { kind: 'email'; email: EmailMessage }
  | { kind: 'bus_event'; event: BusEvent }
  | { kind: 'webhook'; webhookId: string; accountId: string; url: string; eventId: string; body: string }
  /** Start the order's workflow, or resume its waiting step (the order moved on). */
  | { kind: 'workflow'; orderId: string; action: 'start' | 'resume'; state?: WorkflowResume };

export interface DeliveryAttempt {
  at: string;
  ok: boolean;
  /** HTTP status for webhooks, or the error's name. */
  outcome: string;
  durationMs: number;
}

export interface OutboxItem {
  /** Deterministic where the message must go out once (e.g. `pin_x.rejection.1`): creating it twice is a no-op. */
  id: string;
  message: OutboxMessage;
  /** Who it is about, for lists (`pin_...`, `acc_...`). */
  subjectId: string;
  /** Why it exists, e.g. `rejection`, `overdue`, `PortIn.StatusChanged`. */
  purpose: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  createdAt: string;
  /** When the dispatcher should try (again); null once delivered or failed for good. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** Where a waiting workflow step left its task token (Step Functions callback pattern). */
export interface WorkflowWait {
  orderId: string;
  taskToken: string;
  /** The order's status and transfer date when the step began to wait: any change resumes it. */
  status: OrderStatus;
  transferDate: IsoDate | null;
  step: string;
  since: string;
}

// ---- email intake and documents --------------------------------------------------------------------

/** One attachment of a parsed message (content kept only while the message is processed). */
export interface ParsedAttachment {
  filename: string | null;
  /** As declared by the message; documents check the bytes themselves. */
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
}

/** A MIME message as the intake reads it (mailparser underneath). Never throws for bad input: defects are listed. */
export interface ParsedEmail {
  /** The Message-ID header, without angle brackets; null when absent. */
  messageId: string | null;
  from: { address: string; name: string } | null;
  replyTo: string | null;
  to: string[];
  cc: string[];
  subject: string;
  /** The Date header as an ISO instant, when readable. */
  date: string | null;
  /** Plain text: the text part, else the HTML part turned into text. */
  text: string;
  html: string | null;
  /** Headers worth showing an operator (From, To, Cc, Subject, Date, Message-ID, In-Reply-To, References, Authentication-Results). */
  headers: { name: string; value: string }[];
  attachments: ParsedAttachment[];
  /** What was wrong with the MIME structure (the message was still read as far as possible). */
  defects: string[];
}

export interface MimeParser {
  parse(raw: Buffer): Promise<ParsedEmail>;
}

/** Raw messages, attachments and documents: S3 in AWS, an S3-compatible server locally. */
export interface BlobStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** A time-limited URL to download the object (pre-signed in AWS). */
  downloadUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** Documents' files live under this prefix of the blob store (the bucket grants name it). */
export const DOCUMENTS_PREFIX = 'documents/';
/** Where a document's file is kept: every writer of documents uses this. */
export const documentBlobKey = (orderId: string, documentId: string): string => `${DOCUMENTS_PREFIX}${orderId}/${documentId}`;

export type DocumentKind = 'loa_unsigned' | 'loa_signed' | 'bill_copy' | 'other';

/** A file kept with an order (bill copies, LOAs, attachments of customers' and carriers' emails). */
export interface DocumentRecord {
  id: string;
  orderId: string;
  kind: DocumentKind;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  blobKey: string;
  source: { channel: 'email' | 'upload' | 'system'; inboundEmailId?: string };
  createdAt: string;
}

export type InboundEmailStatus = 'received' | 'applied' | 'attached' | 'quarantined' | 'dismissed';

/** One message received at the porting mailbox: what it was, what we did with it, and why. */
export interface InboundEmailRecord {
  /** `ibm_<sha256 of the raw bytes, 32 hex>`: the same bytes delivered twice are one record. */
  id: string;
  rawSha256: string;
  /** Where the raw message is kept (blob key). */
  rawKey: string;
  messageId: string | null;
  receivedAt: string;
  sizeBytes: number;
  verdicts: import('../rules/email/types.ts').ReceiptVerdicts;
  from: string | null;
  to: string[];
  subject: string;
  /** The first 20,000 characters of the plain text, for the operator. */
  textPreview: string;
  headers: { name: string; value: string }[];
  attachments: { filename: string | null; contentType: string; size: number; sha256: string; documentId: string | null }[];
  status: InboundEmailStatus;
  /** Why it is quarantined (or why an operator dismissed it). */
  reason: { code: string; message: string } | null;
  orderId: string | null;
  /** What was applied to the order (the carrier's answer), when something was. */
  applied: import('../rules/email/types.ts').CarrierAnswer | null;
  /** Processing attempts that failed for a transient reason. */
  attempts: number;
  updatedAt: string;
  version: number;
}

export interface InboundEmailStore {
  /** Creates the record unless one with the same id or Message-ID exists; returns the existing one then. */
  claim(record: InboundEmailRecord): Promise<{ created: true } | { created: false; existing: InboundEmailRecord }>;
  get(id: string): Promise<InboundEmailRecord | null>;
  /** Conditional on `expectedVersion`; throws ConcurrentModificationError otherwise. */
  update(record: InboundEmailRecord, expectedVersion: number): Promise<void>;
  list(filter: { status?: InboundEmailStatus }, page: PageRequest): Promise<Page<InboundEmailRecord>>;
}

export interface DocumentStore {
  /** Idempotent by id. */
  putDocument(document: DocumentRecord): Promise<void>;
  getDocument(orderId: string, id: string): Promise<DocumentRecord | null>;
  listDocuments(orderId: string, page: PageRequest): Promise<Page<DocumentRecord>>;
}

// ---- outside services ---------------------------------------------------------------------------

/** Sends one email (SES in AWS, SMTP to the local mail catcher). Throws on failure. */
export interface Mailer {
  send(email: EmailMessage): Promise<{ messageId: string }>;
}

/** Publishes events on the bus (EventBridge). Throws when any entry fails. */
export interface EventBus {
  publish(events: BusEvent[]): Promise<void>;
}

/** HTTP POST for webhooks (ours to customers, carriers' submission endpoints). */
export interface WebhookSender {
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}

/** Our voice platform (cannot run here: the local runtime answers with a stand-in). */
export interface VoicePlatform {
  /** Calls the number from the test line and reports whether it was answered on our network. */
  placeTestCall(e164: string): Promise<{ answered: boolean; detail: string }>;
}

/** The porting lifecycle workflow (Step Functions). */
export interface WorkflowEngine {
  /** Starts the order's execution; starting it again for the same order is a no-op. */
  start(orderId: string): Promise<void>;
  /** Resumes a waiting step; a token already used or timed out is ignored. */
  resume(taskToken: string, output: WorkflowResume): Promise<void>;
}

/** What a waiting workflow step receives when the order moves on. */
export interface WorkflowResume {
  orderId: string;
  status: OrderStatus;
  transferDate: IsoDate | null;
  market: Market;
}

export interface Repository {
  createAccount(account: AccountRecord, apiKey: ApiKeyRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | null>;
  listAccounts(page: PageRequest): Promise<Page<AccountRecord>>;
  /** Conditional on `expectedVersion`; throws ConcurrentModificationError otherwise. */
  updateAccount(account: AccountRecord, expectedVersion: number): Promise<void>;

  createCarrier(carrier: CarrierRecord, apiKey: ApiKeyRecord): Promise<void>;
  getCarrier(id: string): Promise<CarrierRecord | null>;
  listCarriers(page: PageRequest): Promise<Page<CarrierRecord>>;

  getApiKey(keyHash: string): Promise<ApiKeyRecord | null>;
  putApiKey(record: ApiKeyRecord): Promise<void>;

  /** Adds active numbers to an account. Throws NumberConflictError for a number active elsewhere or locked by an order. */
  addInventoryNumbers(accountId: string, numbers: InventoryNumber[]): Promise<void>;
  /** Batched lookup (100 keys a request). Missing numbers are absent from the map. */
  getInventoryNumbers(e164s: string[]): Promise<Map<string, InventoryNumber>>;
  listInventoryNumbers(accountId: string, page: PageRequest): Promise<Page<InventoryNumber>>;
  /** Marks the account's active numbers `released` (their charges stop on `chargesStopOn`, default the UTC date of `at`) and lowers its active count; numbers not active on it are skipped. Returns those released. */
  releaseInventoryNumbers(accountId: string, e164s: string[], at: string, chargesStopOn?: IsoDate): Promise<string[]>;

  /** Batched lookup of live locks (stale ones, held by a final or vanished order, are not returned). */
  getNumberLocks(e164s: string[]): Promise<Map<string, NumberLock>>;

  /** Throws NumberConflictError (naming the other order) or ConcurrentModificationError. */
  saveOrder(change: OrderChange): Promise<void>;
  /** One Query for the header and its line chunks. */
  getOrder(id: string): Promise<PortInOrder | null>;
  /** Headers only (`lines` empty; an order may hold thousands of numbers) with their number count. */
  listOrders(filter: OrderListFilter, page: PageRequest): Promise<Page<PortInOrderSummary>>;
  listOrderEvents(orderId: string, page: PageRequest): Promise<Page<PortInEvent>>;

  /**
   * Creates (expectedVersion null) or updates a port-out with its events, locks, lock releases, inventory
   * changes (`portedOut`: numbers become `ported_out`, the account's active count drops) and outbox items.
   * Throws NumberConflictError (a number is held by another live order) or ConcurrentModificationError.
   */
  savePortOut(change: PortOutChange): Promise<void>;
  getPortOut(id: string): Promise<PortOutRequest | null>;
  /** Newest first. */
  listPortOuts(filter: PortOutListFilter, page: PageRequest): Promise<Page<PortOutRequest>>;
  listPortOutEvents(portOutId: string, page: PageRequest): Promise<Page<PortOutEvent>>;

  /** Items of one due-index queue due at or before `now`, earliest first. */
  listDue(queue: DueQueue, now: Date, page: PageRequest): Promise<Page<DueItem>>;
  /** Sets or clears an account's next deadline (termination warning). */
  setAccountDue(accountId: string, dueAt: string | null, marks?: Partial<Pick<AccountRecord, 'terminationWarnedAt' | 'numbersReleasedAt'>>): Promise<void>;

  /** Creates outbox items that do not exist yet (by id); returns the ids it created. */
  putOutbox(items: OutboxItem[]): Promise<string[]>;
  getOutbox(id: string): Promise<OutboxItem | null>;
  /** Records an attempt and the item's new state; conditional on the number of attempts seen (no double counting). */
  recordDelivery(item: OutboxItem, attempt: DeliveryAttempt, next: Pick<OutboxItem, 'status' | 'nextAttemptAt' | 'deliveredAt'>): Promise<boolean>;
  listOutbox(filter: { subjectId?: string; status?: OutboxItem['status'] }, page: PageRequest): Promise<Page<OutboxItem>>;

  /** The waiting workflow step of an order, if any (strongly consistent). */
  getWorkflowWait(orderId: string): Promise<WorkflowWait | null>;
  putWorkflowWait(wait: WorkflowWait): Promise<void>;
  /** Removes the wait if it still holds this token. */
  clearWorkflowWait(orderId: string, taskToken: string): Promise<void>;

  /** Idempotency records, scoped by the caller (principal) and its key; kept 24 h. */
  beginIdempotent(scope: string, key: string, requestHash: string): Promise<IdempotencyRecord | null>;
  completeIdempotent(scope: string, key: string, response: NonNullable<IdempotencyRecord['response']>): Promise<void>;
  abandonIdempotent(scope: string, key: string): Promise<void>;
}

/** Who is calling, as established by the API key. */
export interface Caller {
  role: Role;
  principalId: string;
  accountId: string | null;
  carrierId: string | null;
}

// ---- webhooks: customers' endpoints for our events ------------------------------------------------

/** A customer's webhook endpoint. The secret signs every delivery; the API shows it once, at creation. */
export interface WebhookRecord {
  id: string;
  accountId: string;
  url: string;
  description: string | null;
  /** Bus event detail types delivered to it, e.g. `PortIn.StatusChanged`. */
  eventTypes: string[];
  /** `whsec_` + 32 random bytes (base64url): the HMAC-SHA256 key of `PortDesk-Signature`. */
  secret: string;
  createdAt: string;
}

/** Webhooks, in the single table beside the Repository's items (DynamoWebhookStore). */
export interface WebhookStore {
  /**
   * Stores a new webhook unless its account has `maxPerAccount` already (then false, nothing
   * stored). The count is kept per account and checked in the same transaction: never exceeded.
   */
  create(webhook: WebhookRecord, maxPerAccount: number): Promise<boolean>;
  get(id: string): Promise<WebhookRecord | null>;
  /** An account's webhooks, oldest first. */
  listByAccount(accountId: string, page: PageRequest): Promise<Page<WebhookRecord>>;
  /** Removes the webhook (and lowers its account's count); false when it did not exist. */
  delete(id: string): Promise<boolean>;
}
