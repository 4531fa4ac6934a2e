import type { Sensitive } from '../sensitive.js';
import {
  AUTHORIZER_RECORD,
  type AuthorizerRecord,
  appIdOfAuthorizerKey,
  authorizerKey,
  newAuthorizerItem,
  pendingAuthorizerItem,
} from './items/authorizer.js';
import { type AuthorizerExtra, revokeByPush, tokenChange } from './items/authorizer-transitions.js';
import { allDueShards, TABLE_SCHEMA } from './schema.js';
import type { Table } from './table.js';
import type { Doubt, TokenStateChange } from './token-state.js';

export type { AuthorizerRecord, AuthorizerStatus } from './items/authorizer.js';
export type { AuthorizerExtra } from './items/authorizer-transitions.js';

/** Authorizer items: the record of each account, its tokens, and the renewal lease on it. */
export class AuthorizerStore {
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
