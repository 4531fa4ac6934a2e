import type { Sensitive } from '../sensitive.js';
import type { AuthorizerInfo } from '../wechat/results.js';
import { accountInformationDiffers, accountInformationOf } from './items/account-info.js';
import {
  AUTHORIZER_DETAIL,
  AUTHORIZER_INFO,
  AUTHORIZER_RECORD,
  type AuthorizerDetail,
  type AuthorizerRecord,
  appIdOfAuthorizerKey,
  authorizerKey,
  newAuthorizerItem,
  pendingAuthorizerItem,
} from './items/authorizer.js';
import { storeAccountInformation } from './items/authorizer-info-write.js';
import { type AuthorizerExtra, revokeByPush, tokenChange } from './items/authorizer-transitions.js';
import { allDueShards, TABLE_SCHEMA } from './schema.js';
import type { Table } from './table.js';
import type { Doubt, TokenStateChange } from './token-state.js';

export type { AuthorizerDetail, AuthorizerRecord, AuthorizerStatus, StatusReason } from './items/authorizer.js';

/** What storing an api_get_authorizer_info answer came to (see AuthorizerStore.storeInformation). */
export type InformationWrite = 'unchanged' | 'stored' | 'superseded' | 'not_stored';

/** The account information's reads and writes, which the exchange and the sync share. */
export interface AccountInformationStore {
  storeInformation(appId: string, info: AuthorizerInfo, sentAt: number, now: number): Promise<InformationWrite>;
}
export type { AuthorizerExtra } from './items/authorizer-transitions.js';

/** Authorizer items: the record of each account, its tokens, and the renewal lease on it. */
export class AuthorizerStore implements AccountInformationStore {
  constructor(private readonly table: Table) {}

  async get(appId: string, options: { consistent?: boolean } = {}): Promise<AuthorizerRecord | undefined> {
    const item = await this.table.get(authorizerKey(appId), options.consistent ?? true);
    return item ? AUTHORIZER_RECORD.decode(item) : undefined;
  }

  /** A new account, active and due for its first token at once; `false` if the appid is stored already. */
  create(input: { appId: string; refreshToken: Sensitive; authTime: number; now: number }): Promise<boolean> {
    return this.table.putNew(newAuthorizerItem(input));
  }

  /**
   * An account an authorization push announced, stored before its code is exchanged: awaiting its
   * refresh token, with the exchange's doubt (see pendingAuthorizerItem). `false` if the appid is stored
   * already.
   */
  createPending(input: { appId: string; authTime: number; doubt: Doubt; now: number }): Promise<boolean> {
    return this.table.putNew(pendingAuthorizerItem(input));
  }

  /**
   * Writes a change onto the version of the account it was decided from (every write bumps the
   * version): the record as written, or `undefined` when the account moved meanwhile (read it again
   * and decide again). The renewal protocol decides the changes; this only encodes them.
   */
  async write(
    record: AuthorizerRecord,
    change: TokenStateChange,
    extra?: AuthorizerExtra,
  ): Promise<AuthorizerRecord | undefined> {
    const item = await this.table.apply(tokenChange(record, change, extra));
    return item ? AUTHORIZER_RECORD.decode(item) : undefined;
  }

  /**
   * Marks an account revoked by an `unauthorized` push, unless it authorized again after the push was
   * sent (a re-delivered old push must not revoke a newer authorization). `false` when nothing changed.
   */
  async revokeByPush(appId: string, pushCreateTime: number, now: number): Promise<boolean> {
    return (await this.table.apply(revokeByPush(appId, pushCreateTime, now))) !== undefined;
  }

  /** The account as its own route shows it, read with a projection that holds no token; `undefined`: none. */
  async detail(appId: string): Promise<AuthorizerDetail | undefined> {
    const item = await this.table.get(authorizerKey(appId), false, AUTHORIZER_DETAIL.attributes);
    return item ? AUTHORIZER_DETAIL.decode(item) : undefined;
  }

  /**
   * Stores an api_get_authorizer_info answer (its request sent at `sentAt`) if it changes what is stored:
   * `unchanged` writes nothing; `superseded` when information was stored after the request was sent (a
   * later millisecond) or
   * while this compared (it is at least as new, and stays); `not_stored` for an appid not stored.
   */
  async storeInformation(appId: string, info: AuthorizerInfo, sentAt: number, now: number): Promise<InformationWrite> {
    const item = await this.table.get(authorizerKey(appId), true, AUTHORIZER_INFO.attributes);
    if (!item) return 'not_stored';
    const stored = AUTHORIZER_INFO.decode(item);
    // Stored after the request was sent: at least as new as the answer. (Within the same millisecond it may
    // be older, as the exchange's permission sets are just before its own fetch: the answer is taken.)
    if (stored.infoChangedAt !== undefined && stored.infoChangedAt > sentAt) return 'superseded';
    const fetched = accountInformationOf(info);
    if (!accountInformationDiffers(stored, fetched)) return 'unchanged';
    const written = await this.table.apply(storeAccountInformation(appId, fetched, stored.infoChangedAt, now));
    return written ? 'stored' : 'superseded';
  }

  /** The appids due for renewal at `now`, shard by shard, from the sparse due index (no Scan). */
  async *dueAppIds(now: number, shards: readonly string[] = allDueShards()): AsyncGenerator<string> {
    for (const shard of shards) {
      for await (const item of this.table.queryIndex(TABLE_SCHEMA.dueIndex, shard, now)) {
        const pk = item[TABLE_SCHEMA.partitionKey];
        const appId = typeof pk === 'string' ? appIdOfAuthorizerKey(pk) : undefined;
        if (appId !== undefined) yield appId;
      }
    }
  }
}
