import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { parseWorldSnapshot, SIMULATOR_CREDENTIALS, type WechatSimulator } from '../../simulator/index.js';
import { startCallbackReceiver } from '../support/callback-receiver.js';
import { clientFor, componentCrypto, componentToken } from '../support/simulated-wechat.js';
import { raw, useSimulators } from './started.js';

// api_get_authorizer_info as the simulator answers it over HTTP, permission-set changes, and snapshots.
const simulatorWith = useSimulators();
const COMPONENT_APPID = SIMULATOR_CREDENTIALS.componentAppId;

async function infoOf(simulator: WechatSimulator, appId: string, token?: string) {
  const accessToken = token ?? (await componentToken(simulator, clientFor(simulator))).reveal();
  return raw(simulator, `/cgi-bin/component/api_get_authorizer_info?access_token=${accessToken}`, {
    method: 'POST',
    body: JSON.stringify({ component_appid: COMPONENT_APPID, authorizer_appid: appId }),
  });
}

function firstOfKind(simulator: WechatSimulator, kind: 'official_account' | 'mini_program'): string {
  const record = simulator.world.population.listing().find((r) => r.kind === kind);
  if (!record) throw new Error(`no ${kind} in the seeded population`);
  return record.appId;
}

describe('api_get_authorizer_info', () => {
  it('an official account: every documented field, no MiniProgramInfo, its own func_info and refresh token', async () => {
    const simulator = await simulatorWith({ authorizers: 20 });
    const appId = firstOfKind(simulator, 'official_account');
    const answer = await infoOf(simulator, appId);
    const info = answer['authorizer_info'] as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(
      [
        'nick_name',
        'head_img',
        'service_type_info',
        'verify_type_info',
        'user_name',
        'alias',
        'qrcode_url',
        'principal_name',
        'signature',
        'business_info',
        'idc',
        'account_status',
      ].sort(),
    );
    expect(info['user_name']).toMatch(/^gh_[0-9a-f]{12}$/);
    expect([0, 1, 2]).toContain((info['service_type_info'] as { id: number }).id);
    expect([-1, 0]).toContain((info['verify_type_info'] as { id: number }).id);
    expect(answer['authorization_info']).toEqual({
      authorizer_appid: appId,
      authorizer_refresh_token: simulator.world.refreshTokenOf(appId),
      func_info: [1, 2, 3, 4, 7, 15].map((id) => ({ funcscope_category: { id } })),
    });
    // Derived from the appid: the same account in another world is the same.
    const other = await simulatorWith({ authorizers: 0 });
    other.world.authorize(appId);
    expect((await infoOf(other, appId))['authorizer_info']).toEqual(info);
    expect(simulator.counters.forAuthorizer('api_get_authorizer_info', appId)).toBe(1);
    expect(simulator.counters.outcomes('api_get_authorizer_info', 0)).toBe(1);
  });

  it('a mini program: MiniProgramInfo with network, categories and visit_status, register_type, basic_config', async () => {
    const simulator = await simulatorWith({ authorizers: 20 });
    const appId = firstOfKind(simulator, 'mini_program');
    const answer = await infoOf(simulator, appId);
    const info = answer['authorizer_info'] as Record<string, unknown>;
    expect(info['MiniProgramInfo']).toMatchObject({
      network: { RequestDomain: [expect.stringMatching(/^https:\/\//)] },
      categories: [{ first: '工具', second: expect.any(String) }],
      visit_status: 0,
    });
    expect(info).toHaveProperty('register_type');
    expect(info).toHaveProperty('basic_config');
    expect(answer['authorization_info']).toMatchObject({
      func_info: [17, 18, 19, 25, 30, 31].map((id) => ({ funcscope_category: { id } })),
    });
  });

  it('40013 for an appid never seen, 61003 for a revoked account, 40001 for a bad token, 41001 without one', async () => {
    const simulator = await simulatorWith({ authorizers: 2 });
    const token = (await componentToken(simulator, clientFor(simulator))).reveal();
    expect((await infoOf(simulator, 'wx0000000000000000', token))['errcode']).toBe(40013);
    const appId = simulator.world.population.listing()[0]?.appId ?? '';
    simulator.world.revoke(appId);
    expect((await infoOf(simulator, appId, token))['errcode']).toBe(61003);
    expect((await infoOf(simulator, appId, 'forged'))['errcode']).toBe(40001);
    const bare = await raw(simulator, '/cgi-bin/component/api_get_authorizer_info', {
      method: 'POST',
      body: JSON.stringify({ component_appid: COMPONENT_APPID, authorizer_appid: appId }),
    });
    expect(bare['errcode']).toBe(41001);
    expect(simulator.counters.calls('api_get_authorizer_info')).toBe(4);
  });
});

describe('permission-set changes', () => {
  it('api_get_authorizer_info and api_query_auth answer the new sets; updateauthorized carries a new code', async () => {
    const receiver = await startCallbackReceiver(componentCrypto());
    try {
      const simulator = await simulatorWith({ authorizers: 3, callbackUrl: receiver.url });
      const appId = firstOfKind(simulator, 'official_account');
      const result = await simulator.changePermissions(appId, [15, 1, 1, 24]);
      expect(result.accepted).toBe(true);
      const fields = receiver.received[0]?.fields ?? {};
      expect(fields).toMatchObject({ InfoType: 'updateauthorized', AuthorizerAppid: appId });
      expect(fields['AuthorizationCode']).toBe(result.authorizationCode);
      const client = clientFor(simulator);
      const token = await componentToken(simulator, client);
      const exchanged = await client.queryAuth(token, { authorizationCode: sensitive(result.authorizationCode) });
      expect(exchanged.funcInfo).toEqual([1, 15, 24]);
      expect((await client.getAuthorizerInfo(token, appId)).funcInfo).toEqual([1, 15, 24]);
      await expect(simulator.changePermissions('wx0000000000000000', [1])).rejects.toThrow(/not an authorized account/);
    } finally {
      await receiver.close();
    }
  });
});

describe('snapshots', () => {
  it('keep kinds, permission sets and pre-auth codes (spent or not) across a restore', async () => {
    const simulator = await simulatorWith({ authorizers: 3 });
    const appId = simulator.world.population.listing()[0]?.appId ?? '';
    simulator.world.population.get(appId)?.funcInfo.splice(0, Infinity, 99);
    const created = simulator.world.authorize(undefined, { kind: 'mini_program', funcInfo: [31, 17] });
    const token = (await componentToken(simulator, clientFor(simulator))).reveal();
    const mint = async () =>
      String(
        (
          await raw(simulator, `/cgi-bin/component/api_create_preauthcode?access_token=${token}`, {
            method: 'POST',
            body: JSON.stringify({ component_appid: COMPONENT_APPID }),
          })
        )['pre_auth_code'],
      );
    const [spent, fresh] = [await mint(), await mint()];
    await simulator.confirmAuthorization({ preAuthCode: spent, redirectUri: 'https://a.example/cb' });
    const snapshot = parseWorldSnapshot(JSON.parse(JSON.stringify(simulator.snapshot())), COMPONENT_APPID);
    const restored = await simulatorWith({ restore: snapshot });
    expect(restored.world.population.get(appId)?.funcInfo).toEqual([99]);
    expect(restored.world.population.get(created.appId)).toMatchObject({ kind: 'mini_program', funcInfo: [17, 31] });
    const now = restored.clock.now();
    expect(restored.world.preAuthCodes.rejection(spent, now)).toBe('spent');
    expect(restored.world.preAuthCodes.rejection(fresh, now)).toBeUndefined();
    expect(restored.snapshot().population).toEqual(snapshot.population);
  });

  it('a snapshot from before accounts had kinds and pre-auth codes still restores, with derived defaults', async () => {
    const simulator = await simulatorWith({ authorizers: 20 });
    const current = simulator.snapshot();
    const { preAuthCodes: _codes, ...old } = current;
    const oldShape = { ...old, population: old.population.map(({ kind: _k, funcInfo: _f, ...entry }) => entry) };
    const restored = await simulatorWith({
      restore: parseWorldSnapshot(JSON.parse(JSON.stringify(oldShape)), COMPONENT_APPID),
    });
    for (const entry of current.population) {
      expect(restored.world.population.get(entry.appId)).toMatchObject({ kind: entry.kind, funcInfo: entry.funcInfo });
    }
  });
});
