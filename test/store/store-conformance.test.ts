import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo';
import { sensitive } from '../../shared/sensitive';
import {
  AuthorizerStore,
  authorizerKey,
  ComponentStore,
  dueShardOf,
  StoreCorruptionError,
  SyncStore,
  Table,
  type RenewalReason,
} from '../../shared/store';
import { conformanceBackends, freshTable, startBackend } from '../support/dynamo-backends';

// The store and its lease, against a real DynamoDB-protocol server: dynalite and AWS's DynamoDB Local
// must agree on every answer, since the design relies on nothing one of them lacks.

const T0 = 1_800_000_000_000;
const LEASE = 60_000;
const due = (expiringBefore: number): RenewalReason => ({ kind: 'due', expiringBefore });

describe.each(conformanceBackends())('store on %s', (kind) => {
  let backend: LocalDynamo;
  let table: Table;
  let store: AuthorizerStore;
  let component: ComponentStore;

  beforeAll(async () => {
    backend = await startBackend(kind);
  }, 60_000);
  afterAll(() => backend.close());
  beforeEach(async () => {
    const fresh = await freshTable(backend);
    table = new Table(fresh.doc, fresh.tableName);
    store = new AuthorizerStore(table);
    component = new ComponentStore(table);
  });

  async function active(appId = 'wx0000000000000001', refreshToken = 'refreshtoken@@@one'): Promise<string> {
    expect(await store.create({ appId, refreshToken: sensitive(refreshToken), authTime: 1_700_000_000, now: T0 })).toBe(true);
    return appId;
  }

  async function renewedOnce(appId: string, owner = 'first'): Promise<void> {
    expect(await store.acquireRenewal(appId, { owner, now: T0, leaseMs: LEASE, reason: due(T0) })).toBeDefined();
    const used = (await store.get(appId))?.refreshToken ?? sensitive('');
    expect(
      await store.commitRenewal(appId, owner, {
        accessToken: { token: sensitive(`token-${owner}`), expiresAt: T0 + 7_200_000 },
        refreshToken: used,
        refreshTokenUsed: used,
        refreshAt: T0 + 6_300_000,
        now: T0,
      }),
    ).toBe('committed');
  }

  it('creates an account active and due at once, and only once', async () => {
    const appId = await active();
    expect(await store.create({ appId, refreshToken: sensitive('other'), authTime: 1, now: T0 })).toBe(false);
    const record = await store.get(appId);
    expect(record).toMatchObject({ appId, status: 'active', authTime: 1_700_000_000, refreshAt: 0, version: 1 });
    expect(record?.refreshToken.reveal()).toBe('refreshtoken@@@one');
    expect(record?.accessToken).toBeUndefined();
    expect(await store.get('wx-missing')).toBeUndefined();
  });

  it('grants one lease among many concurrent acquirers', async () => {
    const appId = await active();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.acquireRenewal(appId, { owner: `owner-${i}`, now: T0, leaseMs: LEASE, reason: due(T0) })),
    );
    const winners = results.filter((record) => record !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.lease).toMatchObject({ acquiredAt: T0, expiresAt: T0 + LEASE });
  });

  it('refuses a live lease, and grants an expired one (the holder crashed)', async () => {
    const appId = await active();
    await store.acquireRenewal(appId, { owner: 'crashed', now: T0, leaseMs: LEASE, reason: due(T0) });
    expect(await store.acquireRenewal(appId, { owner: 'next', now: T0 + LEASE, leaseMs: LEASE, reason: due(T0) })).toBeUndefined();
    const taken = await store.acquireRenewal(appId, { owner: 'next', now: T0 + LEASE + 1, leaseMs: LEASE, reason: due(T0) });
    expect(taken?.lease?.owner).toBe('next');
  });

  it('a held account leaves the due listing until its lease ends; a failed holder makes it due at once', async () => {
    const appId = await active();
    const listed = async (now: number) => {
      const due: string[] = [];
      for await (const id of store.dueAppIds(now)) due.push(id);
      return due;
    };
    await store.acquireRenewal(appId, { owner: 'a', now: T0, leaseMs: LEASE, reason: due(T0) });
    expect(await listed(T0 + LEASE - 1)).toEqual([]);
    expect(await listed(T0 + LEASE)).toEqual([appId]);
    expect(await store.releaseRenewal(appId, { owner: 'a', acquiredAt: T0 }, { now: T0 + 5, uncertain: false })).toBe(true);
    expect(await listed(T0 + 5)).toEqual([appId]);
  });

  it('grants a "due" lease only while the token is due, an "invalid" one only for the stored token', async () => {
    const appId = await active();
    await renewedOnce(appId);
    const fresh = { owner: 'x', now: T0 + 1, leaseMs: LEASE };
    expect(await store.acquireRenewal(appId, { ...fresh, reason: due(T0 + 7_199_999) })).toBeUndefined();
    expect(await store.acquireRenewal(appId, { ...fresh, reason: { kind: 'invalid', token: sensitive('token-other') } })).toBeUndefined();
    expect(await store.acquireRenewal(appId, { ...fresh, reason: { kind: 'invalid', token: sensitive('token-first') } })).toBeDefined();
  });

  it('commits only for the lease owner; a lost lease keeps the newer stored state', async () => {
    const appId = await active();
    await store.acquireRenewal(appId, { owner: 'slow', now: T0, leaseMs: LEASE, reason: due(T0) });
    await store.acquireRenewal(appId, { owner: 'fast', now: T0 + LEASE + 1, leaseMs: LEASE, reason: due(T0) });
    const result = (owner: string) => ({
      accessToken: { token: sensitive(`token-${owner}`), expiresAt: T0 + 7_200_000 },
      refreshToken: sensitive('refreshtoken@@@one'),
      refreshTokenUsed: sensitive('refreshtoken@@@one'),
      refreshAt: T0 + 6_300_000,
      now: T0 + LEASE + 2,
    });
    expect(await store.commitRenewal(appId, 'fast', result('fast'))).toBe('committed');
    expect(await store.commitRenewal(appId, 'slow', result('slow'))).toBe('lease_lost');
    const record = await store.get(appId);
    expect(record?.accessToken?.token.reveal()).toBe('token-fast');
    expect(record?.lease).toBeUndefined();
    expect(record?.version).toBe(2);
  });

  it('stores the refresh token that came back; keeps a newer one stored meanwhile', async () => {
    const appId = await active();
    await store.acquireRenewal(appId, { owner: 'a', now: T0, leaseMs: LEASE, reason: due(T0) });
    expect(
      await store.commitRenewal(appId, 'a', {
        accessToken: { token: sensitive('t1'), expiresAt: T0 + 7_200_000 },
        refreshToken: sensitive('refreshtoken@@@two'),
        refreshTokenUsed: sensitive('refreshtoken@@@one'),
        refreshAt: T0,
        now: T0 + 5,
      }),
    ).toBe('committed');
    const rotated = await store.get(appId);
    expect(rotated?.refreshToken.reveal()).toBe('refreshtoken@@@two');
    expect(rotated?.changedAt.refreshToken).toBe(T0 + 5);

    // A newer refresh token lands (the sync, an authorization event) while a renewal is in flight.
    await store.acquireRenewal(appId, { owner: 'b', now: T0 + 10, leaseMs: LEASE, reason: due(T0 + 7_200_000) });
    await table.update(authorizerKey(appId), { set: { refreshToken: 'refreshtoken@@@three' } }, { expression: 'attribute_exists(#pk)' });
    expect(
      await store.commitRenewal(appId, 'b', {
        accessToken: { token: sensitive('t2'), expiresAt: T0 + 7_300_000 },
        refreshToken: sensitive('refreshtoken@@@two'),
        refreshTokenUsed: sensitive('refreshtoken@@@two'),
        refreshAt: T0,
        now: T0 + 20,
      }),
    ).toBe('committed_keeping_newer_refresh_token');
    const kept = await store.get(appId);
    expect(kept?.refreshToken.reveal()).toBe('refreshtoken@@@three');
    expect(kept?.accessToken?.token.reveal()).toBe('t2');
    expect(kept?.lease).toBeUndefined();
  });

  it('does not bring a revoked account back to life', async () => {
    const appId = await active();
    await store.acquireRenewal(appId, { owner: 'a', now: T0, leaseMs: LEASE, reason: due(T0) });
    await table.update(authorizerKey(appId), { set: { status: 'revoked' } }, { expression: 'attribute_exists(#pk)' });
    const used = sensitive('refreshtoken@@@one');
    expect(
      await store.commitRenewal(appId, 'a', {
        accessToken: { token: sensitive('t'), expiresAt: T0 + 7_200_000 },
        refreshToken: used,
        refreshTokenUsed: used,
        refreshAt: T0,
        now: T0,
      }),
    ).toBe('no_longer_active');
    const record = await store.get(appId);
    expect(record?.status).toBe('revoked');
    expect(record?.accessToken).toBeUndefined();
    expect(record?.lease).toBeUndefined();
  });

  it('an uncertain release abandons the lease: the next caller renews even a fresh-looking token', async () => {
    const appId = await active();
    await renewedOnce(appId);
    await store.acquireRenewal(appId, { owner: 'unsure', now: T0 + 10, leaseMs: LEASE, reason: { kind: 'invalid', token: sensitive('token-first') } });
    expect(await store.releaseRenewal(appId, { owner: 'unsure', acquiredAt: T0 + 10 }, { now: T0 + 20, uncertain: true })).toBe(true);
    const abandoned = await store.get(appId);
    expect(abandoned).toMatchObject({ refreshAt: T0 + 20, renewingSince: T0 + 10 });
    expect(await store.acquireRenewal(appId, { owner: 'next', now: T0 + 21, leaseMs: LEASE, reason: due(T0 + 21) })).toBeDefined();
    // A certain release (WeChat answered, so nothing was issued) removes the lease, but keeps the
    // earlier holder's uncertainty: renewingSince is not this holder's.
    expect(await store.releaseRenewal(appId, { owner: 'next', acquiredAt: T0 + 21 }, { now: T0 + 22, uncertain: false })).toBe(true);
    expect(await store.get(appId)).toMatchObject({ lease: undefined, renewingSince: T0 + 10 });
    expect(await store.releaseRenewal(appId, { owner: 'next', acquiredAt: T0 + 21 }, { now: T0 + 23, uncertain: false })).toBe(false);
  });

  it('a certain release by the holder that began the renewal clears renewingSince too', async () => {
    const appId = await active();
    await renewedOnce(appId);
    await store.acquireRenewal(appId, { owner: 'a', now: T0 + 10, leaseMs: LEASE, reason: { kind: 'invalid', token: sensitive('token-first') } });
    expect(await store.releaseRenewal(appId, { owner: 'a', acquiredAt: T0 + 10 }, { now: T0 + 11, uncertain: false })).toBe(true);
    expect(await store.get(appId)).toMatchObject({ lease: undefined, renewingSince: undefined });
  });

  it('a renewal that lost its lease after reaching WeChat distrusts the stored token from its call on', async () => {
    const appId = await active();
    await renewedOnce(appId);
    await store.distrustAfterLostLease(appId, T0 + 100, {
      refreshToken: sensitive('refreshtoken@@@rotated'),
      replaced: sensitive('refreshtoken@@@one'),
      now: T0 + 200,
    });
    const record = await store.get(appId);
    expect(record?.renewingSince).toBe(T0 + 100);
    expect(record?.refreshToken.reveal()).toBe('refreshtoken@@@rotated');
    await store.distrustAfterLostLease(appId, T0 + 150);
    expect((await store.get(appId))?.renewingSince).toBe(T0 + 100);
  });

  it('lists exactly the due accounts from the sparse index, across shards', async () => {
    const appIds = Array.from({ length: 40 }, (_, i) => `wx${i.toString(16).padStart(16, '0')}`);
    for (const appId of appIds) await active(appId);
    expect(new Set(appIds.map(dueShardOf)).size).toBeGreaterThan(8);
    const [fresh, revoked, ...rest] = appIds;
    await renewedOnce(fresh ?? '');
    await store.acquireRenewal(revoked ?? '', { owner: 'r', now: T0, leaseMs: LEASE, reason: due(T0) });
    expect(await store.markStatus(revoked ?? '', 'r', 'revoked', { now: T0, refreshTokenUsed: sensitive('refreshtoken@@@one') })).toBe(true);
    const listed: string[] = [];
    for await (const appId of store.dueAppIds(T0)) listed.push(appId);
    expect(listed.sort()).toEqual([...rest].sort());
    const later: string[] = [];
    for await (const appId of store.dueAppIds(T0 + 6_300_000)) later.push(appId);
    expect(later).toContain(fresh);
    expect(later).not.toContain(revoked);
  });

  it('marks status only under the lease, and only for the refresh token WeChat refused', async () => {
    const appId = await active();
    const used = { refreshTokenUsed: sensitive('refreshtoken@@@one') };
    expect(await store.markStatus(appId, 'nobody', 'refresh_token_invalid', { now: T0, ...used })).toBe(false);
    await store.acquireRenewal(appId, { owner: 'a', now: T0, leaseMs: LEASE, reason: due(T0) });
    expect(await store.markStatus(appId, 'a', 'refresh_token_invalid', { now: T0, refreshTokenUsed: sensitive('refreshtoken@@@older') })).toBe(false);
    expect(await store.markStatus(appId, 'a', 'refresh_token_invalid', { now: T0 + 1, ...used })).toBe(true);
    expect(await store.get(appId)).toMatchObject({ status: 'refresh_token_invalid', changedAt: { status: T0 + 1 }, refreshAt: undefined });
    expect(await store.acquireRenewal(appId, { owner: 'b', now: T0 + 2, leaseMs: LEASE, reason: due(T0 + 2) })).toBeUndefined();
  });

  it('keeps the newest ticket by CreateTime, whatever order pushes arrive in', async () => {
    const id = 'wxcomponent000001';
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-2'), createTime: 200, now: T0 })).toBe('stored');
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-1'), createTime: 100, now: T0 + 1 })).toBe('stale');
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-2'), createTime: 200, now: T0 + 2 })).toBe('stale');
    expect(await component.saveTicket(id, { ticket: sensitive('ticket-3'), createTime: 300, now: T0 + 3 })).toBe('stored');
    const record = await component.get(id);
    expect(record?.ticket?.ticket.reveal()).toBe('ticket-3');
    expect(record?.ticket).toMatchObject({ createTime: 300, receivedAt: T0 + 3 });
  });

  it('leases the component token like an authorizer token', async () => {
    const id = 'wxcomponent000002';
    expect(await component.acquireRenewal(id, { owner: 'a', now: T0, leaseMs: LEASE, reason: due(T0) })).toBeUndefined();
    await component.saveTicket(id, { ticket: sensitive('ticket'), createTime: 1, now: T0 });
    expect(await component.acquireRenewal(id, { owner: 'a', now: T0, leaseMs: LEASE, reason: due(T0) })).toBeDefined();
    expect(await component.acquireRenewal(id, { owner: 'b', now: T0, leaseMs: LEASE, reason: due(T0) })).toBeUndefined();
    expect(await component.commitRenewal(id, 'b', { token: sensitive('tb'), expiresAt: T0 + 7_200_000 })).toBe(false);
    expect(await component.commitRenewal(id, 'a', { token: sensitive('ta'), expiresAt: T0 + 7_200_000 })).toBe(true);
    const record = await component.get(id);
    expect(record?.accessToken?.token.reveal()).toBe('ta');
    expect(record?.lease).toBeUndefined();
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

    const listed = { appId: appIds[0] ?? '', refreshToken: sensitive('refreshtoken@@@new'), authTime: 1_800_000_000, fetchedAt: T0 + 10 };
    const change = { expectedVersion: 1, refreshToken: true, authTime: true, activate: false as const, now: T0 + 20 };
    expect(await sync.applyListed({ ...listed, fetchedAt: T0 }, change)).toBe(false); // stored at T0: not older than the page
    expect(await sync.applyListed(listed, { ...change, expectedVersion: 2 })).toBe(false);
    expect(await sync.applyListed(listed, change)).toBe(true);
    expect(await store.get(listed.appId)).toMatchObject({ authTime: 1_800_000_000, version: 2, changedAt: { refreshToken: T0 + 20 } });

    expect(await sync.revoke(appIds[1] ?? '', 2, T0)).toBe(false);
    expect(await sync.revoke(appIds[1] ?? '', 1, T0)).toBe(true);
    expect(await sync.revoke(appIds[1] ?? '', 2, T0)).toBe(false); // already revoked
    const revoked = await store.get(appIds[1] ?? '');
    expect(revoked).toMatchObject({ status: 'revoked', refreshAt: undefined });
    expect(await sync.applyListed({ ...listed, appId: appIds[1] ?? '' }, { ...change, expectedVersion: 2, activate: 'reauthorized' })).toBe(true);
    expect(await store.get(appIds[1] ?? '')).toMatchObject({ status: 'active', refreshAt: 0 });

    // A heal: the mark in the same millisecond as the page does not stop it; a revocation does.
    const refused = appIds[2] ?? '';
    expect(await store.acquireRenewal(refused, { owner: 'o', now: T0 + 30, leaseMs: LEASE, reason: due(T0 + 30) })).toBeDefined();
    expect(await store.markStatus(refused, 'o', 'refresh_token_invalid', { now: T0 + 30, refreshTokenUsed: sensitive('refreshtoken@@@one') })).toBe(true);
    const heal = { expectedVersion: 2, refreshToken: true, authTime: false, activate: 'healed' as const, now: T0 + 40 };
    expect(await sync.applyListed({ ...listed, appId: refused, fetchedAt: T0 + 30 }, heal)).toBe(true);
    expect(await store.get(refused)).toMatchObject({ status: 'active', refreshAt: 0, version: 3 });
    const revokedSince = appIds[3] ?? '';
    expect(await sync.revoke(revokedSince, 1, T0 + 30)).toBe(true);
    expect(await sync.applyListed({ ...listed, appId: revokedSince, fetchedAt: T0 + 40 }, heal)).toBe(false);
    expect((await store.get(revokedSince))?.status).toBe('revoked');
  });

  it('sync: a recovery request stands until a complete listing begun after it', async () => {
    const sync = new SyncStore(table);
    expect(await sync.recoveryOwed('wxr')).toBe(false);
    await sync.requestRecovery('wxr', T0 + 5);
    expect(await sync.recoveryOwed('wxr')).toBe(true);
    expect(await sync.acquireRun('wxr', 'a', T0 + 6, LEASE)).toBe(true);
    await sync.recordCompleteListing('wxr', 'someone else', T0 + 6);
    expect(await sync.recoveryOwed('wxr')).toBe(true); // only the run's owner records
    await sync.recordCompleteListing('wxr', 'a', T0 + 5);
    expect(await sync.recoveryOwed('wxr')).toBe(false);
    await sync.requestRecovery('wxr', T0 + 4); // an older request changes nothing
    expect(await sync.recoveryOwed('wxr')).toBe(false);
    await sync.requestRecovery('wxr', T0 + 7);
    expect(await sync.recoveryOwed('wxr')).toBe(true);
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

  it('refuses an item that is not what it writes, naming the fields and not the values', async () => {
    await table.doc.send(
      new PutCommand({ TableName: table.tableName, Item: { ...authorizerKey('wxbroken'), appId: 'wxbroken', status: 'paused', refreshToken: 'secret-value' } }),
    );
    const error = await store.get('wxbroken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(String(error)).toContain('status');
    expect(String(error)).not.toContain('secret-value');
  });
});
