import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  WechatCallerBugError,
  WechatInvalidRequestError,
  WechatMalformedResponseError,
  WechatNetworkError,
  WechatNotAuthorizedError,
  WechatQuotaError,
  WechatRefreshTokenInvalidError,
  WechatRejectedError,
  WechatSystemBusyError,
  WechatTicketInvalidError,
  WechatTokenInvalidError,
} from '../../shared/wechat/index.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { clientFor, componentAppSecret, componentToken } from '../support/simulated-wechat.js';
import { useSimulatedClient } from './simulated-client.js';

const wechat = useSimulatedClient();

describe('every error class, as the simulator answers it', () => {
  it('retryable (-1): retried with backoff, then succeeds', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    wechat.simulator.faults.failNext('api_authorizer_token', -1, 2);
    await expect(wechat.renew(appId, refreshToken)).resolves.toBeDefined();
    expect(wechat.simulator.counters.outcomes('api_authorizer_token', -1)).toBe(2);
    expect(wechat.simulator.counters.outcomes('api_authorizer_token', 0)).toBe(1);
  });

  it('retryable (-1): gives up after maxAttempts with WechatSystemBusyError', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    wechat.simulator.faults.failNext('api_authorizer_token', -1, 10);
    const error = await wechat.renew(appId, refreshToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatSystemBusyError);
    expect(error).toMatchObject({ errcode: -1, kind: 'retryable', api: 'api_authorizer_token' });
    expect(wechat.simulator.counters.calls('api_authorizer_token')).toBe(3);
  });

  it('retryable: stops early when the total retry budget is spent', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    const tight = clientFor(wechat.simulator, {
      retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000, totalBudgetMs: 500 },
      random: () => 0.99,
    });
    wechat.simulator.faults.failNext('api_authorizer_token', -1, 10);
    await expect(
      tight.getAuthorizerAccessToken(wechat.token, { authorizerAppId: appId, authorizerRefreshToken: refreshToken }),
    ).rejects.toBeInstanceOf(WechatSystemBusyError);
    expect(wechat.simulator.counters.calls('api_authorizer_token')).toBe(1);
  });

  it('token_invalid: 40001 for an unknown or superseded component token, 42001 for an expired one; no retry', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    await expect(wechat.renew(appId, refreshToken, sensitive('not-a-token-at-all'))).rejects.toMatchObject({
      errcode: 40001,
      kind: 'token_invalid',
    });

    const older = await componentToken(wechat.simulator, wechat.client);
    const newer = await componentToken(wechat.simulator, wechat.client);
    await expect(wechat.renew(appId, refreshToken, older)).resolves.toBeDefined(); // within the 5-minute grace
    wechat.simulator.clock.advance(5 * 60_000);
    await expect(wechat.renew(appId, refreshToken, older)).rejects.toBeInstanceOf(WechatTokenInvalidError);
    wechat.simulator.clock.advance(7_200_000);
    await expect(wechat.renew(appId, refreshToken, newer)).rejects.toMatchObject({
      errcode: 42001,
      kind: 'token_invalid',
    });
    expect(wechat.simulator.counters.outcomes('api_authorizer_token', 40001)).toBe(2);
    wechat.token = await componentToken(wechat.simulator, wechat.client);
  });

  it('quota (45009): after the daily quota, not retried', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    wechat.simulator.faults.set({ dailyQuota: { api_authorizer_token: 2 } });
    await wechat.renew(appId, refreshToken);
    await wechat.renew(appId, refreshToken);
    await expect(wechat.renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatQuotaError);
    expect(wechat.simulator.counters.calls('api_authorizer_token')).toBe(3);
  });

  it('refresh_token_invalid (61023): a refresh token WeChat replaced', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer(2);
    wechat.simulator.world.replaceRefreshToken(appId);
    const error = await wechat.renew(appId, refreshToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatRefreshTokenInvalidError);
    expect(error).toMatchObject({ errcode: 61023, kind: 'refresh_token_invalid' });
    await expect(
      wechat.renew(appId, sensitive(wechat.simulator.world.refreshTokenOf(appId) ?? '')),
    ).resolves.toBeDefined();
  });

  it('not_authorized (61003): an account that revoked the component', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer(3);
    const before = await wechat.renew(appId, refreshToken);
    wechat.simulator.world.revoke(appId);
    await expect(wechat.renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatNotAuthorizedError);
    expect(wechat.simulator.world.isAuthorizerTokenValid(appId, before.authorizerAccessToken.reveal())).toBe(false);
  });

  it('ticket_invalid: 61006 for an unknown ticket, 61005 for one older than 12 hours', async () => {
    await expect(
      wechat.client.getComponentAccessToken({
        componentAppSecret,
        componentVerifyTicket: sensitive('ticket@@@forged'),
      }),
    ).rejects.toMatchObject({ errcode: 61006, kind: 'ticket_invalid' });
    const ticket = sensitive(wechat.simulator.world.issueTicket());
    wechat.simulator.clock.advance(12 * 3_600_000);
    await expect(
      wechat.client.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: ticket }),
    ).rejects.toBeInstanceOf(WechatTicketInvalidError);
    wechat.token = await componentToken(wechat.simulator, wechat.client);
  });

  it('caller_bug: 61014 when an authorizer token is used for a component API', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    const renewed = await wechat.renew(appId, refreshToken);
    await expect(
      wechat.client.getAuthorizerList(renewed.authorizerAccessToken, { offset: 0, count: 1 }),
    ).rejects.toMatchObject({
      errcode: 61014,
      kind: 'caller_bug',
    });
    await expect(
      wechat.client.getAuthorizerList(renewed.authorizerAccessToken, { offset: 0, count: 1 }),
    ).rejects.toBeInstanceOf(WechatCallerBugError);
  });

  it('caller_bug: count over 500 is refused before a call is spent (WeChat would answer 40170)', async () => {
    await expect(wechat.client.getAuthorizerList(wechat.token, { offset: 0, count: 501 })).rejects.toBeInstanceOf(
      WechatInvalidRequestError,
    );
    expect(wechat.simulator.counters.calls('api_get_authorizer_list')).toBe(0);
    const url = `${wechat.simulator.url}/cgi-bin/component/api_get_authorizer_list?access_token=${encodeURIComponent(wechat.token.reveal())}`;
    const raw = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ component_appid: SIMULATOR_CREDENTIALS.componentAppId, offset: 0, count: 501 }),
    });
    expect(await raw.json()).toMatchObject({ errcode: 40170 });
  });

  it('rejected: 40013 for an appid WeChat does not know, 40125 for a wrong secret', async () => {
    await expect(wechat.renew('wx0123456789abcdef', sensitive('refreshtoken@@@x'))).rejects.toBeInstanceOf(
      WechatRejectedError,
    );
    await expect(wechat.renew('wx0123456789abcdef', sensitive('refreshtoken@@@x'))).rejects.toMatchObject({
      errcode: 40013,
    });
    await expect(
      wechat.client.getComponentAccessToken({
        componentAppSecret: sensitive('wrong'),
        componentVerifyTicket: sensitive(wechat.simulator.world.issueTicket()),
      }),
    ).rejects.toMatchObject({ errcode: 40125, kind: 'rejected' });
  });

  it('network: a dropped connection is retried; dropped every time, WechatNetworkError', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    wechat.simulator.faults.dropNext('api_authorizer_token');
    await expect(wechat.renew(appId, refreshToken)).resolves.toBeDefined();
    wechat.simulator.faults.dropNext('api_authorizer_token', { times: 3 });
    await expect(wechat.renew(appId, refreshToken)).rejects.toMatchObject({ kind: 'network', timedOut: false });
    expect(wechat.simulator.counters.outcomes('api_authorizer_token', 'dropped')).toBe(4);
  });

  it('network: a call over its timeout is abandoned, and the timeout is said', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    const impatient = clientFor(wechat.simulator, {
      timeoutMs: 50,
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 },
    });
    wechat.simulator.faults.set({ latencyMs: 300, endpoints: ['api_authorizer_token'] });
    const error = await impatient
      .getAuthorizerAccessToken(wechat.token, { authorizerAppId: appId, authorizerRefreshToken: refreshToken })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatNetworkError);
    expect(error).toMatchObject({ timedOut: true });
  });

  it("network: the caller's own abort, mid-flight, ends the call and is not retried", async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    let fetches = 0;
    const counting = clientFor(wechat.simulator, {
      fetch: (input, init) => {
        fetches++;
        return fetch(input, init);
      },
    });
    wechat.simulator.faults.set({ latencyMs: 300, endpoints: ['api_authorizer_token'] });
    const controller = new AbortController();
    const pending = counting.getAuthorizerAccessToken(
      wechat.token,
      { authorizerAppId: appId, authorizerRefreshToken: refreshToken },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({
      kind: 'network',
      timedOut: false,
      message: expect.stringContaining('aborted by the caller'),
    });
    expect(fetches).toBe(1);
  });

  it('malformed: an HTML page or truncated JSON with HTTP 200 is WechatMalformedResponseError, not retried', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    wechat.simulator.faults.answerNext('api_authorizer_token', { status: 200, body: '<html><body>busy</body></html>' });
    await expect(wechat.renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatMalformedResponseError);
    wechat.simulator.faults.answerNext('api_authorizer_token', {
      status: 200,
      body: '{"authorizer_access_token":"abc","expi',
    });
    await expect(wechat.renew(appId, refreshToken)).rejects.toThrow(/not JSON/);
    wechat.simulator.faults.answerNext('api_authorizer_token', {
      status: 200,
      body: '{"authorizer_access_token":"abc","expires_in":7200}',
    });
    await expect(wechat.renew(appId, refreshToken)).rejects.toThrow(/authorizer_refresh_token: expected string/);
    expect(wechat.simulator.counters.calls('api_authorizer_token')).toBe(3);
  });

  it("network: a gateway's 502 counts as no answer and is retried", async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    wechat.simulator.faults.answerNext('api_authorizer_token', { status: 502, body: '<html>502 Bad Gateway</html>' });
    await expect(wechat.renew(appId, refreshToken)).resolves.toBeDefined();
    expect(wechat.simulator.counters.outcomes('api_authorizer_token', 'raw')).toBe(1);
    expect(wechat.simulator.counters.outcomes('api_authorizer_token', 0)).toBe(1);
  });

  it('network: api_query_auth is not repeated after a lost answer (its code is good once)', async () => {
    const fresh = await componentToken(wechat.simulator, wechat.client);
    const grant = wechat.simulator.world.authorize();
    wechat.simulator.faults.dropNext('api_query_auth', { afterProcessing: true });
    await expect(
      wechat.client.queryAuth(fresh, { authorizationCode: sensitive(grant.authorizationCode) }),
    ).rejects.toBeInstanceOf(WechatNetworkError);
    expect(wechat.simulator.counters.calls('api_query_auth')).toBe(1);
    wechat.token = fresh;
  });
});
