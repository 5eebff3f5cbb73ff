// Page cursors of the single table's lists: the key of the last item returned (table and index key
// attributes), as base64url JSON. A cursor coming back is checked before it reaches DynamoDB: the
// list's key names only, each a non-empty string, and the list's fixed values (its partition), so a
// forged cursor or one from another list is refused.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../../app/ports.ts';
import { DomainError } from '../../rules/errors.ts';
import { TABLE_KEYS, type IndexDefinition } from './table-schema.ts';

type Item = Record<string, any>;

/** A page cursor that this API did not hand out (or that belongs to another list). */
export class InvalidCursorError extends DomainError {
  readonly code = 'invalid_cursor';
  constructor() {
    super('The cursor is not valid: pass back the nextCursor of the previous page unchanged, or omit it for the first page.');
  }
}

/** The key a cursor after `item` carries: its `keyNames` attributes. */
export function cursorKey(item: Item, keyNames: readonly string[]): Item {
  return Object.fromEntries(keyNames.map((name) => [name, item[name]]));
}

export function encodeCursor(lastKey: Item): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

/** The ExclusiveStartKey a cursor stands for; InvalidCursorError unless it is one this list handed out. */
export function decodeCursor(cursor: string, keyNames: readonly string[], fixed: Record<string, string>, maxLength: number): Item {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) throw new InvalidCursorError();
  const entries = Object.entries(decoded as Record<string, unknown>);
  const expected = new Set(keyNames);
  if (entries.length !== expected.size || entries.some(([name, value]) => !expected.has(name) || typeof value !== 'string' || value === '')) {
    throw new InvalidCursorError();
  }
  for (const [name, value] of Object.entries(fixed)) {
    if ((decoded as Record<string, unknown>)[name] !== value) throw new InvalidCursorError();
  }
  return decoded as Item;
}

/** Page sizes and cursor lengths of the stores' own lists (webhooks, documents, inbound emails). */
export const STORE_MAX_PAGE_SIZE = 100;
export const STORE_MAX_CURSOR_LENGTH = 2048;

/**
 * One page of an index partition, the way every store lists: one more item than asked is read, so
 * a full last page says so instead of pointing at an empty one; the cursor is the last item's
 * table and index key.
 */
export async function queryIndexPage<T>(
  client: DynamoDBDocumentClient,
  input: {
    tableName: string;
    index: IndexDefinition;
    partition: string;
    /** Oldest first (true) or newest first (false), by the index's sort key. */
    forward: boolean;
    page: PageRequest;
    map: (item: Item) => T;
  },
): Promise<Page<T>> {
  const { index, partition, page } = input;
  const keyNames = [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, index.partitionKey, index.sortKey];
  const limit = Math.min(STORE_MAX_PAGE_SIZE, Math.max(1, Math.floor(page.limit) || 1));
  const result = await client.send(
    new QueryCommand({
      TableName: input.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#ipk = :ipk',
      ExpressionAttributeNames: { '#ipk': index.partitionKey },
      ExpressionAttributeValues: { ':ipk': partition },
      ScanIndexForward: input.forward,
      Limit: limit + 1,
      ExclusiveStartKey: page.cursor ? decodeCursor(page.cursor, keyNames, { [index.partitionKey]: partition }, STORE_MAX_CURSOR_LENGTH) : undefined,
    }),
  );
  const items = result.Items ?? [];
  const pageItems = items.slice(0, limit);
  const last = pageItems.at(-1);
  return {
    items: pageItems.map(input.map),
    nextCursor: items.length > limit && last !== undefined ? encodeCursor(cursorKey(last, keyNames)) : null,
  };
}
