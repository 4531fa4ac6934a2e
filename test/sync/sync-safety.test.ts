import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createRefresh } from '../../functions/refresh/refresh';
import { sensitive } from '../../shared/sensitive';
import { authorizerKey, RECOVERY_SHARD } from '../../shared/store';
import { type SyncSummary, syncAuthorizers } from '../../shared/sync';
import { conformanceBackends, useBackend } from '../support/dynamo-backends';
import { startTestbed, type Testbed } from '../support/testbed';

const MINUTE = 60_000;
const scheduledEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

// Issue 11, scenarios 5, 8, 11 and 14: what the sync must never do (revoke on one listing), and what it
// must always do (recover a refusal whose mark's answer was lost, heal a late rotated token, re-index an
// account the due index lost). On both backends: these are conditional writes and index queries.
describe.each(conformanceBackends())('the sync, on %s', (kind) => {
  const backend = useBackend(kind);
  let bed: Testbed;
  afterEach(() => bed.close());

  async function start(authorizers: number): Promise<void> {
    bed = await startTestbed(backend(), { simulator: { authorizers } });
    await bed.storeTicket();
  }
  const run = (): Promise<SyncSummary> => {
    bed.clock.advance(1_000); // what WeChat lists now was fetched after anything stored before
    return syncAuthorizers({
      componentAppId: bed.config.componentAppId,
      syncStore: bed.syncStore,
      authorizers: bed.authorizers,
      client: bed.client,
      componentTokens: bed.componentTokens,
      clock: bed.clock,
      logger: bed.logger,
      metrics: bed.metrics,
    });
  };
  const statuses = async (appIds: readonly string[]) =>
    Promise.all(appIds.map(async (appId) => (await bed.authorizers.get(appId))?.status));
  const dueNow = async (): Promise<string[]> => {
    const due: string[] = [];
    for await (const appId of bed.authorizers.dueAppIds(bed.clock.now())) due.push(appId);
    return due;
  };
  /** WeChat's listing leaves these accounts out (and counts them out) while `hidden` holds them. */
  function hideFromListing(hidden: Set<string>): void {
    const original = bed.simulator.world.authorizerList.bind(bed.simulator.world);
    bed.simulator.world.authorizerList = (token, body) => {
      const answer = original(token, body);
      const list = answer['list'];
      if (!Array.isArray(list)) return answer;
      const kept = list.filter((entry: { authorizer_appid: string }) => !hidden.has(entry.authorizer_appid));
      return { ...answer, total_count: Number(answer['total_count']) - (list.length - kept.length), list: kept };
    };
  }

  describe('scenario 5: revocation needs two complete listings, never an empty one, and is bounded', () => {
    it('an empty listing while accounts are active revokes nobody, and is counted', async () => {
      await start(30);
      await run();
      const all = bed.simulator.world.population.listing().map((record) => record.appId);
      hideFromListing(new Set(all)); // {total_count: 0, list: []}
      for (let i = 0; i < 2; i++) {
        expect(await run()).toMatchObject({ complete: false, totalCount: 0, revoked: 0, markedAbsent: 0 });
      }
      expect(bed.metrics.total('SyncEmptyListing')).toBe(2);
      expect(bed.logger.lines.some((line) => line.includes('an empty listing while accounts are active'))).toBe(true);
      expect(new Set(await statuses(all))).toEqual(new Set(['active']));
    });

    it('an account absent from one complete listing is kept; absent from the next one too, it is revoked', async () => {
      await start(30);
      await run();
      const [gone = '', flickering = ''] = bed.simulator.world.population.listing().map((record) => record.appId);
      bed.simulator.world.revoke(gone);
      const hidden = new Set([flickering]);
      hideFromListing(hidden);
      expect(await run()).toMatchObject({ complete: true, revoked: 0, markedAbsent: 2 });
      expect(await statuses([gone, flickering])).toEqual(['active', 'active']);
      // Listed again: its absence is forgotten, so one more absence does not revoke it.
      hidden.clear();
      expect(await run()).toMatchObject({ complete: true, revoked: 1, relisted: 1 });
      expect(await statuses([gone, flickering])).toEqual(['revoked', 'active']);
      hidden.add(flickering);
      expect(await run()).toMatchObject({ complete: true, revoked: 0, markedAbsent: 1 });
      expect((await bed.authorizers.get(flickering))?.status).toBe('active');
      expect(await run()).toMatchObject({ complete: true, revoked: 1 });
      expect((await bed.authorizers.get(flickering))?.status).toBe('revoked');
    });

    it('one run revokes at most max(10, 5% of the active accounts); the rest is left for the next run', async () => {
      await start(40);
      await run();
      const gone = bed.simulator.world.population
        .listing()
        .slice(0, 15)
        .map((record) => record.appId);
      for (const appId of gone) bed.simulator.world.revoke(appId);
      expect(await run()).toMatchObject({ complete: true, revoked: 0, markedAbsent: 15 });
      expect(await run()).toMatchObject({ complete: true, revoked: 10, revocationsDeferred: 5 });
      expect(bed.metrics.total('SyncRevocationsDeferred')).toBe(5);
      expect(bed.logger.lines.some((line) => line.includes('more accounts to revoke than one run may'))).toBe(true);
      expect(await run()).toMatchObject({ complete: true, revoked: 5, revocationsDeferred: 0 });
      expect(new Set(await statuses(gone))).toEqual(new Set(['revoked']));
    });
  });

  describe('scenario 8: a recovery is owed from the mark itself', () => {
    it("a 61023 mark whose answer is lost still owes the recovery, and the scheduled run's recovery sync heals the account", async () => {
      await start(0);
      const [lost = ''] = await bed.seedAuthorizers(1);
      const refresh = createRefresh(() => bed.service);
      expect(await refresh(scheduledEvent)).toMatchObject({ summary: { renewed: 1 } });
      bed.simulator.world.replaceRefreshToken(lost);
      bed.clock.advance(7_200_000 - 14 * MINUTE);
      // The mark (an UpdateItem writing refresh_token_invalid) is carried out, and its answer is lost.
      let armed = true;
      bed.doc.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const input = args.input as {
            UpdateExpression?: string;
            ExpressionAttributeValues?: Record<string, { S?: string }>;
          };
          const marksRefused = Object.values(input.ExpressionAttributeValues ?? {}).some(
            (value) => value.S === 'refresh_token_invalid',
          );
          if (armed && input.UpdateExpression?.includes('#status = :set_status') && marksRefused) {
            armed = false;
            throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          }
          return result;
        },
        { step: 'finalizeRequest', name: 'loseTheMarksAnswer' },
      );
      const response = await refresh(scheduledEvent);
      expect(armed).toBe(false);
      expect(response).toMatchObject({ mode: 'scheduled', recovery: { ran: true, complete: true, healed: 1 } });
      const healed = await bed.authorizers.get(lost);
      expect(healed?.status).toBe('active');
      expect(healed?.refreshToken.reveal()).toBe(bed.simulator.world.refreshTokenOf(lost));
      expect(await bed.syncStore.recoveryOwed(bed.config.componentAppId)).toBe(false);
    });

    it('recoveryOwed: owed while the recovery partition holds a mark newer than the last complete listing', async () => {
      await start(0);
      const [appId = ''] = await bed.seedAuthorizers(1);
      const componentAppId = bed.config.componentAppId;
      expect(await bed.syncStore.recoveryOwed(componentAppId)).toBe(false);
      const now = bed.clock.now();
      expect(await bed.syncStore.acquireRun(componentAppId, 'a', now, MINUTE)).toBe(true);
      await bed.syncStore.recordCompleteListing(componentAppId, 'a', now);
      await bed.syncStore.releaseRun(componentAppId, 'a');
      // A mark made at the listing's start is one that listing saw: nothing owed.
      await markedInvalid(appId, now);
      expect(await bed.syncStore.recoveryOwed(componentAppId)).toBe(false);
      await markedInvalid(appId, now + 1);
      expect(await bed.syncStore.recoveryOwed(componentAppId)).toBe(true);
      // The listing that heals it (WeChat lists another refresh token) settles what is owed.
      bed.simulator.world.replaceRefreshToken(appId);
      expect(await run()).toMatchObject({ complete: true, healed: 1 });
      expect(await bed.syncStore.recoveryOwed(componentAppId)).toBe(false);
      expect(await dueNow()).toContain(appId);
    });
  });

  describe('scenario 11: a rotated refresh token committed after the mark', () => {
    it('is healed by the sync though WeChat lists the very token stored', async () => {
      await start(1);
      const [record] = bed.simulator.world.population.listing();
      const appId = record?.appId ?? '';
      const valid = sensitive(record?.refreshToken ?? '');
      const refused = sensitive('refreshtoken@@@the-one-wechat-refused');
      const t0 = bed.clock.now();
      expect(
        await bed.authorizers.create({ appId, refreshToken: refused, authTime: record?.authTime ?? 0, now: t0 }),
      ).toBe(true);
      // A holder paused past its lease sent its renewal; WeChat rotated the refresh token to `valid`. The
      // next holder met 61023 with `refused` and marked the account at t0 + 2; then the paused holder's
      // late commit stored the rotated token at t0 + 3.
      await markedInvalid(appId, t0 + 2);
      await storedRefreshToken(appId, valid.reveal(), t0 + 3);
      bed.clock.advance(3);
      const before = await bed.authorizers.get(appId);
      expect(before).toMatchObject({ status: 'refresh_token_invalid' });
      expect(before?.refreshToken.equals(valid)).toBe(true);
      expect(before?.changedAt.refreshToken).toBeGreaterThan(before?.changedAt.status ?? Infinity);

      expect(await run()).toMatchObject({ healed: 1, unchanged: 0, conflicts: 0 });
      const healed = await bed.authorizers.get(appId);
      expect(healed?.status).toBe('active');
      expect(healed?.refreshToken.equals(valid)).toBe(true);
      expect(await dueNow()).toContain(appId);
    });

    it('an account marked after its token was stored stays refused while WeChat lists that token', async () => {
      await start(1);
      const [record] = bed.simulator.world.population.listing();
      const appId = record?.appId ?? '';
      const t0 = bed.clock.now();
      expect(
        await bed.authorizers.create({
          appId,
          refreshToken: sensitive(record?.refreshToken ?? ''),
          authTime: record?.authTime ?? 0,
          now: t0,
        }),
      ).toBe(true);
      await markedInvalid(appId, t0 + 1);
      expect(await run()).toMatchObject({ healed: 0, unchanged: 1 });
      expect((await bed.authorizers.get(appId))?.status).toBe('refresh_token_invalid');
    });

    it('the late-commit heal is refused when the account was marked again after the snapshot', async () => {
      await start(1);
      const [record] = bed.simulator.world.population.listing();
      const appId = record?.appId ?? '';
      const valid = sensitive(record?.refreshToken ?? '');
      const t0 = bed.clock.now();
      expect(
        await bed.authorizers.create({
          appId,
          refreshToken: sensitive('refreshtoken@@@refused'),
          authTime: record?.authTime ?? 0,
          now: t0,
        }),
      ).toBe(true);
      await markedInvalid(appId, t0 + 1);
      await storedRefreshToken(appId, valid.reveal(), t0 + 2);
      const seen = await bed.syncStore.read(appId);
      expect(seen).toBeDefined();
      // WeChat then refused the rotated token too: the mark is newer than it now.
      await markedInvalid(appId, t0 + 3);
      const entry = { appId, refreshToken: valid, authTime: record?.authTime ?? 0, fetchedAt: t0 + 4 };
      const heal = { refreshToken: false, authTime: false, activate: 'healed' as const, now: t0 + 5 };
      // Even on the version the mark left, the condition itself refuses a token older than the mark.
      const current = await bed.syncStore.read(appId);
      expect(await bed.syncStore.applyListed(entry, { ...heal, expectedVersion: seen?.version ?? 0 })).toBe(false);
      expect(await bed.syncStore.applyListed(entry, { ...heal, expectedVersion: current?.version ?? 0 })).toBe(false);
      expect((await bed.authorizers.get(appId))?.status).toBe('refresh_token_invalid');
    });
  });

  describe('scenario 14: an account the due index lost', () => {
    it('is re-indexed by the next sync, counted, and then listed by dueAppIds', async () => {
      await start(3);
      await run();
      const [lost = '', overdue = '', fine = ''] = bed.simulator.world.population
        .listing()
        .map((record) => record.appId);
      expect(await run()).toMatchObject({ dueIndexRepaired: 0 });
      // A lost index entry looks to us like an item without its index key; an overdue one like an
      // account the schedule has not renewed for far longer than a run's period.
      await bed.doc.send(
        new UpdateCommand({ TableName: bed.tableName, Key: authorizerKey(lost), UpdateExpression: 'REMOVE dueShard' }),
      );
      await bed.doc.send(
        new UpdateCommand({
          TableName: bed.tableName,
          Key: authorizerKey(overdue),
          UpdateExpression: 'SET refreshAt = :long_ago',
          ExpressionAttributeValues: { ':long_ago': bed.clock.now() - 60 * MINUTE },
        }),
      );
      expect(await dueNow()).not.toContain(lost);

      const summary = await run();
      expect(summary).toMatchObject({ dueIndexRepaired: 2, unchanged: 3 });
      expect(bed.metrics.total('DueIndexRepaired')).toBe(2);
      expect(await dueNow()).toEqual(expect.arrayContaining([lost, overdue, fine]));
      expect((await bed.authorizers.get(overdue))?.refreshAt).toBe(bed.clock.now());
      expect(await run()).toMatchObject({ dueIndexRepaired: 0 });
    });

    it('leaves refused and revoked accounts, which are not renewed, alone', async () => {
      await start(2);
      await run();
      const [refused = '', revoked = ''] = bed.simulator.world.population.listing().map((record) => record.appId);
      await markedInvalid(refused, bed.clock.now());
      bed.simulator.world.revoke(revoked);
      await bed.authorizers.revokeByPush(revoked, Math.floor(bed.clock.now() / 1000) + 1, bed.clock.now());
      bed.clock.advance(60 * MINUTE);
      expect(await run()).toMatchObject({ dueIndexRepaired: 0 });
      expect(await dueNow()).toEqual([]);
    });
  });

  /** The account as a 61023 mark leaves it (in the recovery partition), written directly. */
  async function markedInvalid(appId: string, at: number): Promise<void> {
    await bed.doc.send(
      new UpdateCommand({
        TableName: bed.tableName,
        Key: authorizerKey(appId),
        UpdateExpression:
          'SET #status = :refused, statusChangedAt = :at, dueShard = :recovery, refreshAt = :at ADD version :one',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':refused': 'refresh_token_invalid',
          ':at': at,
          ':recovery': RECOVERY_SHARD,
          ':one': 1,
        },
      }),
    );
  }

  /** A refresh token written by a renewal's commit (or its lost-lease path), written directly. */
  async function storedRefreshToken(appId: string, refreshToken: string, at: number): Promise<void> {
    await bed.doc.send(
      new UpdateCommand({
        TableName: bed.tableName,
        Key: authorizerKey(appId),
        UpdateExpression: 'SET refreshToken = :token, refreshTokenChangedAt = :at ADD version :one',
        ExpressionAttributeValues: { ':token': refreshToken, ':at': at, ':one': 1 },
      }),
    );
  }
});
