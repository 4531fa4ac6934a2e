import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { clientFor, componentToken } from '../support/simulated-wechat.js';
import { raw, useSimulators } from './started.js';

// The simulator's HTTP face (simulator/server.ts): errcodes for malformed calls, counters.
const simulatorWith = useSimulators();

describe('the HTTP contract', () => {
  it('answers malformed calls with the errcodes WeChat uses', async () => {
    const simulator = await simulatorWith({ authorizers: 1 });
    const token = (await componentToken(simulator, clientFor(simulator))).reveal();
    const list = `/cgi-bin/component/api_get_authorizer_list?access_token=${encodeURIComponent(token)}`;
    const appid = SIMULATOR_CREDENTIALS.componentAppId;
    expect(await raw(simulator, list)).toMatchObject({ errcode: 43002 });
    expect(await raw(simulator, list, { method: 'POST', body: '' })).toMatchObject({ errcode: 44002 });
    expect(await raw(simulator, list, { method: 'POST', body: '{not json' })).toMatchObject({ errcode: 47001 });
    expect(
      await raw(simulator, list, { method: 'POST', body: JSON.stringify({ component_appid: appid, offset: 0 }) }),
    ).toMatchObject({ errcode: 47001 });
    expect(
      await raw(simulator, list, {
        method: 'POST',
        body: JSON.stringify({ component_appid: 'wxother', offset: 0, count: 1 }),
      }),
    ).toMatchObject({
      errcode: 40013,
    });
    expect(
      await raw(simulator, '/cgi-bin/component/api_get_authorizer_list', {
        method: 'POST',
        body: JSON.stringify({ component_appid: appid, offset: 0, count: 1 }),
      }),
    ).toMatchObject({
      errcode: 41001,
    });
    expect(await raw(simulator, '/cgi-bin/component/no_such_api', { method: 'POST', body: '{}' })).toMatchObject({
      errcode: 40066,
    });
  });

  it('accepts the older component_access_token query parameter too', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const token = (await componentToken(simulator, clientFor(simulator))).reveal();
    const answer = await raw(
      simulator,
      `/cgi-bin/component/api_get_authorizer_list?component_access_token=${encodeURIComponent(token)}`,
      {
        method: 'POST',
        body: JSON.stringify({ component_appid: SIMULATOR_CREDENTIALS.componentAppId, offset: 0, count: 10 }),
      },
    );
    expect(answer).toMatchObject({ total_count: 2 });
  });

  it('counts calls per endpoint, per outcome and per authorizer, also over HTTP', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const client = clientFor(simulator, {
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 },
    });
    const token = await componentToken(simulator, client);
    const [a, b] = simulator.world.population.listing();
    for (const record of [a, a, b]) {
      if (!record) throw new Error('missing authorizer');
      await client.getAuthorizerAccessToken(token, {
        authorizerAppId: record.appId,
        authorizerRefreshToken: sensitive(record.refreshToken),
      });
    }
    await client
      .getAuthorizerAccessToken(token, {
        authorizerAppId: a?.appId ?? '',
        authorizerRefreshToken: sensitive('refreshtoken@@@bad'),
      })
      .catch(() => undefined);
    expect(simulator.counters.calls('api_authorizer_token')).toBe(4);
    expect(simulator.counters.outcomes('api_authorizer_token', 0)).toBe(3);
    expect(simulator.counters.outcomes('api_authorizer_token', 61023)).toBe(1);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', a?.appId ?? '')).toBe(3);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', b?.appId ?? '')).toBe(1);
    simulator.faults.dropNext('api_authorizer_token');
    await client
      .getAuthorizerAccessToken(token, { authorizerAppId: b?.appId ?? '', authorizerRefreshToken: sensitive('x') })
      .catch(() => undefined);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', b?.appId ?? '')).toBe(2);
    expect(await raw(simulator, '/__sim/counters')).toMatchObject({
      calls: { api_component_token: 1, api_authorizer_token: 5 },
      outcomes: { 'api_authorizer_token:dropped': 1 },
      perAuthorizer: { [`api_authorizer_token:${b?.appId ?? ''}`]: 2 },
    });
  });
});
