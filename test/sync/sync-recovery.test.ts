import { describe, expect, it } from 'vitest';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { sensitive } from '../../shared/sensitive.js';
import { scheduledEvent } from '../fixtures/eventbridge.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import type { Testbed } from '../support/testbed.js';
import { MINUTE, syncBedOn } from './sync-fixture.js';

// Issue 11, scenarios 8 and 11: what the sync must always do (recover a refusal whose mark's answer was
// lost, heal a late rotated token); scenarios 5 and 14 are in sync-safety.test.ts. On both backends:
// these are conditional writes and index queries.
describe.each(conformanceBackends())('the sync, on %s', (kind) => {
  const sync = syncBedOn(kind);
  const { run, dueNow, markedInvalid, storedRefreshToken } = sync;
  let bed: Testbed;
  async function start(authorizers: number): Promise<void> {
    bed = await sync.start(authorizers);
  }

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
});
