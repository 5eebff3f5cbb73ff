// The Repository port on one DynamoDB table (single-table design).
//
// Item layout (pk / sk, then the index keys an item carries):
//   Account          ACCOUNT#<id>      / ACCOUNT             byKind  ACCOUNT, <createdAt>#<id>
//   Carrier          CARRIER#<id>      / CARRIER             byKind  CARRIER, <createdAt>#<id>
//   API key          APIKEY#<keyHash>  / APIKEY
//   Inventory number NUMBER#<e164>     / INVENTORY           byAccount ACCOUNT#<accountId>#NUMBERS, <e164>
//   Number lock      NUMBER#<e164>     / LOCK                (orderId, orderKind, takenAt): port-ins and port-outs
//   Port-in header   ORDER#<id>        / #ORDER              byAccount ACCOUNT#<accountId>#PORTIN, byCarrier
//                                                            CARRIER#<carrierId>#PORTIN, byKind PORTIN (all
//                                                            sorted by <createdAt>#<id>); lineCount, lineChunks;
//                                                            byDue DUE#deadline, <dueAt> while dueAt is set
//   Line chunk       ORDER#<id>        / #LINES#<0000>       up to 250 lines (and ~300 KB) each
//   Issues piece     ORDER#<id>        / #ISSUES#<0000>      only when the order's issues exceed 64 KB (gzip)
//   Event            ORDER#<id>        / EVENT#<at>#<version 8>#<index 3>   append-only
//   Workflow wait    ORDER#<id>        / WORKFLOW            the waiting step's task token (not part of getOrder:
//                                                            it reads sk begins_with '#')
//   Port-out         PORTOUT#<id>      / PORTOUT             the whole request (≤ 1000 lines fit one item); byKind
//                                                            PORTOUT, byCarrier CARRIER#<carrierId>#PORTOUT, byAccount
//                                                            ACCOUNT#<accountId>#PORTOUT while it names an account (all
//                                                            sorted by <createdAt>#<id>)
//   Port-out event   PORTOUT#<id>      / EVENT#<at>#<version 8>#<index 3>   append-only
//   Outbox item      OUTBOX#<id>       / OUTBOX              byAccount OUTBOX#SUBJECT#<subjectId>, byKind OUTBOX
//                                                            (sorted by <createdAt>#<id>); byDue DUE#outbox,
//                                                            <nextAttemptAt> while pending; a large message is
//                                                            kept gzipped (messageGzip)
//   Idempotency      IDEMPOTENCY#<scope>#<key> / IDEMPOTENCY expiresAt (TTL, epoch seconds)
//   (Account)        ACCOUNT#<id>      / ACCOUNT             byDue DUE#deadline, <dueAt> while setAccountDue set one
//
// The due index (byDue) is sparse and keys-only: an item is in it exactly while it carries duePk and
// dueAt, so a due time of null REMOVEs both (an index key may not be written as NULL).
// Lists never carry lines: listOrders returns headers with `lines: []` and a `lineCount`.
import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { serviceClock, type Clock } from '../../app/clock.ts';
import type {
  AccountRecord,
  ApiKeyRecord,
  CarrierRecord,
  DeliveryAttempt,
  DueItem,
  DueQueue,
  IdempotencyRecord,
  InventoryNumber,
  NumberLock,
  OrderChange,
  OrderListFilter,
  OutboxItem,
  OutboxMessage,
  Page,
  PageRequest,
  PortInOrderSummary,
  PortOutChange,
  PortOutListFilter,
  Repository,
  WorkflowWait,
} from '../../app/ports.ts';
import {
  ConcurrentModificationError,
  InventoryConflictError,
  NotFoundError,
  NumberConflictError,
} from '../../rules/errors.ts';
import {
  isFinal,
  type IsoDate,
  type OrderStatus,
  type PortInEvent,
  type PortInLine,
  type PortInOrder,
  type ValidationResult,
} from '../../rules/types.ts';
import { FINAL_PORT_OUT_STATUSES, type PortOutEvent, type PortOutRequest, type PortOutStatus } from '../../rules/port-out/types.ts';
import { documentItem } from './document-store.ts';
import { cursorKey, decodeCursor, encodeCursor } from './cursor.ts';
import { indexNamed, TABLE_KEYS, type IndexDefinition } from './table-schema.ts';

/** A list entry: the order header without its lines (`lines` is always empty) plus how many it has. */
export type { PortInOrderSummary } from '../../app/ports.ts';

/** A page cursor that this API did not hand out (cursor.ts, shared with the webhook store). */
export { InvalidCursorError } from './cursor.ts';

// ---------------------------------------------------------------------------------------------
// Layout constants

/** DynamoDB's limit on items in one TransactWriteItems. */
const MAX_TRANSACTION_ITEMS = 100;
/** Kept well below DynamoDB's 4 MB per transaction. */
const MAX_TRANSACTION_BYTES = 3_500_000;
const MAX_BATCH_GET_KEYS = 100;
const LINES_PER_CHUNK = 250;
const MAX_CHUNK_BYTES = 300_000;
/** Issues above this (JSON) leave the header for #ISSUES# pieces, keeping the header far below 400 KB. */
const MAX_INLINE_ISSUES_BYTES = 64_000;
const ISSUE_PIECE_BYTES = 300_000;
/** Responses above this are stored gzipped in idempotency records. */
const MAX_PLAIN_RESPONSE_BODY = 16_000;
const MAX_STORED_RESPONSE_BYTES = 350_000;
/** A lock whose order (port-in header, port-out item) is missing is stale once older than this. */
const ORPHAN_LOCK_AGE_MS = 10 * 60 * 1000;
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const MAX_PAGE_SIZE = 1000;
/** Longer cursors are refused unread. */
const MAX_CURSOR_LENGTH = 4096;
/** Queries one list page may spend when a filter drops items. */
const MAX_QUERIES_PER_PAGE = 5;
/** Parallel transactions / batch reads in one call. */
const CONCURRENCY = 4;
/** Inventory additions per transaction: a Put and a lock ConditionCheck each, plus the account update. */
const INVENTORY_NUMBERS_PER_TRANSACTION = 49;
const CHUNK_CACHE_SIZE = 500;
/** A port-out item above this (JSON) is refused: DynamoDB's item limit is 400 KB. */
const MAX_PORT_OUT_ITEM_BYTES = 350_000;
/** Outbox messages above this (JSON) are stored gzipped. */
const MAX_PLAIN_MESSAGE_BYTES = 16_000;
/** An outbox item as stored may not exceed this: DynamoDB's limit is 400 KB and attempts are appended later. */
export const MAX_OUTBOX_ITEM_BYTES = 350_000;

const PK = TABLE_KEYS.partitionKey;
const SK = TABLE_KEYS.sortKey;

const BY_ACCOUNT = indexNamed('byAccount');
const BY_CARRIER = indexNamed('byCarrier');
const BY_KIND = indexNamed('byKind');
const BY_DUE = indexNamed('byDue');

const key = {
  account: (id: string) => ({ [PK]: `ACCOUNT#${id}`, [SK]: 'ACCOUNT' }),
  carrier: (id: string) => ({ [PK]: `CARRIER#${id}`, [SK]: 'CARRIER' }),
  apiKey: (keyHash: string) => ({ [PK]: `APIKEY#${keyHash}`, [SK]: 'APIKEY' }),
  inventory: (e164: string) => ({ [PK]: `NUMBER#${e164}`, [SK]: 'INVENTORY' }),
  lock: (e164: string) => ({ [PK]: `NUMBER#${e164}`, [SK]: 'LOCK' }),
  orderHeader: (id: string) => ({ [PK]: `ORDER#${id}`, [SK]: '#ORDER' }),
  lineChunk: (id: string, index: number) => ({ [PK]: `ORDER#${id}`, [SK]: `#LINES#${pad(index, 4)}` }),
  issuePiece: (id: string, index: number) => ({ [PK]: `ORDER#${id}`, [SK]: `#ISSUES#${pad(index, 4)}` }),
  event: (id: string, at: string, version: number, index: number) => ({
    [PK]: `ORDER#${id}`,
    [SK]: `EVENT#${at}#${pad(version, 8)}#${pad(index, 3)}`,
  }),
  idempotency: (scope: string, idempotencyKey: string) => ({
    [PK]: `IDEMPOTENCY#${scope}#${idempotencyKey}`,
    [SK]: 'IDEMPOTENCY',
  }),
  outbox: (id: string) => ({ [PK]: `OUTBOX#${id}`, [SK]: 'OUTBOX' }),
  workflowWait: (orderId: string) => ({ [PK]: `ORDER#${orderId}`, [SK]: 'WORKFLOW' }),
  portOut: (id: string) => ({ [PK]: `PORTOUT#${id}`, [SK]: 'PORTOUT' }),
  portOutEvent: (id: string, at: string, version: number, index: number) => ({
    [PK]: `PORTOUT#${id}`,
    [SK]: `EVENT#${at}#${pad(version, 8)}#${pad(index, 3)}`,
  }),
};

const accountOrdersPk = (accountId: string): string => `ACCOUNT#${accountId}#PORTIN`;
const accountNumbersPk = (accountId: string): string => `ACCOUNT#${accountId}#NUMBERS`;
const carrierOrdersPk = (carrierId: string): string => `CARRIER#${carrierId}#PORTIN`;
const outboxSubjectPk = (subjectId: string): string => `OUTBOX#SUBJECT#${subjectId}`;
const accountPortOutsPk = (accountId: string): string => `ACCOUNT#${accountId}#PORTOUT`;
const carrierPortOutsPk = (carrierId: string): string => `CARRIER#${carrierId}#PORTOUT`;
/** The lists each kind (its BY_KIND partition) is on: its account's and its carrier's. */
const OWNED_LISTS = {
  PORTIN: { account: accountOrdersPk, carrier: carrierOrdersPk },
  PORTOUT: { account: accountPortOutsPk, carrier: carrierPortOutsPk },
} as const;
const duePartition = (queue: DueQueue): string => `DUE#${queue}`;

/** The base-table key of each kind of item in the due index, and what the scheduled check calls it. */
const DUE_KINDS: { prefix: string; sk: string; kind: DueItem['kind'] }[] = [
  { prefix: 'ORDER#', sk: '#ORDER', kind: 'port_in' },
  { prefix: 'ACCOUNT#', sk: 'ACCOUNT', kind: 'account' },
  { prefix: 'OUTBOX#', sk: 'OUTBOX', kind: 'outbox' },
];

/**
 * A due time as the index stores it. Due times are compared as strings (`dueAt <= now`), so only the
 * canonical form `Date#toISOString()` gives (`2026-03-02T00:00:00.000Z`) may be stored.
 */
function dueInstant(value: string, what: string): string {
  const parsed = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(parsed.getTime()) || parsed.toISOString() !== value) {
    throw new Error(`${what}: due time ${JSON.stringify(value)} is not an ISO instant as Date#toISOString() writes it (e.g. 2026-03-02T00:00:00.000Z)`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

// Raw items: the document client returns plain JS values; records are picked out field by field.
type Item = Record<string, any>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Entries with a value: an undefined value would leave a dangling placeholder in an expression. */
function definedEntries(item: Item): [string, unknown][] {
  return Object.entries(item).filter(([, value]) => value !== undefined);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function chunk<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}

function hashOf(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function backoffMs(attempt: number): number {
  return Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/** Runs `fn` over `items` with at most `limit` in flight; settles every one. */
async function settleAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Like settleAll, but throws the first failure (after everything settled). */
async function runAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = await settleAll(items, limit, fn);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return results.map((result) => (result as PromiseFulfilledResult<R>).value);
}

/** Converts a raw AttributeValue (as found in error payloads, which the document client leaves raw). */
function fromAttributeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const av = value as Record<string, unknown>;
  if ('S' in av) return av.S;
  if ('N' in av) return Number(av.N);
  if ('BOOL' in av) return av.BOOL;
  if ('NULL' in av) return null;
  if ('B' in av) return av.B;
  if ('M' in av) {
    return Object.fromEntries(Object.entries(av.M as Record<string, unknown>).map(([k, v]) => [k, fromAttributeValue(v)]));
  }
  if ('L' in av) return (av.L as unknown[]).map(fromAttributeValue);
  if ('SS' in av) return new Set(av.SS as string[]);
  if ('NS' in av) return new Set((av.NS as string[]).map(Number));
  if ('BS' in av) return new Set(av.BS as unknown[]);
  return undefined;
}

function fromRawItem(raw: unknown): Item | null {
  if (raw === null || raw === undefined || typeof raw !== 'object') return null;
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, fromAttributeValue(v)]));
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

// ---------------------------------------------------------------------------------------------
// Record mapping (explicit: foreign attributes never leak into records)

function toAccount(item: Item): AccountRecord {
  return {
    id: item.id,
    name: item.name,
    market: item.market,
    adminEmail: item.adminEmail,
    plan: item.plan,
    losingCarrierAccountNumber: item.losingCarrierAccountNumber ?? null,
    portOutPinHash: item.portOutPinHash ?? null,
    terminationDate: item.terminationDate ?? null,
    terminationWarnedAt: item.terminationWarnedAt ?? null,
    numbersReleasedAt: item.numbersReleasedAt ?? null,
    firstInboundCallAt: item.firstInboundCallAt ?? null,
    firstOutboundCallAt: item.firstOutboundCallAt ?? null,
    activeNumberCount: Number(item.activeNumberCount ?? 0),
    createdAt: item.createdAt,
    version: Number(item.version),
  };
}

function toCarrier(item: Item): CarrierRecord {
  return {
    id: item.id,
    name: item.name,
    emailDomains: item.emailDomains ?? [],
    portingEmail: item.portingEmail ?? null,
    webhookUrl: item.webhookUrl ?? null,
    createdAt: item.createdAt,
  };
}

function toApiKey(item: Item): ApiKeyRecord {
  return {
    keyHash: item.keyHash,
    role: item.role,
    accountId: item.accountId ?? null,
    carrierId: item.carrierId ?? null,
    createdAt: item.createdAt,
  };
}

function toInventoryNumber(item: Item): InventoryNumber {
  return {
    e164: item.e164,
    accountId: item.accountId,
    origin: item.origin,
    status: item.status,
    activeSince: item.activeSince,
    portedOutAt: item.portedOutAt ?? null,
    portOutId: item.portOutId ?? null,
    chargesStopOn: item.chargesStopOn ?? null,
  };
}

function toLock(item: Item): NumberLock {
  return { e164: item.e164, orderId: item.orderId, orderKind: item.orderKind, takenAt: item.takenAt };
}

/** Port-in and port-out events have the same shape. */
function toEvent<E extends PortInEvent | PortOutEvent>(item: Item): E {
  return { type: item.type, at: item.at, actor: item.actor, data: item.data ?? {} } as E;
}

function toPortOut(item: Item): PortOutRequest {
  return {
    id: item.id,
    carrierId: item.carrierId,
    accountId: item.accountId ?? null,
    market: item.market ?? null,
    status: item.status,
    lines: item.lines ?? [],
    accountNumber: item.accountNumber ?? null,
    pinGiven: Boolean(item.pinGiven),
    authorizedName: item.authorizedName,
    requestedDate: item.requestedDate,
    rejection: item.rejection ?? null,
    channel: item.channel,
    inboundEmailId: item.inboundEmailId ?? null,
    loaDocumentId: item.loaDocumentId ?? null,
    completedOn: item.completedOn ?? null,
    monthlyChargeChange: item.monthlyChargeChange ?? null,
    withdrawnReason: item.withdrawnReason ?? null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: Number(item.version),
  };
}

/** The stored port-out: its fields (a view's derived fields are not kept), keys and list index keys. */
function portOutItem(portOut: PortOutRequest): Item {
  const sortKey = `${portOut.createdAt}#${portOut.id}`;
  const item: Item = {
    ...toPortOut(portOut),
    ...key.portOut(portOut.id),
    [BY_KIND.partitionKey]: 'PORTOUT',
    [BY_KIND.sortKey]: sortKey,
    [BY_CARRIER.partitionKey]: carrierPortOutsPk(portOut.carrierId),
    [BY_CARRIER.sortKey]: sortKey,
  };
  if (portOut.accountId !== null) {
    item[BY_ACCOUNT.partitionKey] = accountPortOutsPk(portOut.accountId);
    item[BY_ACCOUNT.sortKey] = sortKey;
  }
  return item;
}

function toOrder(header: Item, lines: PortInLine[], issues: ValidationResult): PortInOrder {
  return {
    id: header.id,
    accountId: header.accountId,
    market: header.market,
    status: header.status,
    details: header.details,
    lines,
    category: header.category,
    portBackNumbers: header.portBackNumbers ?? [],
    quote: header.quote,
    issues,
    monthlyFee: header.monthlyFee,
    holdReason: header.holdReason ?? null,
    signature: header.signature ?? null,
    signingRequests: header.signingRequests ?? [],
    commencementDate: header.commencementDate ?? null,
    dueDate: header.dueDate ?? null,
    transferDate: header.transferDate ?? null,
    rejectionCount: Number(header.rejectionCount ?? 0),
    lastRejection: header.lastRejection ?? null,
    resubmitBy: header.resubmitBy ?? null,
    completedOn: header.completedOn ?? null,
    finalCompensation: header.finalCompensation ?? null,
    charges: header.charges ?? [],
    overdueSince: header.overdueSince ?? null,
    confirmedTransferDate: header.confirmedTransferDate ?? null,
    compensationAccruedTo: header.compensationAccruedTo ?? null,
    exception: header.exception ?? null,
    dueAt: header[BY_DUE.sortKey] ?? null,
    createdAt: header.createdAt,
    updatedAt: header.updatedAt,
    version: Number(header.version),
  };
}

function toDueItem(item: Item): DueItem | null {
  const pk = String(item[PK] ?? '');
  const entry = DUE_KINDS.find((candidate) => pk.startsWith(candidate.prefix) && item[SK] === candidate.sk);
  if (entry === undefined) return null;
  return { kind: entry.kind, id: pk.slice(entry.prefix.length), dueAt: item[BY_DUE.sortKey] };
}

function toSummary(header: Item): PortInOrderSummary {
  const issues: ValidationResult = header.issues ?? { errors: [], warnings: [] };
  return { ...toOrder(header, [], issues), lineCount: Number(header.lineCount ?? 0) };
}

function toOutbox(item: Item): OutboxItem {
  const message: OutboxMessage =
    item.messageGzip !== undefined
      ? JSON.parse(gunzipSync(Buffer.from(item.messageGzip as Uint8Array)).toString('utf8'))
      : item.message;
  return {
    id: item.id,
    message,
    subjectId: item.subjectId,
    purpose: item.purpose,
    status: item.status,
    attempts: item.attempts ?? [],
    createdAt: item.createdAt,
    nextAttemptAt: item.nextAttemptAt ?? null,
    deliveredAt: item.deliveredAt ?? null,
  };
}

function toWorkflowWait(item: Item): WorkflowWait {
  return {
    orderId: item.orderId,
    taskToken: item.taskToken,
    status: item.status,
    transferDate: item.transferDate ?? null,
    step: item.step,
    since: item.since,
  };
}

/** The due-index attributes of an item: set for a due time, else the names to REMOVE. */
function dueAttributes(queue: DueQueue, dueAt: string | null, what: string): { set: Item; remove: string[] } {
  if (dueAt === null) return { set: {}, remove: [BY_DUE.partitionKey, BY_DUE.sortKey] };
  return { set: { [BY_DUE.partitionKey]: duePartition(queue), [BY_DUE.sortKey]: dueInstant(dueAt, what) }, remove: [] };
}

/** The due time an outbox item in this state carries: only a pending item waiting for an attempt. */
function outboxDueAt(state: Pick<OutboxItem, 'status' | 'nextAttemptAt'>): string | null {
  return state.status === 'pending' && state.nextAttemptAt !== null && state.nextAttemptAt !== undefined ? state.nextAttemptAt : null;
}

/** The stored outbox item (keys, index attributes, a large message gzipped); refuses one too large to store. */
function outboxItem(item: OutboxItem): Item {
  const { message, ...fields } = item;
  const messageJson = JSON.stringify(message);
  const stored: Item = {
    ...fields,
    nextAttemptAt: item.nextAttemptAt ?? null,
    deliveredAt: item.deliveredAt ?? null,
    attempts: item.attempts ?? [],
    ...key.outbox(item.id),
    [BY_ACCOUNT.partitionKey]: outboxSubjectPk(item.subjectId),
    [BY_ACCOUNT.sortKey]: `${item.createdAt}#${item.id}`,
    [BY_KIND.partitionKey]: 'OUTBOX',
    [BY_KIND.sortKey]: `${item.createdAt}#${item.id}`,
    ...dueAttributes('outbox', outboxDueAt(item), `Outbox item ${item.id}`).set,
  };
  let binaryBytes = 0;
  if (Buffer.byteLength(messageJson) <= MAX_PLAIN_MESSAGE_BYTES) {
    stored.message = message;
  } else {
    const packed = new Uint8Array(gzipSync(messageJson));
    stored.messageGzip = packed;
    binaryBytes = packed.length;
  }
  const bytes = outboxItemBytes(stored, binaryBytes);
  if (bytes > MAX_OUTBOX_ITEM_BYTES) {
    throw new Error(
      `Outbox item ${item.id} (${item.purpose}) is ${bytes} bytes once stored (message compressed); the limit is ${MAX_OUTBOX_ITEM_BYTES}: split the message`,
    );
  }
  return stored;
}

/** A close upper estimate of an item's stored size (DynamoDB counts names and values; JSON adds quotes). */
function outboxItemBytes(stored: Item, binaryBytes: number): number {
  const { messageGzip: _binary, ...rest } = stored;
  return Buffer.byteLength(JSON.stringify(rest)) + binaryBytes;
}

// ---------------------------------------------------------------------------------------------
// Order layout: header + line chunks (+ issue pieces), each chunk identified by a content hash so
// an update rewrites only the chunks that changed.

interface LineChunk {
  hash: string;
  lines: PortInLine[];
  bytes: number;
}

interface IssuePiece {
  hash: string;
  data: Uint8Array;
}

interface OrderLayout {
  /** The header item without its key attributes. */
  header: Item;
  lineChunks: LineChunk[];
  issuePieces: IssuePiece[];
}

interface ChunkHashes {
  lineChunks: string[];
  issueChunks: string[];
}

function chunkLines(lines: readonly PortInLine[]): LineChunk[] {
  const chunks: LineChunk[] = [];
  let current: PortInLine[] = [];
  let currentJson: string[] = [];
  let currentBytes = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    chunks.push({ hash: hashOf(`[${currentJson.join(',')}]`), lines: current, bytes: currentBytes });
    current = [];
    currentJson = [];
    currentBytes = 0;
  };
  for (const line of lines) {
    const json = JSON.stringify(line);
    const bytes = Buffer.byteLength(json);
    if (current.length === LINES_PER_CHUNK || (current.length > 0 && currentBytes + bytes > MAX_CHUNK_BYTES)) flush();
    current.push(line);
    currentJson.push(json);
    currentBytes += bytes;
  }
  flush();
  return chunks;
}

function layoutOrder(order: PortInOrder): OrderLayout {
  const { lines, lineCount: _summaryOnly, ...scalars } = order as PortInOrderSummary;
  const lineChunks = chunkLines(lines);
  const issuesJson = JSON.stringify(order.issues);
  let issuePieces: IssuePiece[] = [];
  let inlineIssues: ValidationResult = order.issues;
  if (Buffer.byteLength(issuesJson) > MAX_INLINE_ISSUES_BYTES) {
    const packed = gzipSync(issuesJson);
    for (let offset = 0; offset < packed.length; offset += ISSUE_PIECE_BYTES) {
      const data = new Uint8Array(packed.subarray(offset, offset + ISSUE_PIECE_BYTES));
      issuePieces.push({ hash: hashOf(data), data });
    }
    inlineIssues = { errors: [], warnings: [] };
  }
  const carrierId = order.details?.carrierId ?? null;
  const sortKey = `${order.createdAt}#${order.id}`;
  // dueAt is the due index's sort key: present only while the order has pending work.
  const { dueAt, ...fields } = scalars;
  const header: Item = {
    ...fields,
    ...dueAttributes('deadline', dueAt ?? null, `Order ${order.id}`).set,
    issues: inlineIssues,
    lineCount: lines.length,
    lineChunks: lineChunks.map((c) => c.hash),
    issueChunks: issuePieces.map((p) => p.hash),
    [BY_ACCOUNT.partitionKey]: accountOrdersPk(order.accountId),
    [BY_ACCOUNT.sortKey]: sortKey,
    [BY_KIND.partitionKey]: 'PORTIN',
    [BY_KIND.sortKey]: sortKey,
  };
  if (carrierId !== null && carrierId !== '') {
    header[BY_CARRIER.partitionKey] = carrierOrdersPk(carrierId);
    header[BY_CARRIER.sortKey] = sortKey;
  }
  return { header, lineChunks, issuePieces };
}

// ---------------------------------------------------------------------------------------------
// Transaction operations. Numbers-related operations are rendered per attempt, so a retry can
// drop an operation (a lock already ours, a release of a lock already gone) or widen a condition
// (taking over a stale lock).

type WriteOp =
  | { kind: 'header' | 'event' | 'chunk' | 'document'; item: TransactItem; bytes: number }
  /** reentrant: succeeds when this order holds the lock already (one-transaction path). */
  | { kind: 'lock'; e164: string; reentrant: boolean; staleOwners: string[] }
  | { kind: 'release'; e164: string }
  | { kind: 'activate'; e164: string; accountId: string; activeSince: string }
  | { kind: 'inventoryAdd'; number: InventoryNumber; previous: InventoryNumber | null }
  /** An active number of the account becomes `released`; its charges stop `on` that date. */
  | { kind: 'inventoryRelease'; e164: string; accountId: string; at: string; on: IsoDate }
  /** An active number of the account becomes `ported_out` by the context's port-out; its charges stop `on` that date. */
  | { kind: 'inventoryPortOut'; e164: string; accountId: string; at: string; on: IsoDate }
  /** No live lock on the number (inventory additions). */
  | { kind: 'lockFree'; e164: string; staleOwners: string[] }
  /** ADD activeNumberCount by the number of activate / inventoryAdd / inventoryRelease / inventoryPortOut ops in the same transaction. */
  | { kind: 'accountAdd'; accountId: string; sign: 1 | -1 }
  /** A new outbox item (attribute_not_exists); one that exists already is dropped (created once). */
  | { kind: 'outbox'; id: string; item: TransactItem; bytes: number };

interface WriteContext {
  /** The order taking / releasing locks ('' when none). */
  orderId: string;
  /** Its kind, written on the locks it takes (inventory writes take none). */
  orderKind?: NumberLock['orderKind'];
  takenAt: string;
  /** Named in ConcurrentModificationError. */
  resource: string;
  resourceId: string;
}

function opBytes(op: WriteOp): number {
  return 'bytes' in op ? op.bytes : 300;
}

function countingOps(ops: readonly WriteOp[]): number {
  return ops.filter(
    (op) => op.kind === 'activate' || op.kind === 'inventoryAdd' || op.kind === 'inventoryRelease' || op.kind === 'inventoryPortOut',
  ).length;
}

interface Failure {
  op: WriteOp;
  code: string;
  old: Item | null;
}

// ---------------------------------------------------------------------------------------------

export class DynamoRepository implements Repository {
  /** Chunk hashes of recently read or written orders, by id: saves a read before an update. */
  private readonly chunkCache = new Map<string, ChunkHashes & { version: number }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = serviceClock,
  ) {}

  // ----- accounts, carriers, API keys ------------------------------------------------------------

  async createAccount(account: AccountRecord, apiKey: ApiKeyRecord): Promise<void> {
    const item = {
      ...account,
      ...key.account(account.id),
      [BY_KIND.partitionKey]: 'ACCOUNT',
      [BY_KIND.sortKey]: `${account.createdAt}#${account.id}`,
    };
    await this.createWithKey(item, apiKey, 'account', account.id);
  }

  async getAccount(id: string): Promise<AccountRecord | null> {
    const item = await this.getItem(key.account(id));
    return item ? toAccount(item) : null;
  }

  listAccounts(page: PageRequest): Promise<Page<AccountRecord>> {
    return this.queryIndex(BY_KIND, 'ACCOUNT', false, page, toAccount);
  }

  /**
   * Writes every field except `activeNumberCount`, which belongs to the inventory writes
   * (addInventoryNumbers, activation) that ADD to it without reading the account.
   */
  async updateAccount(account: AccountRecord, expectedVersion: number): Promise<void> {
    const { id: _id, activeNumberCount: _count, ...fields } = account;
    const attributes: Item = { ...fields, [BY_KIND.sortKey]: `${account.createdAt}#${account.id}` };
    const names: Record<string, string> = { '#version': 'version' };
    const values: Item = { ':expected': expectedVersion };
    const sets = definedEntries(attributes).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      return `#a${i} = :a${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key.account(account.id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') throw new ConcurrentModificationError('account', account.id);
      throw error;
    }
  }

  async createCarrier(carrier: CarrierRecord, apiKey: ApiKeyRecord): Promise<void> {
    const item = {
      ...carrier,
      ...key.carrier(carrier.id),
      [BY_KIND.partitionKey]: 'CARRIER',
      [BY_KIND.sortKey]: `${carrier.createdAt}#${carrier.id}`,
    };
    await this.createWithKey(item, apiKey, 'carrier', carrier.id);
  }

  async getCarrier(id: string): Promise<CarrierRecord | null> {
    const item = await this.getItem(key.carrier(id));
    return item ? toCarrier(item) : null;
  }

  listCarriers(page: PageRequest): Promise<Page<CarrierRecord>> {
    return this.queryIndex(BY_KIND, 'CARRIER', false, page, toCarrier);
  }

  async getApiKey(keyHash: string): Promise<ApiKeyRecord | null> {
    const item = await this.getItem(key.apiKey(keyHash));
    return item ? toApiKey(item) : null;
  }

  async putApiKey(record: ApiKeyRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...record, ...key.apiKey(record.keyHash) } }));
  }

  private async createWithKey(item: Item, apiKey: ApiKeyRecord, resource: string, id: string): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          ClientRequestToken: randomUUID(),
          TransactItems: [
            { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...apiKey, ...key.apiKey(apiKey.keyHash) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (errorName(error) !== 'TransactionCanceledException') throw error;
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons[0]?.Code === 'TransactionConflict') {
        throw new ConcurrentModificationError(resource, id);
      }
      if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new Error(`An API key with this hash exists already (${resource} ${id} not created).`);
      throw error;
    }
  }

  // ----- inventory ---------------------------------------------------------------------------------

  async addInventoryNumbers(accountId: string, numbers: InventoryNumber[]): Promise<void> {
    const byNumber = new Map<string, InventoryNumber>();
    for (const number of numbers) {
      if (number.accountId !== accountId) {
        throw new Error(`Inventory number ${number.e164} belongs to account ${number.accountId}, not ${accountId}`);
      }
      if (!byNumber.has(number.e164)) byNumber.set(number.e164, number);
    }
    if (byNumber.size === 0) return;
    const e164s = [...byNumber.keys()];

    // Read first: refuse early with the right error, and know what to restore if a later batch fails.
    const [existing, locks] = await Promise.all([this.getInventoryNumbers(e164s), this.readLocks(e164s)]);
    for (const e164 of e164s) {
      if (existing.get(e164)?.status === 'active') throw new InventoryConflictError(e164);
    }
    const stale = await this.staleLockOwners([...locks.values()]);
    for (const e164 of e164s) {
      const lock = locks.get(e164);
      if (lock !== undefined && !stale.has(lock.orderId)) throw new NumberConflictError(e164, lock.orderId);
    }

    const context: WriteContext = { orderId: '', takenAt: '', resource: 'account', resourceId: accountId };
    const batches = chunk(e164s, INVENTORY_NUMBERS_PER_TRANSACTION).map((batch) => {
      const ops: WriteOp[] = [];
      for (const e164 of batch) {
        ops.push({ kind: 'inventoryAdd', number: byNumber.get(e164) as InventoryNumber, previous: existing.get(e164) ?? null });
        const lock = locks.get(e164);
        ops.push({ kind: 'lockFree', e164, staleOwners: lock ? [lock.orderId] : [] });
      }
      ops.push({ kind: 'accountAdd', accountId, sign: 1 });
      return ops;
    });

    const results = await settleAll(batches, CONCURRENCY, (ops) => this.execute(ops, context));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed === undefined) return;

    // Undo the batches that went through: restore each number as it was, and the count.
    const undo: WriteOp[][] = [];
    for (const result of results) {
      if (result.status !== 'fulfilled') continue;
      const written = result.value.filter((op) => op.kind === 'inventoryAdd');
      if (written.length > 0) undo.push(written);
    }
    await settleAll(undo, CONCURRENCY, (written) => this.undoInventoryAdd(accountId, written));
    throw (failed as PromiseRejectedResult).reason;
  }

  private async undoInventoryAdd(accountId: string, written: WriteOp[]): Promise<void> {
    for (const part of chunk(written, MAX_TRANSACTION_ITEMS - 1)) {
      const items: TransactItem[] = part.map((op) => {
        const { number, previous } = op as Extract<WriteOp, { kind: 'inventoryAdd' }>;
        const condition = {
          ConditionExpression: 'accountId = :account AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':account': accountId, ':active': 'active' },
        };
        return previous === null
          ? { Delete: { TableName: this.tableName, Key: key.inventory(number.e164), ...condition } }
          : { Put: { TableName: this.tableName, Item: this.inventoryItem(previous), ...condition } };
      });
      items.push(this.accountAddItem(accountId, -part.length));
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
    }
  }

  async getInventoryNumbers(e164s: string[]): Promise<Map<string, InventoryNumber>> {
    const items = await this.batchGet(unique(e164s).map(key.inventory));
    return new Map(items.map((item) => [item.e164 as string, toInventoryNumber(item)]));
  }

  listInventoryNumbers(accountId: string, page: PageRequest): Promise<Page<InventoryNumber>> {
    return this.queryIndex(BY_ACCOUNT, accountNumbersPk(accountId), true, page, toInventoryNumber);
  }

  async releaseInventoryNumbers(accountId: string, e164s: string[], at: string, chargesStopOn?: IsoDate): Promise<string[]> {
    const wanted = unique(e164s);
    if (wanted.length === 0) return [];
    const instant = new Date(at);
    if (Number.isNaN(instant.getTime())) throw new Error(`Release of account ${accountId}'s numbers: ${JSON.stringify(at)} is not an ISO instant`);
    const on = chargesStopOn ?? instant.toISOString().slice(0, 10);
    const existing = await this.getInventoryNumbers(wanted);
    const active = wanted.filter((e164) => {
      const number = existing.get(e164);
      return number?.status === 'active' && number.accountId === accountId;
    });
    const context: WriteContext = { orderId: '', takenAt: '', resource: 'account', resourceId: accountId };
    const batches = chunk(active, MAX_TRANSACTION_ITEMS - 1).map((batch): WriteOp[] => [
      ...batch.map((e164): WriteOp => ({ kind: 'inventoryRelease', e164, accountId, at, on })),
      { kind: 'accountAdd', accountId, sign: -1 },
    ]);
    // Each batch releases its numbers and lowers the count together; one changed meanwhile is dropped.
    const written = await runAll(batches, CONCURRENCY, (ops) => this.execute(ops, context));
    return written.flat().flatMap((op) => (op.kind === 'inventoryRelease' ? [op.e164] : []));
  }

  private inventoryItem(number: InventoryNumber): Item {
    return {
      ...number,
      ...key.inventory(number.e164),
      [BY_ACCOUNT.partitionKey]: accountNumbersPk(number.accountId),
      [BY_ACCOUNT.sortKey]: number.e164,
    };
  }

  private accountAddItem(accountId: string, delta: number): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: key.account(accountId),
        UpdateExpression: 'ADD activeNumberCount :delta',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':delta': delta },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  // ----- locks ----------------------------------------------------------------------------------------

  async getNumberLocks(e164s: string[]): Promise<Map<string, NumberLock>> {
    const locks = await this.readLocks(e164s);
    const stale = await this.staleLockOwners([...locks.values()]);
    for (const [e164, lock] of locks) if (stale.has(lock.orderId)) locks.delete(e164);
    return locks;
  }

  /** Every lock item, live or stale. */
  private async readLocks(e164s: string[]): Promise<Map<string, NumberLock>> {
    const items = await this.batchGet(unique(e164s).map(key.lock));
    return new Map(items.map((item) => [item.e164 as string, toLock(item)]));
  }

  /**
   * The order ids among the locks' owners whose locks are stale: the order (port-in header, or
   * port-out item for a lock of kind port_out) is in a final status, or it is missing and the lock is
   * older than ten minutes — an order whose creation failed between taking its locks and writing
   * its header. One batched read for both kinds.
   */
  private async staleLockOwners(locks: NumberLock[]): Promise<Set<string>> {
    if (locks.length === 0) return new Set();
    const ownerKey = (lock: NumberLock): Item => (lock.orderKind === 'port_out' ? key.portOut(lock.orderId) : key.orderHeader(lock.orderId));
    const ownerKeys = [...new Map(locks.map((lock) => [ownerKey(lock)[PK] as string, ownerKey(lock)])).values()];
    const owners = await this.batchGet(ownerKeys, {
      ProjectionExpression: '#id, #status',
      ExpressionAttributeNames: { '#id': 'id', '#status': 'status' },
    });
    const statusByPk = new Map(owners.map((owner) => [owner[PK] as string, owner.status as string]));
    const now = this.clock.now().getTime();
    const stale = new Set<string>();
    for (const lock of locks) {
      const status = statusByPk.get(ownerKey(lock)[PK] as string);
      if (status !== undefined) {
        const final =
          lock.orderKind === 'port_out' ? FINAL_PORT_OUT_STATUSES.includes(status as PortOutStatus) : isFinal(status as OrderStatus);
        if (final) stale.add(lock.orderId);
      } else if (lock.orderKind === 'port_in' || lock.orderKind === 'port_out') {
        const takenAt = Date.parse(lock.takenAt);
        if (!(now - takenAt < ORPHAN_LOCK_AGE_MS)) stale.add(lock.orderId);
      }
    }
    return stale;
  }

  // ----- orders --------------------------------------------------------------------------------------

  async saveOrder(change: OrderChange): Promise<void> {
    const { order, expectedVersion } = change;
    if (order.version !== (expectedVersion ?? 0) + 1) {
      throw new Error(`Order ${order.id}: version ${order.version} does not follow expected version ${expectedVersion}`);
    }
    const summaryLineCount = (order as Partial<PortInOrderSummary>).lineCount;
    if (summaryLineCount !== undefined && summaryLineCount !== order.lines.length) {
      // A list entry carries no lines: saving it would erase the order's numbers.
      throw new Error(`Order ${order.id}: a summary from listOrders cannot be saved; read the order with getOrder`);
    }
    const lock = unique(change.lock);
    const release = unique(change.release);
    const overlap = lock.filter((e164) => release.includes(e164));
    if (overlap.length > 0) throw new Error(`Order ${order.id}: ${overlap.join(', ')} both locked and released in one change`);

    const layout = layoutOrder(order);
    const previous: ChunkHashes =
      expectedVersion === null ? { lineChunks: [], issueChunks: [] } : await this.previousChunks(order.id, expectedVersion);

    const headerOp: WriteOp = { kind: 'header', item: this.headerWrite(order, layout, expectedVersion), bytes: 0 };
    headerOp.bytes = JSON.stringify(layout.header).length;
    const chunkOps = this.chunkWrites(order.id, layout, previous);
    const eventOps: WriteOp[] = change.events.map((event, index) => {
      const item = { ...event, orderId: order.id, ...key.event(order.id, event.at, order.version, index) };
      return {
        kind: 'event',
        bytes: JSON.stringify(item).length,
        item: { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      };
    });
    const releaseOps: WriteOp[] = release.map((e164) => ({ kind: 'release', e164 }));
    const activations = unique(change.activate?.numbers ?? []);
    const activateOps: WriteOp[] = change.activate
      ? activations.map((e164) => ({
          kind: 'activate',
          e164,
          accountId: (change.activate as { accountId: string }).accountId,
          activeSince: order.updatedAt,
        }))
      : [];
    const accountOps: WriteOp[] =
      change.activate && activations.length > 0 ? [{ kind: 'accountAdd', accountId: change.activate.accountId, sign: 1 }] : [];
    const outboxOps = this.outboxWrites(change.outbox ?? []);
    // Documents the change produced (the LOA): described with the change, so an order never names a
    // document that is not there, and a refused change leaves no document behind.
    const documentOps: WriteOp[] = (change.documents ?? []).map((document) => {
      const item = documentItem(document);
      return {
        kind: 'document',
        bytes: JSON.stringify(item).length,
        item: { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      };
    });

    const context: WriteContext = { orderId: order.id, orderKind: 'port_in', takenAt: order.updatedAt, resource: 'order', resourceId: order.id };
    const everything: WriteOp[] = [
      headerOp,
      ...eventOps,
      ...documentOps,
      ...outboxOps,
      ...chunkOps,
      ...lock.map((e164): WriteOp => ({ kind: 'lock', e164, reentrant: true, staleOwners: [] })),
      ...releaseOps,
      ...activateOps,
      ...accountOps,
    ];
    const bytes = everything.reduce((sum, op) => sum + opBytes(op), 0);
    if (everything.length <= MAX_TRANSACTION_ITEMS && bytes <= MAX_TRANSACTION_BYTES) {
      await this.execute(everything, context);
    } else {
      await this.saveInSteps(lock, [headerOp, ...eventOps, ...documentOps, ...outboxOps], chunkOps, [
        ...chunk(releaseOps, MAX_TRANSACTION_ITEMS),
        ...countedBatches(activateOps, 1),
      ], context);
    }
    this.rememberChunks(order.id, order.version, {
      lineChunks: layout.lineChunks.map((c) => c.hash),
      issueChunks: layout.issuePieces.map((p) => p.hash),
    });
  }

  /** Conditional puts of new outbox items, one per id (the first of duplicates). */
  private outboxWrites(items: readonly OutboxItem[]): WriteOp[] {
    const seen = new Set<string>();
    const ops: WriteOp[] = [];
    for (const item of items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const stored = outboxItem(item);
      ops.push({
        kind: 'outbox',
        id: item.id,
        bytes: outboxItemBytes(stored, (stored.messageGzip as Uint8Array | undefined)?.length ?? 0),
        item: { Put: { TableName: this.tableName, Item: stored, ConditionExpression: 'attribute_not_exists(pk)' } },
      });
    }
    return ops;
  }

  /**
   * The path for changes above one transaction (orders and port-outs): (a) take the locks, rolling
   * back on a conflict; (b) `headerAndEvents` (header, events, documents, outbox items) with as many
   * `fill` ops (order chunks) as fit, releasing (a)'s locks if the version moved on; (c) the `fill`
   * ops left and the `after` batches (releases, inventory changes with their count), each step safe
   * to repeat.
   */
  private async saveInSteps(
    lock: string[],
    headerAndEvents: WriteOp[],
    fill: WriteOp[],
    after: WriteOp[][],
    context: WriteContext,
  ): Promise<void> {
    // (b) must fit in one transaction: checked before anything is written.
    const headBytes = headerAndEvents.reduce((sum, op) => sum + opBytes(op), 0);
    if (headerAndEvents.length > MAX_TRANSACTION_ITEMS || headBytes > MAX_TRANSACTION_BYTES) {
      throw new Error(
        `${context.resource} ${context.resourceId}: the header with ${headerAndEvents.length - 1} events and outbox items (${headBytes} bytes) does not fit in one transaction`,
      );
    }

    // (a)
    const lockBatches = chunk(
      lock.map((e164): WriteOp => ({ kind: 'lock', e164, reentrant: false, staleOwners: [] })),
      MAX_TRANSACTION_ITEMS,
    );
    const lockResults = await settleAll(lockBatches, CONCURRENCY, (ops) => this.execute(ops, context));
    const taken = lockResults.flatMap((result) =>
      result.status === 'fulfilled' ? result.value.filter((op) => op.kind === 'lock').map((op) => (op as { e164: string }).e164) : [],
    );
    const lockFailures = lockResults.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (lockFailures.length > 0) {
      await this.releaseQuietly(taken, context);
      const conflict = lockFailures.find((failure) => failure.reason instanceof NumberConflictError);
      throw (conflict ?? lockFailures[0])?.reason;
    }

    // (b)
    const first: WriteOp[] = [...headerAndEvents];
    let firstBytes = first.reduce((sum, op) => sum + opBytes(op), 0);
    const rest: WriteOp[] = [];
    for (const op of fill) {
      if (first.length < MAX_TRANSACTION_ITEMS && firstBytes + opBytes(op) <= MAX_TRANSACTION_BYTES) {
        first.push(op);
        firstBytes += opBytes(op);
      } else {
        rest.push(op);
      }
    }
    try {
      await this.execute(first, context);
    } catch (error) {
      await this.releaseQuietly(taken, context);
      throw error;
    }

    // (c)
    await runAll([...packByLimits(rest), ...after], CONCURRENCY, (ops) => this.execute(ops, context));
  }

  private async releaseQuietly(e164s: string[], context: WriteContext): Promise<void> {
    const batches = chunk(
      e164s.map((e164): WriteOp => ({ kind: 'release', e164 })),
      MAX_TRANSACTION_ITEMS,
    );
    // Best effort: a lock left behind by a failed creation becomes stale after ten minutes.
    await settleAll(batches, CONCURRENCY, (ops) => this.execute(ops, context));
  }

  private headerWrite(order: PortInOrder, layout: OrderLayout, expectedVersion: number | null): TransactItem {
    const orderKey = key.orderHeader(order.id);
    if (expectedVersion === null) {
      return {
        Put: {
          TableName: this.tableName,
          Item: { ...layout.header, ...orderKey },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    }
    // An update SETs every attribute (attributes other writers add to the header survive).
    const names: Record<string, string> = { '#version': 'version' };
    const values: Item = { ':expected': expectedVersion };
    const sets = definedEntries(layout.header).map(([name, value], i) => {
      names[`#h${i}`] = name;
      values[`:h${i}`] = value;
      return `#h${i} = :h${i}`;
    });
    let expression = `SET ${sets.join(', ')}`;
    // Index keys the order no longer has are removed (one REMOVE clause for all).
    const removes: string[] = [];
    for (const index of [BY_CARRIER, BY_DUE]) {
      if (index.partitionKey in layout.header) continue;
      for (const name of [index.partitionKey, index.sortKey]) {
        names[`#r${removes.length}`] = name;
        removes.push(`#r${removes.length}`);
      }
    }
    if (removes.length > 0) expression += ` REMOVE ${removes.join(', ')}`;
    return {
      Update: {
        TableName: this.tableName,
        Key: orderKey,
        UpdateExpression: expression,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  private chunkWrites(orderId: string, layout: OrderLayout, previous: ChunkHashes): WriteOp[] {
    const ops: WriteOp[] = [];
    layout.lineChunks.forEach((lineChunk, index) => {
      if (previous.lineChunks[index] === lineChunk.hash) return;
      ops.push({
        kind: 'chunk',
        bytes: lineChunk.bytes + 100,
        item: {
          Put: {
            TableName: this.tableName,
            Item: { ...key.lineChunk(orderId, index), hash: lineChunk.hash, lines: lineChunk.lines },
          },
        },
      });
    });
    for (let index = layout.lineChunks.length; index < previous.lineChunks.length; index++) {
      ops.push({ kind: 'chunk', bytes: 100, item: { Delete: { TableName: this.tableName, Key: key.lineChunk(orderId, index) } } });
    }
    layout.issuePieces.forEach((piece, index) => {
      if (previous.issueChunks[index] === piece.hash) return;
      ops.push({
        kind: 'chunk',
        bytes: piece.data.length + 100,
        item: {
          Put: { TableName: this.tableName, Item: { ...key.issuePiece(orderId, index), hash: piece.hash, data: piece.data } },
        },
      });
    });
    for (let index = layout.issuePieces.length; index < previous.issueChunks.length; index++) {
      ops.push({ kind: 'chunk', bytes: 100, item: { Delete: { TableName: this.tableName, Key: key.issuePiece(orderId, index) } } });
    }
    return ops;
  }

  /** The chunk hashes stored with `expectedVersion` (cache, else one small GetItem). */
  private async previousChunks(orderId: string, expectedVersion: number): Promise<ChunkHashes> {
    const cached = this.chunkCache.get(orderId);
    if (cached !== undefined && cached.version === expectedVersion) return cached;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key.orderHeader(orderId),
        ConsistentRead: true,
        ProjectionExpression: '#version, lineChunks, issueChunks',
        ExpressionAttributeNames: { '#version': 'version' },
      }),
    );
    if (Item === undefined || Number(Item.version) !== expectedVersion) throw new ConcurrentModificationError('order', orderId);
    return { lineChunks: Item.lineChunks ?? [], issueChunks: Item.issueChunks ?? [] };
  }

  private rememberChunks(orderId: string, version: number, hashes: ChunkHashes): void {
    this.chunkCache.delete(orderId);
    this.chunkCache.set(orderId, { version, ...hashes });
    if (this.chunkCache.size > CHUNK_CACHE_SIZE) {
      const oldest = this.chunkCache.keys().next().value;
      if (oldest !== undefined) this.chunkCache.delete(oldest);
    }
  }

  async getOrder(id: string): Promise<PortInOrder | null> {
    // A Query is not isolated from a concurrent transaction: check the chunks against the header's
    // hashes and read again on a torn read.
    for (let attempt = 0; attempt < 3; attempt++) {
      const items: Item[] = [];
      let startKey: Item | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': `ORDER#${id}`, ':prefix': '#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);

      const bySk = new Map(items.map((item) => [item.sk as string, item]));
      const header = bySk.get('#ORDER');
      if (header === undefined) return null;
      const lineHashes: string[] = header.lineChunks ?? [];
      const issueHashes: string[] = header.issueChunks ?? [];
      const lineItems = lineHashes.map((hash, index) => {
        const item = bySk.get(key.lineChunk(id, index)[SK] as string);
        return item?.hash === hash ? item : null;
      });
      const issueItems = issueHashes.map((hash, index) => {
        const item = bySk.get(key.issuePiece(id, index)[SK] as string);
        return item?.hash === hash ? item : null;
      });
      if (lineItems.includes(null) || issueItems.includes(null)) {
        await sleep(backoffMs(attempt));
        continue;
      }
      const lines = lineItems.flatMap((item) => (item as Item).lines as PortInLine[]);
      const issues: ValidationResult =
        issueItems.length === 0
          ? header.issues
          : JSON.parse(gunzipSync(Buffer.concat(issueItems.map((item) => Buffer.from((item as Item).data)))).toString('utf8'));
      this.rememberChunks(id, Number(header.version), { lineChunks: lineHashes, issueChunks: issueHashes });
      return toOrder(header, lines, issues);
    }
    throw new Error(`Order ${id}: its line chunks do not match its header (read three times)`);
  }

  listOrders(filter: OrderListFilter, page: PageRequest): Promise<Page<PortInOrderSummary>> {
    const conditions: FilterCondition[] = [];
    if (filter.status !== undefined) conditions.push(equals('status', filter.status));
    if (filter.exception !== undefined) {
      // A cleared exception is stored as null: "has one" means a map is there.
      conditions.push({
        expression: filter.exception ? 'attribute_type(#exception, :map)' : 'NOT attribute_type(#exception, :map)',
        names: { '#exception': 'exception' },
        values: { ':map': 'M' },
      });
    }
    return this.listOwned('PORTIN', filter, conditions, page, toSummary);
  }

  listOrderEvents(orderId: string, page: PageRequest): Promise<Page<PortInEvent>> {
    return this.listEvents<PortInEvent>(`ORDER#${orderId}`, page);
  }

  /** The events of one item collection (an order's, a port-out's), oldest first. */
  private listEvents<E extends PortInEvent | PortOutEvent>(partition: string, page: PageRequest): Promise<Page<E>> {
    return this.queryPage(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': 'EVENT#' },
        ScanIndexForward: true,
      },
      page,
      { [PK]: partition },
      [PK, SK],
      (item) => toEvent<E>(item),
    );
  }

  // ----- port-outs -------------------------------------------------------------------------------------

  async savePortOut(change: PortOutChange): Promise<void> {
    const { portOut, expectedVersion } = change;
    if (portOut.version !== (expectedVersion ?? 0) + 1) {
      throw new Error(`Port-out ${portOut.id}: version ${portOut.version} does not follow expected version ${expectedVersion}`);
    }
    const lock = unique(change.lock);
    const release = unique(change.release);
    const overlap = lock.filter((e164) => release.includes(e164));
    if (overlap.length > 0) throw new Error(`Port-out ${portOut.id}: ${overlap.join(', ')} both locked and released in one change`);

    const item = portOutItem(portOut);
    const itemBytes = Buffer.byteLength(JSON.stringify(item));
    if (itemBytes > MAX_PORT_OUT_ITEM_BYTES) {
      throw new Error(`Port-out ${portOut.id} is ${itemBytes} bytes once stored (${portOut.lines.length} lines); the limit is ${MAX_PORT_OUT_ITEM_BYTES}`);
    }
    // The whole item is written each time (nothing else writes to it); an update only over the version read.
    const headerOp: WriteOp = {
      kind: 'header',
      bytes: itemBytes,
      item: {
        Put: {
          TableName: this.tableName,
          Item: item,
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        },
      },
    };
    const eventOps: WriteOp[] = change.events.map((event, index) => {
      const stored = { ...event, portOutId: portOut.id, ...key.portOutEvent(portOut.id, event.at, portOut.version, index) };
      return {
        kind: 'event',
        bytes: JSON.stringify(stored).length,
        item: { Put: { TableName: this.tableName, Item: stored, ConditionExpression: 'attribute_not_exists(pk)' } },
      };
    });
    const outboxOps = this.outboxWrites(change.outbox ?? []);
    const releaseOps: WriteOp[] = release.map((e164) => ({ kind: 'release', e164 }));
    const portedOut = change.portedOut;
    const portOutOps: WriteOp[] =
      portedOut === null
        ? []
        : unique(portedOut.numbers).map((e164) => ({
            kind: 'inventoryPortOut',
            e164,
            accountId: portedOut.accountId,
            at: portOut.updatedAt,
            on: portedOut.on,
          }));
    const accountOps: WriteOp[] =
      portedOut !== null && portOutOps.length > 0 ? [{ kind: 'accountAdd', accountId: portedOut.accountId, sign: -1 }] : [];

    const context: WriteContext = {
      orderId: portOut.id,
      orderKind: 'port_out',
      takenAt: portOut.updatedAt,
      resource: 'port-out',
      resourceId: portOut.id,
    };
    const everything: WriteOp[] = [
      headerOp,
      ...eventOps,
      ...outboxOps,
      ...lock.map((e164): WriteOp => ({ kind: 'lock', e164, reentrant: true, staleOwners: [] })),
      ...releaseOps,
      ...portOutOps,
      ...accountOps,
    ];
    const bytes = everything.reduce((sum, op) => sum + opBytes(op), 0);
    if (everything.length <= MAX_TRANSACTION_ITEMS && bytes <= MAX_TRANSACTION_BYTES) {
      await this.execute(everything, context);
    } else {
      await this.saveInSteps(lock, [headerOp, ...eventOps, ...outboxOps], [], [
        ...chunk(releaseOps, MAX_TRANSACTION_ITEMS),
        ...countedBatches(portOutOps, -1),
      ], context);
    }
  }

  async getPortOut(id: string): Promise<PortOutRequest | null> {
    const item = await this.getItem(key.portOut(id));
    return item ? toPortOut(item) : null;
  }

  /** By account, else by carrier, else all; a second of accountId / carrierId (and the status) filters the first's list. */
  listPortOuts(filter: PortOutListFilter, page: PageRequest): Promise<Page<PortOutRequest>> {
    const conditions: FilterCondition[] = [];
    if (filter.status !== undefined) conditions.push(equals('status', filter.status));
    if (filter.accountId !== undefined && filter.carrierId !== undefined) conditions.push(equals('carrierId', filter.carrierId));
    return this.listOwned('PORTOUT', filter, conditions, page, toPortOut);
  }

  listPortOutEvents(portOutId: string, page: PageRequest): Promise<Page<PortOutEvent>> {
    return this.listEvents<PortOutEvent>(`PORTOUT#${portOutId}`, page);
  }

  // ----- the due index -------------------------------------------------------------------------------

  async listDue(queue: DueQueue, now: Date, page: PageRequest): Promise<Page<DueItem>> {
    const result = await this.queryIndex(BY_DUE, duePartition(queue), true, page, toDueItem, {
      KeyConditionExpression: '#ipk = :ipk AND #dueAt <= :now',
      ExpressionAttributeNames: { '#dueAt': BY_DUE.sortKey },
      ExpressionAttributeValues: { ':now': now.toISOString() },
    });
    // An item of a kind this adapter does not know is skipped, not allowed to stop the check.
    return { items: result.items.filter((item): item is DueItem => item !== null), nextCursor: result.nextCursor };
  }

  /**
   * Sets (or, with null, clears) the account's place in the deadline queue. A mark is a change to the
   * record: it increments `version`, so an updateAccount from an earlier read cannot undo it.
   */
  async setAccountDue(
    accountId: string,
    dueAt: string | null,
    marks: Partial<Pick<AccountRecord, 'terminationWarnedAt' | 'numbersReleasedAt'>> = {},
  ): Promise<void> {
    const due = dueAttributes('deadline', dueAt, `Account ${accountId}`);
    const names: Record<string, string> = {};
    const values: Item = {};
    const sets: string[] = [];
    const set = (name: string, value: unknown): void => {
      const i = sets.length;
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    };
    for (const [name, value] of Object.entries(due.set)) set(name, value);
    const marked = definedEntries(marks).filter(([name]) => name === 'terminationWarnedAt' || name === 'numbersReleasedAt');
    for (const [name, value] of marked) set(name, value);
    if (marked.length > 0) {
      names['#version'] = 'version';
      values[':one'] = 1;
      sets.push('#version = #version + :one');
    }
    const removes = due.remove.map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    const clauses = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''];
    names['#pk'] = PK;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key.account(accountId),
          UpdateExpression: clauses.filter((clause) => clause !== '').join(' '),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') throw new NotFoundError('account', accountId);
      throw error;
    }
  }

  // ----- outbox --------------------------------------------------------------------------------------

  async putOutbox(items: OutboxItem[]): Promise<string[]> {
    // Every item is checked before any is written.
    const byId = new Map<string, Item>();
    for (const item of items) if (!byId.has(item.id)) byId.set(item.id, outboxItem(item));
    const created = await runAll([...byId.entries()], CONCURRENCY, async ([id, stored]) => {
      try {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: stored, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return id;
      } catch (error) {
        if (errorName(error) === 'ConditionalCheckFailedException') return null; // created before
        throw error;
      }
    });
    return created.filter((id): id is string => id !== null);
  }

  async getOutbox(id: string): Promise<OutboxItem | null> {
    const item = await this.getItem(key.outbox(id));
    return item ? toOutbox(item) : null;
  }

  async recordDelivery(
    item: OutboxItem,
    attempt: DeliveryAttempt,
    next: Pick<OutboxItem, 'status' | 'nextAttemptAt' | 'deliveredAt'>,
  ): Promise<boolean> {
    const due = dueAttributes('outbox', outboxDueAt(next), `Outbox item ${item.id}`);
    const names: Record<string, string> = {
      '#attempts': 'attempts',
      '#status': 'status',
      '#nextAttemptAt': 'nextAttemptAt',
      '#deliveredAt': 'deliveredAt',
    };
    const values: Item = {
      ':attempt': [attempt],
      ':seen': item.attempts.length,
      ':status': next.status,
      ':nextAttemptAt': next.nextAttemptAt ?? null,
      ':deliveredAt': next.deliveredAt ?? null,
    };
    const sets = [
      '#attempts = list_append(#attempts, :attempt)',
      '#status = :status',
      '#nextAttemptAt = :nextAttemptAt',
      '#deliveredAt = :deliveredAt',
    ];
    Object.entries(due.set).forEach(([name, value], i) => {
      names[`#d${i}`] = name;
      values[`:d${i}`] = value;
      sets.push(`#d${i} = :d${i}`);
    });
    const removes = due.remove.map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key.outbox(item.id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          // size() of a missing list is false, so an item that vanished fails the condition too.
          ConditionExpression: 'size(#attempts) = :seen',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  listOutbox(filter: { subjectId?: string; status?: OutboxItem['status'] }, page: PageRequest): Promise<Page<OutboxItem>> {
    const extra: Partial<QueryCommandInput> =
      filter.status === undefined
        ? {}
        : {
            FilterExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': filter.status },
          };
    if (filter.subjectId !== undefined) {
      return this.queryIndex(BY_ACCOUNT, outboxSubjectPk(filter.subjectId), false, page, toOutbox, extra);
    }
    return this.queryIndex(BY_KIND, 'OUTBOX', false, page, toOutbox, extra);
  }

  // ----- workflow waits --------------------------------------------------------------------------------

  async getWorkflowWait(orderId: string): Promise<WorkflowWait | null> {
    const item = await this.getItem(key.workflowWait(orderId));
    return item ? toWorkflowWait(item) : null;
  }

  async putWorkflowWait(wait: WorkflowWait): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...wait, transferDate: wait.transferDate ?? null, ...key.workflowWait(wait.orderId) } }),
    );
  }

  async clearWorkflowWait(orderId: string, taskToken: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key.workflowWait(orderId),
          ConditionExpression: 'taskToken = :token',
          ExpressionAttributeValues: { ':token': taskToken },
        }),
      );
    } catch (error) {
      // Another step waits now (or nothing does): not ours to remove.
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }

  // ----- idempotency ---------------------------------------------------------------------------------

  async beginIdempotent(scope: string, idempotencyKey: string, requestHash: string): Promise<IdempotencyRecord | null> {
    const itemKey = key.idempotency(scope, idempotencyKey);
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Math.floor(this.clock.now().getTime() / 1000);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...itemKey,
              scope,
              key: idempotencyKey,
              state: 'in_progress',
              requestHash,
              response: null,
              [TABLE_KEYS.timeToLive]: now + IDEMPOTENCY_TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now',
            ExpressionAttributeNames: { '#expiresAt': TABLE_KEYS.timeToLive },
            ExpressionAttributeValues: { ':now': now },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return null;
      } catch (error) {
        if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
        const old = fromRawItem((error as { Item?: unknown }).Item) ?? (await this.getItem(itemKey));
        if (old !== null) return toIdempotencyRecord(old);
        // Abandoned in between: try again.
      }
    }
    throw new ConcurrentModificationError('idempotency key', idempotencyKey);
  }

  async completeIdempotent(
    scope: string,
    idempotencyKey: string,
    response: NonNullable<IdempotencyRecord['response']>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key.idempotency(scope, idempotencyKey),
          UpdateExpression: 'SET #state = :done, #response = :response',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
          ExpressionAttributeValues: { ':done': 'done', ':response': storedResponse(response) },
        }),
      );
    } catch (error) {
      // The record was abandoned or expired meanwhile: nothing left to complete.
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async abandonIdempotent(scope: string, idempotencyKey: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key.idempotency(scope, idempotencyKey) }));
  }

  // ----- plumbing --------------------------------------------------------------------------------------

  private async getItem(itemKey: Item): Promise<Item | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }));
    return Item ?? null;
  }

  /** Strongly consistent BatchGetItem, 100 keys a request, retrying unprocessed keys. */
  private async batchGet(
    keys: Item[],
    projection?: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> },
  ): Promise<Item[]> {
    const pages = await runAll(chunk(keys, MAX_BATCH_GET_KEYS), CONCURRENCY, async (batch) => {
      const found: Item[] = [];
      let pending: Item[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(backoffMs(attempt));
        if (attempt > 10) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`);
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ...(projection
                  ? {
                      ProjectionExpression: `${projection.ProjectionExpression}, pk, sk`,
                      ExpressionAttributeNames: projection.ExpressionAttributeNames,
                    }
                  : {}),
              },
            },
          }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = (result.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
      }
      return found;
    });
    return pages.flat();
  }

  private renderOp(op: WriteOp, ops: readonly WriteOp[], context: WriteContext): TransactItem | null {
    const TableName = this.tableName;
    switch (op.kind) {
      case 'header':
      case 'event':
      case 'chunk':
      case 'document':
      case 'outbox':
        return op.item;
      case 'lock': {
        if (context.orderKind === undefined) throw new Error(`A lock of ${op.e164} written without an order kind (${context.resource} ${context.resourceId})`);
        const values: Item = {};
        const alternatives = ['attribute_not_exists(pk)'];
        if (op.reentrant) {
          alternatives.push('orderId = :me');
          values[':me'] = context.orderId;
        }
        op.staleOwners.forEach((owner, i) => {
          alternatives.push(`orderId = :stale${i}`);
          values[`:stale${i}`] = owner;
        });
        return {
          Put: {
            TableName,
            Item: { ...key.lock(op.e164), e164: op.e164, orderId: context.orderId, orderKind: context.orderKind, takenAt: context.takenAt },
            ConditionExpression: alternatives.join(' OR '),
            ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      }
      case 'release':
        return {
          Delete: {
            TableName,
            Key: key.lock(op.e164),
            ConditionExpression: 'attribute_not_exists(pk) OR orderId = :me',
            ExpressionAttributeValues: { ':me': context.orderId },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      case 'activate':
        return {
          Put: {
            TableName,
            Item: this.inventoryItem({
              e164: op.e164,
              accountId: op.accountId,
              origin: 'ported_in',
              status: 'active',
              activeSince: op.activeSince,
              portOutId: null,
              chargesStopOn: null,
              portedOutAt: null,
            }),
            ConditionExpression: 'attribute_not_exists(pk) OR #status <> :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':active': 'active' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      case 'inventoryAdd':
        return {
          Put: {
            TableName,
            Item: this.inventoryItem(op.number),
            ...(op.previous === null
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  // Unchanged since it was read (ported out or released: never active).
                  ConditionExpression: '#status = :previous AND #status <> :active',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':previous': op.previous.status, ':active': 'active' },
                }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      case 'inventoryRelease':
        return {
          Update: {
            TableName,
            Key: key.inventory(op.e164),
            UpdateExpression: 'SET #status = :released, portedOutAt = :at, chargesStopOn = :on',
            ConditionExpression: 'accountId = :account AND #status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':released': 'released', ':at': op.at, ':on': op.on, ':account': op.accountId, ':active': 'active' },
          },
        };
      case 'inventoryPortOut':
        return {
          Update: {
            TableName,
            Key: key.inventory(op.e164),
            UpdateExpression: 'SET #status = :portedOut, portOutId = :portOut, portedOutAt = :at, chargesStopOn = :on',
            ConditionExpression: 'accountId = :account AND #status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':portedOut': 'ported_out',
              ':portOut': context.orderId,
              ':at': op.at,
              ':on': op.on,
              ':account': op.accountId,
              ':active': 'active',
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      case 'lockFree': {
        const values: Item = {};
        const alternatives = ['attribute_not_exists(pk)'];
        op.staleOwners.forEach((owner, i) => {
          alternatives.push(`orderId = :stale${i}`);
          values[`:stale${i}`] = owner;
        });
        return {
          ConditionCheck: {
            TableName,
            Key: key.lock(op.e164),
            ConditionExpression: alternatives.join(' OR '),
            ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      }
      case 'accountAdd': {
        const count = countingOps(ops);
        return count === 0 ? null : this.accountAddItem(op.accountId, op.sign * count);
      }
    }
  }

  /**
   * Writes `ops` in one TransactWriteItems, resolving what can be resolved and retrying: a lock
   * already ours or already released, an activation already done, a stale lock to take over. Throws
   * the domain error otherwise. Returns the operations actually written.
   */
  private async execute(initial: WriteOp[], context: WriteContext): Promise<WriteOp[]> {
    let ops = [...initial];
    for (let round = 0; round < 5; round++) {
      const rendered = ops
        .map((op) => ({ op, item: this.renderOp(op, ops, context) }))
        .filter((entry): entry is { op: WriteOp; item: TransactItem } => entry.item !== null);
      if (rendered.every((entry) => entry.op.kind === 'accountAdd')) return [];
      const failures = await this.transact(rendered);
      if (failures === null) return rendered.map((entry) => entry.op);

      if (failures.some((f) => f.op.kind === 'header' || f.op.kind === 'event' || f.op.kind === 'document' || f.code === 'TransactionConflict')) {
        throw new ConcurrentModificationError(context.resource, context.resourceId);
      }
      const drop = new Set<WriteOp>();
      const contested: { op: Extract<WriteOp, { kind: 'lock' | 'lockFree' }>; lock: NumberLock }[] = [];
      for (const failure of failures) {
        const { op } = failure;
        switch (op.kind) {
          case 'accountAdd':
            throw new NotFoundError('account', op.accountId);
          case 'release':
            drop.add(op); // the lock is gone or was never this order's
            break;
          case 'outbox':
            drop.add(op); // created before (its id is deterministic): a message goes out once
            break;
          case 'inventoryRelease':
            drop.add(op); // no longer active on this account: nothing to release
            break;
          case 'inventoryPortOut':
            // Ported out by this port-out already (a step repeated): done. Otherwise it is no longer active on
            // the account (released meanwhile): it left us already, nothing to port out and not counted.
            drop.add(op);
            break;
          case 'activate':
            if (failure.old?.status === 'active' && failure.old.accountId === op.accountId) drop.add(op);
            else throw new InventoryConflictError(op.e164);
            break;
          case 'inventoryAdd':
            if (failure.old?.status === 'active') throw new InventoryConflictError(op.number.e164);
            throw new ConcurrentModificationError('number', op.number.e164);
          case 'lock':
          case 'lockFree': {
            const old = failure.old ?? (await this.getItem(key.lock(op.e164)));
            if (old === null) break; // released meanwhile: try again
            const holder = toLock(old);
            if (holder.orderId === context.orderId && op.kind === 'lock') {
              if (!op.reentrant) drop.add(op); // ours already: not taken by this call
              break;
            }
            contested.push({ op, lock: holder });
            break;
          }
          default:
            throw new Error(`Unexpected ${failure.code} on a ${op.kind} write of ${context.resource} ${context.resourceId}`);
        }
      }
      if (contested.length > 0) {
        const stale = await this.staleLockOwners(contested.map((c) => c.lock));
        const live = contested.find((c) => !stale.has(c.lock.orderId));
        if (live !== undefined) throw new NumberConflictError(live.op.e164, live.lock.orderId);
        for (const { op, lock } of contested) {
          if (!op.staleOwners.includes(lock.orderId)) op.staleOwners.push(lock.orderId);
        }
      }
      ops = ops.filter((op) => !drop.has(op));
    }
    throw new ConcurrentModificationError(context.resource, context.resourceId);
  }

  /** One TransactWriteItems; null on success, else the failed operations. Retries conflicts. */
  private async transact(entries: { op: WriteOp; item: TransactItem }[]): Promise<Failure[] | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new TransactWriteCommand({ TransactItems: entries.map((e) => e.item), ClientRequestToken: randomUUID() }),
        );
        return null;
      } catch (error) {
        if (errorName(error) !== 'TransactionCanceledException') throw error;
        const reasons = (error as { CancellationReasons?: { Code?: string; Item?: unknown }[] }).CancellationReasons ?? [];
        const failures: Failure[] = [];
        let retryable = false;
        reasons.forEach((reason, index) => {
          const entry = entries[index];
          const code = reason.Code ?? 'None';
          if (code === 'None' || entry === undefined) return;
          if (code === 'TransactionConflict' || code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded') {
            retryable = true;
            return;
          }
          if (code !== 'ConditionalCheckFailed') throw error;
          failures.push({ op: entry.op, code, old: fromRawItem(reason.Item) });
        });
        if (failures.length > 0) return failures;
        if (!retryable) throw error;
        if (attempt >= 6) return entries.slice(0, 1).map((entry) => ({ op: entry.op, code: 'TransactionConflict', old: null }));
        await sleep(backoffMs(attempt));
      }
    }
  }

  /**
   * A kind's list, newest first: the account's when one is named, else the carrier's, else every item
   * of the kind; `conditions` filter the list chosen.
   */
  private listOwned<T>(
    kind: keyof typeof OWNED_LISTS,
    owner: { accountId?: string; carrierId?: string },
    conditions: FilterCondition[],
    page: PageRequest,
    map: (item: Item) => T,
  ): Promise<Page<T>> {
    const extra = filterInput(conditions);
    if (owner.accountId !== undefined) return this.queryIndex(BY_ACCOUNT, OWNED_LISTS[kind].account(owner.accountId), false, page, map, extra);
    if (owner.carrierId !== undefined) return this.queryIndex(BY_CARRIER, OWNED_LISTS[kind].carrier(owner.carrierId), false, page, map, extra);
    return this.queryIndex(BY_KIND, kind, false, page, map, extra);
  }

  /** A page of an index partition, with opaque cursors checked against the partition. */
  private queryIndex<T>(
    index: IndexDefinition,
    partition: string,
    ascending: boolean,
    page: PageRequest,
    map: (item: Item) => T,
    extra: Partial<QueryCommandInput> = {},
  ): Promise<Page<T>> {
    return this.queryPage(
      {
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#ipk = :ipk',
        ...extra,
        ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#ipk': index.partitionKey },
        ExpressionAttributeValues: { ...extra.ExpressionAttributeValues, ':ipk': partition },
        ScanIndexForward: ascending,
      },
      page,
      { [index.partitionKey]: partition },
      [PK, SK, index.partitionKey, index.sortKey],
      map,
    );
  }

  private async queryPage<T>(
    input: QueryCommandInput,
    page: PageRequest,
    fixed: Record<string, string>,
    keyNames: string[],
    map: (item: Item) => T,
  ): Promise<Page<T>> {
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(page.limit) || 1));
    let startKey: Item | undefined = page.cursor === null || page.cursor === undefined ? undefined : decodeCursor(page.cursor, keyNames, fixed, MAX_CURSOR_LENGTH);
    const items: Item[] = [];
    let nextKey: Item | undefined;
    for (let queries = 1; ; queries++) {
      const room = limit - items.length;
      const result = await this.client.send(
        new QueryCommand({
          ...input,
          ExclusiveStartKey: startKey,
          Limit: input.FilterExpression === undefined ? room : Math.max(room, 100),
        }),
      );
      const found = result.Items ?? [];
      items.push(...found.slice(0, room));
      if (found.length > room) {
        nextKey = cursorKey(items.at(-1) as Item, keyNames);
        break;
      }
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
      if (items.length === limit) {
        nextKey = cursorKey(items.at(-1) as Item, keyNames);
        break;
      }
      if (queries >= MAX_QUERIES_PER_PAGE) {
        nextKey = startKey;
        break;
      }
    }
    return { items: items.map(map), nextCursor: nextKey === undefined ? null : encodeCursor(nextKey) };
  }
}

/** One condition of a list's FilterExpression, with the attribute names and values it uses. */
interface FilterCondition {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** `attribute` equals `value` (placeholders named after the attribute). */
const equals = (attribute: string, value: unknown): FilterCondition => ({
  expression: `#${attribute} = :${attribute}`,
  names: { [`#${attribute}`]: attribute },
  values: { [`:${attribute}`]: value },
});

/** A list query's FilterExpression from its conditions (all must hold); nothing when there are none. */
function filterInput(conditions: FilterCondition[]): Partial<QueryCommandInput> {
  return conditions.length === 0
    ? {}
    : {
        FilterExpression: conditions.map((condition) => condition.expression).join(' AND '),
        ExpressionAttributeNames: Object.assign({}, ...conditions.map((condition) => condition.names)),
        ExpressionAttributeValues: Object.assign({}, ...conditions.map((condition) => condition.values)),
      };
}

/** Inventory ops (of one account) in transactions, each with the account's count changed by as many. */
function countedBatches(ops: WriteOp[], sign: 1 | -1): WriteOp[][] {
  return chunk(ops, MAX_TRANSACTION_ITEMS - 1).map((batch): WriteOp[] => [
    ...batch,
    { kind: 'accountAdd', accountId: (batch[0] as { accountId: string }).accountId, sign },
  ]);
}

function packByLimits(ops: WriteOp[]): WriteOp[][] {
  const batches: WriteOp[][] = [];
  let current: WriteOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    if (current.length === MAX_TRANSACTION_ITEMS || (current.length > 0 && bytes + opBytes(op) > MAX_TRANSACTION_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(op);
    bytes += opBytes(op);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function storedResponse(response: NonNullable<IdempotencyRecord['response']>): Item {
  if (Buffer.byteLength(response.body) <= MAX_PLAIN_RESPONSE_BODY) return response;
  const bodyGzip = gzipSync(response.body);
  if (bodyGzip.length > MAX_STORED_RESPONSE_BYTES) {
    throw new Error(`Response of ${Buffer.byteLength(response.body)} bytes is too large to keep for idempotent replay`);
  }
  return { statusCode: response.statusCode, headers: response.headers, bodyGzip: new Uint8Array(bodyGzip) };
}

function toIdempotencyRecord(item: Item): IdempotencyRecord {
  const stored = item.response as Item | null | undefined;
  let response: IdempotencyRecord['response'] = null;
  if (stored !== null && stored !== undefined) {
    const body =
      stored.bodyGzip !== undefined ? gunzipSync(Buffer.from(stored.bodyGzip as Uint8Array)).toString('utf8') : String(stored.body ?? '');
    response = { statusCode: Number(stored.statusCode), headers: stored.headers ?? {}, body };
  }
  return { requestHash: item.requestHash, state: item.state, response };
}
