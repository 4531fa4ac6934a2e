import { describe, expect, it } from 'vitest';
import type { WechatSimulator } from '../../simulator/index.js';
import { clientFor, componentToken } from '../support/simulated-wechat.js';
import { useSimulators } from './started.js';

// The seeded population (simulator/population.ts) as api_get_authorizer_list shows it.
const simulatorWith = useSimulators();

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
    const ids = (s: WechatSimulator) =>
      s.world.population.listing().map((record) => `${record.appId}:${record.refreshToken}`);
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
