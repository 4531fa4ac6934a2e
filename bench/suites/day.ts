import { type DayOptions, type DayReport, simulateDay } from '../../test/support/day/simulated-day.js';
import { startDynaliteProcess } from '../../test/support/dynalite-process.js';
import type { BenchRow } from '../harness.js';

const AUTHORIZERS = Number(process.env['BENCH_DAY_AUTHORIZERS'] ?? 1_000);
const DAY_HOURS = Number(process.env['BENCH_DAY_HOURS'] ?? 24);
/** The chaos day is a full day too: every event of it happens at a fixed fraction of it. */
const CHAOS_HOURS = Number(process.env['BENCH_CHAOS_HOURS'] ?? 24);
/** BENCH_CHAOS_KILLS=0 keeps every fault but the dying runs, to tell their share of the figures. */
const CHAOS_KILLS = process.env['BENCH_CHAOS_KILLS'] !== '0';
/** The schedules' cost is measured over this many steady-state hours and given per day. */
const COST_HOURS = Number(process.env['BENCH_COST_HOURS'] ?? 2);
const RUNS = 2;
const GETTERS_PER_STEP = 5;
const BACKENDS = 4;
const CALLER_USES_PER_STEP = 9;
/** 7,200 s less the deployed 900 s renewal margin. */
const CYCLE_S = 7_200 - 900;
const MINUTE = 60_000;

async function day(options: Partial<DayOptions> & { hours: number }): Promise<DayReport> {
  const dynamo = await startDynaliteProcess();
  try {
    const { hours, ...rest } = options;
    return await simulateDay(dynamo, {
      authorizers: AUTHORIZERS,
      dayMs: hours * 3_600_000,
      stepMs: MINUTE,
      refreshRuns: RUNS,
      gettersPerStep: GETTERS_PER_STEP,
      callerBackends: BACKENDS,
      callerUsesPerStep: CALLER_USES_PER_STEP,
      killRuns: CHAOS_KILLS,
      seed: options.chaos ? 11 : 7,
      ...rest,
    });
  } finally {
    await dynamo.close();
  }
}

/**
 * What a schedule costs as deployed: one invocation a tick, nothing else running (no getter, no caller,
 * no Scan of the measurement's), over a few steady-state hours after the warm-up cycle, given per day.
 */
function schedule(stepMs: number): Promise<DayReport> {
  return day({
    hours: COST_HOURS,
    stepMs,
    refreshRuns: 1,
    gettersPerStep: 0,
    callerBackends: 0,
    sampleStoredTokens: false,
  });
}

/**
 * Renewal exactness over a simulated day, and the same day with faults: the refresh function's own code,
 * 2 runs at every one-minute step racing for the same accounts, getters on random accounts alongside,
 * backends using the shipped WechatTokenClient, the ticket pushed through the callback and the hourly
 * sync, on a compressed clock against dynalite. And what the every-minute schedule costs against every
 * 5 minutes.
 */
export async function daySuite(): Promise<BenchRow[]> {
  const exact = await day({ hours: DAY_HOURS, chaos: false });
  const chaos = await day({ hours: CHAOS_HOURS, chaos: true });
  const everyMinute = await schedule(MINUTE);
  const everyFive = await schedule(5 * MINUTE);
  const floor = 86_400 / CYCLE_S;
  const days = (report: DayReport) => report.simulatedHours / 24;
  const perAuthorizerDay = (report: DayReport, count: number) => count / report.authorizers / days(report);
  const perDay = (report: DayReport, count: number) => count / days(report);
  const scale = `${AUTHORIZERS.toLocaleString('en')} authorizers`;
  const dayScale = `${scale}, ${DAY_HOURS} h`;
  const chaosScale = `${scale}, ${CHAOS_HOURS} h${CHAOS_KILLS ? '' : ', no run dies'}`;
  const callers = (report: DayReport) =>
    `of ${report.callerRequests.toLocaleString('en')} caller requests by ${BACKENDS} backends; ${report.callerReports} reported, ${report.callerGetterCalls.toLocaleString('en')} getter calls, ${report.callerGetterErrors} answered an error, ${report.callerRevokedTokenRequests} with a token the account's revocation killed`;
  return [
    {
      name: `renewal: api_authorizer_token calls per authorizer-day (${dayScale}, ${RUNS} runs every minute, ${GETTERS_PER_STEP} getters a step)`,
      measured: { label: 'calls', value: perAuthorizerDay(exact, exact.authorizerTokenCalls), unit: '/day' },
      baseline: { label: `floor 86,400 / ${CYCLE_S}`, value: floor, unit: '/day' },
      goal: '1.00×',
    },
    {
      name: `renewal: duplicate renewals (of ${exact.renewals.toLocaleString('en')})`,
      measured: { label: 'renewed < 6,300 s after the last', value: exact.duplicateRenewals, unit: '' },
      goal: '0',
    },
    {
      name: `renewal: expired or invalidated tokens served (of ${exact.getterResponses.toLocaleString('en')} getter answers)`,
      measured: { label: 'invalid served', value: exact.invalidTokensServed, unit: '' },
      goal: '0',
    },
    {
      name: `day (${dayScale}): caller requests with a dead token (${callers(exact)})`,
      measured: { label: 'dead token', value: exact.callerDeadTokenRequests, unit: '' },
      goal: '0',
    },
    {
      name: `day (${dayScale}): seconds an authorized account had no valid stored token (summed; sampled every minute)`,
      measured: { label: 'without a valid token', value: exact.secondsWithoutValidToken, unit: 's' },
      goal: '0',
    },
    {
      name: `day (${dayScale}): DynamoDB requests per day, the refresh function's (${RUNS} racing runs a minute) and the whole product's`,
      measured: { label: 'refresh', value: perDay(exact, exact.refreshDynamoRequests), unit: '/day' },
      baseline: { label: 'product', value: perDay(exact, exact.dynamoRequests), unit: '/day' },
      goal: '—',
    },
    {
      name: `schedule (${scale}, one invocation a tick as deployed): refresh invocations per day, every minute against every 5 minutes`,
      measured: { label: 'every minute', value: perDay(everyMinute, everyMinute.refreshInvocations), unit: '/day' },
      baseline: { label: 'every 5 min', value: perDay(everyFive, everyFive.refreshInvocations), unit: '/day' },
      goal: '— (5×)',
    },
    {
      name: `schedule (${scale}, one invocation a tick as deployed; ${COST_HOURS} steady-state hours, per day): the refresh function's DynamoDB requests, every minute against every 5 minutes`,
      measured: { label: 'every minute', value: perDay(everyMinute, everyMinute.refreshDynamoRequests), unit: '/day' },
      baseline: { label: 'every 5 min', value: perDay(everyFive, everyFive.refreshDynamoRequests), unit: '/day' },
      goal: '—',
    },
    {
      name: `schedule: renewals per authorizer-day, every minute against every 5 minutes (the same tokens, the same floor)`,
      measured: { label: 'every minute', value: perAuthorizerDay(everyMinute, everyMinute.renewals), unit: '/day' },
      baseline: { label: 'every 5 min', value: perAuthorizerDay(everyFive, everyFive.renewals), unit: '/day' },
      goal: '1.00×',
    },
    {
      name: `chaos day (${chaosScale}): refresh tokens lost`,
      measured: { label: 'lost', value: chaos.refreshTokensLost, unit: '' },
      goal: '0',
    },
    {
      name: `chaos day (${chaosScale}): expired or invalidated tokens served (of ${chaos.getterResponses.toLocaleString('en')}; ${chaos.getterUnavailable} answered 5xx)`,
      measured: { label: 'invalid served', value: chaos.invalidTokensServed, unit: '' },
      goal: '0',
    },
    {
      name: `chaos day (${chaosScale}): seconds an authorized account had no valid stored token (summed; sampled every minute)`,
      measured: { label: 'without a valid token', value: chaos.secondsWithoutValidToken, unit: 's' },
      goal: '0',
    },
    {
      name: `chaos day (${chaosScale}): caller requests with a dead token (${callers(chaos)})`,
      measured: { label: 'dead token', value: chaos.callerDeadTokenRequests, unit: '' },
      goal: '0',
    },
    {
      name: `chaos day (${chaosScale}): renewals / floor (${chaos.killedRuns} runs killed, ${chaos.authorizerTokenSystemErrors} calls answered -1, ${chaos.duplicateRenewals} early re-renewals, ${chaos.recoveredRefreshTokens} refresh token recovered at once)`,
      measured: { label: 'renewals', value: chaos.renewals, unit: '' },
      baseline: { label: 'floor', value: chaos.renewalFloor, unit: '' },
      goal: '—',
    },
    {
      name: `chaos day (${chaosScale}): DynamoDB requests per day, the refresh function's (${RUNS} racing runs a minute) and the whole product's`,
      measured: { label: 'refresh', value: perDay(chaos, chaos.refreshDynamoRequests), unit: '/day' },
      baseline: { label: 'product', value: perDay(chaos, chaos.dynamoRequests), unit: '/day' },
      goal: '—',
    },
  ];
}
