import * as z from 'zod/mini';
import { sensitive, type Sensitive } from '../sensitive';
import { StoreCorruptionError } from './errors';
import { revocationUpdate } from './revocation';
import { allDueShards, authorizerKey, dueShardOf, RECOVERY_SHARD, TABLE_SCHEMA } from './schema';
import type { Item, Table } from './table';
import { atVersion, decodeTokenState, encodeTokenChange, type Doubt, type TokenState, type TokenStateChange } from './token-state';

export type AuthorizerStatus = 'active' | 'revoked' | 'refresh_token_invalid';

export interface AuthorizerRecord extends TokenState {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly refreshToken: Sensitive;
  /** Unix seconds of the latest authorization, as WeChat reports it. */
  readonly authTime: number;
  readonly changedAt: {
    readonly refreshToken: number;
    readonly status: number;
    readonly authTime: number;
    readonly accessToken?: number | undefined;
  };
}

/**
 * What an authorizer change writes besides the token state. `index` places the account in the due
 * index: `renewal` in its own shard at `refreshAt` (the default whenever a due time is written),
 * `recovery` in the partition of refused refresh tokens (see RECOVERY_SHARD), `none` out of it.
 */
export interface AuthorizerExtra {
  readonly status?: AuthorizerStatus;
  readonly refreshToken?: Sensitive;
  readonly authTime?: number;
  readonly index?: 'renewal' | 'recovery' | 'none';
  readonly now: number;
}

const itemSchema = z.object({
  appId: z.string(),
  status: z.enum(['active', 'revoked', 'refresh_token_invalid']),
  refreshToken: z.string(),
  authTime: z.number(),
  accessToken: z.optional(z.string()),
  accessTokenExpiresAt: z.optional(z.number()),
  accessTokenIssuedAt: z.optional(z.number()),
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
  create(input: { appId: string; refreshToken: Sensitive; authTime: number; now: number }): Promise<boolean> {
    return this.#putNew(input, { refreshAt: 0 });
  }

  /**
   * An account an authorization push announced, stored before its code is exchanged: awaiting its
   * refresh token (`refresh_token_invalid`, in the due index's recovery partition, so that a recovery
   * sync brings it from the list should the exchange's answer be lost), with the exchange's doubt.
   * `false` if the appid is stored already.
   */
  createPending(input: { appId: string; authTime: number; doubt: Doubt; now: number }): Promise<boolean> {
    const tokens = encodeTokenChange({ doubt: input.doubt }).set;
    return this.#putNew({ ...input, refreshToken: sensitive('') }, { ...tokens, status: 'refresh_token_invalid', refreshAt: input.now }, RECOVERY_SHARD);
  }

  #putNew(input: { appId: string; refreshToken: Sensitive; authTime: number; now: number }, fields: Readonly<Record<string, unknown>>, shard = dueShardOf(input.appId)): Promise<boolean> {
    const { appId, now } = input;
    return this.table.putNew({
      ...authorizerKey(appId),
      appId,
      status: 'active',
      refreshToken: input.refreshToken.reveal(),
      authTime: input.authTime,
      ...fields,
      dueShard: shard,
      version: 1,
      refreshTokenChangedAt: now,
      statusChangedAt: now,
      authTimeChangedAt: now,
    });
  }

  /**
   * Writes a change onto the version of the account it was decided from (every write bumps the
   * version): the record as written, or `undefined` when the account moved meanwhile (read it again
   * and decide again). The renewal protocol decides the changes; this only encodes them.
   */
  async write(record: AuthorizerRecord, change: TokenStateChange, extra?: AuthorizerExtra): Promise<AuthorizerRecord | undefined> {
    const set: Record<string, unknown> = {};
    const remove: string[] = [];
    const now = extra?.now;
    if (change.accessToken && now !== undefined) set['accessTokenChangedAt'] = now;
    if (extra?.status !== undefined && extra.status !== record.status) Object.assign(set, { status: extra.status, statusChangedAt: now });
    if (extra?.refreshToken && !extra.refreshToken.equals(record.refreshToken)) {
      Object.assign(set, { refreshToken: extra.refreshToken.reveal(), refreshTokenChangedAt: now });
    }
    if (extra?.authTime !== undefined && extra.authTime !== record.authTime) Object.assign(set, { authTime: extra.authTime, authTimeChangedAt: now });
    // An account that is not active is never listed for renewal: its due time is not written.
    const active = (extra?.status ?? record.status) === 'active';
    if (!active && extra?.index === undefined && typeof change.refreshAt === 'number') {
      const { refreshAt: _dropped, ...rest } = change;
      change = rest;
    }
    const index = extra?.index ?? (typeof change.refreshAt === 'number' ? 'renewal' : undefined);
    if (index === 'renewal') set['dueShard'] = dueShardOf(record.appId);
    if (index === 'recovery') set['dueShard'] = RECOVERY_SHARD;
    if (index === 'none') remove.push('dueShard', 'refreshAt');
    const update = encodeTokenChange(index === 'none' ? { ...change, refreshAt: null } : change, set, remove);
    const item = await this.table.update(authorizerKey(record.appId), update, atVersion(record.version));
    return item ? decode(item) : undefined;
  }

  /**
   * Marks an account revoked by an `unauthorized` push, unless it authorized again after the push was
   * sent (a re-delivered old push must not revoke a newer authorization). `false` when nothing changed.
   */
  async revokeByPush(appId: string, pushCreateTime: number, now: number): Promise<boolean> {
    const item = await this.table.update(authorizerKey(appId), revocationUpdate(now), {
      expression: 'attribute_exists(#pk) AND #status <> :revoked AND #authTime <= :createTime',
      values: { ':revoked': 'revoked', ':createTime': pushCreateTime },
    });
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
  return {
    ...decodeTokenState(item),
    appId: data.appId,
    status: data.status,
    refreshToken: sensitive(data.refreshToken),
    authTime: data.authTime,
    changedAt: {
      refreshToken: data.refreshTokenChangedAt,
      status: data.statusChangedAt,
      authTime: data.authTimeChangedAt,
      accessToken: data.accessTokenChangedAt,
    },
  };
}
