import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  classifyErrcode,
  WechatComponentClient,
  type WechatErrorKind,
  WechatInvalidRequestError,
  WechatMalformedResponseError,
  WechatNetworkError,
} from '../../shared/wechat/index.js';

// Unit tests where the wire is not the point: a stub fetch answers what WeChat (or a proxy in front of
// it) might, and the client must turn each answer into the right typed error.

function clientAnswering(status: number, body: string, calls: string[] = []): WechatComponentClient {
  const stub: typeof fetch = async (input, init) => {
    calls.push(`${String(input)} ${String(init?.body)}`);
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
  return new WechatComponentClient({
    componentAppId: 'wx5e1a0c0ffee0c0de',
    fetch: stub,
    retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 },
  });
}

const componentToken = sensitive('component-token-value-123');
const refreshToken = sensitive('refreshtoken@@@secret-refresh');
const renewWith = (client: WechatComponentClient) =>
  client.getAuthorizerAccessToken(componentToken, {
    authorizerAppId: 'wx0123456789abcdef',
    authorizerRefreshToken: refreshToken,
  });

describe('a malformed response is its own error, never a crash or an undefined', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '<html>502 Bad Gateway</html>', /not JSON/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['a JSON string', '"ok"', /not a JSON object/],
    ['errcode that is not a number', '{"errcode":"0"}', /errcode is not an integer/],
    [
      'a missing field',
      '{"authorizer_access_token":"t","expires_in":7200}',
      /authorizer_refresh_token: expected string/,
    ],
    [
      'a field of the wrong type',
      '{"authorizer_access_token":"t","expires_in":"7200","authorizer_refresh_token":"r"}',
      /expires_in: expected/,
    ],
    [
      'an empty token',
      '{"authorizer_access_token":"","expires_in":7200,"authorizer_refresh_token":"r"}',
      /authorizer_access_token: below the minimum/,
    ],
    [
      'a non-positive lifetime',
      '{"authorizer_access_token":"t","expires_in":0,"authorizer_refresh_token":"r"}',
      /expires_in/,
    ],
  ];
  it.each(cases)('%s', async (_name, body, message) => {
    const calls: string[] = [];
    const error = await renewWith(clientAnswering(200, body, calls)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatMalformedResponseError);
    expect((error as Error).message).toMatch(message);
    expect(calls).toHaveLength(1); // not retried
  });

  it('a list entry of the wrong shape', async () => {
    const body = JSON.stringify({
      total_count: 1,
      list: [{ authorizer_appid: 'wx1', refresh_token: 'r', auth_time: 'yesterday' }],
    });
    await expect(clientAnswering(200, body).getAuthorizerList(componentToken, { offset: 0, count: 1 })).rejects.toThrow(
      /list\.0\.auth_time: expected/,
    );
  });

  it('names fields, never their values', async () => {
    const body = JSON.stringify({
      authorizer_access_token: 'access-token-leak',
      expires_in: 'x',
      authorizer_refresh_token: 'refresh-leak',
    });
    const error = await renewWith(clientAnswering(200, body)).catch((e: unknown) => e);
    expect(`${String(error)} ${inspect(error)}`).not.toMatch(/leak/);
  });
});

describe('HTTP status', () => {
  it('a 5xx from a gateway counts as no answer: retried, then WechatNetworkError', async () => {
    const calls: string[] = [];
    await expect(renewWith(clientAnswering(502, 'Bad Gateway', calls))).rejects.toBeInstanceOf(WechatNetworkError);
    expect(calls).toHaveLength(3);
  });

  it('a 4xx with a JSON errcode is that errcode; without one it is malformed', async () => {
    await expect(renewWith(clientAnswering(404, '{"errcode":40066,"errmsg":"invalid url"}'))).rejects.toMatchObject({
      errcode: 40066,
    });
    await expect(renewWith(clientAnswering(404, '{}'))).rejects.toBeInstanceOf(WechatMalformedResponseError);
  });
});

describe('what is sent', () => {
  it('the component token goes in the access_token query parameter, secrets in the body only', async () => {
    const calls: string[] = [];
    await renewWith(
      clientAnswering(200, '{"authorizer_access_token":"t","expires_in":7200,"authorizer_refresh_token":"r"}', calls),
    );
    const [url, body] = (calls[0] ?? '').split(' ');
    expect(new URL(url ?? '').pathname).toBe('/cgi-bin/component/api_authorizer_token');
    expect(new URL(url ?? '').searchParams.get('access_token')).toBe(componentToken.reveal());
    expect(JSON.parse(body ?? '')).toEqual({
      component_appid: 'wx5e1a0c0ffee0c0de',
      authorizer_appid: 'wx0123456789abcdef',
      authorizer_refresh_token: refreshToken.reveal(),
    });
  });

  it('a base URL with a path keeps it (WeChat behind a proxy)', async () => {
    const urls: string[] = [];
    for (const baseUrl of ['https://proxy.example/wechat', 'https://proxy.example/wechat/']) {
      const client = new WechatComponentClient({
        componentAppId: 'wx5e1a0c0ffee0c0de',
        baseUrl,
        fetch: async (input) => {
          urls.push(String(input));
          return new Response('{"pre_auth_code":"p","expires_in":1800}');
        },
      });
      await client.createPreAuthCode(componentToken);
    }
    for (const url of urls) expect(new URL(url).pathname).toBe('/wechat/cgi-bin/component/api_create_preauthcode');
  });

  it('a malformed appid is refused before a call is spent', async () => {
    const calls: string[] = [];
    const client = clientAnswering(200, '{}', calls);
    for (const appId of ['', 'wx 1', 'wx1"}', 'x'.repeat(65)]) {
      await expect(
        client.getAuthorizerAccessToken(componentToken, {
          authorizerAppId: appId,
          authorizerRefreshToken: refreshToken,
        }),
      ).rejects.toBeInstanceOf(WechatInvalidRequestError);
    }
    expect(calls).toHaveLength(0);
  });
});

describe('redaction', () => {
  it("removes any value we sent from WeChat's errmsg", async () => {
    const errmsg = `invalid refresh token ${refreshToken.reveal()} for ${componentToken.reveal()}`;
    const error = await renewWith(clientAnswering(200, JSON.stringify({ errcode: 61023, errmsg }))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ errcode: 61023, errmsg: 'invalid refresh token [redacted] for [redacted]' });
    expect(String(error)).not.toContain(refreshToken.reveal());
  });

  it('a Sensitive value prints as [redacted] however it is printed', () => {
    const secret = sensitive('super-secret-value');
    const shown = [`${secret}`, String(secret), JSON.stringify({ secret }), inspect({ secret }), inspect(secret)].join(
      ' ',
    );
    expect(shown).not.toContain('super-secret-value');
    expect(secret.reveal()).toBe('super-secret-value');
  });
});

describe('classifyErrcode follows the protocol notes', () => {
  const table: Array<[number, WechatErrorKind]> = [
    [-1, 'retryable'],
    [40001, 'token_invalid'],
    [40014, 'token_invalid'],
    [42001, 'token_invalid'],
    [45009, 'quota'],
    [61023, 'refresh_token_invalid'],
    [61003, 'not_authorized'],
    [61005, 'ticket_invalid'],
    [61006, 'ticket_invalid'],
    [40170, 'caller_bug'],
    [61014, 'caller_bug'],
    [41001, 'caller_bug'],
    [47001, 'caller_bug'],
    [40013, 'rejected'],
    [61004, 'rejected'],
    [99999, 'rejected'],
  ];
  it.each(table)('%i → %s', (errcode, kind) => expect(classifyErrcode(errcode)).toBe(kind));

  it('40001 from a call authenticated by the secret is a wrong secret, not a token to renew', () => {
    expect(classifyErrcode(40001, 'api_component_token')).toBe('rejected');
    expect(classifyErrcode(40001, 'api_start_push_ticket')).toBe('rejected');
    expect(classifyErrcode(40001, 'api_authorizer_token')).toBe('token_invalid');
  });
});
