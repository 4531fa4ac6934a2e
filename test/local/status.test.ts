import { describe, expect, it } from 'vitest';
import type { LocalRuns } from '../../infra/local/runs.js';
import { localStatus } from '../../infra/local/status.js';
import { sensitive } from '../../shared/sensitive.js';
import type { TokenService } from '../../shared/service.js';
import type { ComponentRecord, ComponentStore } from '../../shared/store/index.js';

// The status route's ticket age is the one the ticket alarm watches (ticketAgeMs): a ticket stored with
// a CreateTime from the future (planted before the callback bounded CreateTime, or forged) ages from
// when it was stored. The route had its own formula, which held such a ticket at age 0 for ever.
describe('GET /__local/status, the ticket', () => {
  const storedAt = 1_800_000_000_000;
  const status = (ticketCreateTime: number, now: number) => {
    const record = {
      ticket: { ticket: sensitive('ticket@@@future'), createTime: ticketCreateTime, receivedAt: storedAt },
    } as ComponentRecord;
    return localStatus({
      service: { listAuthorizers: async () => ({ authorizers: [], nextCursor: null }) } as unknown as TokenService,
      component: { get: async () => record } as unknown as ComponentStore,
      componentAppId: 'wx00000000000000c0',
      clock: { now: () => now },
      renewalMarginMs: 0,
      runs: { isRunning: () => false } as unknown as LocalRuns,
    });
  };

  it('ages from its storing when its CreateTime is in the far future', async () => {
    const hourLater = storedAt + 3_600_000;
    expect((await status(9_999_999_999, hourLater)).ticket?.ageSeconds).toBe(3_600);
  });

  it('ages from its CreateTime when that is earlier, and is never negative', async () => {
    expect((await status(storedAt / 1000 - 60, storedAt)).ticket?.ageSeconds).toBe(60);
    expect((await status(storedAt / 1000, storedAt - 5_000)).ticket?.ageSeconds).toBe(0);
  });
});
