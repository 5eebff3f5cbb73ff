// The InboundEmailStore port on the single table, beside the Repository's items.
//
//   Inbound email    INBOUND#<id>                         / INBOUND
//                      byKind    INBOUND#<status>, <receivedAt>#<id>   (the operator's list by status,
//                                                                       moved with every status change)
//                      byAccount INBOUND, <receivedAt>#<id>            (every message, whatever its status)
//   Message-ID guard INBOUND-MSGID#<sha256 hex of the lower-cased Message-ID> / INBOUND-MSGID
//                      inboundId: the record that holds the Message-ID
//
// A claim writes the record and its Message-ID guard in one transaction, each conditional on not
// existing: the same bytes (same id) or the same Message-ID with other bytes (same guard) delivered
// twice are one message. Records are never deleted (nothing is dropped); the raw message stays in
// the blob store under `rawKey`.
import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { InboundEmailRecord, InboundEmailStatus, InboundEmailStore, Page, PageRequest } from '../../app/ports.ts';
import { ConcurrentModificationError } from '../../rules/errors.ts';
import { queryIndexPage } from './cursor.ts';
import { indexNamed, TABLE_KEYS } from './table-schema.ts';

type Item = Record<string, any>;

const PK = TABLE_KEYS.partitionKey;
const SK = TABLE_KEYS.sortKey;

const BY_KIND = indexNamed('byKind');
const BY_ACCOUNT = indexNamed('byAccount');

const CONFLICT_RETRIES = 5;

const recordKey = (id: string) => ({ [PK]: `INBOUND#${id}`, [SK]: 'INBOUND' });
const messageIdKey = (messageId: string) => ({ [PK]: `INBOUND-MSGID#${messageIdHash(messageId)}`, [SK]: 'INBOUND-MSGID' });
const statusPartition = (status: InboundEmailStatus) => `INBOUND#${status}`;
const ALL_PARTITION = 'INBOUND';

/** Message-IDs compare case-insensitively here (mail systems rewrite the case of the domain part). */
export function messageIdHash(messageId: string): string {
  return createHash('sha256').update(messageId.trim().replace(/^<|>$/g, '').toLowerCase()).digest('hex');
}

/** Attributes the store manages; never part of the record handed back. */
const STORE_ATTRIBUTES = new Set([PK, SK, BY_KIND.partitionKey, BY_KIND.sortKey, BY_ACCOUNT.partitionKey, BY_ACCOUNT.sortKey]);

function toItem(record: InboundEmailRecord): Item {
  const sortKey = `${record.receivedAt}#${record.id}`;
  return {
    ...record,
    ...recordKey(record.id),
    [BY_KIND.partitionKey]: statusPartition(record.status),
    [BY_KIND.sortKey]: sortKey,
    [BY_ACCOUNT.partitionKey]: ALL_PARTITION,
    [BY_ACCOUNT.sortKey]: sortKey,
  };
}

/**
 * The stored record. Fields a newer writer added (e.g. the use case's `applying` and `decision`)
 * come back as they were stored: the record is one document, not a list of known columns.
 */
function toRecord(item: Item): InboundEmailRecord {
  const record: Item = {};
  for (const [name, value] of Object.entries(item)) if (!STORE_ATTRIBUTES.has(name)) record[name] = value;
  return record as InboundEmailRecord;
}

function cancellationCodes(error: unknown): string[] | null {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return null;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoInboundEmailStore implements InboundEmailStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(record: InboundEmailRecord): Promise<{ created: true } | { created: false; existing: InboundEmailRecord }> {
    const notExists = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName: this.tableName, Item: toItem(record), ...notExists } },
    ];
    if (record.messageId !== null && record.messageId.trim() !== '') {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...messageIdKey(record.messageId), inboundId: record.id, createdAt: record.receivedAt },
          ...notExists,
        },
      });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
        return { created: true };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === null) throw error;
        if (codes[0] === 'ConditionalCheckFailed') {
          const existing = await this.get(record.id);
          if (existing !== null) return { created: false, existing };
        } else if (codes[1] === 'ConditionalCheckFailed') {
          const existing = await this.byMessageId(record.messageId as string);
          if (existing !== null) return { created: false, existing };
        } else if (!codes.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError')) {
          throw new Error(`Inbound email ${record.id} not claimed: ${codes.join(', ')}`);
        }
        // A concurrent claim of the same message: once it is written, the next round finds it.
        if (attempt >= CONFLICT_RETRIES) throw new ConcurrentModificationError('inbound email', record.id);
        await sleep(Math.min(500, 20 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  async get(id: string): Promise<InboundEmailRecord | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: recordKey(id), ConsistentRead: true }));
    return Item ? toRecord(Item) : null;
  }

  async update(record: InboundEmailRecord, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
          ExpressionAttributeNames: { '#pk': PK, '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') throw new ConcurrentModificationError('inbound email', record.id);
      throw error;
    }
  }

  /** Newest first: by status (byKind), or every message (byAccount, partition INBOUND). */
  list(filter: { status?: InboundEmailStatus }, page: PageRequest): Promise<Page<InboundEmailRecord>> {
    const index = filter.status === undefined ? BY_ACCOUNT : BY_KIND;
    const partition = filter.status === undefined ? ALL_PARTITION : statusPartition(filter.status);
    return queryIndexPage(this.client, { tableName: this.tableName, index, partition, forward: false, page, map: toRecord });
  }

  private async byMessageId(messageId: string): Promise<InboundEmailRecord | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: messageIdKey(messageId), ConsistentRead: true }));
    return Item ? this.get(Item.inboundId as string) : null;
  }
}
