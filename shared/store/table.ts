import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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

/** The table operations the stores need, each conditional write answering `undefined` when its condition fails. */
export class Table {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Key, consistent: boolean): Promise<Item | undefined> {
    const { Item: item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }));
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
  async *queryIndex(index: { name: string; partitionKey: string; sortKey: string }, partition: string, upTo: number): AsyncGenerator<Item> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: `#${index.partitionKey} = :partition AND #${index.sortKey} <= :upTo`,
          ExpressionAttributeNames: { [`#${index.partitionKey}`]: index.partitionKey, [`#${index.sortKey}`]: index.sortKey },
          ExpressionAttributeValues: { ':partition': partition, ':upTo': upTo },
          ExclusiveStartKey: startKey,
        }),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
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
