import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { WechatRefreshTokenInvalidError } from '../../shared/wechat/index.js';
import { startCallbackReceiver } from '../support/callback-receiver.js';
import { recordingLogger } from '../support/recording-logger.js';
import { clientFor, componentAppSecret, componentCrypto } from '../support/simulated-wechat.js';
import { useSimulatedClient } from './simulated-client.js';

// The client's successful calls against the simulator; its errors, class by class, are in client-errors.test.ts.
const wechat = useSimulatedClient();

describe('successful calls', () => {
  it('pages through api_get_authorizer_list: every authorizer once, total_count on each page', async () => {
    const seen = new Set<string>();
    for (let offset = 0; ; offset += 500) {
      const page = await wechat.client.getAuthorizerList(wechat.token, { offset, count: 500 });
      expect(page.totalCount).toBe(1_200);
      for (const authorizer of page.authorizers) {
        seen.add(authorizer.authorizerAppId);
        expect(authorizer.refreshToken.reveal()).toBe(
          wechat.simulator.world.refreshTokenOf(authorizer.authorizerAppId),
        );
        expect(Number.isInteger(authorizer.authTime)).toBe(true);
      }
      if (page.authorizers.length < 500) break;
    }
    expect(seen.size).toBe(1_200);
    expect(wechat.simulator.counters.calls('api_get_authorizer_list')).toBe(3);
  });

  it('renews an authorizer token that then works, and keeps the refresh token', async () => {
    const { appId, refreshToken } = wechat.firstAuthorizer();
    const renewed = await wechat.renew(appId, refreshToken);
    expect(renewed.expiresInSeconds).toBe(7_200);
    expect(renewed.authorizerRefreshToken.equals(refreshToken)).toBe(true);
    expect(wechat.simulator.world.isAuthorizerTokenValid(appId, renewed.authorizerAccessToken.reveal())).toBe(true);
    expect(wechat.simulator.counters.forAuthorizer('api_authorizer_token', appId)).toBe(1);
  });

  it('hands back a rotated refresh token; the old one works for the grace period, then 61023', async () => {
    wechat.simulator.world.config.rotateRefreshTokenOnRenewal = true;
    try {
      const { appId, refreshToken } = wechat.firstAuthorizer(1);
      const first = await wechat.renew(appId, refreshToken);
      expect(first.authorizerRefreshToken.equals(refreshToken)).toBe(false);
      await expect(wechat.renew(appId, refreshToken)).resolves.toBeDefined();
      wechat.simulator.clock.advance(5 * 60_000 - 1);
      const racing = await wechat.renew(appId, refreshToken);
      expect(racing.authorizerRefreshToken.equals(first.authorizerRefreshToken)).toBe(true);
      wechat.simulator.clock.advance(1);
      await expect(wechat.renew(appId, refreshToken)).rejects.toBeInstanceOf(WechatRefreshTokenInvalidError);
      await expect(wechat.renew(appId, first.authorizerRefreshToken)).resolves.toBeDefined();
    } finally {
      wechat.simulator.world.config.rotateRefreshTokenOnRenewal = false;
    }
  });

  it('receives the ticket push, exchanges the authorization code of an authorized event, creates a pre-auth code', async () => {
    const receiver = await startCallbackReceiver(componentCrypto());
    try {
      const ticketPush = await wechat.simulator.pushTicket(receiver.url);
      expect(ticketPush.accepted).toBe(true);
      const ticket = receiver.received[0]?.fields['ComponentVerifyTicket'] ?? '';
      expect(ticket).toBe(ticketPush.ticket);
      const fresh = await wechat.client.getComponentAccessToken({
        componentAppSecret,
        componentVerifyTicket: sensitive(ticket),
      });

      const event = await wechat.simulator.pushAuthorizationEvent('authorized', undefined, receiver.url);
      const fields = receiver.received[1]?.fields ?? {};
      expect(fields).toMatchObject({ InfoType: 'authorized', AuthorizerAppid: event.appId });
      const info = await wechat.client.queryAuth(fresh.componentAccessToken, {
        authorizationCode: sensitive(fields['AuthorizationCode'] ?? ''),
      });
      expect(info.authorizerAppId).toBe(event.appId);
      expect(info.funcInfo.length).toBeGreaterThan(0);
      expect(info.authorizerRefreshToken.reveal()).toBe(wechat.simulator.world.refreshTokenOf(event.appId));
      expect(wechat.simulator.world.isAuthorizerTokenValid(event.appId, info.authorizerAccessToken.reveal())).toBe(
        true,
      );
      // An authorization code is good once.
      await expect(
        wechat.client.queryAuth(fresh.componentAccessToken, {
          authorizationCode: sensitive(fields['AuthorizationCode'] ?? ''),
        }),
      ).rejects.toMatchObject({ errcode: 61009 });

      const preAuth = await wechat.client.createPreAuthCode(fresh.componentAccessToken);
      expect(preAuth.expiresInSeconds).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });

  it('restarts ticket pushes with api_start_push_ticket', async () => {
    const receiver = await startCallbackReceiver(componentCrypto());
    wechat.simulator.callbackUrl = receiver.url;
    try {
      await wechat.client.startPushTicket({ componentAppSecret });
      await expect.poll(() => receiver.received.length).toBe(1);
      expect(receiver.received[0]?.fields['InfoType']).toBe('component_verify_ticket');
      await expect(
        wechat.client.startPushTicket({ componentAppSecret: sensitive('wrong-secret') }),
      ).rejects.toMatchObject({ errcode: 40125 });
    } finally {
      wechat.simulator.callbackUrl = undefined;
      await receiver.close();
    }
  });
});

describe('secrets stay secret', () => {
  it('no log line and no error message of a failing run carries a secret, ticket or token', async () => {
    const logger = recordingLogger();
    const logged = clientFor(wechat.simulator, { logger });
    const { appId, refreshToken } = wechat.firstAuthorizer();
    const ticket = sensitive(wechat.simulator.world.issueTicket());
    wechat.simulator.faults.failNext('api_component_token', -1, 3);
    wechat.simulator.faults.dropNext('api_authorizer_token', { times: 3 });
    const errors = await Promise.all([
      logged.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: ticket }).catch((e: unknown) => e),
      logged
        .getAuthorizerAccessToken(wechat.token, { authorizerAppId: appId, authorizerRefreshToken: refreshToken })
        .catch((e: unknown) => e),
      logged
        .getAuthorizerAccessToken(wechat.token, {
          authorizerAppId: appId,
          authorizerRefreshToken: sensitive('refreshtoken@@@wrong'),
        })
        .catch((e: unknown) => e),
    ]);
    expect(logger.lines.length).toBeGreaterThanOrEqual(4);
    const shown = [...logger.lines, ...errors.map((e) => `${String(e)} ${JSON.stringify(e)}`)].join('\n');
    for (const secret of [componentAppSecret, ticket, wechat.token, refreshToken])
      expect(shown).not.toContain(secret.reveal());
  });
});
