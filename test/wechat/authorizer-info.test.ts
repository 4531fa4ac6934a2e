import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  WechatComponentClient,
  WechatInvalidRequestError,
  WechatMalformedResponseError,
} from '../../shared/wechat/index.js';

// getAuthorizerInfo against a stub fetch: the mapping of WeChat's answer and its malformed forms. The
// same call against the simulator over HTTP is in authorizer-info-simulated.test.ts.

const appId = 'wx0123456789abcdef';
const token = sensitive('component-token-value-123');

function clientAnswering(body: unknown, calls: string[] = []): WechatComponentClient {
  const stub: typeof fetch = async (input, init) => {
    calls.push(`${String(input)} ${String(init?.body)}`);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return new WechatComponentClient({
    componentAppId: 'wx5e1a0c0ffee0c0de',
    fetch: stub,
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 },
  });
}

const officialAccount = {
  authorizer_info: {
    nick_name: '微信SDK Demo Special',
    head_img: 'http://wx.qlogo.cn/mmopen/GPy',
    service_type_info: { id: 2 },
    verify_type_info: { id: 0 },
    user_name: 'gh_eb5e3a772040',
    principal_name: '腾讯计算机系统有限公司',
    business_info: { open_store: 0, open_scan: 0, open_pay: 0, open_card: 0, open_shake: 0 },
    alias: 'paytest01',
    qrcode_url: 'URL',
    account_status: 1,
    idc: 1,
    signature: '',
  },
  authorization_info: {
    authorizer_appid: appId,
    authorizer_refresh_token: 'refreshtoken@@@never-exposed',
    func_info: [3, 1, 2, 1].map((id) => ({ funcscope_category: { id } })),
  },
};

describe('getAuthorizerInfo', () => {
  it('posts component_appid and authorizer_appid with the component token in the query', async () => {
    const calls: string[] = [];
    await clientAnswering(officialAccount, calls).getAuthorizerInfo(token, appId);
    expect(calls).toEqual([
      `https://api.weixin.qq.com/cgi-bin/component/api_get_authorizer_info?access_token=component-token-value-123 ${JSON.stringify({ component_appid: 'wx5e1a0c0ffee0c0de', authorizer_appid: appId })}`,
    ]);
  });

  it('maps an official account, sorts and dedupes func_info, and drops the refresh token', async () => {
    const info = await clientAnswering(officialAccount).getAuthorizerInfo(token, appId);
    expect(info).toEqual({
      appId,
      kind: 'official_account',
      nickName: '微信SDK Demo Special',
      userName: 'gh_eb5e3a772040',
      headImg: 'http://wx.qlogo.cn/mmopen/GPy',
      alias: 'paytest01',
      qrcodeUrl: 'URL',
      principalName: '腾讯计算机系统有限公司',
      signature: undefined,
      serviceType: 2,
      verifyType: 0,
      accountStatus: 1,
      funcInfo: [1, 2, 3],
    });
    expect(inspect(info, { depth: 5 })).not.toContain('never-exposed');
    expect(JSON.stringify(info)).not.toContain('never-exposed');
  });

  it('MiniProgramInfo present means a mini program; optional fields may be missing', async () => {
    const info = await clientAnswering({
      authorizer_info: {
        nick_name: '',
        service_type_info: { id: 0 },
        verify_type_info: { id: -1 },
        user_name: 'gh_0123456789ab',
        MiniProgramInfo: { network: {}, categories: [], visit_status: 0 },
      },
      authorization_info: { authorizer_appid: appId, func_info: [] },
    }).getAuthorizerInfo(token, appId);
    expect(info).toMatchObject({ kind: 'mini_program', nickName: '', verifyType: -1, funcInfo: [] });
    expect(info.headImg).toBeUndefined();
    expect(info.accountStatus).toBeUndefined();
  });

  const malformed: Array<[string, (body: typeof officialAccount) => unknown, RegExp]> = [
    [
      'no nick_name',
      ({ authorizer_info: { nick_name: _, ...rest }, ...b }) => ({ ...b, authorizer_info: rest }),
      /authorizer_info\.nick_name: expected string/,
    ],
    [
      'an empty user_name',
      (b) => ({ ...b, authorizer_info: { ...b.authorizer_info, user_name: '' } }),
      /authorizer_info\.user_name/,
    ],
    [
      'no service_type_info',
      ({ authorizer_info: { service_type_info: _, ...rest }, ...b }) => ({ ...b, authorizer_info: rest }),
      /service_type_info/,
    ],
    [
      'a verify type that is text',
      (b) => ({ ...b, authorizer_info: { ...b.authorizer_info, verify_type_info: { id: '0' } } }),
      /verify_type_info\.id: expected/,
    ],
    [
      'no func_info',
      (b) => ({ ...b, authorization_info: { authorizer_appid: appId } }),
      /authorization_info\.func_info: expected array/,
    ],
    ['no authorization_info', ({ authorization_info: _, ...b }) => b, /authorization_info: expected object/],
    [
      'account_status that is text',
      (b) => ({ ...b, authorizer_info: { ...b.authorizer_info, account_status: '1' } }),
      /account_status/,
    ],
  ];
  it.each(malformed)('%s is a malformed response naming the field, never a value', async (_name, change, message) => {
    const error = await clientAnswering(change(officialAccount))
      .getAuthorizerInfo(token, appId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatMalformedResponseError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('never-exposed');
    expect((error as WechatMalformedResponseError).api).toBe('api_get_authorizer_info');
  });

  it('a malformed appid is refused before a call is spent', async () => {
    const calls: string[] = [];
    await expect(clientAnswering(officialAccount, calls).getAuthorizerInfo(token, 'wx1"}')).rejects.toBeInstanceOf(
      WechatInvalidRequestError,
    );
    expect(calls).toEqual([]);
  });
});
