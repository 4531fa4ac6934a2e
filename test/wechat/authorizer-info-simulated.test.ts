import { describe, expect, it } from 'vitest';
import { WechatNotAuthorizedError, WechatRejectedError } from '../../shared/wechat/index.js';
import { useSimulatedClient } from './simulated-client.js';

// getAuthorizerInfo over HTTP against the simulator: both kinds, and WeChat's errors as typed errors.
const wechat = useSimulatedClient();

describe('getAuthorizerInfo against the simulator', () => {
  it('maps an official account and a mini program, with their own permission sets and no token', async () => {
    const listing = wechat.simulator.world.population.listing();
    const official = listing.find((record) => record.kind === 'official_account');
    const mini = listing.find((record) => record.kind === 'mini_program');
    if (!official || !mini) throw new Error('the seeded population has both kinds');

    const oa = await wechat.client.getAuthorizerInfo(wechat.token, official.appId);
    expect(oa).toMatchObject({
      appId: official.appId,
      kind: 'official_account',
      accountStatus: 1,
      funcInfo: [1, 2, 3, 4, 7, 15],
    });
    expect(oa.userName).toMatch(/^gh_/);
    expect(oa.nickName).not.toBe('');
    expect(oa.principalName).toBeTruthy();
    expect([0, 1, 2]).toContain(oa.serviceType);
    expect(JSON.stringify(oa)).not.toContain('refreshtoken@@@');

    const mp = await wechat.client.getAuthorizerInfo(wechat.token, mini.appId);
    expect(mp).toMatchObject({ appId: mini.appId, kind: 'mini_program', serviceType: 0, alias: undefined });
    expect(mp.funcInfo).toEqual([17, 18, 19, 25, 30, 31]);
    expect(wechat.simulator.counters.calls('api_get_authorizer_info')).toBe(2);
  });

  it('61003 for a revoked account is WechatNotAuthorizedError; 40013 an unknown appid', async () => {
    const { appId } = wechat.firstAuthorizer(5);
    wechat.simulator.world.revoke(appId);
    await expect(wechat.client.getAuthorizerInfo(wechat.token, appId)).rejects.toBeInstanceOf(WechatNotAuthorizedError);
    await expect(wechat.client.getAuthorizerInfo(wechat.token, 'wx0000000000000000')).rejects.toSatisfy(
      (error) => error instanceof WechatRejectedError && error.errcode === 40013,
    );
  });

  it('a busy WeChat is retried like every call', async () => {
    const { appId } = wechat.firstAuthorizer(6);
    wechat.simulator.faults.failNext('api_get_authorizer_info', -1, 1);
    await expect(wechat.client.getAuthorizerInfo(wechat.token, appId)).resolves.toMatchObject({ appId });
    expect(wechat.simulator.counters.outcomes('api_get_authorizer_info', -1)).toBe(1);
  });
});
