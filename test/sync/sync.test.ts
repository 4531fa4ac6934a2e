import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { authorizerKey, SyncStore, Table } from '../../shared/store/index.js';
import { type SyncSummary, syncAuthorizers } from '../../shared/sync/index.js';
import { countAuthorizerWrites } from '../support/count-writes.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

const MINUTE = 60_000;

describe('the sync', () => {
  const backend = useDynalite();
  let bed: Testbed;
  afterEach(() => bed.close());

  async function start(options: Parameters<typeof startTestbed>[1] = {}): Promise<void> {
    bed = await startTestbed(backend(), options);
    await bed.storeTicket();
  }
  const run = (pageConcurrency = 4): Promise<SyncSummary> => {
    bed.clock.advance(1_000); // what WeChat lists now was fetched after anything stored before
    return syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: bed.syncStore,
      authorizers: bed.authorizers,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      pageConcurrency,
      logger: bed.logger,
      metrics: bed.metrics,
    });
  };
  /** A run whose snapshot is read only once `ready` resolves (after an event the test stages). */
  const runWithLateSnapshot = (ready: Promise<void>): Promise<SyncSummary> => {
    class LateSnapshot extends SyncStore {
      override async snapshot(segments?: number) {
        await ready;
        return super.snapshot(segments);
      }
    }
    bed.clock.advance(1_000);
    return syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: new LateSnapshot(new Table(bed.doc, bed.tableName)),
      authorizers: bed.authorizers,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
    });
  };
  const stored = (appId: string) => bed.authorizers.get(appId);
  const dueNow = async (): Promise<string[]> => {
    const due: string[] = [];
    for await (const appId of bed.authorizers.dueAppIds(bed.clock.now())) due.push(appId);
    return due;
  };

  describe('with 1,200 authorizers', () => {
    beforeEach(() => start({ simulator: { authorizers: 1_200 } }));

    it('growth: adds every listed account, active and due at once, in 3 overlapping pages', async () => {
      const summary = await run();
      expect(summary).toMatchObject({
        ran: true,
        complete: true,
        totalCount: 1_200,
        added: 1_200,
        revoked: 0,
        pages: 3,
        wechatCalls: 3,
      });
      const listing = bed.simulator.world.population.listing();
      const sample = await stored(listing[777]?.appId ?? '');
      expect(sample).toMatchObject({ status: 'active', refreshAt: 0, authTime: listing[777]?.authTime });
      expect(sample?.refreshToken.reveal()).toBe(listing[777]?.refreshToken);
      expect(await dueNow()).toHaveLength(1_200);
      expect(bed.logger.lines.some((line) => line.includes('"message":"sync finished"'))).toBe(true);
      expect(bed.metrics.total('SyncAdded')).toBe(1_200);
    });

    it('an unchanged listing writes nothing at all', async () => {
      await run();
      const writes = countAuthorizerWrites(bed.doc);
      const summary = await run();
      expect(summary).toMatchObject({ complete: true, unchanged: 1_200, added: 0, updated: 0, revoked: 0 });
      expect(writes.count).toBe(0);
    });

    it('shrink: accounts absent from two complete listings in a row are revoked, kept, and no longer renewed', async () => {
      await run();
      const gone = bed.simulator.world.population
        .listing()
        .slice(0, 25)
        .map((record) => record.appId);
      for (const appId of gone) bed.simulator.world.revoke(appId);
      // The first complete listing without them only records their absence.
      expect(await run()).toMatchObject({ complete: true, revoked: 0, markedAbsent: 25, unchanged: 1_175 });
      for (const appId of gone) expect((await stored(appId))?.status).toBe('active');
      const summary = await run();
      expect(summary).toMatchObject({ complete: true, revoked: 25, unchanged: 1_175 });
      for (const appId of gone) expect((await stored(appId))?.status).toBe('revoked');
      expect((await dueNow()).filter((appId) => gone.includes(appId))).toEqual([]);
      expect((await run()).revoked).toBe(0);
    });

    it('re-authorization: the new refresh token and auth time are written; revoked accounts come back', async () => {
      await run();
      const [reauthorized = '', returning = ''] = bed.simulator.world.population
        .listing()
        .map((record) => record.appId);
      bed.simulator.world.revoke(returning);
      await run(); // absent once: recorded
      await run(); // absent twice in a row: revoked
      expect((await stored(returning))?.status).toBe('revoked');
      bed.clock.advance(MINUTE);
      bed.simulator.world.authorize(reauthorized);
      bed.simulator.world.authorize(returning);
      const summary = await run();
      expect(summary).toMatchObject({ complete: true, updated: 1, reactivated: 1, revoked: 0 });
      for (const appId of [reauthorized, returning]) {
        const record = await stored(appId);
        expect(record?.status).toBe('active');
        expect(record?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(appId));
        expect(record?.authTime).toBe(Math.floor(bed.clock.now() / 1000) - 1);
      }
      expect(await dueNow()).toContain(returning);
    });

    it('heal: a refresh_token_invalid account gets the listed refresh token back, active and due at once', async () => {
      await run();
      const appId = bed.simulator.world.population.listing()[3]?.appId ?? '';
      expect(await bed.renewer.renew(appId, { kind: 'due', minValidMs: 0 }, { waitMs: 0 })).toMatchObject({
        kind: 'renewed',
      });
      const accessToken = (await stored(appId))?.accessToken?.token.reveal() ?? '';
      bed.simulator.world.replaceRefreshToken(appId); // the stored refresh token is now refused (61023)
      bed.clock.advance(7_200_000 - 10 * MINUTE);
      const due = { kind: 'due', minValidMs: 15 * MINUTE } as const;
      expect(await bed.renewer.renew(appId, due, { waitMs: 0 })).toMatchObject({
        kind: 'failed',
        failure: 'refresh_token_invalid',
      });
      const summary = await run();
      expect(summary).toMatchObject({ healed: 1 });
      const healed = await stored(appId);
      expect(healed).toMatchObject({ status: 'active', refreshAt: 0 });
      // A new refresh token does not touch the access token: it is kept, and still works, until the renewal.
      expect(healed?.accessToken?.token.reveal()).toBe(accessToken);
      expect(bed.simulator.world.isAuthorizerTokenValid(appId, accessToken)).toBe(true);
      expect(await bed.renewer.renew(appId, due, { waitMs: 0 })).toMatchObject({ kind: 'renewed' });
    });

    it('a failed page makes the run partial: additions are kept, nobody is revoked', async () => {
      await run();
      const gone = bed.simulator.world.population
        .listing()
        .slice(0, 5)
        .map((record) => record.appId);
      for (const appId of gone) bed.simulator.world.revoke(appId);
      bed.simulator.world.seed(3);
      bed.simulator.faults.failNext('api_get_authorizer_list', -1, 3); // the first page, with all its retries
      const failedFirst = await run();
      expect(failedFirst).toMatchObject({ complete: false, revoked: 0, added: 0 });
      // Now a page in the middle fails, with all its retries; the pages around it still count.
      const original = bed.simulator.world.authorizerList.bind(bed.simulator.world);
      bed.simulator.world.authorizerList = (token, body) =>
        body['offset'] === 499 ? { errcode: -1, errmsg: 'system error' } : original(token, body);
      const partial = await run(1);
      bed.simulator.world.authorizerList = original;
      expect(partial).toMatchObject({ complete: false, revoked: 0, added: 3 });
      for (const appId of gone) expect((await stored(appId))?.status).toBe('active');
      expect(bed.metrics.total('SyncIncomplete')).toBe(2);
      // Partial runs recorded no absence: it takes two complete listings from here.
      expect(await run()).toMatchObject({ complete: true, revoked: 0, markedAbsent: 5 });
      expect(await run()).toMatchObject({ complete: true, revoked: 5 });
    });

    it('a listing that shifts while it is paged revokes nobody', async () => {
      await run();
      const listing = bed.simulator.world.population.listing();
      const leaving = listing[100]?.appId ?? '';
      let pagesServed = 0;
      bed.simulator.world.revoke(listing[1_100]?.appId ?? ''); // really gone: may be revoked by a clean run
      // Between the first page and the rest an account early in the list re-authorizes (it moves to the
      // end) and another account is revoked: every later page shifts.
      const original = bed.simulator.world.authorizerList.bind(bed.simulator.world);
      bed.simulator.world.authorizerList = (token, body) => {
        const answer = original(token, body);
        if (++pagesServed === 1) {
          bed.simulator.world.authorize(listing[50]?.appId ?? '');
          bed.simulator.world.revoke(leaving);
        }
        return answer;
      };
      const summary = await run(1);
      expect(summary.complete).toBe(false);
      expect(summary.revoked).toBe(0);
      bed.simulator.world.authorizerList = original;
      expect(await run()).toMatchObject({ complete: true, revoked: 0, markedAbsent: 2 });
      const clean = await run();
      expect(clean).toMatchObject({ complete: true, revoked: 2 });
      expect((await stored(leaving))?.status).toBe('revoked');
      expect((await stored(listing[50]?.appId ?? ''))?.status).toBe('active');
    });

    it('two overlapping runs: one runs, the other does nothing', async () => {
      const [first, second] = await Promise.all([run(), run()]);
      expect([first?.ran, second?.ran].sort()).toEqual([false, true]);
      expect(bed.simulator.counters.calls('api_get_authorizer_list')).toBe(3);
      expect(bed.metrics.total('SyncSkippedRunning')).toBe(1);
      expect((await run()).ran).toBe(true);
    });
  });

  it('never overwrites a refresh token stored after the page that carried the old one was fetched', async () => {
    let appId = '';
    let armed = false;
    // After WeChat answered the page, and before the sync writes, an authorization event stores an even
    // newer refresh token.
    const eventAfterPage: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (armed && String(input).includes('api_get_authorizer_list')) {
        armed = false;
        bed.clock.advance(1);
        await new Table(bed.doc, bed.tableName).update(
          authorizerKey(appId),
          {
            set: { refreshToken: 'refreshtoken@@@from-the-event', refreshTokenChangedAt: bed.clock.now() },
            increment: ['version'],
          },
          { expression: 'attribute_exists(#pk)' },
        );
      }
      return response;
    };
    await start({ simulator: { authorizers: 3 }, fetch: eventAfterPage });
    await run();
    appId = bed.simulator.world.population.listing()[0]?.appId ?? '';
    bed.clock.advance(MINUTE);
    bed.simulator.world.authorize(appId); // re-authorized: WeChat now lists a new refresh token
    armed = true;
    const summary = await run();
    expect(summary.conflicts).toBe(1);
    expect((await stored(appId))?.refreshToken.reveal()).toBe('refreshtoken@@@from-the-event');
  });

  it('an account created by an authorization event during the sync is not revoked, though the snapshot sees it', async () => {
    await start({ simulator: { authorizers: 2 } });
    let created!: () => void;
    const creation = new Promise<void>((resolve) => (created = resolve));
    const original = bed.simulator.world.authorizerList.bind(bed.simulator.world);
    bed.simulator.world.authorizerList = (token, body) => {
      const answer = original(token, body);
      bed.authorizers
        .create({
          appId: 'wxnewcomer0000001',
          refreshToken: sensitive('refreshtoken@@@new'),
          authTime: 1,
          now: bed.clock.now(),
        })
        .then(() => created());
      return answer;
    };
    // The snapshot is read only once the event has landed: the newcomer is in it, and not in the pages.
    const summary = await runWithLateSnapshot(creation);
    expect(summary).toMatchObject({ complete: true, added: 2, revoked: 0 });
    expect((await stored('wxnewcomer0000001'))?.status).toBe('active');
  });

  it('never undoes an unauthorized push that landed after the page listing the account was fetched', async () => {
    let appId = '';
    let armed = false;
    let revoked!: () => void;
    const revocation = new Promise<void>((resolve) => (revoked = resolve));
    const revokeAfterPage: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (armed && String(input).includes('api_get_authorizer_list')) {
        armed = false;
        bed.clock.advance(1);
        await bed.authorizers.revokeByPush(appId, Math.floor(bed.clock.now() / 1000) + 1, bed.clock.now());
        revoked();
      }
      return response;
    };
    await start({ simulator: { authorizers: 3 }, fetch: revokeAfterPage });
    await run();
    appId = bed.simulator.world.population.listing()[0]?.appId ?? '';
    armed = true;
    // The snapshot sees the account revoked; the page (older) still lists it.
    const summary = await runWithLateSnapshot(revocation);
    expect(summary.reactivated).toBe(0);
    expect((await stored(appId))?.status).toBe('revoked');
  });
});
