import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REFUSED } from '../../functions/callback/callback.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../../shared/wechat-time.js';
import { simulatorComponent as component } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { eventOf, type PushFields, sealedPush, tableDump } from '../support/push-attacker.js';

// Issue 14, point 2: a push's CreateTime, and the query's timestamp, are decimal unix seconds near now.
// A ticket from the far future was stored and outranked every real one after it; `0x10` was a time.

const SKEW_S = MAX_WECHAT_CLOCK_SKEW_MS / 1000;

describe('the callback and the time a push names', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  let appId: string;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
    [appId = ''] = await bed.seedAuthorizers(1);
  });
  afterEach(() => bed.close());

  const now = () => Math.floor(bed.clock.now() / 1000);
  let nonce = 0;
  /** A push of `infoType` created at `createTime`, sent now: signed and encrypted as WeChat does. */
  function pushAt(infoType: string, createTime: string | number, timestamp: string | number = now()) {
    const fields: Record<string, string | number> = {
      AppId: component.appId,
      CreateTime: createTime,
      InfoType: infoType,
    };
    if (infoType === 'component_verify_ticket') fields['ComponentVerifyTicket'] = bed.simulator.world.issueTicket();
    if (infoType !== 'component_verify_ticket') fields['AuthorizerAppid'] = appId;
    if (infoType === 'authorized' || infoType === 'updateauthorized')
      fields['AuthorizationCode'] = bed.simulator.world.authorize(appId).authorizationCode;
    return eventOf(sealedPush(fields as PushFields, { timestamp, nonce: String(++nonce) }));
  }
  const INFO_TYPES = ['component_verify_ticket', 'unauthorized', 'authorized', 'updateauthorized'];

  it('refuses, alike and changing nothing, a CreateTime that is not decimal seconds or not within the skew of now', async () => {
    const times = ['9999999999', '0x10', '1e9', ' 5', '-5', '', now() - SKEW_S - 1, now() + SKEW_S + 1];
    const before = await tableDump(bed.doc, bed.tableName);
    for (const infoType of INFO_TYPES)
      for (const createTime of times) {
        const answer = await bed.callback(pushAt(infoType, createTime));
        expect(answer, `${infoType} at ${JSON.stringify(createTime)}`).toEqual(REFUSED);
      }
    expect(await tableDump(bed.doc, bed.tableName)).toBe(before);
    expect(bed.simulator.counters.calls('api_query_auth')).toBe(0);
    const reasons = new Set(bed.logger.lines.map((line) => JSON.parse(line).reason).filter(Boolean));
    expect([...reasons].sort()).toEqual(['malformed', 'stale_or_future_time']);
  });

  it('refuses a query timestamp that is not decimal seconds or not within the skew of now, before the signature', async () => {
    const before = await tableDump(bed.doc, bed.tableName);
    for (const timestamp of ['9999999999', '0x10', '1e9', ' 5', '-5', '', now() - SKEW_S - 1, now() + SKEW_S + 1]) {
      const answer = await bed.callback(pushAt('component_verify_ticket', now(), timestamp));
      expect(answer, JSON.stringify(timestamp)).toEqual(REFUSED);
    }
    expect(await tableDump(bed.doc, bed.tableName)).toBe(before);
    const reasons = new Set(bed.logger.lines.map((line) => JSON.parse(line).reason).filter(Boolean));
    expect([...reasons]).toEqual(['stale_timestamp']);
  });

  it('accepts a CreateTime and a timestamp within the skew, either way, for every push type', async () => {
    const ahead = now() + SKEW_S - 1;
    expect(await bed.callback(pushAt('component_verify_ticket', ahead, ahead))).toMatchObject({ body: 'success' });
    expect((await bed.component.get(component.appId))?.ticket?.createTime).toBe(ahead);
    // Older than the stored one: acknowledged and not kept, like every late ticket.
    const behind = now() - (SKEW_S - 1);
    expect(await bed.callback(pushAt('component_verify_ticket', behind, behind))).toMatchObject({ body: 'success' });
    expect((await bed.component.get(component.appId))?.ticket?.createTime).toBe(ahead);

    expect(await bed.callback(pushAt('unauthorized', now() - (SKEW_S - 1)))).toMatchObject({ body: 'success' });
    expect((await bed.authorizers.get(appId))?.status).toBe('revoked');
    expect(await bed.callback(pushAt('authorized', now() + (SKEW_S - 1)))).toMatchObject({ body: 'success' });
    expect((await bed.authorizers.get(appId))?.status).toBe('active');
    expect(await bed.callback(pushAt('updateauthorized', now() - (SKEW_S - 1)))).toMatchObject({ body: 'success' });
    expect(bed.simulator.counters.calls('api_query_auth')).toBe(2);
  });
});
