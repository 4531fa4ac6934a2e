import { beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import type { AuthorizerRecord, AuthorizerStore, TokenState } from '../../shared/store/index.js';
import {
  guaranteedUntil,
  MIN_SERVED_VALIDITY_MS,
  SAFETY_MARGIN_MS,
  SCHEDULED,
  STUCK_REQUEST_MS,
  TRUST_WINDOW_MS,
  WECHAT_GRACE_MS,
} from '../../shared/tokens/index.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import { due, issued, LEASE, LIFETIME, MARGIN, storesOn, T0 } from './store-fixture.js';

// The renewal protocol's writes (leases, commits, releases) on the real authorizer store, on both
// backends (see store-fixture.ts); the renewer's are in authorizer-renewer-writes.test.ts.

describe.each(conformanceBackends())('authorizer renewal writes on %s', (kind) => {
  const { current, active, acquire, leased, commit, release, renewedOnce, listed } = storesOn(kind);
  let store: AuthorizerStore;
  beforeEach(() => {
    ({ store } = current());
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
    const fastDone = await commit(
      appId,
      fast,
      { owner: 'fast', sentAt: T0 + LEASE + 1, now: T0 + LEASE + 2, unsettled: false },
      fastToken,
    );
    expect(fastDone.result).toBe('committed');
    // The slow holder decided from the version it leased (stale now): it is read again and decided again.
    const slowDone = await commit(
      appId,
      slow,
      { owner: 'slow', sentAt: T0 + 1, now: T0 + LEASE + 3, unsettled: false },
      issued('token-slow', T0 + 1),
    );
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
    const { result, record: abandoned } = await release(appId, unsure, {
      owner: 'unsure',
      sentAt: T0 + 10,
      now: T0 + 20,
      unsettled: true,
    });
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
    const { result: again, record: unchanged } = await release(appId, released as AuthorizerRecord, {
      ...certain,
      now: T0 + 23,
    });
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
});
