import { afterEach, describe, expect, it } from 'vitest';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { callbackEvent, simulatorComponent as component } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { conformanceBackends, useBackend } from '../support/dynamo-backends.js';
import { independentPush } from '../support/independent-wxcrypt.js';
import {
  gate,
  interceptingDoc,
  MINUTE,
  otherInstance,
  Promises,
  scheduledEvent,
  storedTokenWorks,
  writesAccessToken,
} from '../support/promise-harness.js';

// Issue 11's scenarios about authorizations: an exchange of an authorization code (api_query_auth)
// issues a token that, in the worst case, supersedes the stored one. Whatever becomes of the exchange,
// no token handed out after it may die before the time it was promised until.

describe.each(conformanceBackends())('the promise, authorizations, on %s', (kind) => {
  const backend = useBackend(kind);
  let bed: ApiTestbed;
  afterEach(() => bed.close());

  async function start(): Promise<string> {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    const [appId = ''] = await bed.seedAuthorizers(1);
    expect((await new Promises(bed).token(appId)).status).toBe(200);
    bed.clock.advance(10 * MINUTE);
    return appId;
  }

  /** An `updateauthorized` push for `appId` with a fresh code, as WeChat sends it. */
  function authorizationPush(appId: string, createTime = Math.floor(bed.clock.now() / 1000)) {
    const grant = bed.simulator.world.authorize(appId);
    const fields = {
      AppId: component.appId,
      CreateTime: createTime,
      InfoType: 'updateauthorized',
      AuthorizerAppid: appId,
      AuthorizationCode: grant.authorizationCode,
      AuthorizationCodeExpiredTime: createTime + 3_600,
      PreAuthCode: 'preauthcode@@@x',
    };
    const xml = `<xml>${Object.entries(fields)
      .map(([name, value]) =>
        typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
      )
      .join('')}</xml>`;
    return callbackEvent(
      independentPush(component, xml, { timestamp: String(createTime), nonce: String(createTime % 1_000_000) }),
    );
  }

  /** After the push: what callers are handed from now on keeps its promise, and a working token stays stored. */
  async function callersAfter(appId: string): Promise<void> {
    const promises = new Promises(bed);
    const refresh = createRefresh(() => bed.service);
    for (let minute = 0; minute < 12; minute++) {
      expect((await promises.token(appId)).status).toBe(200);
      promises.advance(MINUTE, 20_000);
      await refresh(scheduledEvent);
    }
    expect(await storedTokenWorks(bed, appId)).toBe(true);
  }

  it('3: the exchange answered but the answer lost (WeChat re-delivers, the code is spent): the stored token was put in doubt first', async () => {
    const appId = await start();
    bed.simulator.faults.dropNext('api_query_auth', { afterProcessing: true });
    const push = authorizationPush(appId);
    expect((await bed.callback(push)).statusCode).toBe(500); // not `success`: WeChat delivers it again
    expect(await bed.callback(push)).toMatchObject({ statusCode: 200, body: 'success' }); // 61009: nothing to store
    await callersAfter(appId);
  });

  it('3: the callback dies between the exchange and its write: the stored token was put in doubt first', async () => {
    const appId = await start();
    const dying = otherInstance(bed, { doc: interceptingDoc(bed.doc, writesAccessToken, { fail: 'before' }) });
    const push = authorizationPush(appId);
    expect((await dying.callback(push)).statusCode).toBe(500);
    expect(await bed.callback(push)).toMatchObject({ statusCode: 200, body: 'success' });
    await callersAfter(appId);
  });

  it('3: a late, older push is exchanged and then refused as older: the stored token was put in doubt first', async () => {
    const appId = await start();
    const older = authorizationPush(appId, Math.floor(bed.clock.now() / 1000) - 100);
    expect(await bed.callback(authorizationPush(appId))).toMatchObject({ statusCode: 200, body: 'success' });
    const stored = await bed.authorizers.get(appId);
    expect(await bed.callback(older)).toMatchObject({ statusCode: 200, body: 'success' });
    expect((await bed.authorizers.get(appId))?.authTime).toBe(stored?.authTime); // refused as older
    await callersAfter(appId);
  });

  it('9: a slow callback write does not land its exchanged token over a newer one a renewal committed meanwhile', async () => {
    const appId = await start();
    const slow = gate();
    const callback = otherInstance(bed, { doc: interceptingDoc(bed.doc, writesAccessToken, { hold: slow.wait }) });
    const pending = callback.callback(authorizationPush(appId));
    await slow.reached; // exchanged; its write is on its way
    bed.clock.advance(7_200_000 - 15 * MINUTE); // the stored token is due: the schedule renews it, after the exchange
    // The authorization replaced the refresh token: the first run meets 61023 and recovers the new one
    // from the list; the next renews with it, and commits a token newer than the exchanged one.
    const refresh = createRefresh(() => bed.service);
    expect(await refresh(scheduledEvent)).toMatchObject({ recovery: { healed: 1 } });
    expect(await refresh(scheduledEvent)).toMatchObject({ summary: { renewed: 1 } });
    slow.open();
    expect(await pending).toMatchObject({ statusCode: 200, body: 'success' });
    expect((await bed.authorizers.get(appId))?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(appId));
    await callersAfter(appId);
  });
});
