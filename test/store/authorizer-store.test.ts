import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  type AuthorizerStore,
  authorizerKey,
  dueShardOf,
  listAuthorizers,
  StoreCorruptionError,
  type Table,
} from '../../shared/store/index.js';
import { SCHEDULED } from '../../shared/tokens/index.js';
import { WechatNotAuthorizedError } from '../../shared/wechat/index.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import { issued, LIFETIME, MARGIN, storesOn, T0 } from './store-fixture.js';

// The authorizer store's own answers on both backends (see store-fixture.ts): a new account, a write
// only onto the version it was decided from, the due listing, a malformed item refused.

describe.each(conformanceBackends())('authorizer store on %s', (kind) => {
  const { current, active, renewedOnce, listed, clock, renewerWith, markedRefused } = storesOn(kind);
  let table: Table;
  let store: AuthorizerStore;
  beforeEach(() => {
    ({ table, store } = current());
  });

  it('creates an account active and due at once, and only once', async () => {
    const appId = await active();
    expect(await store.create({ appId, refreshToken: sensitive('other'), authTime: 1, now: T0 })).toBe(false);
    const record = await store.get(appId);
    expect(record).toMatchObject({ appId, status: 'active', authTime: 1_700_000_000, refreshAt: 0, version: 1 });
    expect(record?.refreshToken.reveal()).toBe('refreshtoken@@@one');
    expect(record?.accessToken).toBeUndefined();
    expect(await store.get('wx-missing')).toBeUndefined();
  });

  it('creates an account an authorization announced as awaiting its refresh token: in the recovery partition, with the doubt, only once', async () => {
    const appId = 'wx00000000000000aa';
    const input = { appId, authTime: 1_700_000_000, doubt: { from: T0, until: T0 + 90_000 }, now: T0 };
    expect(await store.createPending(input)).toBe(true);
    expect(await store.createPending({ ...input, now: T0 + 1 })).toBe(false);
    const record = await store.get(appId);
    expect(record).toMatchObject({
      status: 'refresh_token_invalid',
      refreshAt: T0,
      version: 1,
      doubt: { from: T0, until: T0 + 90_000 },
    });
    expect(record?.accessToken).toBeUndefined();
    expect(await listed(T0 + 1_000)).toEqual([]); // not renewed: there is nothing to renew with yet
  });

  it('writes a change only onto the version it was read at: a stale one is refused, one of many concurrent writers wins', async () => {
    const appId = await active();
    const v1 = await store.get(appId);
    if (!v1) throw new Error('not stored');
    const v2 = await store.write(v1, { refreshAt: T0 + 5 }, { now: T0 });
    expect(v2).toMatchObject({ version: 2, refreshAt: T0 + 5 });
    // Decided from version 1, which is gone: refused, and nothing of it is written.
    expect(await store.write(v1, { accessToken: issued('stale', T0) }, { now: T0 })).toBeUndefined();
    expect(await store.get(appId)).toMatchObject({ version: 2, accessToken: undefined, refreshAt: T0 + 5 });

    if (!v2) throw new Error('not written');
    const writes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.write(v2, { accessToken: issued(`token-${i}`, T0 + i) }, { now: T0 + i }),
      ),
    );
    const winners = writes.filter((record) => record !== undefined);
    expect(winners).toHaveLength(1);
    const stored = await store.get(appId);
    expect(stored?.version).toBe(3);
    expect(stored?.accessToken?.token.equals(winners[0]?.accessToken?.token ?? sensitive(''))).toBe(true);
  });

  it('lists exactly the due accounts from the sparse index, across shards', async () => {
    const appIds = Array.from({ length: 40 }, (_, i) => `wx${i.toString(16).padStart(16, '0')}`);
    for (const appId of appIds) await active(appId);
    expect(new Set(appIds.map(dueShardOf)).size).toBeGreaterThan(8);
    const [fresh = '', revoked = '', refusedOne = '', ...rest] = appIds;
    await renewedOnce(fresh);
    clock.set(T0);
    const notAuthorized = new WechatNotAuthorizedError('api_authorizer_token', 61003, 'not authorized');
    expect(
      await renewerWith(() => Promise.reject(notAuthorized)).renew(revoked, SCHEDULED, { waitMs: 0 }),
    ).toMatchObject({ kind: 'failed', failure: 'not_authorized' });
    expect((await store.get(revoked))?.status).toBe('revoked');
    await markedRefused(refusedOne, T0);
    expect((await listed(T0)).sort()).toEqual([...rest].sort());
    const later = await listed(T0 + LIFETIME - MARGIN);
    expect(later).toContain(fresh);
    expect(later).not.toContain(revoked);
    // The refused account is in the recovery partition, which the renewal shards never include.
    expect(later).not.toContain(refusedOne);
  });

  // The listing's own Scan (Select SPECIFIC_ATTRIBUTES with its projection, as the getter's IAM condition
  // requires) answered on both backends: dynalite and DynamoDB Local differ on Select shapes (Local refuses
  // SPECIFIC_ATTRIBUTES without a projection), so the shape the product sends is checked on each.
  it('lists every account in pages among other item types, and reads no refresh token', async () => {
    const appIds = ['wx0000000000000011', 'wx0000000000000012', 'wx0000000000000013', 'wx0000000000000014'];
    for (const appId of appIds) await active(appId, `refreshtoken@@@${appId}`);
    for (let n = 0; n < 6; n++)
      await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { pk: `PUSH#${n}` } }));
    await current().component.saveTicket('wx00000000000000c0', {
      ticket: sensitive('ticket@@@x'),
      createTime: T0 / 1000,
      now: T0,
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAuthorizers(table, { limit: 2, cursor });
      expect(page.authorizers.length).toBeLessThanOrEqual(2);
      for (const summary of page.authorizers) {
        expect(Object.keys(summary).sort()).toEqual(expect.not.arrayContaining(['refreshToken']));
        expect(JSON.stringify(summary)).not.toContain('refreshtoken@@@');
        seen.push(summary.appId);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(appIds);
  });

  it('refuses an item that is not what it writes, naming the fields and not the values', async () => {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...authorizerKey('wxbroken'), appId: 'wxbroken', status: 'paused', refreshToken: 'secret-value' },
      }),
    );
    const error = await store.get('wxbroken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(String(error)).toContain('status');
    expect(String(error)).not.toContain('secret-value');
  });
});
