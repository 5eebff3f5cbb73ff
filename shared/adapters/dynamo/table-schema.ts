// The single table's key schema and indexes: one definition used by CDK and by the local runtime
// and tests when they create the table, so the two can never drift apart.

export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Attributes copied into the index; absent: ALL. KEYS_ONLY: the table and index keys only. */
  projection?: 'ALL' | 'KEYS_ONLY';
}

/**
 * - byAccount: an account's orders, newest first (gsi1pk = ACCOUNT#<id>#PORTIN, gsi1sk = createdAt#id);
 *   also an account's numbers (ACCOUNT#<id>#NUMBERS) and the outbox by subject (OUTBOX#SUBJECT#<id>).
 * - byCarrier: a losing carrier's orders (gsi2pk = CARRIER#<id>#PORTIN).
 * - byKind: every item of a kind for the operator's lists (gsi3pk = PORTIN | ACCOUNT | CARRIER | OUTBOX).
 * - byDue: sparse; only items with pending work carry duePk/dueAt (duePk = DUE#deadline for orders and
 *   accounts with a deadline, DUE#outbox for undelivered messages). Keys only: the scheduled check
 *   reads tiny index items and fetches what it acts on.
 */
export const TABLE_INDEXES: readonly IndexDefinition[] = [
  { name: 'byAccount', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { name: 'byCarrier', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  { name: 'byKind', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  { name: 'byDue', partitionKey: 'duePk', sortKey: 'dueAt', projection: 'KEYS_ONLY' },
];

/** The index of that name; throws when table-schema.ts has none. */
export function indexNamed(name: string): IndexDefinition {
  const index = TABLE_INDEXES.find((candidate) => candidate.name === name);
  if (index === undefined) throw new Error(`table-schema.ts has no index ${name}`);
  return index;
}
