import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PUSH_RECEIPT_LIFETIME_MS } from '../../shared/push/index.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../../shared/wechat-time.js';
import { simulatorComponent as component } from '../fixtures/api-gateway.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { interceptingDoc, otherInstance } from '../support/promise-harness.js';
import { encryptOf, eventOf, resigned, sealedPush, tableDump } from '../support/push-attacker.js';

// Issue 14, point 3: replays. A captured push sent again changes nothing (WeChat's own re-deliveries
// are still answered `success`), and one sent after the window is refused; a push whose first delivery
// failed is acted on when WeChat delivers it again.

describe('the callback and replayed pushes', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  beforeEach(async () => {
    bed = await startApiTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const seconds = () => Math.floor(bed.clock.now() / 1000);
  const unauthorizedPush = (appId: string) =>
    sealedPush(
      { AppId: component.appId, CreateTime: seconds(), InfoType: 'unauthorized', AuthorizerAppid: appId },
      { timestamp: seconds(), nonce: '90210' },
    );
  const status = async (appId: string) => (await bed.authorizers.get(appId))?.status;

  it('an `unauthorized` push replayed 55 s after the sync reactivated the account: `success`, and the account stays authorized; after the window: refused', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const captured = eventOf(unauthorizedPush(appId));
    expect(await bed.callback(captured)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await status(appId)).toBe('revoked');

    // WeChat still lists the account (the revocation was not WeChat's last word): the sync reactivates it.
    bed.clock.advance(5_000);
    expect((await bed.service.sync()).reactivated).toBe(1);
    expect(await status(appId)).toBe('active');

    bed.clock.advance(55_000);
    expect(await bed.callback(captured)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await status(appId)).toBe('active');
    expect(bed.metrics.total('PushRepeated')).toBe(1);

    // Past the window (the timestamp is more than the skew from now): refused, before the receipts matter.
    bed.clock.advance(MAX_WECHAT_CLOCK_SKEW_MS - 60_000 + 1_000);
    const before = await tableDump(bed.doc, bed.tableName);
    expect(await bed.callback(captured)).toMatchObject({ statusCode: 400, body: 'refused' });
    expect(await status(appId)).toBe('active');
    expect(await tableDump(bed.doc, bed.tableName)).toBe(before);
  });

  it('a captured push signed again with a fresh timestamp and nonce is the same push: acknowledged, not acted on', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const original = unauthorizedPush(appId);
    expect(await bed.callback(eventOf(original))).toMatchObject({ statusCode: 200, body: 'success' });
    bed.clock.advance(5_000);
    await bed.service.sync();
    expect(await status(appId)).toBe('active');

    bed.clock.advance(4 * 60_000);
    const query = { ...original.query, timestamp: String(seconds()), nonce: '31337' };
    const replay = resigned({ ...original, query }, encryptOf(original));
    expect(await bed.callback(eventOf(replay))).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await status(appId)).toBe('active');
  });

  it('remembers a push for longer than the window, and past its lifetime only in a receipt nobody reads', async () => {
    expect(PUSH_RECEIPT_LIFETIME_MS).toBeGreaterThan(2 * MAX_WECHAT_CLOCK_SKEW_MS);
    const [appId = ''] = await bed.seedAuthorizers(1);
    const push = eventOf(unauthorizedPush(appId));
    expect(await bed.callback(push)).toMatchObject({ statusCode: 200, body: 'success' });
    const receipts = JSON.parse(await tableDump(bed.doc, bed.tableName)).filter((item: { pk: string }) =>
      item.pk.startsWith('PUSH#'),
    );
    // Its id and its end, nothing of the push itself.
    expect(receipts).toEqual([
      {
        pk: expect.stringMatching(/^PUSH#[0-9a-f]{64}$/),
        expiresAt: bed.clock.now() + PUSH_RECEIPT_LIFETIME_MS,
        ttl: expect.any(Number),
      },
    ]);
  });

  it('a first delivery that failed (the store down) is acted on when WeChat delivers it again', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const push = eventOf(unauthorizedPush(appId));
    const revokes = (input: Record<string, unknown>) =>
      JSON.stringify(input['ExpressionAttributeValues']).includes('revoked');
    const down = otherInstance(bed, { doc: interceptingDoc(bed.doc, revokes, { fail: 'before' }) });
    expect(await down.callback(push)).toMatchObject({ statusCode: 500, body: 'try again' });
    expect(await status(appId)).toBe('active');
    bed.clock.advance(3_000);
    expect(await bed.callback(push)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await status(appId)).toBe('revoked');
  });

  it('a push acted on whose receipt could not be written is answered 500, and its re-delivery acts again (harmlessly) and is remembered', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    const push = eventOf(unauthorizedPush(appId));
    const remembers = (input: Record<string, unknown>) =>
      String((input['Key'] as { pk?: string })?.pk).startsWith('PUSH#');
    const down = otherInstance(bed, { doc: interceptingDoc(bed.doc, remembers, { fail: 'before' }) });
    expect(await down.callback(push)).toMatchObject({ statusCode: 500 });
    expect(await status(appId)).toBe('revoked');
    expect(await bed.callback(push)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(await status(appId)).toBe('revoked');
    expect(await bed.callback(push)).toMatchObject({ statusCode: 200, body: 'success' });
    expect(bed.metrics.total('PushRepeated')).toBe(1);
  });
});
