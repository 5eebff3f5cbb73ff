// The single table's key schema and indexes: one definition used by CDK and by the local runtime
// and tests when they create the table, so the two can never drift apart.

export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
}

/**
 * - byAccount: an account's orders, newest first (gsi1pk = ACCOUNT#<id>#PORTIN, gsi1sk = createdAt#id).
 * - byCarrier: a losing carrier's orders (gsi2pk = CARRIER#<id>#PORTIN).
 * - byKind: every item of a kind for the operator's lists (gsi3pk = PORTIN | ACCOUNT | CARRIER).
 * - byDue: sparse; only items with a pending deadline carry duePk/dueAt (the scheduled check's index).
 */
export const TABLE_INDEXES: readonly IndexDefinition[] = [
  { name: 'byAccount', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { name: 'byCarrier', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  { name: 'byKind', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  { name: 'byDue', partitionKey: 'duePk', sortKey: 'dueAt' },
];
