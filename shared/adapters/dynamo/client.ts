// The one way to build a DynamoDB document client, in AWS and locally. Configuration comes in as
// arguments (the caller reads its settings); nothing here looks at the environment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientConfig, type AwsClientOptions } from '../aws/client-config.ts';

/** Endpoint, region and credentials, as awsClientConfig takes them (DynamoDB Local accepts any credentials). */
export interface DocumentClientOptions extends AwsClientOptions {}

export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(options)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export interface DynamoRequestCounter {
  /** Requests sent since creation or the last reset (every attempt, retries included). */
  count(): number;
  /** The same, by DynamoDB operation (`Query`, `TransactWriteItems`, ...). */
  byCommand(): Record<string, number>;
  /** Items read (GetItem found, Query/Scan ScannedCount, BatchGet responses), by operation (`Query:<index>` for index reads). */
  itemsRead(): Record<string, number>;
  reset(): void;
}

/** Items a read response carries (Query/Scan count what they examined, filtered out or not). */
function itemsIn(output: Record<string, unknown>): number {
  if (typeof output.ScannedCount === 'number') return output.ScannedCount;
  if ('Item' in output) return output.Item ? 1 : 0;
  if (output.Responses && typeof output.Responses === 'object' && !Array.isArray(output.Responses)) {
    return Object.values(output.Responses as Record<string, unknown[]>).reduce((sum, items) => sum + items.length, 0);
  }
  return 0;
}

let counterSequence = 0;

/**
 * Counts every request the client sends from now on. A document client shares its middleware
 * stack with the client it wraps, so either may be passed. Several counters may be attached.
 */
export function countDynamoRequests(client: DynamoDBClient | DynamoDBDocumentClient): DynamoRequestCounter {
  let counts: Record<string, number> = {};
  let items: Record<string, number> = {};
  counterSequence += 1;
  const nameOf = (raw: unknown): string => {
    const name = typeof raw === 'string' ? raw : 'Unknown';
    return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const read = itemsIn((result.output ?? {}) as Record<string, unknown>);
      if (read > 0) {
        // Reads of an index are kept apart (`Query:byDue`): the figure that shows what a scan of work costs.
        const index = (args.input as { IndexName?: unknown }).IndexName;
        const name = typeof index === 'string' ? `${nameOf(context.commandName)}:${index}` : nameOf(context.commandName);
        items[name] = (items[name] ?? 0) + read;
      }
      return result;
    },
    { step: 'initialize', name: `portdeskItemCounter${counterSequence}`, priority: 'low' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const raw = typeof context.commandName === 'string' ? context.commandName : 'Unknown';
      const name = raw.endsWith('Command') ? raw.slice(0, -'Command'.length) : raw;
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    // finalizeRequest runs inside the retry middleware: one call per request actually sent.
    { step: 'finalizeRequest', name: `portdeskRequestCounter${counterSequence}`, priority: 'low' },
  );
  return {
    count: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
    byCommand: () => ({ ...counts }),
    itemsRead: () => ({ ...items }),
    reset: () => {
      counts = {};
      items = {};
    },
  };
}
