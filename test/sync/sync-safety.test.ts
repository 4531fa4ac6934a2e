import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { authorizerKey } from '../../shared/store/index.js';
import { conformanceBackends } from '../support/dynamo-backends.js';
import type { Testbed } from '../support/testbed.js';
import { MINUTE, syncBedOn } from './sync-fixture.js';

// Issue 11, scenarios 5 and 14: what the sync must never do (revoke on one listing), and what it must
// always do (re-index an account the due index lost); scenarios 8 and 11 are in sync-recovery.test.ts.
// On both backends: these are conditional writes and index queries.
describe.each(conformanceBackends())('the sync, on %s', (kind) => {
  const sync = syncBedOn(kind);
  const { run, statuses, dueNow, hideFromListing, markedInvalid } = sync;
  let bed: Testbed;
  async function start(authorizers: number): Promise<void> {
    bed = await sync.start(authorizers);
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
});
