import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamo } from '../../infra/local/dynamo.js';
import { refreshDueAuthorizers } from '../../shared/refresh/index.js';
import { sensitive } from '../../shared/sensitive.js';
import { AuthorizerRenewer, type RenewalReason, type RenewalResult, SCHEDULED } from '../../shared/tokens/index.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { dyingStore } from '../support/dying-stores.js';
import { conformanceBackends, startBackend } from '../support/dynamo-backends.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

const MINUTE = 60_000;

describe.each(conformanceBackends())('renewal under the lease, on %s', (kind) => {
  let backend: LocalDynamo;
  let bed: Testbed;

  beforeAll(async () => {
    backend = await startBackend(kind);
  }, 60_000);
  afterAll(() => backend.close());
  beforeEach(async () => {
    bed = await startTestbed(backend);
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  /** What a getter asks: a token valid for at least five more minutes. */
  const getterReason = (): RenewalReason => ({ kind: 'due', minValidMs: MINUTE });
  const tokenOf = (result: RenewalResult): string => {
    if (result.kind !== 'renewed' && result.kind !== 'current') throw new Error(`no token: ${result.kind}`);
    return result.token.token.reveal();
  };
  const isValid = (appId: string, token: string) => bed.simulator.world.isAuthorizerTokenValid(appId, token);

  it('50 concurrent renewals of one appid: one WeChat call, one token for all 50', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => bed.renewer.renew(appId, getterReason(), { waitMs: 10_000 })),
    );
    expect(bed.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(1);
    expect(bed.simulator.counters.calls('api_component_token')).toBe(1);
    expect(results.filter((result) => result.kind === 'renewed')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'current')).toHaveLength(49);
    const tokens = new Set(results.map(tokenOf));
    expect(tokens.size).toBe(1);
    expect(isValid(appId, [...tokens][0] ?? '')).toBe(true);
    expect((await bed.authorizers.get(appId))?.accessToken?.token.reveal()).toBe([...tokens][0]);
  });

  it('a holder that crashes after WeChat answered: its lease expires, the next caller renews, no invalid token is handed out', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const handedOut: Array<{ token: string; validWhenHandedOut: boolean }> = [];
    const ask = async (): Promise<void> => {
      const token = tokenOf(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 }));
      handedOut.push({ token, validWhenHandedOut: isValid(appId, token) });
    };
    await ask(); // T0, stored
    bed.clock.advance(7_200_000 - 15 * MINUTE); // due for the scheduled refresh

    // The crashing holder: WeChat renews (T0 is now superseded), then the process dies before the commit.
    const crashing = new AuthorizerRenewer({
      store: dyingStore(bed.doc, bed.tableName, { at: 'commit' }),
      leaseMs: 60_000,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
    await expect(crashing.renew(appId, SCHEDULED, { waitMs: 0 })).rejects.toThrow('process killed');
    expect(bed.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(2);

    bed.clock.advance(30_000); // the lease is still live: T0 is within WeChat's grace and is handed out
    await ask();
    bed.clock.advance(31_000); // the lease was abandoned: T0 may be superseded, but works until 5 min after the lease began
    await ask();
    bed.clock.advance(5 * MINUTE); // T0 is dead now: the next caller takes the abandoned lease over
    await ask();

    expect(handedOut.every((entry) => entry.validWhenHandedOut)).toBe(true);
    // T0 (while its guarantee lasted), then the takeover's token: sent after the dead holder's requests
    // could still be acted on, so nothing is left in doubt and no further renewal is needed.
    expect(new Set(handedOut.map((entry) => entry.token)).size).toBe(2);
    const stored = await bed.authorizers.get(appId);
    expect(isValid(appId, stored?.accessToken?.token.reveal() ?? '')).toBe(true);
    expect(stored?.lease).toBeUndefined();
    expect(stored?.doubt).toBeUndefined();
    expect(bed.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(3);
  });

  it('a chain of crashing holders never makes a token WeChat superseded look trustworthy', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const first = tokenOf(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 }));
    bed.clock.advance(7_200_000 - 15 * MINUTE);
    const crashing = new AuthorizerRenewer({
      store: dyingStore(bed.doc, bed.tableName, { at: 'commit' }),
      leaseMs: 60_000,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
    // Five holders in a row, each taking the lease the previous one abandoned, each having WeChat issue
    // a token (the first of them superseding the stored one) and dying before its commit.
    for (let i = 0; i < 5; i++) {
      if (i > 0) bed.clock.advance(61_000);
      await expect(crashing.renew(appId, SCHEDULED, { waitMs: 0 })).rejects.toThrow();
    }
    bed.clock.advance(57_000); // 5 minutes and 1 s after the first crash; the fifth holder's lease is live
    expect(isValid(appId, first)).toBe(false);
    expect((await bed.authorizers.get(appId))?.accessToken?.token.reveal()).toBe(first);
    // The stored token must not be handed out, though it looks unexpired and a lease is live.
    expect(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 })).toEqual({ kind: 'busy' });
    bed.clock.advance(5_000); // the fifth lease has expired
    const next = tokenOf(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 }));
    expect(isValid(appId, next)).toBe(true);
    // The takeover came within a minute of the fifth holder's lease: its requests may still supersede
    // `next`, so `next` is renewed again as soon as that doubt is over.
    const stored = await bed.authorizers.get(appId);
    expect(stored?.doubt).toBeDefined();
    expect(stored?.refreshAt).toBe((stored?.doubt?.until ?? 0) + 1);
  });

  it('a renewal that returns a new refresh token persists it, and the next renewal uses it', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const original = bed.simulator.world.refreshTokenOf(appId);
    bed.simulator.world.config.rotateRefreshTokenOnRenewal = true;
    await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    const stored = await bed.authorizers.get(appId);
    expect(stored?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(appId));
    expect(stored?.refreshToken.reveal()).not.toBe(original);
    expect(bed.metrics.total('RefreshTokenRotated')).toBe(1);

    bed.clock.advance(7_200_000 - 30_000); // the old refresh token's grace is long over; the token needs renewing
    const next = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    expect(next.kind).toBe('renewed');
    expect(bed.simulator.counters.outcomes('api_authorizer_token', 61023)).toBe(0);
  });

  it('61023: the account is marked refresh_token_invalid, leaves the due index, and a metric says so', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    bed.simulator.world.replaceRefreshToken(appId);
    const result = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    expect(result).toMatchObject({ kind: 'failed', failure: 'refresh_token_invalid' });
    expect((await bed.authorizers.get(appId))?.status).toBe('refresh_token_invalid');
    expect(bed.metrics.total('RefreshTokenInvalid')).toBe(1);
    const due: string[] = [];
    for await (const id of bed.authorizers.dueAppIds(bed.clock.now())) due.push(id);
    expect(due).not.toContain(appId);
    expect(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 })).toEqual({
      kind: 'inactive',
      status: 'refresh_token_invalid',
    });
  });

  it('61003: the account is marked revoked', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    bed.simulator.world.revoke(appId);
    expect(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'not_authorized',
    });
    expect((await bed.authorizers.get(appId))?.status).toBe('revoked');
    expect(bed.metrics.total('AuthorizerRevoked')).toBe(1);
  });

  it('-1: retried within the run; still failing, released and left due for the next run', async () => {
    const [first = '', second = ''] = await bed.seedAuthorizers(2);
    bed.simulator.faults.failNext('api_authorizer_token', -1, 2);
    expect((await bed.renewer.renew(first, getterReason(), { waitMs: 0 })).kind).toBe('renewed');
    expect(bed.simulator.counters.outcomes('api_authorizer_token', -1)).toBe(2);

    bed.simulator.faults.failNext('api_authorizer_token', -1, 3);
    expect(await bed.renewer.renew(second, getterReason(), { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'retryable',
    });
    const record = await bed.authorizers.get(second);
    expect(record?.lease).toBeUndefined();
    expect(record?.status).toBe('active');
    const summary = await refreshDueAuthorizers({ store: bed.authorizers, renewer: bed.renewer, clock: bed.clock });
    expect(summary).toMatchObject({ due: 1, renewed: 1 });
  });

  it('40001: the component token is renewed once for all callers, and each call retried once', async () => {
    const appIds = await bed.seedAuthorizers(20);
    await bed.renewer.renew(appIds[0] ?? '', getterReason(), { waitMs: 0 }); // a component token is stored now
    expect(bed.simulator.counters.calls('api_component_token')).toBe(1);
    // Someone else (another deployment, a developer with the secret) takes a component token: WeChat
    // supersedes ours, which fails with 40001 once its grace is over.
    await bed.client.getComponentAccessToken({
      componentAppSecret: sensitive(SIMULATOR_CREDENTIALS.componentAppSecret),
      componentVerifyTicket: sensitive(bed.simulator.world.issueTicket()),
    });
    bed.clock.advance(5 * MINUTE);
    const results = await Promise.all(
      appIds.slice(1).map((appId) => bed.renewer.renew(appId, getterReason(), { waitMs: 10_000 })),
    );
    expect(
      results.map((result) => (result.kind === 'failed' ? `${result.failure}: ${result.error.message}` : result.kind)),
    ).toEqual(Array(19).fill('renewed'));
    expect(bed.simulator.counters.calls('api_component_token')).toBe(3);
    // Every caller that used the superseded token was refused once; one renewal served them all.
    expect(bed.simulator.counters.outcomes('api_authorizer_token', 40001)).toBeGreaterThanOrEqual(1);
    expect(bed.simulator.counters.outcomes('api_authorizer_token', 40001)).toBeLessThanOrEqual(19);
    expect(bed.simulator.counters.outcomes('api_authorizer_token', 0)).toBe(20);
  });

  it('no answer at all to the renewal of a token WeChat confirmed dead: the dead token is never handed out again', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const first = tokenOf(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 }));
    await bed.killStoredToken(appId);
    bed.simulator.faults.dropNext('api_authorizer_token', { afterProcessing: true, times: 3 });
    expect(await bed.renewer.renew(appId, { kind: 'invalid', token: sensitive(first) }, { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'network',
    });
    const stored = await bed.authorizers.get(appId);
    expect(stored?.accessToken).toBeUndefined(); // WeChat said it is dead: it is not kept to be handed out
    expect(stored?.doubt).toBeDefined(); // and the dropped renewals may still be acted on
    bed.clock.advance(1);
    const next = tokenOf(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 }));
    expect(next).not.toBe(first);
    expect(isValid(appId, next)).toBe(true);
  });
});
