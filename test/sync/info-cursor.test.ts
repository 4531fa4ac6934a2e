import { expect, it } from 'vitest';
import type { Logger } from '../../shared/logger.js';
import type { AuthorizerSnapshot } from '../../shared/store/index.js';
import { cursorAfter, planInformationChecks, refreshInformation } from '../../shared/sync/info-refresh.js';
import type { AccountInformationDeps } from '../../shared/tokens/account-info.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const accounts = Array.from(
  { length: 1_000 },
  (_, i): AuthorizerSnapshot =>
    ({ appId: `wx${String(i).padStart(16, '0')}`, status: 'active', hasInfo: true }) as AuthorizerSnapshot,
);
const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

it('a run cut short moves the cursor as far as its contiguous due checks: later runs do not re-ask the first accounts', async () => {
  let now = 10 * DAY;
  let cursor: number | undefined = now - HOUR;
  const asked = new Map<string, number>();
  for (let run = 0; run < 24; run++, now += HOUR) {
    const plan = planInformationChecks(accounts, { now, checkedUpTo: cursor, periodMs: DAY, budget: 5_000 });
    const stop = new AbortController();
    let calls = 0;
    const deps = {
      store: { storeInformation: async () => 'unchanged' },
      client: {},
      clock: { now: () => now },
      componentTokens: {
        withToken: async () => {
          if (++calls >= 20) stop.abort(); // the deadline (or a lost lease) stops the run after 20 checks
          return {};
        },
      },
    } as unknown as AccountInformationDeps;
    const done = await refreshInformation(deps, plan, { concurrency: 1, signal: stop.signal, logger: quiet });
    for (const appId of plan.checks.slice(0, done.checked)) asked.set(appId, (asked.get(appId) ?? 0) + 1);
    const moved = cursorAfter(plan, done.made);
    if (moved !== undefined && (cursor === undefined || moved > cursor)) cursor = moved;
  }
  expect(Math.max(...asked.values()), 'at most once per period (twice after one stop)').toBeLessThanOrEqual(2);
});

it('a cursor later than now (a clock that jumped ahead once) is treated as now, and brought back', () => {
  const now = 10 * DAY;
  const ahead = planInformationChecks(accounts, {
    now: now + 30 * DAY,
    checkedUpTo: now,
    periodMs: DAY,
    budget: 5_000,
  });
  const stored = ahead.cursor;
  const right = planInformationChecks(accounts, {
    now: now + 5 * DAY,
    checkedUpTo: stored,
    periodMs: DAY,
    budget: 5_000,
  });
  expect(right.cursorAhead).toBe(true);
  expect(cursorAfter(right, new Set(right.checks)), 'the cursor comes back to now').toBe(now + 5 * DAY);
  const next = planInformationChecks(accounts, {
    now: now + 5 * DAY + HOUR,
    checkedUpTo: now + 5 * DAY,
    periodMs: DAY,
    budget: 5_000,
  });
  expect(next.checks.length, 'the accounts due in the last hour are checked').toBeGreaterThan(0);
});
