import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamoDbLocal } from '../../infra/local/dynamo.js';
import { simulateDay } from '../support/day/simulated-day.js';
import { startDynaliteProcess } from '../support/dynalite-process.js';
import { conformanceBackends } from '../support/dynamo-backends.js';

// The chaos day, shortened to 8 simulated hours and 100 accounts, on the deployed every-minute schedule,
// with its exact goals as assertions: no refresh token lost, no expired or invalidated token handed out by
// the getter, and no WeChat request made by a caller (the shipped WechatTokenClient, with its cache) with
// a token WeChat no longer accepts. (`npm run bench` runs the full day and reports the rest.) On both
// backends: DynamoDB Local's different timing is what exposed a renewal whose stuck attempt WeChat acted
// on after the retry.
const HOURS = 8;
const GETTERS_PER_STEP = 5;

describe.each(conformanceBackends())('a chaos day on %s', (kind) => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = kind === 'dynalite' ? await startDynaliteProcess() : await startDynamoDbLocal();
  }, 60_000);
  afterAll(() => dynamo.close());

  it('loses no refresh token, serves no invalid token, and no caller uses a dead one', async () => {
    const report = await simulateDay(dynamo, {
      authorizers: 100,
      dayMs: HOURS * 3_600_000,
      refreshRuns: 2,
      gettersPerStep: GETTERS_PER_STEP,
      callerBackends: 4,
      callerUsesPerStep: 9,
      chaos: true,
      seed: 11,
    });
    // The faults happened: WeChat failed calls, runs died, and the replaced refresh token was met (61023)
    // and recovered at once.
    expect(report.authorizerTokenSystemErrors).toBeGreaterThan(0);
    expect(report.killedRuns).toBeGreaterThan(0);
    expect(report.recoveredRefreshTokens).toBeGreaterThanOrEqual(1);
    // Every minute of the day ran, and the callers made their requests, through the getter.
    expect(report.refreshInvocations).toBe(HOURS * 60 * 2);
    expect(report.getterResponses).toBe(HOURS * 60 * GETTERS_PER_STEP);
    // (A request is made only with a token: not while the getter answers 410 for the revoked account or 503.)
    expect(report.callerRequests).toBeGreaterThan(HOURS * 60 * 4 * 9 * 0.9);
    expect(report.callerGetterCalls).toBeGreaterThan(100);
    expect({
      lost: report.refreshTokensLost,
      invalidServed: report.invalidTokensServed,
      callerDeadTokenRequests: report.callerDeadTokenRequests,
      report,
    }).toMatchObject({ lost: 0, invalidServed: 0, callerDeadTokenRequests: 0 });
  }, 240_000);
});
