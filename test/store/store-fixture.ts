import { beforeEach, expect } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  type AuthorizerRecord,
  AuthorizerStore,
  ComponentStore,
  type IssuedToken,
  Table,
} from '../../shared/store/index.js';
import { DEFAULT_LEASE_MS, type RenewalReason, SCHEDULED } from '../../shared/tokens/index.js';
import {
  acquireLease,
  commitStep,
  type HolderReport,
  releaseStep,
  type TokenStore,
  transition,
} from '../../shared/tokens/renewal-protocol.js';
import { WechatRefreshTokenInvalidError } from '../../shared/wechat/index.js';
import { type BackendKind, freshTable, useBackend } from '../support/dynamo-backends.js';
import {
  type AuthorizerTokenScript,
  authorizerTokens,
  manualClock,
  scriptedRenewer,
} from '../support/renewal-harness.js';

// The stores' suites run against real DynamoDB-protocol servers: dynalite and AWS's DynamoDB Local must
// agree on every answer, since the design relies on nothing one of them lacks. The store only writes a
// change onto the version it was decided from; what the change is, is the protocol's (acquireLease,
// commitStep, releaseStep, written with transition) or the renewer's (the refresh token kept, the
// 61023 / 61003 marks), so those are driven on the real store, with the steps below.

export const T0 = 1_800_000_000_000;
export const LEASE = DEFAULT_LEASE_MS;
/** The renewer's default renewal margin: a token is due 15 minutes before WeChat's expiry. */
export const MARGIN = 15 * 60_000;
export const LIFETIME = 7_200_000;
export const due = (minValidMs: number): RenewalReason => ({ kind: 'due', minValidMs });
export const issued = (token: string, at: number): IssuedToken => ({
  token: sensitive(token),
  expiresAt: at + LIFETIME,
  issuedAt: at,
});

export interface Stores {
  readonly table: Table;
  readonly store: AuthorizerStore;
  readonly component: ComponentStore;
}

/**
 * A backend of `kind` for the describe block it is called in, a fresh table (and stores on it) for each
 * of its tests, and the renewal's steps driven on those stores.
 */
export function storesOn(kind: BackendKind) {
  const backend = useBackend(kind);
  let stores: Stores | undefined;
  beforeEach(async () => {
    const fresh = await freshTable(backend());
    const table = new Table(fresh.doc, fresh.tableName);
    stores = { table, store: new AuthorizerStore(table), component: new ComponentStore(table) };
  });
  const current = (): Stores => {
    if (!stores) throw new Error('no table yet: the stores are made before each test');
    return stores;
  };

  async function active(appId = 'wx0000000000000001', refreshToken = 'refreshtoken@@@one'): Promise<string> {
    expect(
      await current().store.create({ appId, refreshToken: sensitive(refreshToken), authTime: 1_700_000_000, now: T0 }),
    ).toBe(true);
    return appId;
  }

  const tokens = (appId: string, at: number): TokenStore<AuthorizerRecord, never> =>
    authorizerTokens(current().store, appId, () => at);

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

  async function leased(
    appId: string,
    owner: string,
    at: number,
    reason: RenewalReason = SCHEDULED,
  ): Promise<AuthorizerRecord> {
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
    const { result, record: after } = await commit(
      appId,
      record,
      { owner, sentAt: T0, now: T0, unsettled: false },
      issued(`token-${owner}`, T0),
    );
    expect(result).toBe('committed');
    expect(after).toMatchObject({ refreshAt: T0 + LIFETIME - MARGIN, lease: undefined, doubt: undefined });
    return after;
  }

  async function listed(now: number): Promise<string[]> {
    const found: string[] = [];
    for await (const id of current().store.dueAppIds(now)) found.push(id);
    return found;
  }

  const clock = manualClock(T0);
  const renewerWith = (script: AuthorizerTokenScript) =>
    scriptedRenewer({ store: current().store, component: current().component, clock, script });
  const refused = () => new WechatRefreshTokenInvalidError('api_authorizer_token', 61023, 'invalid refresh token');

  /** The renewer meets 61023 at `at` with the stored refresh token: its mark (status, recovery partition, refreshAt = at). */
  async function markedRefused(appId: string, at: number): Promise<AuthorizerRecord | undefined> {
    clock.set(at);
    const result = await renewerWith(() => Promise.reject(refused())).renew(appId, SCHEDULED, { waitMs: 0 });
    expect(result).toMatchObject({ kind: 'failed', failure: 'refresh_token_invalid' });
    return current().store.get(appId);
  }

  return {
    current,
    active,
    acquire,
    leased,
    commit,
    release,
    renewedOnce,
    listed,
    clock,
    renewerWith,
    refused,
    markedRefused,
  };
}
