// Page cursors of the single table's lists: the key of the last item returned (table and index key
// attributes), as base64url JSON. A cursor coming back is checked before it reaches DynamoDB: the
// list's key names only, each a non-empty string, and the list's fixed values (its partition), so a
// forged cursor or one from another list is refused.
import { DomainError } from '../../rules/errors.ts';

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
