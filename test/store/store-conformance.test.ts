import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo';
import { sensitive } from '../../shared/sensitive';
import {
  AuthorizerStore,
  authorizerKey,
  ComponentStore,
  dueShardOf,
  RECOVERY_SHARD,
  StoreCorruptionError,
  SyncStore,
  Table,
  type AuthorizerRecord,
  type IssuedToken,
  type TokenState,
} from '../../shared/store';
import {
  DEFAULT_LEASE_MS,
  guaranteedUntil,
  MIN_SERVED_VALIDITY_MS,
  SCHEDULED,
  STUCK_REQUEST_MS,
  TRUST_WINDOW_MS,
  WECHAT_GRACE_MS,
  SAFETY_MARGIN_MS,
  type RenewalReason,
} from '../../shared/tokens';
import { acquireLease, commitStep, releaseStep, transition, type HolderReport, type TokenStore } from '../../shared/tokens/renewal-protocol';
import { WechatNotAuthorizedError, WechatRefreshTokenInvalidError } from '../../shared/wechat';
import { conformanceBackends, freshTable, startBackend } from '../support/dynamo-backends';
import { answered, authorizerTokens, componentTokens, manualClock, scriptedRenewer, type AuthorizerTokenScript } from '../support/renewal-harness';

// The store and the renewal protocol's writes on it, against a real DynamoDB-protocol server: dynalite
// and AWS's DynamoDB Local must agree on every answer, since the design relies on nothing one of them
// lacks. The store only writes a change onto the version it was decided from; what the change is, is the
// protocol's (acquireLease, commitStep, releaseStep, written with transition) or the renewer's (the
// refresh token kept, the 61023 / 61003 marks), so those are driven here on the real store.

const T0 = 1_800_000_000_000;
const LEASE = DEFAULT_LEASE_MS;
/** The renewer's default renewal margin: a token is due 15 minutes before WeChat's expiry. */
const MARGIN = 15 * 60_000;
const LIFETIME = 7_200_000;
const due = (minValidMs: number): RenewalReason => ({ kind: 'due', minValidMs });
const issued = (token: string, at: number): IssuedToken => ({ token: sensitive(token), expiresAt: at + LIFETIME, issuedAt: at });

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

  const tokens = (appId: string, at: number): TokenStore<AuthorizerRecord, never> => authorizerTokens(store, appId, () => at);

  /** acquireLease as the renewer calls it (active accounts only), at `at`, without waiting for a holder. */
  function acquire(appId: string, owner: string, at: number, reason: RenewalReason = SCHEDULED) {
    return acquireLease(tokens(appId, at), {
      eligible: (record) => record.status === 'active',
      reason,
      now: () => at,
      newOwner: () => owner,
      leaseMs: LEASE,
      waitMs: 0,
      pollMs: 1,
    });
  }

  async function leased(appId: string, owner: string, at: number, reason: RenewalReason = SCHEDULED): Promise<AuthorizerRecord> {
    const attempt = await acquire(appId, owner, at, reason);
    expect(attempt.kind).toBe('leased');
    if (attempt.kind !== 'leased') throw new Error(`not leased: ${attempt.kind}`);
    return attempt.record;
  }

  /** The commit of `token` by the holder of `report`, decided from `from` (re-read and decided again if it moved). */
  function commit(appId: string, from: AuthorizerRecord, report: HolderReport, token: IssuedToken) {
    return transition(tokens(appId, report.now), from, (current) => {
      if (!current) return { result: 'gone' as const };
      const step = commitStep(current, report, token, MARGIN);
      return { result: step.outcome, change: step.change };
    });
  }

  /** The release after a failed call by the holder of `report`. */
  function release(appId: string, from: AuthorizerRecord, report: HolderReport) {
    return transition(tokens(appId, report.now), from, (current) => {
      const change = current && releaseStep(current, report, MARGIN);
      return { result: change, ...(change ? { change } : {}) };
    });
  }

  async function renewedOnce(appId: string, owner = 'first'): Promise<AuthorizerRecord | undefined> {
    const record = await leased(appId, owner, T0);
    const { result, record: after } = await commit(appId, record, { owner, sentAt: T0, now: T0, unsettled: false }, issued(`token-${owner}`, T0));
    expect(result).toBe('committed');
    expect(after).toMatchObject({ refreshAt: T0 + LIFETIME - MARGIN, lease: undefined, doubt: undefined });
    return after;
  }

  async function listed(now: number): Promise<string[]> {
    const found: string[] = [];
    for await (const id of store.dueAppIds(now)) found.push(id);
    return found;
  }

  const clock = manualClock(T0);
  const renewerWith = (script: AuthorizerTokenScript) => scriptedRenewer({ store, component, clock, script });
  const refused = () => new WechatRefreshTokenInvalidError('api_authorizer_token', 61023, 'invalid refresh token');

  /** The renewer meets 61023 at `at` with the stored refresh token: its mark (status, recovery partition, refreshAt = at). */
  async function markedRefused(appId: string, at: number): Promise<AuthorizerRecord | undefined> {
    clock.set(at);
    const result = await renewerWith(() => Promise.reject(refused())).renew(appId, SCHEDULED, { waitMs: 0 });
    expect(result).toMatchObject({ kind: 'failed', failure: 'refresh_token_invalid' });
    return store.get(appId);
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

  it('creates an account an authorization announced as awaiting its refresh token: in the recovery partition, with the doubt, only once', async () => {
    const appId = 'wx00000000000000aa';
    const input = { appId, authTime: 1_700_000_000, doubt: { from: T0, until: T0 + 90_000 }, now: T0 };
    expect(await store.createPending(input)).toBe(true);
    expect(await store.createPending({ ...input, now: T0 + 1 })).toBe(false);
    const record = await store.get(appId);
    expect(record).toMatchObject({ status: 'refresh_token_invalid', refreshAt: T0, version: 1, doubt: { from: T0, until: T0 + 90_000 } });
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
    const writes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(v2, { accessToken: issued(`token-${i}`, T0 + i) }, { now: T0 + i })));
    const winners = writes.filter((record) => record !== undefined);
    expect(winners).toHaveLength(1);
    const stored = await store.get(appId);
    expect(stored?.version).toBe(3);
    expect(stored?.accessToken?.token.equals(winners[0]?.accessToken?.token ?? sensitive(''))).toBe(true);
  });

  it('grants one lease among many concurrent acquirers', async () => {
    const appId = await active();
    const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => acquire(appId, `owner-${i}`, T0)));
    const winners = attempts.filter((attempt) => attempt.kind === 'leased');
    expect(winners).toHaveLength(1);
    // The others found the winner's lease live and, not waiting, report busy.
    expect(attempts.filter((attempt) => attempt.kind === 'busy')).toHaveLength(19);
    const lease = winners[0]?.record.lease;
    expect(lease).toMatchObject({ acquiredAt: T0, expiresAt: T0 + LEASE });
    expect((await store.get(appId))?.lease).toEqual(lease);
  });

  it('refuses a live lease, and grants an expired one (the holder crashed), its requests recorded as doubt', async () => {
    const appId = await active();
    await leased(appId, 'crashed', T0);
    expect((await acquire(appId, 'next', T0 + LEASE)).kind).toBe('busy');
    const taken = await leased(appId, 'next', T0 + LEASE + 1);
    expect(taken.lease).toEqual({ owner: 'next', acquiredAt: T0 + LEASE + 1, expiresAt: T0 + 2 * LEASE + 1 });
    // New: the dead holder may have sent its request any time in its lease, and WeChat may act on it a
    // while after: that is a Doubt on every token issued before its end.
    expect(taken.doubt).toEqual({ from: T0, until: T0 + LEASE + STUCK_REQUEST_MS });
  });

  it('a held account leaves the due listing until its lease ends; a failed holder makes it due at once', async () => {
    const appId = await active();
    const held = await leased(appId, 'a', T0);
    expect(await listed(T0 + LEASE - 1)).toEqual([]);
    expect(await listed(T0 + LEASE)).toEqual([appId]);
    // A certain failure (WeChat answered with an error): no doubt, the lease goes, due at its end.
    const { record } = await release(appId, held, { owner: 'a', sentAt: T0 + 1, now: T0 + 5, unsettled: false });
    expect(record).toMatchObject({ lease: undefined, doubt: undefined, refreshAt: T0 + 5 });
    expect(await listed(T0 + 5)).toEqual([appId]);
  });

  it('grants a "due" lease only while the token is due, an "invalid" one only for the stored token', async () => {
    const appId = await active();
    await renewedOnce(appId);
    const at = T0 + 1;
    const guarantee = guaranteedUntil((await store.get(appId)) as TokenState, at) ?? 0;
    // Guaranteed until WeChat's grace after our own next renewal (a renewal begins no earlier than refreshAt).
    expect(guarantee).toBe(T0 + LIFETIME - MARGIN + TRUST_WINDOW_MS);
    expect((await acquire(appId, 'x', at, due(MIN_SERVED_VALIDITY_MS))).kind).toBe('current');
    expect((await acquire(appId, 'x', at, due(guarantee - at - 1))).kind).toBe('current');
    expect((await acquire(appId, 'x', at, SCHEDULED)).kind).toBe('current');
    expect((await acquire(appId, 'x', at, { kind: 'invalid', token: sensitive('token-other') })).kind).toBe('current');
    expect((await leased(appId, 'x', at, { kind: 'invalid', token: sensitive('token-first') })).lease?.owner).toBe('x');

    // A caller that needs the token longer than it is guaranteed for is granted the lease.
    const other = await active('wx0000000000000002');
    await renewedOnce(other);
    expect((await leased(other, 'y', at, due(guarantee - at))).lease?.owner).toBe('y');
  });

  it('commits only for the lease owner; a lost lease keeps the newer stored state', async () => {
    const appId = await active();
    const slow = await leased(appId, 'slow', T0);
    const fast = await leased(appId, 'fast', T0 + LEASE + 1);
    const fastToken = issued('token-fast', T0 + LEASE + 1);
    const fastDone = await commit(appId, fast, { owner: 'fast', sentAt: T0 + LEASE + 1, now: T0 + LEASE + 2, unsettled: false }, fastToken);
    expect(fastDone.result).toBe('committed');
    // The slow holder decided from the version it leased (stale now): it is read again and decided again.
    const slowDone = await commit(appId, slow, { owner: 'slow', sentAt: T0 + 1, now: T0 + LEASE + 3, unsettled: false }, issued('token-slow', T0 + 1));
    expect(slowDone.result).toBe('lease_lost');
    const record = await store.get(appId);
    expect(record?.accessToken?.token.reveal()).toBe('token-fast');
    expect(record?.lease).toBeUndefined();
    // New: the lost holder's request was answered, so WeChat issued a token for it that may supersede the
    // stored one: it is recorded as doubt (version 5: create, two leases, the commit, the doubt), and the
    // stored token is guaranteed only for WeChat's grace after it.
    expect(record?.version).toBe(5);
    expect(record?.doubt).toEqual({ from: T0, until: T0 + LEASE + STUCK_REQUEST_MS });
    expect(guaranteedUntil(record as TokenState, T0 + LEASE + 3)).toBe(T0 + LEASE + 1 + TRUST_WINDOW_MS);
    expect(record?.refreshAt).toBeLessThanOrEqual(T0 + LEASE + STUCK_REQUEST_MS + 1);
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
    expect(await renewer.renew(appId, SCHEDULED, { waitMs: 0 })).toMatchObject({ kind: 'renewed', commit: 'committed' });
    const rotated = await store.get(appId);
    expect(rotated?.refreshToken.reveal()).toBe('refreshtoken@@@two');
    expect(rotated?.changedAt.refreshToken).toBe(T0 + 5);

    // A newer refresh token lands (the sync) while a renewal is in flight.
    clock.set(T0 + LIFETIME - MARGIN);
    meanwhile = async () => {
      const seen = await sync.read(appId);
      const entry = { appId, refreshToken: sensitive('refreshtoken@@@three'), authTime: 1_700_000_000, fetchedAt: clock.now() };
      expect(await sync.applyListed(entry, { expectedVersion: seen?.version ?? 0, refreshToken: true, authTime: false, activate: false, now: clock.now() })).toBe(true);
    };
    answer = answered('t2', 'refreshtoken@@@two');
    expect(await renewer.renew(appId, SCHEDULED, { waitMs: 0 })).toMatchObject({ kind: 'renewed', commit: 'committed' });
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

  it('an uncertain release leaves a doubt: the token is guaranteed only until a superseding request could kill it, and is due once the doubt is over', async () => {
    // Old: the lease was left expired (renewingSince kept), so that the next caller renewed at once.
    // New: the lease is removed and the request recorded as a Doubt {from: sent, until: given up +
    // STUCK_REQUEST_MS}. The stored token is still handed out, but guaranteed only until the earliest
    // time that request could have killed it (sent + WeChat's grace, less the margin); a caller needing
    // it longer gets the lease; the schedule renews it when the doubt is over, so that the new token is
    // issued after anything WeChat may still act on.
    const appId = await active();
    await renewedOnce(appId);
    const unsure = await leased(appId, 'unsure', T0 + 10, { kind: 'invalid', token: sensitive('token-first') });
    const { result, record: abandoned } = await release(appId, unsure, { owner: 'unsure', sentAt: T0 + 10, now: T0 + 20, unsettled: true });
    expect(result).toBeDefined();
    const doubt = { from: T0 + 10, until: T0 + 20 + STUCK_REQUEST_MS };
    expect(abandoned).toMatchObject({ lease: undefined, doubt, refreshAt: doubt.until + 1 });
    const guarantee = T0 + 10 + WECHAT_GRACE_MS - SAFETY_MARGIN_MS;
    expect(guaranteedUntil(abandoned as TokenState, T0 + 21)).toBe(guarantee);
    expect((await acquire(appId, 'next', T0 + 21, SCHEDULED)).kind).toBe('current');
    expect(await listed(doubt.until)).toEqual([]);
    expect(await listed(doubt.until + 1)).toEqual([appId]);
    // A token that looks fresh by WeChat's expiry is renewed for a caller that needs it past the guarantee.
    const next = await leased(appId, 'next', T0 + 21, due(guarantee - (T0 + 21)));

    // A certain release (WeChat answered, so nothing was issued) removes the lease, but keeps the earlier
    // holder's doubt: it is not this holder's to settle.
    const certain = { owner: 'next', sentAt: T0 + 21, now: T0 + 22, unsettled: false };
    const { record: released } = await release(appId, next, certain);
    expect(released).toMatchObject({ lease: undefined, doubt, refreshAt: T0 + 22 });
    expect(guaranteedUntil(released as TokenState, T0 + 22)).toBe(guarantee);
    // Released again by a holder that no longer has the lease: nothing is written.
    const { result: again, record: unchanged } = await release(appId, released as AuthorizerRecord, { ...certain, now: T0 + 23 });
    expect(again).toBeUndefined();
    expect(unchanged?.version).toBe(released?.version);
    expect((await store.get(appId))?.version).toBe(released?.version);
  });

  it('a certain release by the holder leaves no doubt', async () => {
    // Old: it cleared renewingSince. New: a certain failure records nothing: the token keeps its full guarantee.
    const appId = await active();
    await renewedOnce(appId);
    const held = await leased(appId, 'a', T0 + 10, { kind: 'invalid', token: sensitive('token-first') });
    const { record } = await release(appId, held, { owner: 'a', sentAt: T0 + 10, now: T0 + 11, unsettled: false });
    expect(record).toMatchObject({ lease: undefined, doubt: undefined, refreshAt: T0 + 11 });
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
    const { result: lost, record: after } = await commit(appId, record as AuthorizerRecord, ghost, issued('token-ghost', sentAt + 150));
    expect(lost).toBe('lease_lost');
    expect(after?.doubt?.from).toBe(sentAt);
    expect(after?.accessToken?.token.reveal()).toBe('token-first');
    expect(after?.lease?.owner).toBe('other');
  });

  it('lists exactly the due accounts from the sparse index, across shards', async () => {
    const appIds = Array.from({ length: 40 }, (_, i) => `wx${i.toString(16).padStart(16, '0')}`);
    for (const appId of appIds) await active(appId);
    expect(new Set(appIds.map(dueShardOf)).size).toBeGreaterThan(8);
    const [fresh = '', revoked = '', refusedOne = '', ...rest] = appIds;
    await renewedOnce(fresh);
    clock.set(T0);
    const notAuthorized = new WechatNotAuthorizedError('api_authorizer_token', 61003, 'not authorized');
    expect(await renewerWith(() => Promise.reject(notAuthorized)).renew(revoked, SCHEDULED, { waitMs: 0 })).toMatchObject({ kind: 'failed', failure: 'not_authorized' });
    expect((await store.get(revoked))?.status).toBe('revoked');
    await markedRefused(refusedOne, T0);
    expect((await listed(T0)).sort()).toEqual([...rest].sort());
    const later = await listed(T0 + LIFETIME - MARGIN);
    expect(later).toContain(fresh);
    expect(later).not.toContain(revoked);
    // The refused account is in the recovery partition, which the renewal shards never include.
    expect(later).not.toContain(refusedOne);
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
    expect(await afterLosing.renew(lost, SCHEDULED, { waitMs: 0 })).toMatchObject({ kind: 'failed', failure: 'refresh_token_invalid' });
    expect(await store.get(lost)).toMatchObject({ status: 'active', lease: { owner: 'other' } });

    // WeChat refused the refresh token we sent, but the sync stored a recovered one meanwhile: not marked,
    // and due at once, so that the recovered one is tried next.
    const recovered = await active('wx0000000000000012');
    clock.set(T0);
    const afterRecovery = renewerWith(async () => {
      const seen = await sync.read(recovered);
      const entry = { appId: recovered, refreshToken: sensitive('refreshtoken@@@recovered'), authTime: 1_700_000_000, fetchedAt: T0 + 1 };
      expect(await sync.applyListed(entry, { expectedVersion: seen?.version ?? 0, refreshToken: true, authTime: false, activate: false, now: T0 + 1 })).toBe(true);
      clock.advance(2);
      throw refused();
    });
    expect(await afterRecovery.renew(recovered, SCHEDULED, { waitMs: 0 })).toMatchObject({ kind: 'failed', failure: 'refresh_token_invalid' });
    const kept = await store.get(recovered);
    expect(kept).toMatchObject({ status: 'active', lease: undefined, refreshAt: T0 + 2 });
    expect(kept?.refreshToken.reveal()).toBe('refreshtoken@@@recovered');

    // Under our lease, for the refresh token we sent: marked, in the recovery partition, in one write.
    const appId = await active();
    const before = await store.get(appId);
    const marked = await markedRefused(appId, T0 + 1);
    expect(marked).toMatchObject({ status: 'refresh_token_invalid', changedAt: { status: T0 + 1 }, refreshAt: T0 + 1, lease: undefined });
    // Acquire and mark: two writes.
    expect(marked?.version).toBe((before?.version ?? 0) + 2);
    expect((await table.get(authorizerKey(appId), true))?.['dueShard']).toBe(RECOVERY_SHARD);
    expect((await acquire(appId, 'b', T0 + 2)).kind).toBe('refused');
    expect(await renewerWith(() => Promise.reject(new Error('not called'))).renew(appId, SCHEDULED, { waitMs: 0 })).toEqual({
      kind: 'inactive',
      status: 'refresh_token_invalid',
    });
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
    const store = componentTokens(component, id);
    const acquireComponent = (owner: string, at: number) =>
      acquireLease(store, { eligible: () => true, reason: SCHEDULED, now: () => at, newOwner: () => owner, leaseMs: LEASE, waitMs: 0, pollMs: 1 });
    const commitComponent = (from: NonNullable<Awaited<ReturnType<typeof store.read>>>, report: HolderReport, token: IssuedToken) =>
      transition(store, from, (current) => {
        if (!current) return { result: 'gone' as const };
        const step = commitStep(current, report, token, MARGIN);
        return { result: step.outcome, change: step.change };
      });
    // No component item before the first ticket: nothing to lease.
    expect(await acquireComponent('a', T0)).toEqual({ kind: 'refused', record: undefined });
    await component.saveTicket(id, { ticket: sensitive('ticket'), createTime: 1, now: T0 });
    const a = await acquireComponent('a', T0);
    expect(a.kind).toBe('leased');
    if (a.kind !== 'leased') return;
    expect(a.record.lease).toEqual({ owner: 'a', acquiredAt: T0, expiresAt: T0 + LEASE });
    expect((await acquireComponent('b', T0)).kind).toBe('busy');
    // A commit by a holder without the lease stores nothing of its token (its request is doubt only).
    const b = await commitComponent(a.record, { owner: 'b', sentAt: T0 - 10, now: T0, unsettled: false }, issued('tb', T0 - 10));
    expect(b.result).toBe('lease_lost');
    expect(b.record?.accessToken).toBeUndefined();
    expect(b.record?.lease?.owner).toBe('a');
    // The lease owner's commit, decided from the version it leased: refused as stale, read again, committed.
    expect(await component.write(a.record, { accessToken: issued('stale', T0) })).toBeUndefined();
    const done = await commitComponent(a.record, { owner: 'a', sentAt: T0 + 1, now: T0 + 2, unsettled: false }, issued('ta', T0 + 1));
    expect(done.result).toBe('committed');
    const record = await component.get(id);
    expect(record?.accessToken?.token.reveal()).toBe('ta');
    expect(record?.accessToken).toMatchObject({ issuedAt: T0 + 1, expiresAt: T0 + 1 + LIFETIME });
    expect(record?.lease).toBeUndefined();
    // b's request was answered before a's was sent: it cannot supersede a's token, so the doubt is dropped.
    expect(record?.doubt).toBeUndefined();
    expect(record?.refreshAt).toBe(T0 + 1 + LIFETIME - MARGIN);
    expect(record?.ticket?.ticket.reveal()).toBe('ticket');
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
    const refusedId = appIds[2] ?? '';
    const marked = await markedRefused(refusedId, T0 + 30);
    expect(marked).toMatchObject({ status: 'refresh_token_invalid', version: 3 }); // created, leased, marked
    const heal = { expectedVersion: 3, refreshToken: true, authTime: false, activate: 'healed' as const, now: T0 + 40 };
    expect(await sync.applyListed({ ...listed, appId: refusedId, fetchedAt: T0 + 30 }, heal)).toBe(true);
    expect(await store.get(refusedId)).toMatchObject({ status: 'active', refreshAt: 0, version: 4 });
    const revokedSince = appIds[3] ?? '';
    expect(await sync.revoke(revokedSince, 1, T0 + 30)).toBe(true);
    expect(await sync.applyListed({ ...listed, appId: revokedSince, fetchedAt: T0 + 40 }, { ...heal, expectedVersion: 2 })).toBe(false);
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
    const entry = { appId: c, refreshToken: sensitive('refreshtoken@@@recovered'), authTime: 1_700_000_000, fetchedAt: T0 + 8 };
    expect(await sync.applyListed(entry, { expectedVersion: seen?.version ?? 0, refreshToken: true, authTime: false, activate: 'healed', now: T0 + 9 })).toBe(true);
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
