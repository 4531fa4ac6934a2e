import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { COMMIT_REMOVES, LEASE_ATTRIBUTES, LEASE_FREE } from './lease';
import { authorizerKey, dueShardOf, RECOVERY_SHARD, TABLE_SCHEMA } from './schema';
import { revocationUpdate } from './revocation';
import type { Table } from './table';
import { decodeSnapshot, SNAPSHOT_NAMES, type AuthorizerSnapshot, type ListedEntry } from './sync-snapshot';

export type { AuthorizerSnapshot, ListedEntry } from './sync-snapshot';

/** The sync's reads and writes: a snapshot of every authorizer, and conditional writes from a listing. */
export class SyncStore {
  constructor(private readonly table: Table) {}

  /**
   * Every stored authorizer, read with a parallel, consistent Scan of only the fields compared. The
   * sync must compare every account with the listing and find the ones the listing lacks, so it reads
   * them all, once per run; in item size this is several times cheaper than a GetItem per account.
   */
  async snapshot(segments = 4): Promise<Map<string, AuthorizerSnapshot>> {
    const found = new Map<string, AuthorizerSnapshot>();
    const names = SNAPSHOT_NAMES;
    await Promise.all(
      Array.from({ length: segments }, async (_, segment) => {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.table.doc.send(
            new ScanCommand({
              TableName: this.table.tableName,
              ConsistentRead: true,
              Segment: segment,
              TotalSegments: segments,
              FilterExpression: 'begins_with(#pk, :prefix)',
              ProjectionExpression: Object.keys(names).join(', '),
              ExpressionAttributeNames: { ...names, '#pk': TABLE_SCHEMA.partitionKey },
              ExpressionAttributeValues: { ':prefix': 'AUTHORIZER#' },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? []) {
            const snapshot = decodeSnapshot(item);
            found.set(snapshot.appId, snapshot);
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }),
    );
    return found;
  }

  /** One account as the snapshot shows it, read again (consistently) after a write was refused. */
  async read(appId: string): Promise<AuthorizerSnapshot | undefined> {
    const { Item: item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: authorizerKey(appId),
        ConsistentRead: true,
        ProjectionExpression: Object.keys(SNAPSHOT_NAMES).join(', '),
        ExpressionAttributeNames: SNAPSHOT_NAMES,
      }),
    );
    return item ? decodeSnapshot(item) : undefined;
  }

  /** A newly listed account, active and due at once; `false` if one appeared meanwhile (an event). */
  async create(entry: ListedEntry, now: number): Promise<boolean> {
    return this.table.putNew({
      ...authorizerKey(entry.appId),
      appId: entry.appId,
      status: 'active',
      refreshToken: entry.refreshToken.reveal(),
      authTime: entry.authTime,
      refreshAt: 0,
      dueShard: dueShardOf(entry.appId),
      version: 1,
      refreshTokenChangedAt: now,
      statusChangedAt: now,
      authTimeChangedAt: now,
    });
  }

  /**
   * Applies a listed entry to a stored account that the listing changes, if the account is still as the
   * caller saw it (`expectedVersion`) and, where the refresh token changes, none was stored after the
   * page was requested. `activate` makes a revoked or refresh_token_invalid account active and due at
   * once. A `reauthorized` account's access token is dropped (revocation killed it); a `healed` one keeps
   * its own, which a new refresh token does not touch, so that it is served until the renewal. A listed
   * account is no longer absent (`absentSince` goes). `false` when a condition failed (re-read and
   * decide again).
   *
   * A heal without a new refresh token (`refreshToken: false`) is for a refused account whose stored
   * token was written after the mark and is the one WeChat lists: it holds only while that is still so.
   */
  async applyListed(
    entry: ListedEntry,
    change: { expectedVersion: number; refreshToken: boolean; authTime: boolean; activate: false | 'healed' | 'reauthorized'; now: number },
  ): Promise<boolean> {
    const { now } = change;
    const set: Record<string, unknown> = {};
    if (change.refreshToken) Object.assign(set, { refreshToken: entry.refreshToken.reveal(), refreshTokenChangedAt: now });
    if (change.authTime) Object.assign(set, { authTime: entry.authTime, authTimeChangedAt: now });
    if (change.activate) Object.assign(set, { status: 'active', statusChangedAt: now, refreshAt: 0, dueShard: dueShardOf(entry.appId) });
    const item = await this.table.update(
      authorizerKey(entry.appId),
      {
        set,
        increment: ['version'],
        // A healed account keeps `renewingSince` with its token: if a renewal died after WeChat
        // answered, the kept token may be superseded, and must stay untrusted until renewed.
        remove: [
          'absentSince',
          ...(change.activate === 'reauthorized' ? ['accessToken', 'accessTokenExpiresAt', ...COMMIT_REMOVES] : change.activate ? LEASE_ATTRIBUTES : []),
        ],
      },
      {
        // Nothing the page is older than may be undone by it: a refresh token, an auth time or a status
        // (an `unauthorized` push) stored after the page was requested wins. A heal needs only the
        // account still refused: when WeChat refused the old refresh token does not matter (the refresh
        // run marks it and syncs at once, maybe within the same millisecond), and a revocation since
        // would have changed the status.
        expression: [
          '#version = :expectedVersion',
          ...(change.refreshToken ? ['#refreshTokenChangedAt < :fetchedAt'] : []),
          ...(change.authTime ? ['#authTimeChangedAt < :fetchedAt'] : []),
          ...(change.activate === 'reauthorized' ? ['#statusChangedAt < :fetchedAt'] : []),
          ...(change.activate === 'healed' ? ['#status = :refused'] : []),
          ...(change.activate === 'healed' && !change.refreshToken ? ['#refreshToken = :listed', '#refreshTokenChangedAt > #statusChangedAt'] : []),
        ].join(' AND '),
        values: {
          ':expectedVersion': change.expectedVersion,
          ':fetchedAt': entry.fetchedAt,
          ...(change.activate === 'healed' ? { ':refused': 'refresh_token_invalid' } : {}),
          ...(change.activate === 'healed' && !change.refreshToken ? { ':listed': entry.refreshToken.reveal() } : {}),
        },
      },
    );
    return item !== undefined;
  }

  /**
   * Records that a complete listing (begun at `listingStartedAt`) lacks the account, if it is still as
   * the snapshot saw it. Not a change of its tokens or status: the version stays.
   */
  async markAbsent(appId: string, expectedVersion: number, listingStartedAt: number): Promise<boolean> {
    const item = await this.table.update(
      authorizerKey(appId),
      { set: { absentSince: listingStartedAt } },
      { expression: '#version = :expectedVersion AND #status <> :revoked', values: { ':expectedVersion': expectedVersion, ':revoked': 'revoked' } },
    );
    return item !== undefined;
  }

  /** A listed account is not absent: forgets an absence recorded by a listing begun before the page. */
  async clearAbsence(entry: ListedEntry): Promise<boolean> {
    const item = await this.table.update(authorizerKey(entry.appId), { remove: ['absentSince'] }, {
      expression: '#absentSince < :fetchedAt',
      values: { ':fetchedAt': entry.fetchedAt },
    });
    return item !== undefined;
  }

  /**
   * Marks an account revoked that two complete listings in a row lacked, if it is still as the snapshot
   * saw it: the same version, and the same absence (`absentSince`; none given: whichever).
   */
  async revoke(appId: string, expectedVersion: number, now: number, absentSince?: number): Promise<boolean> {
    const item = await this.table.update(authorizerKey(appId), revocationUpdate(now), {
      expression: ['#version = :expectedVersion AND #status <> :revoked', ...(absentSince === undefined ? [] : ['#absentSince = :absentSince'])].join(' AND '),
      values: { ':expectedVersion': expectedVersion, ':revoked': 'revoked', ...(absentSince === undefined ? {} : { ':absentSince': absentSince }) },
    });
    return item !== undefined;
  }

  /**
   * Puts an active account the due index lost back into it: its own shard, and a due time that changes
   * the index key (a write of the same key may leave a lost entry lost) — `now`, or the stored due time
   * if that is still ahead. Only while the account is as the snapshot saw it: the same version and the
   * same index key, so that a renewal's commit or lease in between is never undone.
   */
  async reindex(stored: AuthorizerSnapshot, now: number): Promise<boolean> {
    const refreshAt = stored.refreshAt !== undefined && stored.refreshAt > now ? stored.refreshAt : now;
    const item = await this.table.update(
      authorizerKey(stored.appId),
      { set: { dueShard: dueShardOf(stored.appId), refreshAt } },
      {
        expression: [
          '#version = :expectedVersion AND #status = :active',
          stored.refreshAt === undefined ? 'attribute_not_exists(#refreshAt)' : '#refreshAt = :readRefreshAt',
          stored.dueShard === undefined ? 'attribute_not_exists(#dueShard)' : '#dueShard = :readDueShard',
        ].join(' AND '),
        values: {
          ':expectedVersion': stored.version,
          ':active': 'active',
          ...(stored.refreshAt === undefined ? {} : { ':readRefreshAt': stored.refreshAt }),
          ...(stored.dueShard === undefined ? {} : { ':readDueShard': stored.dueShard }),
        },
      },
    );
    return item !== undefined;
  }

  /**
   * The run lease: one sync at a time per component, whichever way it was started (the schedule, a
   * retry, a manual invoke, the local runtime). `ttl` lets DynamoDB drop the item a day after the last run.
   */
  async acquireRun(componentAppId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const item = await this.table.update(
      runKey(componentAppId),
      { set: { leaseOwner: owner, leaseAcquiredAt: now, leaseExpiresAt: now + leaseMs, ttl: Math.floor((now + leaseMs) / 1000) + 86_400 } },
      { expression: LEASE_FREE, values: { ':now': now } },
    );
    return item !== undefined;
  }

  async extendRun(componentAppId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const item = await this.table.update(
      runKey(componentAppId),
      { set: { leaseExpiresAt: now + leaseMs, ttl: Math.floor((now + leaseMs) / 1000) + 86_400 } },
      { expression: '#leaseOwner = :owner', values: { ':owner': owner } },
    );
    return item !== undefined;
  }

  /**
   * Whether a refresh token WeChat refused (61023) waits for a recovery: the mark put the account in the
   * due index's recovery partition with `refreshAt` = when it was refused, in the same write, so nothing
   * can be lost between a mark and a request. Owed while that partition holds a mark newer than the start
   * of the last complete listing (which has seen every mark before it, and healed what it could). One
   * GetItem and one Query of at most one key. The index is eventually consistent: a mark made a moment
   * ago may be seen by the next run instead.
   */
  async recoveryOwed(componentAppId: string): Promise<boolean> {
    const listed = (await this.table.get(runKey(componentAppId), true))?.['lastCompleteListingAt'];
    const { dueIndex } = TABLE_SCHEMA;
    const newer = typeof listed === 'number';
    const page = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: dueIndex.name,
        KeyConditionExpression: newer ? '#shard = :recovery AND #at > :listed' : '#shard = :recovery',
        ExpressionAttributeNames: { '#shard': dueIndex.partitionKey, ...(newer ? { '#at': dueIndex.sortKey } : {}) },
        ExpressionAttributeValues: { ':recovery': RECOVERY_SHARD, ...(newer ? { ':listed': listed } : {}) },
        Limit: 1,
      }),
    );
    return (page.Items?.length ?? 0) > 0;
  }

  /** A run that listed every account records when its listing began (while it still holds the run). */
  async recordCompleteListing(componentAppId: string, owner: string, listingStartedAt: number): Promise<void> {
    await this.table.update(runKey(componentAppId), { set: { lastCompleteListingAt: listingStartedAt } }, {
      expression: '#leaseOwner = :owner',
      values: { ':owner': owner },
    });
  }

  async releaseRun(componentAppId: string, owner: string): Promise<void> {
    await this.table.update(runKey(componentAppId), { remove: ['leaseOwner', 'leaseAcquiredAt', 'leaseExpiresAt'] }, {
      expression: '#leaseOwner = :owner',
      values: { ':owner': owner },
    });
  }
}

function runKey(componentAppId: string): { pk: string } {
  return { pk: `SYNC#${componentAppId}` };
}
