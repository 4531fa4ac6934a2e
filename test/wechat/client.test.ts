import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../simulator';
import { sensitive, type Sensitive } from '../../shared/sensitive';
import {
  WechatInvalidRequestError,
  WechatMalformedResponseError,
  WechatCallerBugError,
  WechatNetworkError,
  WechatNotAuthorizedError,
  WechatQuotaError,
  WechatRefreshTokenInvalidError,
  WechatRejectedError,
  WechatSystemBusyError,
  WechatTicketInvalidError,
  WechatTokenInvalidError,
  type WechatComponentClient,
} from '../../shared/wechat';
import { startCallbackReceiver } from '../support/callback-receiver';
import { recordingLogger } from '../support/recording-logger';
import { clientFor, componentAppSecret, componentCrypto, componentToken } from '../support/simulated-wechat';

let simulator: WechatSimulator;
let client: WechatComponentClient;
let token: Sensitive;

beforeAll(async () => {
  simulator = await WechatSimulator.start({ authorizers: 1_200 });
  client = clientFor(simulator);
  token = await componentToken(simulator, client);
});
afterAll(() => simulator.close());
afterEach(() => {
  simulator.faults.clear();
  simulator.counters.reset();
});

function firstAuthorizer(index = 0): { appId: string; refreshToken: Sensitive } {
  const record = simulator.world.population.listing()[index];
  if (!record) throw new Error('the simulator has no such authorizer');
  return { appId: record.appId, refreshToken: sensitive(record.refreshToken) };
}

async function renew(appId: string, refreshToken: Sensitive, componentAccessToken = token) {
  return client.getAuthorizerAccessToken(componentAccessToken, { authorizerAppId: appId, authorizerRefreshToken: refreshToken });
}

describe('successful calls', () => {
  it('pages through api_get_authorizer_list: every authorizer once, total_count on each page', async () => {
    const seen = new Set<string>();
    for (let offset = 0; ; offset += 500) {
      const page = await client.getAuthorizerList(token, { offset, count: 500 });
      expect(page.totalCount).toBe(1_200);
      for (const authorizer of page.authorizers) {
        seen.add(authorizer.authorizerAppId);
        expect(authorizer.refreshToken.reveal()).toBe(simulator.world.refreshTokenOf(authorizer.authorizerAppId));
        expect(Number.isInteger(authorizer.authTime)).toBe(true);
      }
      if (page.authorizers.length < 500) break;
    }
    expect(seen.size).toBe(1_200);
    expect(simulator.counters.calls('api_get_authorizer_list')).toBe(3);
  });

  it('renews an authorizer token that then works, and keeps the refresh token', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    const renewed = await renew(appId, refreshToken);
    expect(renewed.expiresInSeconds).toBe(7_200);
    expect(renewed.authorizerRefreshToken.equals(refreshToken)).toBe(true);
    expect(simulator.world.isAuthorizerTokenValid(appId, renewed.authorizerAccessToken.reveal())).toBe(true);
    expect(simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(1);
  });

  it('hands back a rotated refresh token; the old one works for the grace period, then 61023', async () => {
    simulator.world.config.rotateRefreshTokenOnRenewal = true;
    try {
      const { appId, refreshToken } = firstAuthorizer(1);
      const first = await renew(appId, refreshToken);
      expect(first.authorizerRefreshToken.equals(refreshToken)).toBe(false);
      await expect(renew(appId, refreshToken)).resolves.toBeDefined();
      simulator.clock.advance(5 * 60_000 - 1);
      const racing = await renew(appId, refreshToken);
      expect(racing.authorizerRefreshToken.equals(first.authorizerRefreshToken)).toBe(true);
      simulator.clock.advance(1);
      await expect(renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatRefreshTokenInvalidError);
      await expect(renew(appId, first.authorizerRefreshToken)).resolves.toBeDefined();
    } finally {
      simulator.world.config.rotateRefreshTokenOnRenewal = false;
    }
  });

  it('receives the ticket push, exchanges the authorization code of an authorized event, creates a pre-auth code', async () => {
    const receiver = await startCallbackReceiver(componentCrypto());
    try {
      const ticketPush = await simulator.pushTicket(receiver.url);
      expect(ticketPush.accepted).toBe(true);
      const ticket = receiver.received[0]?.fields['ComponentVerifyTicket'] ?? '';
      expect(ticket).toBe(ticketPush.ticket);
      const fresh = await client.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: sensitive(ticket) });

      const event = await simulator.pushAuthorizationEvent('authorized', undefined, receiver.url);
      const fields = receiver.received[1]?.fields ?? {};
      expect(fields).toMatchObject({ InfoType: 'authorized', AuthorizerAppid: event.appId });
      const info = await client.queryAuth(fresh.componentAccessToken, { authorizationCode: sensitive(fields['AuthorizationCode'] ?? '') });
      expect(info.authorizerAppId).toBe(event.appId);
      expect(info.funcInfo.length).toBeGreaterThan(0);
      expect(info.authorizerRefreshToken.reveal()).toBe(simulator.world.refreshTokenOf(event.appId));
      expect(simulator.world.isAuthorizerTokenValid(event.appId, info.authorizerAccessToken.reveal())).toBe(true);
      // An authorization code is good once.
      await expect(
        client.queryAuth(fresh.componentAccessToken, { authorizationCode: sensitive(fields['AuthorizationCode'] ?? '') }),
      ).rejects.toMatchObject({ errcode: 61009 });

      const preAuth = await client.createPreAuthCode(fresh.componentAccessToken);
      expect(preAuth.expiresInSeconds).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });

  it('restarts ticket pushes with api_start_push_ticket', async () => {
    const receiver = await startCallbackReceiver(componentCrypto());
    simulator.callbackUrl = receiver.url;
    try {
      await client.startPushTicket({ componentAppSecret });
      await expect.poll(() => receiver.received.length).toBe(1);
      expect(receiver.received[0]?.fields['InfoType']).toBe('component_verify_ticket');
      await expect(client.startPushTicket({ componentAppSecret: sensitive('wrong-secret') })).rejects.toMatchObject({ errcode: 40125 });
    } finally {
      simulator.callbackUrl = undefined;
      await receiver.close();
    }
  });
});

describe('every error class, as the simulator answers it', () => {
  it('retryable (-1): retried with backoff, then succeeds', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    simulator.faults.failNext('api_authorizer_token', -1, 2);
    await expect(renew(appId, refreshToken)).resolves.toBeDefined();
    expect(simulator.counters.outcomes('api_authorizer_token', -1)).toBe(2);
    expect(simulator.counters.outcomes('api_authorizer_token', 0)).toBe(1);
  });

  it('retryable (-1): gives up after maxAttempts with WechatSystemBusyError', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    simulator.faults.failNext('api_authorizer_token', -1, 10);
    const error = await renew(appId, refreshToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatSystemBusyError);
    expect(error).toMatchObject({ errcode: -1, kind: 'retryable', api: 'api_authorizer_token' });
    expect(simulator.counters.calls('api_authorizer_token')).toBe(3);
  });

  it('retryable: stops early when the total retry budget is spent', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    const tight = clientFor(simulator, { retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000, totalBudgetMs: 500 }, random: () => 0.99 });
    simulator.faults.failNext('api_authorizer_token', -1, 10);
    await expect(
      tight.getAuthorizerAccessToken(token, { authorizerAppId: appId, authorizerRefreshToken: refreshToken }),
    ).rejects.toBeInstanceOf(WechatSystemBusyError);
    expect(simulator.counters.calls('api_authorizer_token')).toBe(1);
  });

  it('token_invalid: 40001 for an unknown or superseded component token, 42001 for an expired one; no retry', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    await expect(renew(appId, refreshToken, sensitive('not-a-token-at-all'))).rejects.toMatchObject({ errcode: 40001, kind: 'token_invalid' });

    const older = await componentToken(simulator, client);
    const newer = await componentToken(simulator, client);
    await expect(renew(appId, refreshToken, older)).resolves.toBeDefined(); // within the 5-minute grace
    simulator.clock.advance(5 * 60_000);
    await expect(renew(appId, refreshToken, older)).rejects.toBeInstanceOf(WechatTokenInvalidError);
    simulator.clock.advance(7_200_000);
    await expect(renew(appId, refreshToken, newer)).rejects.toMatchObject({ errcode: 42001, kind: 'token_invalid' });
    expect(simulator.counters.outcomes('api_authorizer_token', 40001)).toBe(2);
    token = await componentToken(simulator, client);
  });

  it('quota (45009): after the daily quota, not retried', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    simulator.faults.set({ dailyQuota: { api_authorizer_token: 2 } });
    await renew(appId, refreshToken);
    await renew(appId, refreshToken);
    await expect(renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatQuotaError);
    expect(simulator.counters.calls('api_authorizer_token')).toBe(3);
  });

  it('refresh_token_invalid (61023): a refresh token WeChat replaced', async () => {
    const { appId, refreshToken } = firstAuthorizer(2);
    simulator.world.replaceRefreshToken(appId);
    const error = await renew(appId, refreshToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatRefreshTokenInvalidError);
    expect(error).toMatchObject({ errcode: 61023, kind: 'refresh_token_invalid' });
    await expect(renew(appId, sensitive(simulator.world.refreshTokenOf(appId) ?? ''))).resolves.toBeDefined();
  });

  it('not_authorized (61003): an account that revoked the component', async () => {
    const { appId, refreshToken } = firstAuthorizer(3);
    const before = await renew(appId, refreshToken);
    simulator.world.revoke(appId);
    await expect(renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatNotAuthorizedError);
    expect(simulator.world.isAuthorizerTokenValid(appId, before.authorizerAccessToken.reveal())).toBe(false);
  });

  it('ticket_invalid: 61006 for an unknown ticket, 61005 for one older than 12 hours', async () => {
    await expect(
      client.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: sensitive('ticket@@@forged') }),
    ).rejects.toMatchObject({ errcode: 61006, kind: 'ticket_invalid' });
    const ticket = sensitive(simulator.world.issueTicket());
    simulator.clock.advance(12 * 3_600_000);
    await expect(client.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: ticket })).rejects.toBeInstanceOf(
      WechatTicketInvalidError,
    );
    token = await componentToken(simulator, client);
  });

  it('caller_bug: 61014 when an authorizer token is used for a component API', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    const renewed = await renew(appId, refreshToken);
    await expect(client.getAuthorizerList(renewed.authorizerAccessToken, { offset: 0, count: 1 })).rejects.toMatchObject({
      errcode: 61014,
      kind: 'caller_bug',
    });
    await expect(client.getAuthorizerList(renewed.authorizerAccessToken, { offset: 0, count: 1 })).rejects.toBeInstanceOf(
      WechatCallerBugError,
    );
  });

  it('caller_bug: count over 500 is refused before a call is spent (WeChat would answer 40170)', async () => {
    await expect(client.getAuthorizerList(token, { offset: 0, count: 501 })).rejects.toBeInstanceOf(WechatInvalidRequestError);
    expect(simulator.counters.calls('api_get_authorizer_list')).toBe(0);
    const url = `${simulator.url}/cgi-bin/component/api_get_authorizer_list?access_token=${encodeURIComponent(token.reveal())}`;
    const raw = await fetch(url, { method: 'POST', body: JSON.stringify({ component_appid: SIMULATOR_CREDENTIALS.componentAppId, offset: 0, count: 501 }) });
    expect(await raw.json()).toMatchObject({ errcode: 40170 });
  });

  it('rejected: 40013 for an appid WeChat does not know, 40125 for a wrong secret', async () => {
    await expect(renew('wx0123456789abcdef', sensitive('refreshtoken@@@x'))).rejects.toBeInstanceOf(WechatRejectedError);
    await expect(renew('wx0123456789abcdef', sensitive('refreshtoken@@@x'))).rejects.toMatchObject({ errcode: 40013 });
    await expect(
      client.getComponentAccessToken({ componentAppSecret: sensitive('wrong'), componentVerifyTicket: sensitive(simulator.world.issueTicket()) }),
    ).rejects.toMatchObject({ errcode: 40125, kind: 'rejected' });
  });

  it('network: a dropped connection is retried; dropped every time, WechatNetworkError', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    simulator.faults.dropNext('api_authorizer_token');
    await expect(renew(appId, refreshToken)).resolves.toBeDefined();
    simulator.faults.dropNext('api_authorizer_token', { times: 3 });
    await expect(renew(appId, refreshToken)).rejects.toMatchObject({ kind: 'network', timedOut: false });
    expect(simulator.counters.outcomes('api_authorizer_token', 'dropped')).toBe(4);
  });

  it('network: a call over its timeout is abandoned, and the timeout is said', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    const impatient = clientFor(simulator, { timeoutMs: 50, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, totalBudgetMs: 1_000 } });
    simulator.faults.set({ latencyMs: 300, endpoints: ['api_authorizer_token'] });
    const error = await impatient
      .getAuthorizerAccessToken(token, { authorizerAppId: appId, authorizerRefreshToken: refreshToken })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatNetworkError);
    expect(error).toMatchObject({ timedOut: true });
  });

  it("network: the caller's own abort, mid-flight, ends the call and is not retried", async () => {
    const { appId, refreshToken } = firstAuthorizer();
    let fetches = 0;
    const counting = clientFor(simulator, {
      fetch: (input, init) => {
        fetches++;
        return fetch(input, init);
      },
    });
    simulator.faults.set({ latencyMs: 300, endpoints: ['api_authorizer_token'] });
    const controller = new AbortController();
    const pending = counting.getAuthorizerAccessToken(
      token,
      { authorizerAppId: appId, authorizerRefreshToken: refreshToken },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ kind: 'network', timedOut: false, message: expect.stringContaining('aborted by the caller') });
    expect(fetches).toBe(1);
  });

  it('malformed: an HTML page or truncated JSON with HTTP 200 is WechatMalformedResponseError, not retried', async () => {
    const { appId, refreshToken } = firstAuthorizer();
    simulator.faults.answerNext('api_authorizer_token', { status: 200, body: '<html><body>busy</body></html>' });
    await expect(renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatMalformedResponseError);
    simulator.faults.answerNext('api_authorizer_token', { status: 200, body: '{"authorizer_access_token":"abc","expi' });
    await expect(renew(appId, refreshToken)).rejects.toThrow(/not JSON/);
    simulator.faults.answerNext('api_authorizer_token', { status: 200, body: '{"authorizer_access_token":"abc","expires_in":7200}' });
    await expect(renew(appId, refreshToken)).rejects.toThrow(/authorizer_refresh_token: expected string/);
    expect(simulator.counters.calls('api_authorizer_token')).toBe(3);
  });

  it("network: a gateway's 502 counts as no answer and is retried", async () => {
    const { appId, refreshToken } = firstAuthorizer();
    simulator.faults.answerNext('api_authorizer_token', { status: 502, body: '<html>502 Bad Gateway</html>' });
    await expect(renew(appId, refreshToken)).resolves.toBeDefined();
    expect(simulator.counters.outcomes('api_authorizer_token', 'raw')).toBe(1);
    expect(simulator.counters.outcomes('api_authorizer_token', 0)).toBe(1);
  });

  it('network: api_query_auth is not repeated after a lost answer (its code is good once)', async () => {
    const fresh = await componentToken(simulator, client);
    const grant = simulator.world.authorize();
    simulator.faults.dropNext('api_query_auth', { afterProcessing: true });
    await expect(client.queryAuth(fresh, { authorizationCode: sensitive(grant.authorizationCode) })).rejects.toBeInstanceOf(
      WechatNetworkError,
    );
    expect(simulator.counters.calls('api_query_auth')).toBe(1);
    token = fresh;
  });
});

describe('secrets stay secret', () => {
  it('no log line and no error message of a failing run carries a secret, ticket or token', async () => {
    const logger = recordingLogger();
    const logged = clientFor(simulator, { logger });
    const { appId, refreshToken } = firstAuthorizer();
    const ticket = sensitive(simulator.world.issueTicket());
    simulator.faults.failNext('api_component_token', -1, 3);
    simulator.faults.dropNext('api_authorizer_token', { times: 3 });
    const errors = await Promise.all([
      logged.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: ticket }).catch((e: unknown) => e),
      logged.getAuthorizerAccessToken(token, { authorizerAppId: appId, authorizerRefreshToken: refreshToken }).catch((e: unknown) => e),
      logged.getAuthorizerAccessToken(token, { authorizerAppId: appId, authorizerRefreshToken: sensitive('refreshtoken@@@wrong') }).catch((e: unknown) => e),
    ]);
    expect(logger.lines.length).toBeGreaterThanOrEqual(4);
    const shown = [...logger.lines, ...errors.map((e) => `${String(e)} ${JSON.stringify(e)}`)].join('\n');
    for (const secret of [componentAppSecret, ticket, token, refreshToken]) expect(shown).not.toContain(secret.reveal());
  });
});
