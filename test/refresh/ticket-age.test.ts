import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { ticketAgeMs } from '../../shared/store/index.js';
import { MAX_WECHAT_CLOCK_SKEW_MS } from '../../shared/wechat-time.js';
import { SIMULATOR_CREDENTIALS } from '../../simulator/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Issue 14, point 2: a ticket whose CreateTime lies in the future (9999999999, stored before the callback
// bounded CreateTime, or forged) made TicketAge negative, so the TicketStale alarm never fired.

/** The TicketStale alarm's threshold (infra/alarms.ts): the age over which it fires. */
const TICKET_STALE_MS = 30 * 60_000;
const MINUTE = 60_000;
/** `FC_SEED=<seed>` replays a failed run (fast-check prints its seed on failure). */
const seed = process.env['FC_SEED'] === undefined ? {} : { seed: Number(process.env['FC_SEED']) };

describe('the ticket age', () => {
  // Epoch ms from 2001 to 2286, and tickets received up to a day before now.
  const now = fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_000 });

  it('is never negative, and never younger than the time since the ticket was stored, whatever its CreateTime', () => {
    fc.assert(
      fc.property(
        now,
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.integer({ min: 1, max: 999_999_999_999 }),
        (at, storedAgo, createTime) => {
          const age = ticketAgeMs({ ticket: sensitive('t'), createTime, receivedAt: at - storedAgo }, at);
          expect(age).toBeGreaterThanOrEqual(0);
          expect(age).toBeGreaterThanOrEqual(storedAgo);
        },
      ),
      { numRuns: 2_000, ...seed },
    );
  });

  it("is the time since WeChat's CreateTime for a ticket created before it was stored (every genuine one)", () => {
    fc.assert(
      fc.property(
        now,
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (at, ago, transit) => {
          const createTime = Math.floor((at - ago) / 1000);
          const receivedAt = Math.min(at, createTime * 1000 + transit);
          const age = ticketAgeMs({ ticket: sensitive('t'), createTime, receivedAt }, at);
          expect(age).toBe(at - createTime * 1000);
        },
      ),
      { numRuns: 2_000, ...seed },
    );
  });

  it('a ticket stored over 30 minutes ago is over the alarm threshold, whatever future CreateTime it claims', () => {
    fc.assert(
      fc.property(
        now,
        fc.integer({ min: TICKET_STALE_MS + 1, max: 86_400_000 }),
        fc.integer({ min: 0, max: 9_999_999_999 }),
        (at, storedAgo, ahead) => {
          const createTime = Math.floor((at + MAX_WECHAT_CLOCK_SKEW_MS) / 1000) + 1 + ahead;
          const age = ticketAgeMs({ ticket: sensitive('t'), createTime, receivedAt: at - storedAgo }, at);
          expect(age).toBeGreaterThan(TICKET_STALE_MS);
        },
      ),
      { numRuns: 2_000, ...seed },
    );
  });
});

describe('the scheduled refresh with a ticket from the far future stored', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
  });
  afterEach(() => bed.close());

  const reportedAge = async (): Promise<number | undefined> => {
    bed.metrics.durations.clear();
    await bed.service.runScheduledRefresh();
    return bed.metrics.durations.get('TicketAge')?.[0];
  };

  it('reports an age that grows from when it was stored, fires the alarm, and heals with the next genuine ticket', async () => {
    await bed.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
      ticket: sensitive('planted'),
      createTime: 9_999_999_999,
      now: bed.clock.now(),
    });
    expect(await reportedAge()).toBe(0);
    bed.clock.advance(31 * MINUTE);
    // No genuine ticket for 31 minutes: the same alarm as when WeChat's pushes stop (before: about -250 years).
    expect(await reportedAge()).toBe(31 * MINUTE);
    expect(await reportedAge()).toBeGreaterThan(TICKET_STALE_MS);
    // WeChat's next ticket replaces it (it was refused as older before), and the age is that ticket's.
    await bed.storeTicket();
    expect((await bed.component.get(SIMULATOR_CREDENTIALS.componentAppId))?.ticket?.ticket.reveal()).not.toBe(
      'planted',
    );
    bed.clock.advance(2 * MINUTE);
    const age = await reportedAge();
    expect(age).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(age).toBeLessThan(2 * MINUTE + 1_000); // CreateTime is in whole seconds
  });
});
