import * as z from 'zod/mini';
import { sensitive, type Sensitive } from '../sensitive';
import { COMMIT_REMOVES, distrustSince, HELD_BY_OWNER, LEASE_ATTRIBUTES, leaseOf, leaseUpdate, releaseLease, renewalCondition, renewingSinceOf, type Lease, type RenewalReason } from './lease';
import { allDueShards, authorizerKey, dueShardOf, TABLE_SCHEMA } from './schema';
import { StoreCorruptionError } from './errors';
import type { Item, Table } from './table';

export type AuthorizerStatus = 'active' | 'revoked' | 'refresh_token_invalid';

export interface StoredAccessToken {
  readonly token: Sensitive;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface AuthorizerRecord {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly refreshToken: Sensitive;
  /** Unix seconds of the latest authorization, as WeChat reports it. */
  readonly authTime: number;
  readonly accessToken?: StoredAccessToken | undefined;
  /** When the scheduled refresh should renew it (epoch ms); absent unless active. */
  readonly refreshAt?: number | undefined;
  readonly lease?: Lease | undefined;
  /** A renewal began then and has not committed (see TRUST_WINDOW_MS). */
  readonly renewingSince?: number | undefined;
  /** Incremented by every write that changes a token or the status. */
  readonly version: number;
  readonly changedAt: {
    readonly refreshToken: number;
    readonly status: number;
    readonly authTime: number;
    readonly accessToken?: number | undefined;
  };
}

export type CommitOutcome =
  | 'committed'
  /** The access token was stored; the refresh token was not, because a newer one was stored meanwhile. */
  | 'committed_keeping_newer_refresh_token'
  /** Someone else holds the lease now: their state is kept, ours dropped. */
  | 'lease_lost'
  /** The account was revoked (or its refresh token marked invalid) while we renewed. */
  | 'no_longer_active';

const itemSchema = z.object({
  appId: z.string(),
  status: z.enum(['active', 'revoked', 'refresh_token_invalid']),
  refreshToken: z.string(),
  authTime: z.number(),
  accessToken: z.optional(z.string()),
  accessTokenExpiresAt: z.optional(z.number()),
  refreshAt: z.optional(z.number()),
  version: z.number(),
  refreshTokenChangedAt: z.number(),
  statusChangedAt: z.number(),
  authTimeChangedAt: z.number(),
  accessTokenChangedAt: z.optional(z.number()),
});

/** Authorizer items: the record of each account, its tokens, and the renewal lease on it. */
export class AuthorizerStore {
  constructor(private readonly table: Table) {}

  async get(appId: string, options: { consistent?: boolean } = {}): Promise<AuthorizerRecord | undefined> {
    const item = await this.table.get(authorizerKey(appId), options.consistent ?? true);
    return item ? decode(item) : undefined;
  }

  /** A new account, active and due for its first token at once; `false` if the appid is stored already. */
  async create(input: { appId: string; refreshToken: Sensitive; authTime: number; now: number }): Promise<boolean> {
    const { appId, now } = input;
    return this.table.putNew({
      ...authorizerKey(appId),
      appId,
      status: 'active',
      refreshToken: input.refreshToken.reveal(),
      authTime: input.authTime,
      refreshAt: 0,
      dueShard: dueShardOf(appId),
      version: 1,
      refreshTokenChangedAt: now,
      statusChangedAt: now,
      authTimeChangedAt: now,
    });
  }

  /**
   * Takes the renewal lease, in one conditional write that holds only when the account is active, no
   * live lease is held, and the reason still applies (or a holder abandoned its lease, which makes the
   * stored token untrustworthy). The record as leased, or `undefined` when the lease was not granted.
   */
  async acquireRenewal(
    appId: string,
    request: { owner: string; now: number; leaseMs: number; reason: RenewalReason },
  ): Promise<AuthorizerRecord | undefined> {
    const condition = renewalCondition(request.reason, request.now);
    const lease = leaseUpdate(request.owner, request.now, request.leaseMs);
    const item = await this.table.update(
      authorizerKey(appId),
      // The due index shows the account as due again only when the lease ends: overlapping runs that
      // query after this write skip it instead of racing for it, and should we die it is due again when the lease ends.
      { ...lease, set: { ...lease.set, refreshAt: request.now + request.leaseMs } },
      { expression: `#status = :active AND ${condition.expression}`, values: { ...condition.values, ':active': 'active' } },
    );
    return item ? decode(item) : undefined;
  }

  /**
   * Stores a renewal's result and clears the lease in one write that requires the caller to still own
   * the lease and the account to be active. The refresh token WeChat returned is stored too, unless a
   * newer one (from the sync or an authorization event) replaced the one the renewal used.
   */
  async commitRenewal(
    appId: string,
    owner: string,
    result: {
      accessToken: StoredAccessToken;
      refreshToken: Sensitive;
      refreshTokenUsed: Sensitive;
      refreshAt: number;
      now: number;
      /**
       * Keep `renewingSince`: an unanswered attempt of this renewal may still be acted on by WeChat, so
       * the token stored now is trusted only within the window after the renewal began.
       */
      keepDistrust?: boolean;
    },
  ): Promise<CommitOutcome> {
    const clears = result.keepDistrust ? LEASE_ATTRIBUTES : COMMIT_REMOVES;
    const tokenFields = {
      accessToken: result.accessToken.token.reveal(),
      accessTokenExpiresAt: result.accessToken.expiresAt,
      accessTokenChangedAt: result.now,
      refreshAt: result.refreshAt,
      dueShard: dueShardOf(appId),
    };
    const rotated = !result.refreshToken.equals(result.refreshTokenUsed);
    const withRefreshToken = {
      ...tokenFields,
      refreshToken: result.refreshToken.reveal(),
      ...(rotated ? { refreshTokenChangedAt: result.now } : {}),
    };
    const committed = await this.table.update(
      authorizerKey(appId),
      { set: withRefreshToken, increment: ['version'], remove: clears },
      {
        expression: `${HELD_BY_OWNER} AND #status = :active AND #refreshToken = :used`,
        values: { ':owner': owner, ':active': 'active', ':used': result.refreshTokenUsed.reveal() },
      },
    );
    if (committed) return 'committed';

    const current = await this.get(appId);
    if (current?.lease?.owner !== owner) return 'lease_lost';
    if (current.status !== 'active') {
      // Not releaseRenewal: an account that is no longer active must not be made due again.
      await releaseLease(this.table, authorizerKey(appId), current.lease, { now: result.now, uncertain: false });
      return 'no_longer_active';
    }
    const keptNewer = await this.table.update(
      authorizerKey(appId),
      { set: tokenFields, increment: ['version'], remove: clears },
      { expression: `${HELD_BY_OWNER} AND #status = :active`, values: { ':owner': owner, ':active': 'active' } },
    );
    return keptNewer ? 'committed_keeping_newer_refresh_token' : 'lease_lost';
  }

  /** Gives the lease up after a failed renewal (see `releaseLease`), due again at once (taking it moved it to the lease's end). */
  async releaseRenewal(appId: string, lease: { owner: string; acquiredAt: number }, options: { now: number; uncertain: boolean }): Promise<boolean> {
    return releaseLease(this.table, authorizerKey(appId), lease, { ...options, alsoSet: { refreshAt: options.now } });
  }

  /** See `distrustSince`; and a refresh token WeChat rotated is kept if the one it replaced is still stored. */
  async distrustAfterLostLease(appId: string, sentAt: number, rotated?: { refreshToken: Sensitive; replaced: Sensitive; now: number }): Promise<void> {
    await distrustSince(this.table, authorizerKey(appId), sentAt);
    if (!rotated) return;
    await this.table.update(
      authorizerKey(appId),
      { set: { refreshToken: rotated.refreshToken.reveal(), refreshTokenChangedAt: rotated.now }, increment: ['version'] },
      { expression: '#refreshToken = :replaced AND #refreshTokenChangedAt < :sentAt', values: { ':replaced': rotated.replaced.reveal(), ':sentAt': sentAt } },
    );
  }

  /**
   * Marks an account revoked or its refresh token invalid, under the caller's lease, and only while the
   * refresh token WeChat refused is still the stored one (the sync may have stored a recovered one
   * meanwhile). It leaves the due index; a revoked account's access token is dropped.
   */
  async markStatus(
    appId: string,
    owner: string,
    status: Exclude<AuthorizerStatus, 'active'>,
    options: { now: number; refreshTokenUsed: Sensitive },
  ): Promise<boolean> {
    // A refused refresh token keeps its access token and `renewingSince`: the sync may heal the account
    // and keep the token, which must stay untrusted if a renewal died after WeChat answered (and so may
    // have superseded it). A revoked account's tokens are dead: all of it goes.
    const remove = ['refreshAt', 'dueShard', ...(status === 'revoked' ? [...COMMIT_REMOVES, 'accessToken', 'accessTokenExpiresAt'] : LEASE_ATTRIBUTES)];
    const item = await this.table.update(
      authorizerKey(appId),
      { set: { status, statusChangedAt: options.now }, increment: ['version'], remove },
      { expression: `${HELD_BY_OWNER} AND #refreshToken = :used`, values: { ':owner': owner, ':used': options.refreshTokenUsed.reveal() } },
    );
    return item !== undefined;
  }

  /** The appids due for renewal at `now`, shard by shard, from the sparse due index (no Scan). */
  async *dueAppIds(now: number, shards: readonly string[] = allDueShards()): AsyncGenerator<string> {
    for (const shard of shards) {
      for await (const item of this.table.queryIndex(TABLE_SCHEMA.dueIndex, shard, now)) {
        const pk = item['pk'];
        if (typeof pk === 'string' && pk.startsWith('AUTHORIZER#')) yield pk.slice('AUTHORIZER#'.length);
      }
    }
  }
}

function decode(item: Item): AuthorizerRecord {
  const parsed = itemSchema.safeParse(item);
  if (!parsed.success) throw new StoreCorruptionError('authorizer', parsed.error.issues.map((issue) => issue.path.join('.')));
  const data = parsed.data;
  const hasToken = data.accessToken !== undefined && data.accessTokenExpiresAt !== undefined;
  return {
    appId: data.appId,
    status: data.status,
    refreshToken: sensitive(data.refreshToken),
    authTime: data.authTime,
    accessToken: hasToken ? { token: sensitive(data.accessToken ?? ''), expiresAt: data.accessTokenExpiresAt ?? 0 } : undefined,
    refreshAt: data.refreshAt,
    lease: leaseOf(item),
    renewingSince: renewingSinceOf(item),
    version: data.version,
    changedAt: {
      refreshToken: data.refreshTokenChangedAt,
      status: data.statusChangedAt,
      authTime: data.authTimeChangedAt,
      accessToken: data.accessTokenChangedAt,
    },
  };
}
