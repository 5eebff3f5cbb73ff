// The DocumentStore port on the single table: an order's documents live in the order's partition.
//
//   Document   ORDER#<orderId> / DOC#<id>     byAccount ORDER#<orderId>#DOCS, <createdAt>#<id>
//
// The sort key starts with `DOC#`, never `#`: getOrder reads the order with `begins_with(sk, '#')`
// and must not pick documents up. Reading one document is a GetItem (order id + document id);
// listing goes through byAccount, oldest first, because document ids are random (not time-ordered).
// The file itself is in the blob store under `blobKey`; this item is its description.
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DocumentRecord, DocumentStore, Page, PageRequest } from '../../app/ports.ts';
import { queryIndexPage } from './cursor.ts';
import { indexNamed, TABLE_KEYS } from './table-schema.ts';

type Item = Record<string, any>;

const PK = TABLE_KEYS.partitionKey;
const SK = TABLE_KEYS.sortKey;
const BY_ACCOUNT = indexNamed('byAccount');


const documentKey = (orderId: string, id: string) => ({ [PK]: `ORDER#${orderId}`, [SK]: `DOC#${id}` });
const orderDocumentsPk = (orderId: string) => `ORDER#${orderId}#DOCS`;

function toDocument(item: Item): DocumentRecord {
  return {
    id: item.id,
    orderId: item.orderId,
    kind: item.kind,
    filename: item.filename,
    contentType: item.contentType,
    size: item.size,
    sha256: item.sha256,
    blobKey: item.blobKey,
    source: { ...item.source },
    createdAt: item.createdAt,
  };
}

/** A document's item: also written by the repository, in the transaction of the order change that made it. */
export function documentItem(document: DocumentRecord): Item {
  return {
    ...document,
    ...documentKey(document.orderId, document.id),
    [BY_ACCOUNT.partitionKey]: orderDocumentsPk(document.orderId),
    [BY_ACCOUNT.sortKey]: `${document.createdAt}#${document.id}`,
  };
}

export class DynamoDocumentStore implements DocumentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Idempotent by id: a document already stored under this id is left as it is. */
  async putDocument(document: DocumentRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: documentItem(document),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }

  async getDocument(orderId: string, id: string): Promise<DocumentRecord | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: documentKey(orderId, id), ConsistentRead: true }));
    return Item ? toDocument(Item) : null;
  }

  /** Oldest first. */
  listDocuments(orderId: string, page: PageRequest): Promise<Page<DocumentRecord>> {
    return queryIndexPage(this.client, { tableName: this.tableName, index: BY_ACCOUNT, partition: orderDocumentsPk(orderId), forward: true, page, map: toDocument });
  }
}
