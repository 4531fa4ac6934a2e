// The cold-start baseline: the least a Lambda serving a DynamoDB item can be. It is bundled with the same
// options as the product's functions and loaded in a fresh process, where the getter's bundle is
// measured against it. BENCH_GET_PK names the item; DYNAMODB_ENDPOINT is the local server, as for the
// getter.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const endpoint = process.env['DYNAMODB_ENDPOINT'];
const doc = DynamoDBDocumentClient.from(new DynamoDBClient(endpoint ? { endpoint } : {}));

export async function handler(): Promise<{ statusCode: number; body: string }> {
  // Strongly consistent, as the getter's read is.
  const { Item } = await doc.send(
    new GetCommand({
      TableName: process.env['TABLE_NAME'],
      Key: { pk: process.env['BENCH_GET_PK'] },
      ConsistentRead: true,
    }),
  );
  return Item
    ? { statusCode: 200, body: JSON.stringify({ found: true }) }
    : { statusCode: 404, body: JSON.stringify({ found: false }) };
}
