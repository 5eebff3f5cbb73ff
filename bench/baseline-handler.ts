// The yardstick for bundle size and module-load time: the smallest useful middy handler with a
// DynamoDB document client, bundled exactly like PortDesk's functions.
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = middy().handler(async () => {
  const result = await client.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: 'x', sk: 'y' } }));
  return { statusCode: 200, body: JSON.stringify(result.Item ?? null) };
});
