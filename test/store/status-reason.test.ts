import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { authorizerKey } from '../../shared/store/index.js';
import { syncAuthorizers } from '../../shared/sync/index.js';
import { exchangeAuthorization } from '../../shared/tokens/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Every write of a status says why (statusReason), and every write of an authorizer item moves its
// revision on by one: what the lifecycle events are derived from, write by write.

const MINUTE = 60_000;

describe('the authorizer item’s statusReason and revision', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend(), { simulator: { authorizers: 3 } });
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const item = async (appId: string) =>
    (await bed.doc.send(new GetCommand({ TableName: bed.tableName, Key: authorizerKey(appId) }))).Item ?? {};
  const sync = () => {
    bed.clock.advance(1_000);
    return syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: bed.syncStore,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
  };
  const renew = (appId: string) => bed.renewer.renew(appId, { kind: 'due', minValidMs: 0 }, { waitMs: 0 });
  const listed = () => bed.simulator.world.population.listing().map((record) => record.appId);

  /** Runs `write` and expects it to have moved the revision on by exactly `writes`. */
  async function moves(appId: string, writes: number, write: () => Promise<unknown>) {
    const before = Number((await item(appId))['revision'] ?? 0);
    await write();
    expect((await item(appId))['revision']).toBe(before + writes);
  }

  it('listed (created by the sync, revision 1), renewed, revoked by a push, listed again', async () => {
    await sync();
    const [appId = ''] = listed();
    expect(await item(appId)).toMatchObject({ status: 'active', statusReason: 'listed', revision: 1 });
    // The renewal's lease and its commit: two writes.
    await moves(appId, 2, () => renew(appId));
    await moves(appId, 1, () =>
      bed.authorizers.revokeByPush(appId, Math.floor(bed.clock.now() / 1000) + 1, bed.clock.now()),
    );
    expect(await item(appId)).toMatchObject({ status: 'revoked', statusReason: 'unauthorized_push' });
    bed.clock.advance(MINUTE);
    bed.simulator.world.authorize(appId);
    await moves(appId, 1, () => sync());
    expect(await item(appId)).toMatchObject({ status: 'active', statusReason: 'listed' });
  });

  it('absent from two complete listings: absent_from_listing (the mark of the first is a write too)', async () => {
    await sync();
    const [appId = ''] = listed();
    bed.simulator.world.revoke(appId);
    await moves(appId, 1, () => sync()); // absentSince recorded
    expect(await item(appId)).toMatchObject({ status: 'active', statusReason: 'listed' });
    await moves(appId, 1, () => sync());
    expect(await item(appId)).toMatchObject({ status: 'revoked', statusReason: 'absent_from_listing' });
  });

  it('61023: refresh_token_refused, then listed when the sync heals it; 61003: not_authorized', async () => {
    await sync();
    const [refused = '', left = ''] = listed();
    await renew(refused);
    bed.simulator.world.replaceRefreshToken(refused);
    bed.clock.advance(7_200_000 - 10 * MINUTE);
    await bed.renewer.renew(refused, { kind: 'due', minValidMs: 15 * MINUTE }, { waitMs: 0 });
    expect(await item(refused)).toMatchObject({
      status: 'refresh_token_invalid',
      statusReason: 'refresh_token_refused',
    });
    await sync();
    expect(await item(refused)).toMatchObject({ status: 'active', statusReason: 'listed' });
    bed.simulator.world.revoke(left);
    await renew(left);
    expect(await item(left)).toMatchObject({ status: 'revoked', statusReason: 'not_authorized' });
  });

  it('an authorization push: awaiting_exchange while its code is exchanged, then authorized', async () => {
    const grant = bed.simulator.world.authorize();
    const deps = {
      store: bed.authorizers,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      renewalMarginMs: 15 * MINUTE,
    };
    // The pending item, as the push writes it before its exchange (and leaves it if the answer is lost).
    const at = bed.clock.now();
    await bed.authorizers.createPending({
      appId: grant.appId,
      authTime: Math.floor(at / 1000),
      doubt: { from: at, until: at + MINUTE },
      now: at,
    });
    expect(await item(grant.appId)).toMatchObject({
      status: 'refresh_token_invalid',
      statusReason: 'awaiting_exchange',
      revision: 1,
    });
    const again = bed.simulator.world.authorize(grant.appId);
    bed.clock.advance(1_000);
    await exchangeAuthorization(deps, {
      appId: grant.appId,
      authorizationCode: sensitive(again.authorizationCode),
      createTime: Math.floor(bed.clock.now() / 1000),
    });
    expect(await item(grant.appId)).toMatchObject({ status: 'active', statusReason: 'authorized' });
  });
});
