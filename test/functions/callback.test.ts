import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { callbackEvent, simulatorComponent as component, httpApiEvent, tokenEvent } from '../fixtures/api-gateway.js';
import { PUBLISHED_VECTORS } from '../fixtures/published-vectors.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { independentPush } from '../support/independent-wxcrypt.js';
import { sealedPush } from '../support/push-attacker.js';

/** A push built by the independent implementation, as WeChat would send it, stamped with its CreateTime. */
function pushOf(fields: Record<string, string | number>, at?: { timestamp: string; nonce: string }) {
  const createTime = typeof fields['CreateTime'] === 'number' ? fields['CreateTime'] : undefined;
  return sealedPush(fields, at ?? { timestamp: createTime ?? Math.floor(Date.now() / 1000) });
}

/** The refusal's reason, as the last `push refused` line logged it. */
function lastReason(lines: readonly string[]): unknown {
  const refused = lines
    .map((line) => JSON.parse(line))
    .filter((line) => String(line.message).startsWith('push refused'));
  return refused.at(-1)?.reason;
}

describe('the callback', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
  });
  afterEach(() => bed.close());

  const storedTicket = async () => (await bed.component.get(component.appId))?.ticket;
  const now = () => Math.floor(bed.clock.now() / 1000);

  it('stores a ticket pushed by WeChat (the simulator, over HTTP) and answers the plain body success', async () => {
    const push = await bed.simulator.pushTicket();
    expect(push).toMatchObject({ status: 200, body: 'success', accepted: true, deliveries: 1 });
    expect((await storedTicket())?.ticket.reveal()).toBe(push.ticket);
    // The token service can now work: a component token from that ticket.
    await expect(bed.componentTokens.get()).resolves.toBeDefined();
  });

  it('stores a ticket encrypted by an independent implementation; keeps the newest by CreateTime', async () => {
    const ticket = (n: number) => `ticket@@@independent-${n}`;
    const push = (createTime: number, n: number) =>
      bed.callback(
        callbackEvent(
          pushOf({
            AppId: component.appId,
            CreateTime: createTime,
            InfoType: 'component_verify_ticket',
            ComponentVerifyTicket: ticket(n),
          }),
        ),
      );
    expect(await push(now(), 2)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await push(now() - 200, 1)).toMatchObject({ statusCode: 200, body: 'success' }); // late, older: acknowledged, not kept
    expect((await storedTicket())?.ticket.reveal()).toBe(ticket(2));
    expect(await push(now(), 2)).toMatchObject({ statusCode: 200, body: 'success' }); // a re-delivery is harmless
    expect(await push(now() + 200, 3)).toMatchObject({ statusCode: 200 });
    expect((await storedTicket())?.ticket.reveal()).toBe(ticket(3));
    expect(bed.logger.lines.join('\n')).not.toMatch(/independent-\d/);
  });

  it('authorized: exchanges the code and stores the account at once; a re-delivered push changes nothing', async () => {
    await bed.storeTicket();
    const result = await bed.simulator.pushAuthorizationEvent('authorized');
    expect(result).toMatchObject({ accepted: true });
    const stored = await bed.authorizers.get(result.appId);
    expect(stored).toMatchObject({ status: 'active', authTime: now() });
    expect(stored?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(result.appId));
    expect(bed.simulator.world.isAuthorizerTokenValid(result.appId, stored?.accessToken?.token.reveal() ?? '')).toBe(
      true,
    );
    // The getter serves it without another WeChat call.
    const answer = await bed.getter(tokenEvent(result.appId));
    expect(JSON.parse(answer.body)['authorizer_access_token']).toBe(stored?.accessToken?.token.reveal());
    expect(bed.simulator.counters.calls('api_authorizer_token')).toBe(0);

    // WeChat re-delivers the same push: the code is spent (61009); still success, nothing changes.
    const grant = bed.simulator.world.authorize(result.appId);
    const fields = {
      AppId: component.appId,
      CreateTime: now(),
      InfoType: 'updateauthorized',
      AuthorizerAppid: result.appId,
      AuthorizationCode: grant.authorizationCode,
      AuthorizationCodeExpiredTime: now() + 3600,
      PreAuthCode: 'preauthcode@@@x',
    };
    expect(await bed.callback(callbackEvent(pushOf(fields)))).toMatchObject({ statusCode: 200, body: 'success' });
    const updated = await bed.authorizers.get(result.appId);
    expect(updated?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(result.appId));
    expect(await bed.callback(callbackEvent(pushOf(fields)))).toMatchObject({ statusCode: 200, body: 'success' });
    // The stored token was put in doubt before the exchange was sent, and taken out of it when WeChat
    // answered that the code was spent: nothing was issued, so the account is as it was (but for its version).
    const { version: _before, ...was } = updated ?? { version: 0 };
    const { version: _after, ...is } = (await bed.authorizers.get(result.appId)) ?? { version: 0 };
    expect(is).toEqual(was);
  });

  it('unauthorized: the account is revoked and the getter answers 410; an older push cannot revoke a newer authorization', async () => {
    await bed.storeTicket();
    const [appId = ''] = await bed.seedAuthorizers(1);
    expect((await bed.simulator.pushAuthorizationEvent('unauthorized', appId)).accepted).toBe(true);
    expect((await bed.authorizers.get(appId))?.status).toBe('revoked');
    const answer = await bed.getter(tokenEvent(appId));
    expect([answer.statusCode, JSON.parse(answer.body)['error']]).toEqual([410, 'revoked']);

    bed.clock.advance(60_000);
    const back = await bed.simulator.pushAuthorizationEvent('authorized', appId);
    expect(back.accepted).toBe(true);
    const late = pushOf({
      AppId: component.appId,
      CreateTime: now() - 30,
      InfoType: 'unauthorized',
      AuthorizerAppid: appId,
    });
    expect(await bed.callback(callbackEvent(late))).toMatchObject({ statusCode: 200, body: 'success' });
    expect((await bed.authorizers.get(appId))?.status).toBe('active');
  });

  it('acknowledges and ignores any other well-formed push; opens a published vector (refused only as stale)', async () => {
    const other = pushOf({
      AppId: component.appId,
      CreateTime: now(),
      InfoType: 'notify_third_fasteregister',
      appid: 'wx1',
    });
    expect(await bed.callback(callbackEvent(other))).toMatchObject({ statusCode: 200, body: 'success' });

    // EasyWeChat's published push (its own component credentials), through a callback configured for them
    // and a clock at its timestamp: signature and decryption pass, and it is refused only for what it
    // says: a message push (to an official account) has no <AppId> of a component.
    const vector = PUBLISHED_VECTORS.find((candidate) => candidate.id === 'V7');
    if (!vector?.msgSignature) throw new Error('the EasyWeChat vector is missing');
    const { createCallback } = await import('../../functions/callback/callback.js');
    const easyWeChat = bed.pushesWith({
      clock: { now: () => Number(vector.timestamp) * 1000 },
      secret: async () => ({
        componentAppId: vector.appId,
        componentAppSecret: sensitive('unused'),
        messageToken: sensitive(vector.token),
        encodingAesKey: sensitive(vector.encodingAesKey),
      }),
    });
    const easyWeChatComponent = createCallback(() => easyWeChat, bed.logger);
    const answer = await easyWeChatComponent(
      callbackEvent({
        query: {
          timestamp: vector.timestamp,
          nonce: vector.nonce,
          msg_signature: vector.msgSignature,
          encrypt_type: 'aes',
        },
        body: `<xml>\n    <ToUserName><![CDATA[asdasdasd]]></ToUserName>\n    <Encrypt><![CDATA[${vector.encrypt}]]></Encrypt>\n</xml>\n`,
      }),
    );
    expect(answer).toMatchObject({ statusCode: 400, body: 'refused' });
    expect(lastReason(bed.logger.lines)).toBe('malformed');
  });

  describe('refuses, with the one answer (400 refused), its reason logged, and no change, a push that', () => {
    const ticketPush = () =>
      pushOf({
        AppId: component.appId,
        CreateTime: now(),
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: 'ticket@@@refused',
      });
    const refusedWith = async (event: ReturnType<typeof callbackEvent>, reason: string) => {
      const answer = await bed.callback(event);
      expect(answer).toEqual({ statusCode: 400, headers: { 'content-type': 'text/plain' }, body: 'refused' });
      expect(lastReason(bed.logger.lines)).toBe(reason);
      expect(await storedTicket()).toBeUndefined();
    };
    const at = () => ({ timestamp: String(now()), nonce: '2' });

    it('has a wrong signature', async () => {
      const push = ticketPush();
      const wrong = '0'.repeat(40);
      await refusedWith(
        callbackEvent({ ...push, query: { ...push.query, msg_signature: wrong } }),
        'signature_mismatch',
      );
      await refusedWith(callbackEvent({ ...push, query: { ...push.query, nonce: 'other' } }), 'signature_mismatch');
    });

    it('was encrypted for another component, or names another in its AppId, or none', async () => {
      const foreign = { ...component, appId: 'wx0000000000000000' };
      const xml = `<xml><AppId>${foreign.appId}</AppId><CreateTime>${now()}</CreateTime></xml>`;
      await refusedWith(callbackEvent(independentPush(foreign, xml, at())), 'appid_mismatch');
      const fields = { CreateTime: now(), InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'x' };
      await refusedWith(callbackEvent(pushOf({ AppId: 'wx0000000000000000', ...fields })), 'other_component');
      await refusedWith(callbackEvent(pushOf(fields)), 'malformed');
    });

    it('is too large (refused before parsing), not XML, not encrypted, or lacks a field', async () => {
      const push = ticketPush();
      const large = `<xml><Encrypt>${'A'.repeat(20_000)}</Encrypt></xml>`;
      await refusedWith(callbackEvent({ ...push, body: large }), 'body_too_large');
      const base64 = {
        ...callbackEvent({ ...push, body: Buffer.from(large).toString('base64') }),
        isBase64Encoded: true,
      };
      await refusedWith(base64, 'body_too_large');
      await refusedWith(callbackEvent({ ...push, body: 'this is not xml' }), 'bad_xml');
      await refusedWith(callbackEvent({ ...push, query: { ...push.query, encrypt_type: 'raw' } }), 'not_encrypted');
      await refusedWith(
        callbackEvent(pushOf({ AppId: component.appId, CreateTime: now(), InfoType: 'component_verify_ticket' })),
        'malformed',
      );
      await refusedWith(
        callbackEvent(
          pushOf({ AppId: component.appId, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'x' }, at()),
        ),
        'malformed',
      );
    });

    it('arrives at another route', async () => {
      const answer = await bed.callback(
        httpApiEvent({ routeKey: 'GET /wechat/callback', rawPath: '/wechat/callback', iam: false }),
      );
      expect(answer.statusCode).toBe(404);
    });
  });

  it('answers 500 (so that WeChat re-delivers) when WeChat cannot exchange the code right now', async () => {
    await bed.storeTicket();
    bed.simulator.faults.failNext('api_query_auth', -1, 3);
    const grant = bed.simulator.world.authorize();
    const fields = {
      AppId: component.appId,
      CreateTime: now(),
      InfoType: 'authorized',
      AuthorizerAppid: grant.appId,
      AuthorizationCode: grant.authorizationCode,
    };
    expect((await bed.callback(callbackEvent(pushOf(fields)))).statusCode).toBe(500);
    // Known from the push, not yet usable: awaiting its refresh token (a recovery sync would bring it
    // from the list should the exchange never succeed), and no token to hand out.
    const pending = await bed.authorizers.get(grant.appId);
    expect(pending).toMatchObject({ status: 'refresh_token_invalid', accessToken: undefined });
    expect(await bed.callback(callbackEvent(pushOf(fields)))).toMatchObject({ statusCode: 200, body: 'success' });
    expect((await bed.authorizers.get(grant.appId))?.status).toBe('active');
  });
});
