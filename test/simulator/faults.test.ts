import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { clientFor, componentToken } from '../support/simulated-wechat.js';
import { raw, useSimulators } from './started.js';

// Fault injection (simulator/faults.ts).
const simulatorWith = useSimulators();

describe('faults', () => {
  it('a steady -1 rate is seeded: the same calls fail on every run', async () => {
    const outcomes = async (): Promise<number[]> => {
      const simulator = await simulatorWith({ seed: 3 });
      simulator.faults.set({ systemErrorRate: 0.3 });
      const results: number[] = [];
      for (let i = 0; i < 40; i++) {
        const answer = await raw(simulator, '/cgi-bin/component/api_create_preauthcode', {
          method: 'POST',
          body: '{}',
        });
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
    const client = clientFor(simulator, {
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 },
    });
    const token = await componentToken(simulator, client);
    const appId = simulator.world.population.listing()[0]?.appId ?? '';
    const input = {
      authorizerAppId: appId,
      authorizerRefreshToken: sensitive(simulator.world.refreshTokenOf(appId) ?? ''),
    };
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
