import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { sensitive, type Sensitive } from '../sensitive';
import type { AuthorizerStatus } from './authorizer-store';
import { StoreCorruptionError } from './errors';
import { COMMIT_REMOVES, LEASE_ATTRIBUTES, LEASE_FREE } from './lease';
import { authorizerKey, dueShardOf, TABLE_SCHEMA } from './schema';
import { revocationUpdate } from './revocation';
import type { Table } from './table';

/** What the sync needs to know of a stored authorizer to decide whether a listing changes it. */
export interface AuthorizerSnapshot {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly refreshToken: Sensitive;
  readonly authTime: number;
  readonly version: number;
  readonly refreshTokenChangedAt: number;
}

/** One entry of api_get_authorizer_list, with when the page that carried it was requested. */
export interface ListedEntry {
  readonly appId: string;
  readonly refreshToken: Sensitive;
  readonly authTime: number;
  /** Epoch ms at which the page's request was sent: nothing stored after it may be overwritten by it. */
  readonly fetchedAt: number;
}

const snapshotSchema = z.object({
  appId: z.string(),
  status: z.enum(['active', 'revoked', 'refresh_token_invalid']),
  refreshToken: z.string(),
  authTime: z.number(),
  version: z.number(),
  refreshTokenChangedAt: z.number(),
});
const SNAPSHOT_ATTRIBUTES = ['appId', 'status', 'refreshToken', 'authTime', 'version', 'refreshTokenChangedAt'];

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
    const names = Object.fromEntries(SNAPSHOT_ATTRIBUTES.map((name) => [`#${name}`, name]));
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
            const parsed = snapshotSchema.safeParse(item);
            if (!parsed.success) throw new StoreCorruptionError('authorizer', parsed.error.issues.map((issue) => issue.path.join('.')));
            const { refreshToken, ...rest } = parsed.data;
            found.set(rest.appId, { ...rest, refreshToken: sensitive(refreshToken) });
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }),
    );
    return found;
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
   * its own, which a new refresh token does not touch, so that it is served until the renewal. `false`
   * when a condition failed (re-read and decide again).
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
        remove: change.activate === 'reauthorized' ? ['accessToken', 'accessTokenExpiresAt', ...COMMIT_REMOVES] : change.activate ? LEASE_ATTRIBUTES : [],
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
        ].join(' AND '),
        values: {
          ':expectedVersion': change.expectedVersion,
          ':fetchedAt': entry.fetchedAt,
          ...(change.activate === 'healed' ? { ':refused': 'refresh_token_invalid' } : {}),
        },
      },
    );
    return item !== undefined;
  }

  /** Marks an account the complete listing lacks as revoked, if it is still as the snapshot saw it. */
  async revoke(appId: string, expectedVersion: number, now: number): Promise<boolean> {
    const item = await this.table.update(
      authorizerKey(appId),
      revocationUpdate(now),
      { expression: '#version = :expectedVersion AND #status <> :revoked', values: { ':expectedVersion': expectedVersion, ':revoked': 'revoked' } },
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
   * Asks for a sync to recover refresh tokens WeChat refused (61023): whoever marks an account asks, and
   * the request stands until a complete listing begun after it, so that a recovery that could not run
   * (the function died or ran out of time, another sync held the run) is made up by the next refresh run.
   */
  async requestRecovery(componentAppId: string, now: number): Promise<void> {
    await this.table.update(runKey(componentAppId), { set: { recoveryRequestedAt: now } }, {
      expression: 'attribute_not_exists(#recoveryRequestedAt) OR #recoveryRequestedAt < :now',
      values: { ':now': now },
    });
  }

  /** Whether a recovery was asked for after the start of the last complete listing. */
  async recoveryOwed(componentAppId: string): Promise<boolean> {
    const item = await this.table.get(runKey(componentAppId), true);
    const requested = item?.['recoveryRequestedAt'];
    const listed = item?.['lastCompleteListingAt'];
    return typeof requested === 'number' && (typeof listed !== 'number' || requested > listed);
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
