import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DETAIL_TYPES,
  type EventBusClient,
  entryOf,
  entrySize,
  type LifecycleEvent,
  MAX_BATCH_BYTES,
  MAX_ENTRIES,
  type PutEventsEntry,
  publishRecords,
} from '../../shared/events/index.js';

/**
 * Random records (0 to 4 events each, of random sizes up to past the limit) against a bus that refuses
 * random entries and fails random calls: every call within PutEvents' limits, and a record is reported
 * failed exactly when one of its events was never accepted.
 */

/** `FC_SEED=<seed>` replays a failed run (fast-check prints its seed on failure). */
const seed = process.env['FC_SEED'] === undefined ? {} : { seed: Number(process.env['FC_SEED']) };
const runs = Number(process.env['FC_RUNS'] ?? 200);

const event = (eventId: string, padding: number): LifecycleEvent => ({
  detailType: DETAIL_TYPES.revoked,
  detail: {
    componentAppId: 'wxc',
    appId: 'wxa',
    revision: 1,
    eventId,
    occurredAt: '2026-01-01T00:00:00.000Z',
    reason: 'unknown',
    nickName: 'x'.repeat(padding),
  },
});

describe('publishRecords, at random', () => {
  it('calls within the limits; a record reported failed exactly when an event of it never went out', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.oneof(
              { weight: 8, arbitrary: fc.nat({ max: 200 }) },
              { weight: 2, arbitrary: fc.integer({ min: 20_000, max: 140_000 }) },
              { weight: 1, arbitrary: fc.constant(270_000) },
            ),
            {
              maxLength: 4,
            },
          ),
          { maxLength: 25 },
        ),
        fc.infiniteStream(fc.nat({ max: 9 })),
        async (sizes, dice) => {
          const roll = dice[Symbol.iterator]();
          const next = () => roll.next().value as number;
          const accepted = new Set<string>();
          const calls: PutEventsEntry[][] = [];
          const bus: EventBusClient = {
            async putEvents(entries) {
              calls.push([...entries]);
              if (next() === 0) throw new Error('network');
              const results = entries.map((entry) => {
                if (next() < 3) return { ErrorCode: 'ThrottlingException' };
                accepted.add((JSON.parse(entry.Detail) as { eventId: string }).eventId);
                return { EventId: 'ok' };
              });
              return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
            },
          };
          // Three accounts, interleaved: one account's records are published in their order.
          const records = sizes.map((paddings, r) => ({
            sequenceNumber: String(r),
            pk: `AUTHORIZER#k${r % 3}`,
            events: paddings.map((padding, e) => event(`${r}-${e}`, padding)),
          }));
          const failed = await publishRecords(bus, records, { eventBusName: 'bus', sleep: async () => {} });
          for (const call of calls) {
            expect(call.length).toBeGreaterThan(0);
            expect(call.length).toBeLessThanOrEqual(MAX_ENTRIES);
            expect(call.reduce((sum, entry) => sum + entrySize(entry), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
          }
          // A record fails when an event of it that fits a call never went out, or an earlier record of its
          // account failed (then none of its events went out); an event too large is dropped, not failed.
          const fits = (e: (typeof records)[number]['events'][number]) =>
            entrySize(entryOf(e, 'bus')) <= MAX_BATCH_BYTES;
          const blocked = new Set<string>();
          const expected: string[] = [];
          for (const record of records) {
            const held = blocked.has(record.pk);
            if (held) for (const e of record.events) expect(accepted.has(e.detail.eventId)).toBe(false);
            if (held || record.events.some((e) => fits(e) && !accepted.has(e.detail.eventId))) {
              expected.push(record.sequenceNumber);
              blocked.add(record.pk);
            }
            for (const e of record.events) if (!fits(e)) expect(accepted.has(e.detail.eventId)).toBe(false);
          }
          expect(failed).toEqual(expected);
        },
      ),
      { numRuns: runs, ...seed },
    );
  });
});
