/**
 * The simulated day's own look at every stored account, once a simulated minute: a Scan sent as a bare
 * HTTP request and read as plain JSON. Through the SDK, unmarshalling 1,000 items every step cost more
 * than all the product's requests of the step; the items are the same. (The local servers take any
 * signature; the credential's access key and region are the ones the product's clients use, which is
 * what DynamoDB Local keeps a table under.)
 */
export async function scanAttributes(
  endpoint: string,
  input: { tableName: string; projection: readonly string[]; prefix: string },
): Promise<Array<Record<string, string | number | undefined>>> {
  const names = Object.fromEntries(input.projection.map((name, index) => [`#a${index}`, name]));
  const items: Array<Record<string, string | number | undefined>> = [];
  let startKey: unknown;
  do {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.Scan',
        'x-amz-date': '20260101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      },
      body: JSON.stringify({
        TableName: input.tableName,
        ConsistentRead: true,
        FilterExpression: 'begins_with(#pk, :prefix)',
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: { ...names, '#pk': 'pk' },
        ExpressionAttributeValues: { ':prefix': { S: input.prefix } },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    });
    const page = (await response.json()) as {
      Items?: Array<Record<string, { S?: string; N?: string }>>;
      LastEvaluatedKey?: unknown;
      message?: string;
    };
    if (!response.ok) throw new Error(`Scan of ${input.tableName} failed: ${response.status} ${page.message ?? ''}`);
    for (const raw of page.Items ?? []) {
      const item: Record<string, string | number | undefined> = {};
      for (const name of input.projection) {
        const value = raw[name];
        item[name] = value?.S ?? (value?.N === undefined ? undefined : Number(value.N));
      }
      items.push(item);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}
