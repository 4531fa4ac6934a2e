import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDynaliteProcess } from '../../bench/support/dynalite-process';
import { simulateDay } from '../../bench/support/simulated-day';
import type { LocalDynamo } from '../../infra/local/dynamo';

// The chaos day, shortened to 8 simulated hours and 100 accounts, with its exact goals as assertions:
// no refresh token lost, no expired or invalidated token handed out. (`npm run bench` reports the rest.)
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynaliteProcess();
});
afterAll(() => dynamo.close());

it('a chaos day loses no refresh token and serves no invalid token', async () => {
  const report = await simulateDay(dynamo, { authorizers: 100, dayMs: 8 * 3_600_000, gettersPerStep: 30, chaos: true, seed: 11 });
  expect(report.killedRuns).toBeGreaterThan(0);
  expect(report.getterResponses).toBe(96 * 30);
  expect(report.refreshTokensLost).toBe(0);
  expect(report.invalidTokensServed).toBe(0);
}, 240_000);
