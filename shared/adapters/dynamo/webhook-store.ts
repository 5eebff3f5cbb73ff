// The WebhookStore port on the single table, beside the Repository's items.
//
//   Webhook        WEBHOOK#<id>                  / WEBHOOK   byAccount ACCOUNT#<accountId>#WEBHOOKS, <createdAt>#<id>
//   Webhook count  ACCOUNT#<accountId>#WEBHOOKS  / COUNT     webhookCount (kept with every create and delete,
//                                                            in the same transaction: the per-account limit holds
//                                                            under concurrent creates)
//
// Deliveries are not stored here: they are outbox items (kind `webhook`, subjectId = webhook id).
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest, WebhookRecord, WebhookStore } from '../../app/ports.ts';
import { ConcurrentModificationError } from '../../rules/errors.ts';
import { queryIndexPage } from './cursor.ts';
import { indexNamed, TABLE_KEYS } from './table-schema.ts';

type Item = Record<string, any>;

const PK = TABLE_KEYS.partitionKey;
const SK = TABLE_KEYS.sortKey;
const BY_ACCOUNT = indexNamed('byAccount');

const webhookKey = (id: string) => ({ [PK]: `WEBHOOK#${id}`, [SK]: 'WEBHOOK' });
const accountWebhooksPk = (accountId: string) => `ACCOUNT#${accountId}#WEBHOOKS`;
const counterKey = (accountId: string) => ({ [PK]: accountWebhooksPk(accountId), [SK]: 'COUNT' });
const CONFLICT_RETRIES = 5;

function toWebhook(item: Item): WebhookRecord {
  return {
    id: item.id,
    accountId: item.accountId,
    url: item.url,
    description: item.description ?? null,
    eventTypes: Array.isArray(item.eventTypes) ? [...item.eventTypes] : [],
    secret: item.secret,
    createdAt: item.createdAt,
  };
}

interface Cancellation {
  codes: string[];
}

/** The cancellation reason codes of a failed transaction, or null for any other error. */
function cancellationOf(error: unknown): Cancellation | null {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return null;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return { codes: reasons.map((reason) => reason.Code ?? 'None') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(webhook: WebhookRecord, maxPerAccount: number): Promise<boolean> {
    const item: Item = {
      ...webhook,
      ...webhookKey(webhook.id),
      [BY_ACCOUNT.partitionKey]: accountWebhooksPk(webhook.accountId),
      [BY_ACCOUNT.sortKey]: `${webhook.createdAt}#${webhook.id}`,
    };
    const result = await this.transact([
      { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } } },
      {
        Update: {
          TableName: this.tableName,
          Key: counterKey(webhook.accountId),
          UpdateExpression: 'SET accountId = :account ADD webhookCount :one',
          ConditionExpression: 'attribute_not_exists(webhookCount) OR webhookCount < :max',
          ExpressionAttributeValues: { ':account': webhook.accountId, ':one': 1, ':max': maxPerAccount },
        },
      },
    ]);
    if (result === null) return true;
    if (result.codes[0] === 'ConditionalCheckFailed') throw new ConcurrentModificationError('webhook', webhook.id);
    if (result.codes[1] === 'ConditionalCheckFailed') return false;
    throw new Error(`Webhook ${webhook.id} not created: ${result.codes.join(', ')}`);
  }

  async get(id: string): Promise<WebhookRecord | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: webhookKey(id), ConsistentRead: true }));
    return Item ? toWebhook(Item) : null;
  }

  listByAccount(accountId: string, page: PageRequest): Promise<Page<WebhookRecord>> {
    return queryIndexPage(this.client, { tableName: this.tableName, index: BY_ACCOUNT, partition: accountWebhooksPk(accountId), forward: true, page, map: toWebhook });
  }

  async delete(id: string): Promise<boolean> {
    const existing = await this.get(id);
    if (existing === null) return false;
    const result = await this.transact([
      {
        Delete: {
          TableName: this.tableName,
          Key: webhookKey(id),
          ConditionExpression: 'accountId = :account',
          ExpressionAttributeValues: { ':account': existing.accountId },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: counterKey(existing.accountId),
          UpdateExpression: 'ADD webhookCount :minusOne',
          ConditionExpression: 'webhookCount > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        },
      },
    ]);
    if (result === null) return true;
    // Deleted meanwhile by another request: it is gone either way, but not by this call.
    if (result.codes[0] === 'ConditionalCheckFailed') return false;
    throw new Error(`Webhook ${id} not deleted: ${result.codes.join(', ')}`);
  }

  /** One transaction; null on success, else the cancellation reasons. Retries conflicts. */
  private async transact(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<Cancellation | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
        return null;
      } catch (error) {
        const cancellation = cancellationOf(error);
        if (cancellation === null) throw error;
        const conflict = cancellation.codes.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError');
        if (!conflict || cancellation.codes.includes('ConditionalCheckFailed')) return cancellation;
        if (attempt >= CONFLICT_RETRIES) return cancellation;
        await sleep(Math.min(500, 20 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }
}
