import { createHash } from 'node:crypto';

/**
 * The one table, described once. The CDK stack, the tests and the local runtime all build it from this
 * object, so that there is no second copy of the schema to drift.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  /** Only items whose whole life is a lease carry it; nothing correct depends on its deletion. */
  timeToLiveAttribute: 'ttl',
  dueIndex: {
    name: 'due',
    partitionKey: 'dueShard',
    sortKey: 'refreshAt',
  },
  /** Due items are spread over this many index partitions, so that 100,000 authorizers have no hot key. */
  dueShards: 16,
} as const;

/** A stable shard for an appid: the same appid always lands on the same index partition. */
export function dueShardOf(appId: string): string {
  const shard = createHash('sha1').update(appId).digest().readUInt16BE(0) % TABLE_SCHEMA.dueShards;
  return shard.toString().padStart(2, '0');
}

/**
 * The due index's partition for accounts whose refresh token WeChat refused (61023). The mark puts the
 * account there in the same write (`refreshAt` = when it was refused), so that a recovery owed can never
 * be lost between two writes: a recovery is owed while this partition holds an entry newer than the start
 * of the last complete listing. The renewal shards (`allDueShards`) never include it.
 */
export const RECOVERY_SHARD = 'recovery';

export function allDueShards(): string[] {
  return Array.from({ length: TABLE_SCHEMA.dueShards }, (_, shard) => shard.toString().padStart(2, '0'));
}

/**
 * Every shard once, starting at `first` (wrapped into range). Runs that overlap start at different
 * shards, so that they share the due accounts instead of all racing for the same ones in the same order:
 * a run that reaches a shard another has done finds nothing left in it.
 */
export function dueShardsFrom(first: number): string[] {
  const shards = allDueShards();
  const start = ((Math.floor(first) % shards.length) + shards.length) % shards.length;
  return [...shards.slice(start), ...shards.slice(0, start)];
}

/** The CreateTable input for the schema, as tests and the local runtime create it (on demand billing). */
export function createTableInput(tableName: string) {
  const { partitionKey, dueIndex } = TABLE_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' as const },
      { AttributeName: dueIndex.partitionKey, AttributeType: 'S' as const },
      { AttributeName: dueIndex.sortKey, AttributeType: 'N' as const },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: dueIndex.name,
        KeySchema: [
          { AttributeName: dueIndex.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: dueIndex.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
    ],
  };
}
