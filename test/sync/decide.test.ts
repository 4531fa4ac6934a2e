import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { type AuthorizerSnapshot, dueShardOf, type ListedEntry, RECOVERY_SHARD } from '../../shared/store/index.js';
import {
  AUTH_TIME_TOLERANCE_SECONDS,
  DUE_INDEX_SLACK_MS,
  decide,
  needsReindex,
  planAbsences,
  revocationLimit,
} from '../../shared/sync/index.js';

const T0 = 1_800_000_000_000;
const stored = (change: Partial<AuthorizerSnapshot> = {}): AuthorizerSnapshot => ({
  appId: 'wx0000000000000001',
  status: 'active',
  refreshToken: sensitive('refreshtoken@@@stored'),
  authTime: 1_700_000_000,
  version: 3,
  refreshTokenChangedAt: T0,
  statusChangedAt: T0,
  refreshAt: T0 + 6_300_000,
  dueShard: dueShardOf('wx0000000000000001'),
  ...change,
});
const listed = (change: Partial<ListedEntry> = {}): ListedEntry => ({
  appId: 'wx0000000000000001',
  refreshToken: sensitive('refreshtoken@@@stored'),
  authTime: 1_700_000_000,
  fetchedAt: T0 + 10_000,
  ...change,
});

describe('decide', () => {
  it('a refused account whose stored token was written after the mark is healed with it (scenario 11)', () => {
    expect(
      decide(
        stored({ status: 'refresh_token_invalid', statusChangedAt: T0 + 1, refreshTokenChangedAt: T0 + 2 }),
        listed(),
      ),
    ).toEqual({
      kind: 'heal',
      refreshToken: false,
      authTime: false,
    });
  });

  it('a refused account whose stored token is the one refused (stored before, or in the same millisecond as, the mark) stays refused', () => {
    expect(
      decide(stored({ status: 'refresh_token_invalid', statusChangedAt: T0 + 1, refreshTokenChangedAt: T0 }), listed()),
    ).toEqual({ kind: 'still_invalid' });
    expect(
      decide(stored({ status: 'refresh_token_invalid', statusChangedAt: T0, refreshTokenChangedAt: T0 }), listed()),
    ).toEqual({ kind: 'still_invalid' });
  });

  it('a refused account that WeChat lists with another token is healed with that one, whenever the stored one was written', () => {
    const other = listed({ refreshToken: sensitive('refreshtoken@@@other'), authTime: 1_700_003_600 });
    expect(decide(stored({ status: 'refresh_token_invalid', statusChangedAt: T0 + 1 }), other)).toEqual({
      kind: 'heal',
      refreshToken: true,
      authTime: true,
    });
    expect(decide(stored({ status: 'refresh_token_invalid', refreshTokenChangedAt: T0 + 2 }), other)).toEqual({
      kind: 'heal',
      refreshToken: true,
      authTime: true,
    });
  });

  it("keeps the stored auth time when WeChat's differs by no more than the clock tolerance (the redirect stores the hub's second)", () => {
    for (const authTime of [
      1_700_000_000 - AUTH_TIME_TOLERANCE_SECONDS,
      1_700_000_001,
      1_700_000_000 + AUTH_TIME_TOLERANCE_SECONDS,
    ])
      expect(decide(stored(), listed({ authTime }))).toEqual({ kind: 'unchanged' });
    expect(decide(stored(), listed({ authTime: 1_700_000_001 + AUTH_TIME_TOLERANCE_SECONDS }))).toEqual({
      kind: 'update',
      refreshToken: false,
      authTime: true,
    });
  });

  it('an account listed again after an absence forgets it; a write that changes it forgets it too', () => {
    expect(decide(stored({ absentSince: T0 }), listed())).toEqual({ kind: 'relisted' });
    expect(
      decide(stored({ absentSince: T0, status: 'refresh_token_invalid', statusChangedAt: T0 + 1 }), listed()),
    ).toEqual({ kind: 'relisted' });
    expect(decide(stored(), listed())).toEqual({ kind: 'unchanged' });
    expect(decide(stored({ absentSince: T0 }), listed({ authTime: 1 }))).toEqual({
      kind: 'update',
      refreshToken: false,
      authTime: true,
    });
  });
});

describe('planAbsences', () => {
  const accounts = (count: number, change: (i: number) => Partial<AuthorizerSnapshot> = () => ({})) =>
    Array.from({ length: count }, (_, i) => stored({ appId: `wx${i.toString().padStart(16, '0')}`, ...change(i) }));
  const listing = (appIds: string[], complete = true) => ({
    complete,
    totalCount: appIds.length,
    entries: new Map(appIds.map((appId) => [appId, true])),
  });
  const started = T0 + 3_600_000;

  it('a first absence is recorded, a second one in a row revokes, and nothing is judged by an incomplete listing', () => {
    const [first, second, listedOne] = accounts(3, (i) => (i === 1 ? { absentSince: T0 + 1 } : {}));
    const snapshot = [first, second, listedOne].filter((a): a is AuthorizerSnapshot => a !== undefined);
    const plan = planAbsences(snapshot, listing([listedOne?.appId ?? '']), started);
    expect(plan.markAbsent.map((a) => a.appId)).toEqual([first?.appId]);
    expect(plan.revoke.map((a) => a.appId)).toEqual([second?.appId]);
    expect(planAbsences(snapshot, listing([listedOne?.appId ?? ''], false), started)).toMatchObject({
      markAbsent: [],
      revoke: [],
    });
  });

  it('an absence older than an authorization since is recorded afresh, not revoked; an account written after the listing began is not judged', () => {
    const plan = planAbsences(
      [
        stored({ appId: 'wxa', absentSince: T0 + 1, refreshTokenChangedAt: T0 + 2 }),
        stored({ appId: 'wxb', absentSince: T0 + 1, refreshTokenChangedAt: started }),
      ],
      listing(['wxc']),
      started,
    );
    expect(plan.markAbsent.map((a) => a.appId)).toEqual(['wxa']);
    expect(plan.revoke).toEqual([]);
  });

  it('a listing of 0 while accounts are authorized changes nothing; revoked accounts alone do not count', () => {
    expect(
      planAbsences(
        accounts(3, () => ({ absentSince: T0 + 1 })),
        listing([]),
        started,
      ),
    ).toEqual({ emptyListing: true, markAbsent: [], revoke: [], deferred: 0 });
    expect(
      planAbsences(
        accounts(3, () => ({ status: 'revoked' })),
        listing([]),
        started,
      ),
    ).toMatchObject({ emptyListing: false, revoke: [] });
  });

  it('revokes at most max(10, 5%) a run, the oldest absences first', () => {
    expect([
      revocationLimit(0),
      revocationLimit(200),
      revocationLimit(219),
      revocationLimit(220),
      revocationLimit(100_000),
    ]).toEqual([10, 10, 10, 11, 5_000]);
    const snapshot = accounts(400, (i) => ({ absentSince: T0 + 1 + (i % 50) }));
    const plan = planAbsences(snapshot, listing(snapshot.slice(0, 1).map((a) => a.appId)), started);
    expect(plan.revoke).toHaveLength(20);
    expect(plan.deferred).toBe(399 - 20);
    // 7 accounts absent since T0 + 1 (one of the 8 is listed), 8 since T0 + 2, then 5 of the 8 since T0 + 3.
    expect(plan.revoke.map((a) => (a.absentSince ?? 0) - T0)).toEqual([
      ...Array<number>(7).fill(1),
      ...Array<number>(8).fill(2),
      ...Array<number>(5).fill(3),
    ]);
  });
});

describe('needsReindex', () => {
  const now = T0 + 7_200_000;
  it('an active account without its index key, in another shard, or overdue by more than the slack', () => {
    expect(needsReindex(stored({ refreshAt: now + 1 }), now)).toBe(false);
    expect(needsReindex(stored({ refreshAt: now - DUE_INDEX_SLACK_MS }), now)).toBe(false);
    expect(needsReindex(stored({ refreshAt: now - DUE_INDEX_SLACK_MS - 1 }), now)).toBe(true);
    expect(needsReindex(stored({ dueShard: undefined }), now)).toBe(true);
    expect(needsReindex(stored({ refreshAt: undefined }), now)).toBe(true);
    expect(needsReindex(stored({ dueShard: RECOVERY_SHARD }), now)).toBe(true);
  });

  it('"due at once" (refreshAt 0) counts from the write that set it; refused and revoked accounts are not renewed at all', () => {
    expect(needsReindex(stored({ refreshAt: 0, statusChangedAt: now - 60_000 }), now)).toBe(false);
    expect(needsReindex(stored({ refreshAt: 0, statusChangedAt: now - DUE_INDEX_SLACK_MS - 1 }), now)).toBe(true);
    expect(
      needsReindex(stored({ status: 'refresh_token_invalid', dueShard: RECOVERY_SHARD, refreshAt: T0 }), now),
    ).toBe(false);
    expect(needsReindex(stored({ status: 'revoked', dueShard: undefined, refreshAt: undefined }), now)).toBe(false);
  });
});
