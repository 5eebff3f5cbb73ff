// Ports: what the use cases need from the outside world. Adapters (DynamoDB, the clock) implement
// them; tests can pass fakes without module mocking.
import type { IsoDate, Market, PlanPrices, PortInEvent, PortInOrder, OrderStatus } from '../rules/types.ts';

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
  status: 'active' | 'ported_out';
  /** When it became active (ISO instant). */
  activeSince: string;
  portedOutAt: string | null;
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
}

export type PortInOrderSummary = PortInOrder & { lineCount: number };

export interface OrderListFilter {
  accountId?: string;
  carrierId?: string;
  status?: OrderStatus;
}

export interface IdempotencyRecord {
  requestHash: string;
  state: 'in_progress' | 'done';
  response: { statusCode: number; headers: Record<string, string>; body: string } | null;
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

  /** Batched lookup of live locks (stale ones, held by a final or vanished order, are not returned). */
  getNumberLocks(e164s: string[]): Promise<Map<string, NumberLock>>;

  /** Throws NumberConflictError (naming the other order) or ConcurrentModificationError. */
  saveOrder(change: OrderChange): Promise<void>;
  /** One Query for the header and its line chunks. */
  getOrder(id: string): Promise<PortInOrder | null>;
  /** Headers only (`lines` empty; an order may hold thousands of numbers) with their number count. */
  listOrders(filter: OrderListFilter, page: PageRequest): Promise<Page<PortInOrderSummary>>;
  listOrderEvents(orderId: string, page: PageRequest): Promise<Page<PortInEvent>>;

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
