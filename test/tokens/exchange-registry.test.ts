import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { authorizerKey } from '../../shared/store/index.js';
import { type AuthorizationGrant, exchangeAuthorization } from '../../shared/tokens/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// The exchange as the registry sees it: the redirect's (no appid: learnt from the exchange) and the
// push's, what each stores of the account (statusReason, permission sets, information, revision), and
// a failed information fetch that fails nothing.

describe('an exchange stores the account with its information', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  const exchange = (grant: AuthorizationGrant) =>
    exchangeAuthorization(
      {
        store: bed.authorizers,
        client: bed.client,
        componentTokens: bed.componentTokens,
        clock: bed.clock,
        renewalMarginMs: 15 * 60_000,
        logger: bed.logger,
      },
      grant,
    );
  const now = () => Math.floor(bed.clock.now() / 1000);
  const raw = async (appId: string) =>
    (await bed.doc.send(new GetCommand({ TableName: bed.tableName, Key: authorizerKey(appId) }))).Item;

  it('the redirect’s code (no appid): the account learnt from the exchange, stored active, authorized, with its permission sets and information', async () => {
    const grant = bed.simulator.world.authorize();
    const outcome = await exchange({ authorizationCode: sensitive(grant.authorizationCode), createTime: now() });
    expect(outcome).toEqual({ kind: 'stored', appId: grant.appId });
    const record = await bed.authorizers.get(grant.appId);
    const world = bed.simulator.world.population.get(grant.appId);
    expect(record).toMatchObject({ status: 'active', statusReason: 'authorized', funcInfo: world?.funcInfo });
    expect(bed.simulator.world.isAuthorizerTokenValid(grant.appId, record?.accessToken?.token.reveal() ?? '')).toBe(
      true,
    );
    const detail = await bed.authorizers.detail(grant.appId);
    expect(detail?.kind).toBe(world?.kind);
    expect(detail?.nickName).toMatch(/.+/);
    expect(detail?.accountInfo?.userName).toMatch(/^gh_/);
    // Created awaiting the exchange, the exchange stored, the information stored: one revision each.
    expect((await raw(grant.appId))?.['revision']).toBe(3);
    expect(bed.simulator.counters.calls('api_get_authorizer_info')).toBe(1);
  });

  it('the push’s code of a listed account: statusReason becomes authorized, permission sets stored; the same answer again writes no information', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    expect((await bed.authorizers.get(appId))?.statusReason).toBe('listed');
    const grant = bed.simulator.world.authorize(appId);
    bed.clock.advance(1_000);
    expect(await exchange({ appId, authorizationCode: sensitive(grant.authorizationCode), createTime: now() })).toEqual(
      { kind: 'stored', appId },
    );
    const stored = await bed.authorizers.get(appId);
    expect(stored?.statusReason).toBe('authorized');
    expect(stored?.infoChangedAt).toBeGreaterThanOrEqual(bed.clock.now());
    const infoChangedAt = stored?.infoChangedAt;
    bed.clock.advance(60_000);
    const again = bed.simulator.world.authorize(appId);
    expect(
      await exchange({ appId, authorizationCode: sensitive(again.authorizationCode), createTime: now() }),
    ).toMatchObject({ kind: 'stored' });
    expect((await bed.authorizers.get(appId))?.infoChangedAt, 'nothing of the information changed').toBe(infoChangedAt);
  });

  it('a failed information fetch is logged and fails nothing: the account is stored, the sync fetches the rest', async () => {
    const grant = bed.simulator.world.authorize();
    bed.simulator.faults.failNext('api_get_authorizer_info', 61003, 1);
    const outcome = await exchange({ authorizationCode: sensitive(grant.authorizationCode), createTime: now() });
    expect(outcome).toEqual({ kind: 'stored', appId: grant.appId });
    const detail = await bed.authorizers.detail(grant.appId);
    expect(detail).toMatchObject({ status: 'active', statusReason: 'authorized' });
    expect(detail?.funcInfo, 'api_query_auth’s permission sets').toEqual(
      bed.simulator.world.population.get(grant.appId)?.funcInfo,
    );
    expect(detail?.kind).toBeUndefined();
    expect(bed.logger.lines.some((line) => line.includes('account information not fetched after the exchange'))).toBe(
      true,
    );
  });

  it('the redirect’s exchange for a stored account it does not store (a later authorization won) puts the stored token in doubt', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    await bed.renewer.renew(appId, { kind: 'due', minValidMs: 0 }, { waitMs: 0 });
    const before = await bed.authorizers.get(appId);
    expect(before?.accessToken).toBeDefined();
    expect(before?.doubt).toBeUndefined();
    const grant = bed.simulator.world.authorize(appId);
    bed.clock.advance(1_000);
    // Its createTime is older than the stored authorization's: stale, and its token is not stored.
    const outcome = await exchange({ authorizationCode: sensitive(grant.authorizationCode), createTime: 1 });
    expect(outcome).toEqual({ kind: 'stale', appId });
    const after = await bed.authorizers.get(appId);
    expect(after?.accessToken?.token.reveal()).toBe(before?.accessToken?.token.reveal());
    expect(after?.doubt, 'the exchange may have superseded the stored token').toBeDefined();
    expect(after?.doubt?.until).toBeLessThanOrEqual(bed.clock.now());
  });

  it('a code for another account than the push names, and a spent code, as before', async () => {
    const grant = bed.simulator.world.authorize();
    expect(
      await exchange({
        appId: 'wx00000000000000ff',
        authorizationCode: sensitive(grant.authorizationCode),
        createTime: now(),
      }),
    ).toEqual({ kind: 'wrong_account' });
    expect(await exchange({ authorizationCode: sensitive(grant.authorizationCode), createTime: now() })).toMatchObject({
      kind: 'code_spent',
    });
  });
});
