import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSync, SyncEventError } from '../../functions/sync/sync.js';
import { scheduledEvent } from '../fixtures/eventbridge.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

describe('createSync', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend(), { simulator: { authorizers: 700 } });
    await bed.storeTicket();
  });
  afterEach(() => bed.close());

  it('runs on the schedule and on a manual {"sync": true}, and ends with one summary line', async () => {
    const sync = createSync(() => bed.service);
    bed.clock.advance(1_000);
    expect(await sync(scheduledEvent)).toMatchObject({
      ran: true,
      complete: true,
      added: 700,
      pages: 2,
    });
    bed.clock.advance(1_000);
    expect(await sync({ sync: true })).toMatchObject({ ran: true, unchanged: 700 });
    const summaries = bed.logger.lines.filter((line) => line.includes('"message":"sync finished"'));
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatch(/"added":700.*"pages":2.*"wechatCalls":2.*"durationMs":\d+/);
    expect(bed.logger.lines.join('\n')).not.toContain(bed.simulator.world.population.listing()[0]?.refreshToken);
    expect(bed.metrics.durations.get('SyncDuration')).toHaveLength(2);
  });

  it('refuses anything else', async () => {
    const sync = createSync(() => bed.service);
    for (const event of [{}, { sync: 'yes' }, { source: 'aws.events' }, null])
      await expect(sync(event)).rejects.toBeInstanceOf(SyncEventError);
  });
});
