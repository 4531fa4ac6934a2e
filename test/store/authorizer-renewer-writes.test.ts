import { beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  type AuthorizerRecord,
  type AuthorizerStore,
  authorizerKey,
  RECOVERY_SHARD,
  SyncStore,
  type Table,
  type TokenState,
} from '../../shared/store/index.js';
import { guaranteedUntil, SCHEDULED, TRUST_WINDOW_MS } from '../../shared/tokens/index.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import { answered } from '../support/renewal-harness.js';
import { issued, LEASE, LIFETIME, MARGIN, storesOn, T0 } from './store-fixture.js';

// The renewer's writes on the real authorizer store (the refresh token kept, the 61023 / 61003 marks, a
// lease lost after reaching WeChat), on both backends (see store-fixture.ts); the renewal protocol's own
// writes are in authorizer-renewal.test.ts.

describe.each(conformanceBackends())('authorizer renewal writes on %s', (kind) => {
  const { current, active, acquire, leased, commit, renewedOnce, listed, clock, renewerWith, refused, markedRefused } =
    storesOn(kind);
  let table: Table;
  let store: AuthorizerStore;
  beforeEach(() => {
    ({ table, store } = current());
  });

  it('stores the refresh token that came back; keeps a newer one stored meanwhile', async () => {
    const appId = await active();
    const sync = new SyncStore(table);
    clock.set(T0);
    let meanwhile = async (): Promise<void> => {};
    let answer = answered('t1', 'refreshtoken@@@two');
    const used: string[] = [];
    const renewer = renewerWith(async (input) => {
      used.push(input.authorizerRefreshToken.reveal());
      await meanwhile();
      clock.advance(5);
      return answer;
    });
    expect(await renewer.renew(appId, SCHEDULED, { waitMs: 0 })).toMatchObject({
      kind: 'renewed',
      commit: 'committed',
    });
    const rotated = await store.get(appId);
    expect(rotated?.refreshToken.reveal()).toBe('refreshtoken@@@two');
    expect(rotated?.changedAt.refreshToken).toBe(T0 + 5);

    // A newer refresh token lands (the sync) while a renewal is in flight.
    clock.set(T0 + LIFETIME - MARGIN);
    meanwhile = async () => {
      const seen = await sync.read(appId);
      const entry = {
        appId,
        refreshToken: sensitive('refreshtoken@@@three'),
        authTime: 1_700_000_000,
        fetchedAt: clock.now(),
      };
      expect(
        await sync.applyListed(entry, {
          expectedVersion: seen?.version ?? 0,
          refreshToken: true,
          authTime: false,
          activate: false,
          now: clock.now(),
        }),
      ).toBe(true);
    };
    answer = answered('t2', 'refreshtoken@@@two');
    expect(await renewer.renew(appId, SCHEDULED, { waitMs: 0 })).toMatchObject({
      kind: 'renewed',
      commit: 'committed',
    });
    expect(used).toEqual(['refreshtoken@@@one', 'refreshtoken@@@two']);
    const kept = await store.get(appId);
    expect(kept?.refreshToken.reveal()).toBe('refreshtoken@@@three');
    expect(kept?.accessToken?.token.reveal()).toBe('t2');
    expect(kept?.lease).toBeUndefined();
  });

  it('does not bring a revoked account back to life', async () => {
    const appId = await active();
    const sync = new SyncStore(table);
    clock.set(T0);
    const renewer = renewerWith(async () => {
      // Revoked (a complete listing lacked it twice) while WeChat was answering the renewal.
      const seen = await sync.read(appId);
      expect(await sync.revoke(appId, seen?.version ?? 0, clock.now())).toBe(true);
      return answered('t', 'refreshtoken@@@one');
    });
    expect(await renewer.renew(appId, SCHEDULED, { waitMs: 0 })).toEqual({ kind: 'inactive', status: 'revoked' });
    const record = await store.get(appId);
    expect(record?.status).toBe('revoked');
    expect(record?.accessToken).toBeUndefined();
    expect(record?.lease).toBeUndefined();
    expect(await listed(T0 + LIFETIME)).toEqual([]);
    expect((await acquire(appId, 'later', T0 + 1)).kind).toBe('refused');
  });

  it('a renewal that lost its lease after reaching WeChat distrusts the stored token from its call on, and keeps the refresh token that came back', async () => {
    const appId = await active();
    await renewedOnce(appId);
    const sentAt = T0 + LIFETIME - MARGIN;
    clock.set(sentAt);
    const renewer = renewerWith(async () => {
      // The holder stalled past its lease; another took the account over before WeChat answered.
      clock.advance(LEASE + 1);
      await leased(appId, 'other', clock.now());
      return answered('token-late', 'refreshtoken@@@rotated');
    });
    const result = await renewer.renew(appId, SCHEDULED, { waitMs: 0 });
    expect(result).toMatchObject({ kind: 'current' });
    const record = await store.get(appId);
    expect(record?.accessToken?.token.reveal()).toBe('token-first');
    expect(record?.lease?.owner).toBe('other');
    expect(record?.refreshToken.reveal()).toBe('refreshtoken@@@rotated');
    expect(record?.changedAt.refreshToken).toBe(sentAt + LEASE + 1);
    expect(record?.doubt?.from).toBe(sentAt);
    // From the lost holder's call on, WeChat's grace less the margin; no longer.
    expect(guaranteedUntil(record as TokenState, clock.now())).toBe(sentAt + TRUST_WINDOW_MS);

    // Another lost holder's later request widens the doubt; it does not move its start.
    const ghost = { owner: 'ghost', sentAt: sentAt + 150, now: sentAt + LEASE + 2, unsettled: false };
    const { result: lost, record: after } = await commit(
      appId,
      record as AuthorizerRecord,
      ghost,
      issued('token-ghost', sentAt + 150),
    );
    expect(lost).toBe('lease_lost');
    expect(after?.doubt?.from).toBe(sentAt);
    expect(after?.accessToken?.token.reveal()).toBe('token-first');
    expect(after?.lease?.owner).toBe('other');
  });

  it('marks status only under the lease, and only for the refresh token WeChat refused', async () => {
    const sync = new SyncStore(table);
    // Under someone else's lease: the holder that lost it marks nothing (the new holder asks WeChat itself).
    const lost = await active('wx0000000000000011');
    clock.set(T0);
    const afterLosing = renewerWith(async () => {
      clock.advance(LEASE + 1);
      await leased(lost, 'other', clock.now());
      throw refused();
    });
    expect(await afterLosing.renew(lost, SCHEDULED, { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'refresh_token_invalid',
    });
    expect(await store.get(lost)).toMatchObject({ status: 'active', lease: { owner: 'other' } });

    // WeChat refused the refresh token we sent, but the sync stored a recovered one meanwhile: not marked,
    // and due at once, so that the recovered one is tried next.
    const recovered = await active('wx0000000000000012');
    clock.set(T0);
    const afterRecovery = renewerWith(async () => {
      const seen = await sync.read(recovered);
      const entry = {
        appId: recovered,
        refreshToken: sensitive('refreshtoken@@@recovered'),
        authTime: 1_700_000_000,
        fetchedAt: T0 + 1,
      };
      expect(
        await sync.applyListed(entry, {
          expectedVersion: seen?.version ?? 0,
          refreshToken: true,
          authTime: false,
          activate: false,
          now: T0 + 1,
        }),
      ).toBe(true);
      clock.advance(2);
      throw refused();
    });
    expect(await afterRecovery.renew(recovered, SCHEDULED, { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'refresh_token_invalid',
    });
    const kept = await store.get(recovered);
    expect(kept).toMatchObject({ status: 'active', lease: undefined, refreshAt: T0 + 2 });
    expect(kept?.refreshToken.reveal()).toBe('refreshtoken@@@recovered');

    // Under our lease, for the refresh token we sent: marked, in the recovery partition, in one write.
    const appId = await active();
    const before = await store.get(appId);
    const marked = await markedRefused(appId, T0 + 1);
    expect(marked).toMatchObject({
      status: 'refresh_token_invalid',
      changedAt: { status: T0 + 1 },
      refreshAt: T0 + 1,
      lease: undefined,
    });
    // Acquire and mark: two writes.
    expect(marked?.version).toBe((before?.version ?? 0) + 2);
    expect((await table.get(authorizerKey(appId), true))?.['dueShard']).toBe(RECOVERY_SHARD);
    expect((await acquire(appId, 'b', T0 + 2)).kind).toBe('refused');
    expect(
      await renewerWith(() => Promise.reject(new Error('not called'))).renew(appId, SCHEDULED, { waitMs: 0 }),
    ).toEqual({
      kind: 'inactive',
      status: 'refresh_token_invalid',
    });
  });
});
