import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refreshDueAuthorizers } from '../../shared/refresh/index.js';
import { sensitive } from '../../shared/sensitive.js';
import { SyncStore, Table } from '../../shared/store/index.js';
import { AuthorizerRenewer, exchangeAuthorization, type RenewalReason, SCHEDULED } from '../../shared/tokens/index.js';
import { WechatComponentClient } from '../../shared/wechat/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Interleavings an independent review constructed against the lease, each now a test.

const MINUTE = 60_000;

describe('interleavings', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const getterReason = (): RenewalReason => ({ kind: 'due', minValidMs: MINUTE });
  const isValid = (appId: string, token: string) => bed.simulator.world.isAuthorizerTokenValid(appId, token);

  /** A client whose api_authorizer_token calls wait at a gate the test opens. */
  function gatedClient(): { client: WechatComponentClient; reached: Promise<void>; open: () => void } {
    let open!: () => void;
    let reached!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    class Gated extends WechatComponentClient {
      override async getAuthorizerAccessToken(...args: Parameters<WechatComponentClient['getAuthorizerAccessToken']>) {
        reached();
        await gate;
        return super.getAuthorizerAccessToken(...args);
      }
    }
    return {
      client: new Gated({ componentAppId: bed.client.componentAppId, baseUrl: bed.simulator.url, timeoutMs: 2_000 }),
      reached: atGate,
      open,
    };
  }

  /** A renewer whose WeChat calls give up after 100 ms, with `attempts` attempts in all. */
  const renewerTimingOutAt100ms = (attempts: number) =>
    new AuthorizerRenewer({
      store: bed.authorizers,
      client: new WechatComponentClient({
        componentAppId: bed.client.componentAppId,
        baseUrl: bed.simulator.url,
        timeoutMs: 100,
        retry: { maxAttempts: attempts, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 5_000 },
      }),
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });

  it('a holder whose call reaches WeChat after its lease ended never leaves a superseded token trusted', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    bed.clock.advance(7_200_000 - 15 * MINUTE);
    const slow = gatedClient();
    const a = new AuthorizerRenewer({
      store: bed.authorizers,
      client: slow.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      metrics: bed.metrics,
    });
    const pendingA = a.renew(appId, SCHEDULED, { waitMs: 0 });
    await slow.reached;
    bed.clock.advance(61_000); // A's lease has expired; B takes over and commits T_B
    expect(
      await refreshDueAuthorizers({ store: bed.authorizers, renewer: bed.renewer, clock: bed.clock }),
    ).toMatchObject({ renewed: 1 });
    const committed = (await bed.authorizers.get(appId))?.accessToken?.token.reveal() ?? '';
    slow.open(); // A's call reaches WeChat now and supersedes T_B
    await pendingA;
    expect(bed.metrics.total('AuthorizerLeaseLost')).toBe(1);
    bed.clock.advance(5 * MINUTE + 1_000); // T_B is dead at WeChat
    expect(isValid(appId, committed)).toBe(false);
    const result = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    expect(result.kind).toBe('renewed');
    if (result.kind === 'renewed') expect(isValid(appId, result.token.token.reveal())).toBe(true);
  });

  it('a request that timed out and was acted on after its retry never leaves a superseded token trusted', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    await bed.componentTokens.get();
    const impatient = renewerTimingOutAt100ms(3);
    // The first attempt is stuck for 300 ms: the client gives up at 100 ms and retries, the retry is
    // answered (the token stored), and then WeChat acts on the stuck one and supersedes it.
    bed.simulator.faults.delayNext('api_authorizer_token', 300);
    const first = await impatient.renew(appId, getterReason(), { waitMs: 0 });
    expect(first.kind).toBe('renewed');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(bed.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(2);
    bed.clock.advance(5 * MINUTE); // the stored token is dead at WeChat now
    const second = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    expect(second.kind).toBe('renewed');
    if (second.kind === 'renewed') expect(isValid(appId, second.token.token.reveal())).toBe(true);
  });

  it("a takeover after a holder gave up without an answer keeps distrusting: the stuck request may land after the takeover's", async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    await bed.componentTokens.get();
    const givesUp = renewerTimingOutAt100ms(1);
    bed.simulator.faults.delayNext('api_authorizer_token', 300);
    expect(await givesUp.renew(appId, getterReason(), { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'network',
    });
    bed.clock.advance(1);
    const takeover = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 }); // the lease was left expired
    expect(takeover.kind).toBe('renewed');
    await new Promise((resolve) => setTimeout(resolve, 400)); // the stuck request lands now
    expect(bed.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(2);
    bed.clock.advance(5 * MINUTE);
    const next = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    expect(next.kind).toBe('renewed');
    if (next.kind === 'renewed') expect(isValid(appId, next.token.token.reveal())).toBe(true);
  });

  it('a holder with too little of its lease left does not call WeChat at all', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const slowComponent = {
      withToken: async <T>(call: (token: ReturnType<typeof sensitive>) => Promise<T>): Promise<T> => {
        bed.clock.advance(55_000); // the component token took most of the lease
        return bed.componentTokens.withToken(call);
      },
    } as unknown as typeof bed.componentTokens;
    const late = new AuthorizerRenewer({
      store: bed.authorizers,
      client: bed.client,
      componentTokens: slowComponent,
      clock: bed.clock,
    });
    expect(await late.renew(appId, getterReason(), { waitMs: 0 })).toMatchObject({
      kind: 'failed',
      failure: 'lease_expired',
    });
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(0);
    const record = await bed.authorizers.get(appId);
    expect(record?.lease).toBeUndefined();
    expect(record?.doubt).toBeUndefined(); // nothing was sent: nothing is in doubt
  });

  it('61023 for an old refresh token does not mark an account whose recovered one the sync just stored', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    bed.simulator.world.replaceRefreshToken(appId); // ours is now refused; WeChat lists the new one
    const gated = gatedClient();
    const a = new AuthorizerRenewer({
      store: bed.authorizers,
      client: gated.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
    const pending = a.renew(appId, getterReason(), { waitMs: 0 });
    await gated.reached;
    // The sync stores the recovered refresh token while A's call (with the old one) is in flight.
    const sync = new SyncStore(new Table(bed.doc, bed.tableName));
    const stored = await bed.authorizers.get(appId);
    bed.clock.advance(1_000);
    expect(
      await sync.applyListed(
        {
          appId,
          refreshToken: sensitive(bed.simulator.world.refreshTokenOf(appId) ?? ''),
          authTime: stored?.authTime ?? 0,
          fetchedAt: bed.clock.now(),
        },
        {
          expectedVersion: stored?.version ?? 0,
          refreshToken: true,
          authTime: false,
          activate: false,
          now: bed.clock.now(),
        },
      ),
    ).toBe(true);
    gated.open();
    expect(await pending).toMatchObject({ kind: 'failed', failure: 'refresh_token_invalid' });
    const after = await bed.authorizers.get(appId);
    expect(after).toMatchObject({ status: 'active', lease: undefined });
    expect(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 })).toMatchObject({ kind: 'renewed' });
  });

  it('a renewal in flight does not overwrite the tokens of an authorization the callback just stored', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const gated = gatedClient();
    const a = new AuthorizerRenewer({
      store: bed.authorizers,
      client: gated.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
    const pending = a.renew(appId, getterReason(), { waitMs: 0 });
    await gated.reached;
    // The account authorizes again; the callback exchanges the code and stores the new tokens.
    const grant = bed.simulator.world.authorize(appId);
    expect(
      await exchangeAuthorization(
        {
          store: bed.authorizers,
          client: bed.client,
          componentTokens: bed.componentTokens,
          clock: bed.clock,
          renewalMarginMs: 15 * MINUTE,
        },
        {
          appId,
          authorizationCode: sensitive(grant.authorizationCode),
          createTime: Math.floor(bed.clock.now() / 1000),
        },
      ),
    ).toEqual({ kind: 'stored', appId });
    const exchanged = await bed.authorizers.get(appId);
    gated.open();
    await pending; // its refresh token was replaced: 61023, or a token from before the authorization
    const stored = await bed.authorizers.get(appId);
    expect(stored?.status).toBe('active');
    expect(stored?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(appId));
    expect(stored?.accessToken?.token.reveal()).toBe(exchanged?.accessToken?.token.reveal());
    expect(isValid(appId, stored?.accessToken?.token.reveal() ?? '')).toBe(true);
  });

  it('a component-token failure does not make a valid authorizer token untrusted', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const first = await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    // The authorizer token is due for the scheduled refresh; the component token must be renewed first,
    // and renewing it fails without an answer.
    bed.clock.advance(7_200_000 - 14 * MINUTE);
    await new Table(bed.doc, bed.tableName).update(
      { pk: `COMPONENT#${bed.config.componentAppId}` },
      { set: { accessTokenExpiresAt: bed.clock.now() } },
      { expression: 'attribute_exists(#pk)' },
    );
    bed.simulator.faults.dropNext('api_component_token', { times: 3 });
    const result = await bed.renewer.renew(appId, SCHEDULED, { waitMs: 0 });
    expect(result.kind).toBe('failed');
    const record = await bed.authorizers.get(appId);
    expect(record?.lease).toBeUndefined();
    expect(record?.doubt).toBeUndefined(); // api_authorizer_token was never sent
    // The getter still hands out the token it had, which WeChat still accepts.
    expect(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 })).toMatchObject({ kind: 'current' });
    if (first.kind === 'renewed') expect(isValid(appId, first.token.token.reveal())).toBe(true);
  });

  it('after 45009 the stored token stays trusted: no storm of renewals against a spent quota', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    await bed.renewer.renew(appId, getterReason(), { waitMs: 0 });
    bed.clock.advance(7_200_000 - 15 * MINUTE);
    bed.simulator.faults.failNext('api_authorizer_token', 45009);
    expect(
      await refreshDueAuthorizers({ store: bed.authorizers, renewer: bed.renewer, clock: bed.clock }),
    ).toMatchObject({ stoppedForQuota: true });
    bed.clock.advance(5 * MINUTE);
    expect(await bed.renewer.renew(appId, getterReason(), { waitMs: 0 })).toMatchObject({ kind: 'current' });
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(2);
  });

  it('a failed component renewal inside the margin falls back to the stored token while it works', async () => {
    const first = await bed.componentTokens.get();
    bed.clock.advance(7_200_000 - 9 * MINUTE);
    bed.simulator.faults.failNext('api_component_token', -1, 3);
    const fallback = await bed.componentTokens.get();
    expect(fallback.equals(first)).toBe(true);
    expect(bed.simulator.world.isComponentTokenValid(fallback.reveal())).toBe(true);
    bed.clock.advance(8 * MINUTE + 30_000); // under a minute left: no fallback any more
    bed.simulator.faults.failNext('api_component_token', -1, 3);
    await expect(bed.componentTokens.get()).rejects.toMatchObject({ errcode: -1 });
  });
});
