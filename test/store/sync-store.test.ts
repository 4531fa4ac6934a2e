import { beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { type AuthorizerStore, type ComponentStore, SyncStore, type Table } from '../../shared/store/index.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import { LEASE, storesOn, T0 } from './store-fixture.js';

// The sync's store (its snapshot, its conditional listing writes, the recovery owed, the run lease), on
// both backends, with accounts made and marked through the authorizer store and the renewer.

describe.each(conformanceBackends())('sync store on %s', (kind) => {
  const { current, active, markedRefused } = storesOn(kind);
  let table: Table;
  let store: AuthorizerStore;
  let component: ComponentStore;
  beforeEach(() => {
    ({ table, store, component } = current());
  });

  it('sync: a snapshot of every authorizer (and nothing else), conditional listing writes, revocation', async () => {
    const sync = new SyncStore(table);
    const appIds = Array.from({ length: 30 }, (_, i) => `wx${i.toString(16).padStart(16, '0')}`);
    for (const appId of appIds) await active(appId);
    await component.saveTicket('wxcomponent000003', { ticket: sensitive('ticket'), createTime: 1, now: T0 });
    const snapshot = await sync.snapshot();
    expect([...snapshot.keys()].sort()).toEqual([...appIds].sort());
    const first = snapshot.get(appIds[0] ?? '');
    expect(first).toMatchObject({ status: 'active', authTime: 1_700_000_000, version: 1, refreshTokenChangedAt: T0 });

    const listed = {
      appId: appIds[0] ?? '',
      refreshToken: sensitive('refreshtoken@@@new'),
      authTime: 1_800_000_000,
      fetchedAt: T0 + 10,
    };
    const change = { expectedVersion: 1, refreshToken: true, authTime: true, activate: false as const, now: T0 + 20 };
    expect(await sync.applyListed({ ...listed, fetchedAt: T0 }, change)).toBe(false); // stored at T0: not older than the page
    expect(await sync.applyListed(listed, { ...change, expectedVersion: 2 })).toBe(false);
    expect(await sync.applyListed(listed, change)).toBe(true);
    expect(await store.get(listed.appId)).toMatchObject({
      authTime: 1_800_000_000,
      version: 2,
      changedAt: { refreshToken: T0 + 20 },
    });

    expect(await sync.revoke(appIds[1] ?? '', 2, T0)).toBe(false);
    expect(await sync.revoke(appIds[1] ?? '', 1, T0)).toBe(true);
    expect(await sync.revoke(appIds[1] ?? '', 2, T0)).toBe(false); // already revoked
    const revoked = await store.get(appIds[1] ?? '');
    expect(revoked).toMatchObject({ status: 'revoked', refreshAt: undefined });
    expect(
      await sync.applyListed(
        { ...listed, appId: appIds[1] ?? '' },
        { ...change, expectedVersion: 2, activate: 'reauthorized' },
      ),
    ).toBe(true);
    expect(await store.get(appIds[1] ?? '')).toMatchObject({ status: 'active', refreshAt: 0 });

    // A heal: the mark in the same millisecond as the page does not stop it; a revocation does.
    const refusedId = appIds[2] ?? '';
    const marked = await markedRefused(refusedId, T0 + 30);
    expect(marked).toMatchObject({ status: 'refresh_token_invalid', version: 3 }); // created, leased, marked
    const heal = { expectedVersion: 3, refreshToken: true, authTime: false, activate: 'healed' as const, now: T0 + 40 };
    expect(await sync.applyListed({ ...listed, appId: refusedId, fetchedAt: T0 + 30 }, heal)).toBe(true);
    expect(await store.get(refusedId)).toMatchObject({ status: 'active', refreshAt: 0, version: 4 });
    const revokedSince = appIds[3] ?? '';
    expect(await sync.revoke(revokedSince, 1, T0 + 30)).toBe(true);
    expect(
      await sync.applyListed({ ...listed, appId: revokedSince, fetchedAt: T0 + 40 }, { ...heal, expectedVersion: 2 }),
    ).toBe(false);
    expect((await store.get(revokedSince))?.status).toBe('revoked');
  });

  it("sync: a recovery is owed from the renewer's 61023 mark until a complete listing begun after it", async () => {
    // Old: SyncStore.requestRecovery wrote a request beside the mark. New: the mark itself (status,
    // RECOVERY_SHARD and refreshAt = when refused, in one write) is what is owed, so no request can be lost
    // between two writes; a complete listing begun at or after a mark settles it.
    const sync = new SyncStore(table);
    const [a = '', b = '', c = ''] = ['wx00000000000000r1', 'wx00000000000000r2', 'wx00000000000000r3'];
    for (const appId of [a, b, c]) await active(appId);
    // Accounts merely due (in the renewal shards) owe nothing.
    expect(await sync.recoveryOwed('wxr')).toBe(false);
    await markedRefused(a, T0 + 5);
    expect(await sync.recoveryOwed('wxr')).toBe(true);
    expect(await sync.acquireRun('wxr', 'a', T0 + 6, LEASE)).toBe(true);
    await sync.recordCompleteListing('wxr', 'someone else', T0 + 6);
    expect(await sync.recoveryOwed('wxr')).toBe(true); // only the run's owner records
    await sync.recordCompleteListing('wxr', 'a', T0 + 5);
    expect(await sync.recoveryOwed('wxr')).toBe(false);
    await markedRefused(b, T0 + 4); // a mark older than the listing changes nothing
    expect(await sync.recoveryOwed('wxr')).toBe(false);
    await markedRefused(c, T0 + 7);
    expect(await sync.recoveryOwed('wxr')).toBe(true);
    // Healed, the account leaves the recovery partition, and with it what was owed.
    const seen = await sync.read(c);
    const entry = {
      appId: c,
      refreshToken: sensitive('refreshtoken@@@recovered'),
      authTime: 1_700_000_000,
      fetchedAt: T0 + 8,
    };
    expect(
      await sync.applyListed(entry, {
        expectedVersion: seen?.version ?? 0,
        refreshToken: true,
        authTime: false,
        activate: 'healed',
        now: T0 + 9,
      }),
    ).toBe(true);
    expect(await sync.recoveryOwed('wxr')).toBe(false);
  });

  it('sync: one run lease at a time, kept alive by its owner, taken over when it expires', async () => {
    const sync = new SyncStore(table);
    expect(await sync.acquireRun('wxc', 'a', T0, LEASE)).toBe(true);
    expect(await sync.acquireRun('wxc', 'b', T0 + 1, LEASE)).toBe(false);
    expect(await sync.extendRun('wxc', 'b', T0 + 2, LEASE)).toBe(false);
    expect(await sync.extendRun('wxc', 'a', T0 + LEASE - 1, LEASE)).toBe(true);
    expect(await sync.acquireRun('wxc', 'b', T0 + LEASE + 1, LEASE)).toBe(false);
    expect(await sync.acquireRun('wxc', 'b', T0 + 2 * LEASE, LEASE)).toBe(true);
    expect(await sync.extendRun('wxc', 'a', T0 + 2 * LEASE, LEASE)).toBe(false);
    await sync.releaseRun('wxc', 'b');
    expect(await sync.acquireRun('wxc', 'c', T0 + 2 * LEASE, LEASE)).toBe(true);
  });
  it('sync: the information cursor moves only forward, except back from a cursor later than now', async () => {
    const sync = new SyncStore(table);
    expect(await sync.acquireRun('wxi', 'a', T0, LEASE)).toBe(true);
    await sync.recordInformationChecks('wxi', 'a', T0 + 30 * 86_400_000, T0 + 30 * 86_400_000); // a clock ahead
    await sync.recordInformationChecks('wxi', 'a', T0 - 5, T0).catch(() => undefined);
    expect(await sync.informationCursor('wxi')).toBe(T0 - 5);
    await sync.recordInformationChecks('wxi', 'a', T0 - 10, T0).catch(() => undefined);
    expect(await sync.informationCursor('wxi'), 'never back from a cursor not later than now').toBe(T0 - 5);
  });
});
