import { afterEach, describe, expect, it } from 'vitest';
import { SimClock, SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator';
import { sensitive } from '../../shared/sensitive';
import { startCallbackReceiver } from '../support/callback-receiver';
import { clientFor, componentCrypto, componentToken } from '../support/simulated-wechat';

const started: WechatSimulator[] = [];
async function simulatorWith(options: Parameters<typeof WechatSimulator.start>[0] = {}): Promise<WechatSimulator> {
  const simulator = await WechatSimulator.start(options);
  started.push(simulator);
  return simulator;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((simulator) => simulator.close()));
});

/** A raw call, for what the typed client never sends. */
async function raw(simulator: WechatSimulator, path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${simulator.url}${path}`, init);
  return (await response.json()) as Record<string, unknown>;
}

describe('population', () => {
  it('holds 100,000 authorizers, each listed exactly once across 200 pages', async () => {
    const simulator = await simulatorWith({ authorizers: 100_000 });
    const client = clientFor(simulator);
    const token = await componentToken(simulator, client);
    const appIds = new Set<string>();
    for (let offset = 0; offset < 100_000; offset += 500) {
      const page = await client.getAuthorizerList(token, { offset, count: 500 });
      expect(page.totalCount).toBe(100_000);
      expect(page.authorizers).toHaveLength(500);
      for (const authorizer of page.authorizers) appIds.add(authorizer.authorizerAppId);
    }
    expect((await client.getAuthorizerList(token, { offset: 100_000, count: 500 })).authorizers).toHaveLength(0);
    expect(simulator.counters.calls('api_get_authorizer_list')).toBe(201);
    expect(appIds.size).toBe(100_000);
    for (const appId of appIds) expect(appId).toMatch(/^wx[0-9a-f]{16}$/);
  });

  it('is the same for the same seed, and different for another', async () => {
    const a = await simulatorWith({ authorizers: 5, seed: 7 });
    const b = await simulatorWith({ authorizers: 5, seed: 7 });
    const c = await simulatorWith({ authorizers: 5, seed: 8 });
    const ids = (s: WechatSimulator) => s.world.population.listing().map((record) => `${record.appId}:${record.refreshToken}`);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
  });

  it('revocation removes an account from the listing; re-authorization brings it back last, with a new refresh token', async () => {
    const simulator = await simulatorWith({ authorizers: 3 });
    const [first] = simulator.world.population.listing();
    const appId = first?.appId ?? '';
    const oldRefreshToken = simulator.world.refreshTokenOf(appId);
    expect(simulator.world.revoke(appId)).toBe(true);
    expect(simulator.world.population.listing().map((record) => record.appId)).not.toContain(appId);
    expect(simulator.world.refreshTokenOf(appId)).toBeUndefined();
    simulator.world.authorize(appId);
    const listing = simulator.world.population.listing();
    expect(listing).toHaveLength(3);
    expect(listing.at(-1)?.appId).toBe(appId);
    expect(simulator.world.refreshTokenOf(appId)).not.toBe(oldRefreshToken);
  });
});

describe('tokens on a clock the test controls', () => {
  it('a renewal invalidates the previous access token after the configured grace', async () => {
    const simulator = await simulatorWith({ authorizers: 1, graceMs: 60_000 });
    const client = clientFor(simulator);
    const token = await componentToken(simulator, client);
    const appId = simulator.world.population.listing()[0]?.appId ?? '';
    const refresh = sensitive(simulator.world.refreshTokenOf(appId) ?? '');
    const renew = () => client.getAuthorizerAccessToken(token, { authorizerAppId: appId, authorizerRefreshToken: refresh });
    const first = (await renew()).authorizerAccessToken.reveal();
    const second = (await renew()).authorizerAccessToken.reveal();
    expect(simulator.world.isAuthorizerTokenValid(appId, first)).toBe(true);
    simulator.clock.advance(59_999);
    expect(simulator.world.isAuthorizerTokenValid(appId, first)).toBe(true);
    simulator.clock.advance(1);
    expect(simulator.world.isAuthorizerTokenValid(appId, first)).toBe(false);
    expect(simulator.world.isAuthorizerTokenValid(appId, second)).toBe(true);
    // The token is checked over HTTP too, as an API called with the authorizer's token would.
    expect(await raw(simulator, `/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(first)}`)).toMatchObject({ errcode: 40001 });
    expect(await raw(simulator, `/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(second)}`)).toHaveProperty('ip_list');
    simulator.clock.advance(7_200_000);
    expect(await raw(simulator, `/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(second)}`)).toMatchObject({ errcode: 42001 });
  });

  it('expires_in is 7200 and tokens die at exactly that age', async () => {
    const simulator = await simulatorWith({ authorizers: 1 });
    const client = clientFor(simulator);
    const token = await componentToken(simulator, client);
    simulator.clock.advance(7_199_999);
    expect(simulator.world.isComponentTokenValid(token.reveal())).toBe(true);
    simulator.clock.advance(1);
    expect(simulator.world.isComponentTokenValid(token.reveal())).toBe(false);
  });

  it('the clock only moves forward; a running clock follows real time', async () => {
    const frozen = new SimClock({ start: 1_000_000 });
    expect(() => frozen.advance(-1)).toThrow(RangeError);
    expect(() => frozen.set(999_999)).toThrow(RangeError);
    frozen.advance(500);
    expect(frozen.now()).toBe(1_000_500);
    const running = new SimClock({ frozen: false });
    const before = running.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running.now()).toBeGreaterThan(before);
  });
});

describe('the HTTP contract', () => {
  it('answers malformed calls with the errcodes WeChat uses', async () => {
    const simulator = await simulatorWith({ authorizers: 1 });
    const token = (await componentToken(simulator, clientFor(simulator))).reveal();
    const list = `/cgi-bin/component/api_get_authorizer_list?access_token=${encodeURIComponent(token)}`;
    const appid = SIMULATOR_CREDENTIALS.componentAppId;
    expect(await raw(simulator, list)).toMatchObject({ errcode: 43002 });
    expect(await raw(simulator, list, { method: 'POST', body: '' })).toMatchObject({ errcode: 44002 });
    expect(await raw(simulator, list, { method: 'POST', body: '{not json' })).toMatchObject({ errcode: 47001 });
    expect(await raw(simulator, list, { method: 'POST', body: JSON.stringify({ component_appid: appid, offset: 0 }) })).toMatchObject({ errcode: 47001 });
    expect(await raw(simulator, list, { method: 'POST', body: JSON.stringify({ component_appid: 'wxother', offset: 0, count: 1 }) })).toMatchObject({
      errcode: 40013,
    });
    expect(await raw(simulator, '/cgi-bin/component/api_get_authorizer_list', { method: 'POST', body: JSON.stringify({ component_appid: appid, offset: 0, count: 1 }) })).toMatchObject({
      errcode: 41001,
    });
    expect(await raw(simulator, '/cgi-bin/component/no_such_api', { method: 'POST', body: '{}' })).toMatchObject({ errcode: 40066 });
  });

  it('accepts the older component_access_token query parameter too', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const token = (await componentToken(simulator, clientFor(simulator))).reveal();
    const answer = await raw(simulator, `/cgi-bin/component/api_get_authorizer_list?component_access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      body: JSON.stringify({ component_appid: SIMULATOR_CREDENTIALS.componentAppId, offset: 0, count: 10 }),
    });
    expect(answer).toMatchObject({ total_count: 2 });
  });

  it('counts calls per endpoint, per outcome and per authorizer, also over HTTP', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const client = clientFor(simulator, { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 } });
    const token = await componentToken(simulator, client);
    const [a, b] = simulator.world.population.listing();
    for (const record of [a, a, b]) {
      if (!record) throw new Error('missing authorizer');
      await client.getAuthorizerAccessToken(token, { authorizerAppId: record.appId, authorizerRefreshToken: sensitive(record.refreshToken) });
    }
    await client.getAuthorizerAccessToken(token, { authorizerAppId: a?.appId ?? '', authorizerRefreshToken: sensitive('refreshtoken@@@bad') }).catch(() => undefined);
    expect(simulator.counters.calls('api_authorizer_token')).toBe(4);
    expect(simulator.counters.outcomes('api_authorizer_token', 0)).toBe(3);
    expect(simulator.counters.outcomes('api_authorizer_token', 61023)).toBe(1);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', a?.appId ?? '')).toBe(3);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', b?.appId ?? '')).toBe(1);
    simulator.faults.dropNext('api_authorizer_token');
    await client.getAuthorizerAccessToken(token, { authorizerAppId: b?.appId ?? '', authorizerRefreshToken: sensitive('x') }).catch(() => undefined);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', b?.appId ?? '')).toBe(2);
    expect(await raw(simulator, '/__sim/counters')).toMatchObject({
      calls: { api_component_token: 1, api_authorizer_token: 5 },
      outcomes: { 'api_authorizer_token:dropped': 1 },
      perAuthorizer: { [`api_authorizer_token:${b?.appId ?? ''}`]: 2 },
    });
  });
});

describe('faults', () => {
  it('a steady -1 rate is seeded: the same calls fail on every run', async () => {
    const outcomes = async (): Promise<number[]> => {
      const simulator = await simulatorWith({ seed: 3 });
      simulator.faults.set({ systemErrorRate: 0.3 });
      const results: number[] = [];
      for (let i = 0; i < 40; i++) {
        const answer = await raw(simulator, '/cgi-bin/component/api_create_preauthcode', { method: 'POST', body: '{}' });
        results.push(Number(answer['errcode'] ?? 0));
      }
      return results;
    };
    const first = await outcomes();
    expect(first.filter((errcode) => errcode === -1).length).toBeGreaterThan(4);
    expect(first.filter((errcode) => errcode === -1).length).toBeLessThan(24);
    expect(await outcomes()).toEqual(first);
  });

  it('a drop after processing: WeChat renewed, the caller never heard, the old token dies after the grace', async () => {
    const simulator = await simulatorWith({ authorizers: 1 });
    const client = clientFor(simulator, { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 } });
    const token = await componentToken(simulator, client);
    const appId = simulator.world.population.listing()[0]?.appId ?? '';
    const input = { authorizerAppId: appId, authorizerRefreshToken: sensitive(simulator.world.refreshTokenOf(appId) ?? '') };
    const held = (await client.getAuthorizerAccessToken(token, input)).authorizerAccessToken.reveal();
    simulator.faults.dropNext('api_authorizer_token', { afterProcessing: true });
    await expect(client.getAuthorizerAccessToken(token, input)).rejects.toMatchObject({ kind: 'network' });
    expect(simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(2);
    simulator.clock.advance(5 * 60_000 - 1);
    expect(simulator.world.isAuthorizerTokenValid(appId, held)).toBe(true);
    simulator.clock.advance(1);
    expect(simulator.world.isAuthorizerTokenValid(appId, held)).toBe(false);
  });

  it('refuses fault settings that make no sense', async () => {
    const simulator = await simulatorWith();
    expect(() => simulator.faults.set({ systemErrorRate: 1.5 })).toThrow(RangeError);
    expect(() => simulator.faults.set({ latencyMs: { min: 50, max: 10 } })).toThrow(RangeError);
    expect(() => simulator.faults.set({ latencyMs: -1 })).toThrow(RangeError);
  });

  it('added latency delays the answer; scoped to the endpoints named', async () => {
    const simulator = await simulatorWith();
    simulator.faults.set({ latencyMs: { min: 80, max: 100 }, endpoints: ['api_create_preauthcode'] });
    const timed = async (path: string) => {
      const start = performance.now();
      await raw(simulator, path, { method: 'POST', body: '{}' });
      return performance.now() - start;
    };
    expect(await timed('/cgi-bin/component/api_create_preauthcode')).toBeGreaterThanOrEqual(75);
    expect(await timed('/cgi-bin/component/api_query_auth')).toBeLessThan(75);
  });
});

describe('pushes', () => {
  it('pushes an unauthorized event that the account revoked, and reports a refused push as not accepted', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const receiver = await startCallbackReceiver(componentCrypto());
    try {
      const appId = simulator.world.population.listing()[0]?.appId ?? '';
      const result = await simulator.pushAuthorizationEvent('unauthorized', appId, receiver.url);
      expect(result.accepted).toBe(true);
      expect(receiver.received[0]?.fields).toMatchObject({ InfoType: 'unauthorized', AuthorizerAppid: appId, AppId: SIMULATOR_CREDENTIALS.componentAppId });
      expect(simulator.world.refreshTokenOf(appId)).toBeUndefined();

      expect(result.deliveries).toBe(1);

      const stranger = await WechatSimulator.start({ encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' });
      started.push(stranger);
      const refused = await stranger.pushTicket(receiver.url);
      // Refused pushes are sent again, as WeChat does, three times in all.
      expect(refused).toMatchObject({ status: 400, accepted: false, deliveries: 3 });
    } finally {
      await receiver.close();
    }
  });
});

it('redelivers the very same push until it is answered success', async () => {
  const simulator = await simulatorWith();
  const receiver = await startCallbackReceiver(componentCrypto(), { refuseFirst: 2 });
  try {
    const result = await simulator.pushTicket(receiver.url);
    expect(result).toMatchObject({ accepted: true, deliveries: 3 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((push) => push.xml)).size).toBe(1);
  } finally {
    await receiver.close();
  }
});
