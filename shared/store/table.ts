import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;
export type Key = { pk: string };

/**
 * A condition or a fragment of one, written with `#attribute` and `:value` placeholders. Every
 * `#name` stands for the attribute of the same name (DynamoDB refuses unused placeholders, so names
 * and values are collected from the expressions actually sent).
 */
export interface Condition {
  readonly expression: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** Every one of `conditions` at once. */
export function allOf(...conditions: readonly Condition[]): Condition {
  return {
    expression: conditions.map((condition) => condition.expression).join(' AND '),
    values: Object.assign({}, ...conditions.map((condition) => condition.values)),
  };
}

export interface Update {
  readonly set?: Readonly<Record<string, unknown>>;
  /** Set only where the attribute is missing (if_not_exists). */
  readonly setIfMissing?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  /** Attributes incremented by one (a missing one counts from zero). */
  readonly increment?: readonly string[];
}

/** A named change of one item: which item, what it writes, and the condition it is written under. */
export interface Write {
  readonly key: Key;
  readonly update: Update;
  readonly condition: Condition;
}

/** A Scan of the items that `filter` keeps, reading only the `projection` of each. */
export interface ScanRequest {
  readonly filter: Condition;
  readonly projection: readonly string[];
  readonly consistent?: boolean;
  /** One segment of a parallel Scan. */
  readonly segment?: { readonly index: number; readonly total: number };
}

interface IndexShape {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** The table operations the stores need, each conditional write answering `undefined` when its condition fails. */
export class Table {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The item, or only its `projection` where one is given. */
  async get(key: Key, consistent: boolean, projection?: readonly string[]): Promise<Item | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: consistent,
        ...(projection
          ? {
              ProjectionExpression: projectionOf(projection),
              ExpressionAttributeNames: namesIn(projectionOf(projection)),
            }
          : {}),
      }),
    );
    return item;
  }

  /** Writes a new item; `false` when one with the key exists. */
  async putNew(item: Item & Key): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** One conditional UpdateItem; the item as written, or `undefined` when the condition did not hold. */
  async update(key: Key, update: Update, condition: Condition): Promise<Item | undefined> {
    const clauses: string[] = [];
    const values: Record<string, unknown> = { ...condition.values };
    const assignments = Object.entries(update.set ?? {}).map(([name, value]) => {
      values[`:set_${name}`] = value;
      return `#${name} = :set_${name}`;
    });
    for (const [name, value] of Object.entries(update.setIfMissing ?? {})) {
      values[`:ifm_${name}`] = value;
      assignments.push(`#${name} = if_not_exists(#${name}, :ifm_${name})`);
    }
    for (const name of update.increment ?? []) {
      values[':inc_zero'] = 0;
      values[':inc_one'] = 1;
      assignments.push(`#${name} = if_not_exists(#${name}, :inc_zero) + :inc_one`);
    }
    if (assignments.length > 0) clauses.push(`SET ${assignments.join(', ')}`);
    if (update.remove?.length) clauses.push(`REMOVE ${update.remove.map((name) => `#${name}`).join(', ')}`);
    const updateExpression = clauses.join(' ');
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: updateExpression,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: namesIn(updateExpression, condition.expression),
          ExpressionAttributeValues: valuesIn(values, updateExpression, condition.expression),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes;
    } catch (error) {
      // ReturnValuesOnConditionCheckFailure would say why, but dynalite lacks it: callers re-read instead.
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** One named change (see Write): the item as written, or `undefined` when its condition did not hold. */
  apply(write: Write): Promise<Item | undefined> {
    return this.update(write.key, write.update, write.condition);
  }

  /** Every item of one index partition with a sort key at most `upTo`, page by page. */
  queryIndex(index: IndexShape, partition: string, upTo: number): AsyncGenerator<Item> {
    const query = this.#indexQuery(index, partition, { operator: '<=', value: upTo });
    return everyPage(async (startKey) => {
      const page = await this.doc.send(new QueryCommand({ ...query, ExclusiveStartKey: startKey }));
      return { items: page.Items ?? [], nextKey: page.LastEvaluatedKey };
    });
  }

  /**
   * Whether one index partition holds an item with a sort key above `after` (none given: an item at all):
   * a Query of at most one key.
   */
  async anyInIndex(index: IndexShape, partition: string, after?: number): Promise<boolean> {
    const query = this.#indexQuery(index, partition, after === undefined ? undefined : { operator: '>', value: after });
    const page = await this.doc.send(new QueryCommand({ ...query, Limit: 1 }));
    return (page.Items?.length ?? 0) > 0;
  }

  /**
   * One page of a Scan, from `startKey`, of at most `limit` items looked at: a filtered page can be
   * short or empty with more to come (`nextKey`).
   */
  async scanPage(
    request: ScanRequest & { limit?: number; startKey?: Item | undefined },
  ): Promise<{ items: Item[]; nextKey?: Item | undefined }> {
    const projection = projectionOf(request.projection);
    const page = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        ConsistentRead: request.consistent,
        // Said outright, not implied by the projection: an IAM condition on dynamodb:Select (the getter's,
        // infra/function-access.ts) sees only what the request says, and DynamoDB means the same by it.
        Select: 'SPECIFIC_ATTRIBUTES',
        ...(request.segment ? { Segment: request.segment.index, TotalSegments: request.segment.total } : {}),
        Limit: request.limit,
        FilterExpression: request.filter.expression,
        ProjectionExpression: projection,
        ExpressionAttributeNames: namesIn(projection, request.filter.expression),
        ExpressionAttributeValues: valuesIn({ ...request.filter.values }, request.filter.expression),
        ExclusiveStartKey: request.startKey,
      }),
    );
    return { items: page.Items ?? [], nextKey: page.LastEvaluatedKey };
  }

  /** Every item a Scan keeps, page by page. */
  scan(request: ScanRequest): AsyncGenerator<Item> {
    return everyPage((startKey) => this.scanPage({ ...request, startKey }));
  }

  #indexQuery(index: IndexShape, partition: string, sortKey: { operator: '<=' | '>'; value: number } | undefined) {
    const keyCondition = [
      `#${index.partitionKey} = :partition`,
      ...(sortKey ? [`#${index.sortKey} ${sortKey.operator} :sortKey`] : []),
    ].join(' AND ');
    return {
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeNames: namesIn(keyCondition),
      ExpressionAttributeValues: { ':partition': partition, ...(sortKey ? { ':sortKey': sortKey.value } : {}) },
    };
  }
}

/** The items of every page, each page read from where the one before it ended. */
async function* everyPage(
  read: (startKey: Item | undefined) => Promise<{ items: Item[]; nextKey?: Item | undefined }>,
): AsyncGenerator<Item> {
  let startKey: Item | undefined;
  do {
    const page = await read(startKey);
    yield* page.items;
    startKey = page.nextKey;
  } while (startKey);
}

function projectionOf(names: readonly string[]): string {
  return names.map((name) => `#${name}`).join(', ');
}

function namesIn(...expressions: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const expression of expressions) {
    for (const [, name] of expression.matchAll(/#(\w+)/g)) if (name) names[`#${name}`] = name;
  }
  return names;
}

function valuesIn(values: Record<string, unknown>, ...expressions: string[]): Record<string, unknown> | undefined {
  const used: Record<string, unknown> = {};
  for (const expression of expressions) {
    for (const [placeholder] of expression.matchAll(/:\w+/g)) {
      if (!(placeholder in values)) throw new Error(`no value for ${placeholder} in a DynamoDB expression`);
      used[placeholder] = values[placeholder];
    }
  }
  return Object.keys(used).length > 0 ? used : undefined;
}

/** By name, not class: a bundled Lambda and the tests may load two copies of the SDK's error classes. */
function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
