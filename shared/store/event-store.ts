import { authorizerKey } from './schema';
import { revocationUpdate } from './revocation';
import type { Table } from './table';

/** The callback's own write: revocations pushed by WeChat (authorizations go through the renewal protocol). */
export class EventStore {
  constructor(private readonly table: Table) {}

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
