import type { Sensitive } from '../sensitive';
import { authorizerKey, dueShardOf } from './schema';
import { COMMIT_REMOVES } from './lease';
import { revocationUpdate } from './revocation';
import type { Table } from './table';

/** What an `authorized` / `updateauthorized` push yields once its code is exchanged (api_query_auth). */
export interface Authorization {
  readonly appId: string;
  readonly refreshToken: Sensitive;
  readonly accessToken: { readonly token: Sensitive; readonly expiresAt: number };
  /** The push's CreateTime, unix seconds: the authorization's time as WeChat states it. */
  readonly authTime: number;
  /** When the scheduled refresh should renew the new access token (epoch ms). */
  readonly refreshAt: number;
}

/** The callback's writes: authorizations and revocations pushed by WeChat. */
export class EventStore {
  constructor(private readonly table: Table) {}

  /**
   * Stores a fresh authorization at once (the item is created if new): active, the new refresh and
   * access tokens, due at `refreshAt`. An older authorization than the one stored (a late, re-delivered
   * push) changes nothing. `false` in that case.
   */
  async storeAuthorization(authorization: Authorization, now: number): Promise<boolean> {
    const { appId } = authorization;
    const item = await this.table.update(
      authorizerKey(appId),
      {
        set: {
          appId,
          status: 'active',
          statusChangedAt: now,
          refreshToken: authorization.refreshToken.reveal(),
          refreshTokenChangedAt: now,
          authTime: authorization.authTime,
          authTimeChangedAt: now,
          accessToken: authorization.accessToken.token.reveal(),
          accessTokenExpiresAt: authorization.accessToken.expiresAt,
          accessTokenChangedAt: now,
          refreshAt: authorization.refreshAt,
          dueShard: dueShardOf(appId),
        },
        increment: ['version'],
        // A renewal under way used the refresh token this authorization replaces: its commit must find
        // the lease gone (and distrust what it got), not overwrite the tokens stored here.
        remove: COMMIT_REMOVES,
      },
      { expression: '(attribute_not_exists(#authTime) OR #authTime <= :authTime)', values: { ':authTime': authorization.authTime } },
    );
    return item !== undefined;
  }

  /**
   * Marks an account revoked by an `unauthorized` push, unless it authorized again after the push was
   * sent (a re-delivered old push must not revoke a newer authorization). `false` when nothing changed.
   */
  async revokeByEvent(appId: string, eventCreateTime: number, now: number): Promise<boolean> {
    const item = await this.table.update(
      authorizerKey(appId),
      revocationUpdate(now),
      {
        expression: 'attribute_exists(#pk) AND #status <> :revoked AND #authTime <= :createTime',
        values: { ':revoked': 'revoked', ':createTime': eventCreateTime },
      },
    );
    return item !== undefined;
  }
}
