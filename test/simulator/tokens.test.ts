import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { SimClock } from '../../simulator/index.js';
import { clientFor, componentToken } from '../support/simulated-wechat.js';
import { raw, useSimulators } from './started.js';

// Access tokens on the simulator's clock (simulator/access-tokens.ts, token-ledger.ts, clock.ts).
const simulatorWith = useSimulators();

describe('tokens on a clock the test controls', () => {
  it('a renewal invalidates the previous access token after the configured grace', async () => {
    const simulator = await simulatorWith({ authorizers: 1, graceMs: 60_000 });
    const client = clientFor(simulator);
    const token = await componentToken(simulator, client);
    const appId = simulator.world.population.listing()[0]?.appId ?? '';
    const refresh = sensitive(simulator.world.refreshTokenOf(appId) ?? '');
    const renew = () =>
      client.getAuthorizerAccessToken(token, { authorizerAppId: appId, authorizerRefreshToken: refresh });
    const first = (await renew()).authorizerAccessToken.reveal();
    const second = (await renew()).authorizerAccessToken.reveal();
    expect(simulator.world.isAuthorizerTokenValid(appId, first)).toBe(true);
    simulator.clock.advance(59_999);
    expect(simulator.world.isAuthorizerTokenValid(appId, first)).toBe(true);
    simulator.clock.advance(1);
    expect(simulator.world.isAuthorizerTokenValid(appId, first)).toBe(false);
    expect(simulator.world.isAuthorizerTokenValid(appId, second)).toBe(true);
    // The token is checked over HTTP too, as an API called with the authorizer's token would.
    expect(await raw(simulator, `/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(first)}`)).toMatchObject({
      errcode: 40001,
    });
    expect(
      await raw(simulator, `/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(second)}`),
    ).toHaveProperty('ip_list');
    simulator.clock.advance(7_200_000);
    expect(await raw(simulator, `/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(second)}`)).toMatchObject(
      { errcode: 42001 },
    );
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
