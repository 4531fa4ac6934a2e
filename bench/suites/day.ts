import type { BenchRow } from '../harness';
import { startDynaliteProcess } from '../support/dynalite-process';
import { simulateDay, type DayReport } from '../support/simulated-day';

const AUTHORIZERS = Number(process.env['BENCH_DAY_AUTHORIZERS'] ?? 1_000);
const DAY_HOURS = Number(process.env['BENCH_DAY_HOURS'] ?? 24);
/** The chaos day is shortened to fit the 5-minute budget on 2 cores: every event of the day still happens. */
const CHAOS_HOURS = Number(process.env['BENCH_CHAOS_HOURS'] ?? 4);
/** BENCH_CHAOS_KILLS=0 keeps every fault but the dying runs, to tell their share of the figures. */
const CHAOS_KILLS = process.env['BENCH_CHAOS_KILLS'] !== '0';
const RUNS = 8;
const GETTERS_PER_STEP = 50;
/** 7,200 s less the deployed 900 s renewal margin. */
const CYCLE_S = 7_200 - 900;

async function day(options: { hours: number; chaos: boolean }): Promise<DayReport> {
  const dynamo = await startDynaliteProcess();
  try {
    return await simulateDay(dynamo, {
      authorizers: AUTHORIZERS,
      dayMs: options.hours * 3_600_000,
      refreshRuns: RUNS,
      gettersPerStep: GETTERS_PER_STEP,
      chaos: options.chaos,
      killRuns: CHAOS_KILLS,
      seed: options.chaos ? 11 : 7,
    });
  } finally {
    await dynamo.close();
  }
}

/**
 * Renewal exactness over a simulated day, and the same day with faults: the refresh function's own code,
 * 8 runs at every 5-minute step racing for the same accounts, getters on random accounts alongside, the
 * ticket pushed through the callback and the hourly sync, on a compressed clock against dynalite.
 */
export async function daySuite(): Promise<BenchRow[]> {
  const exact = await day({ hours: DAY_HOURS, chaos: false });
  const chaos = await day({ hours: CHAOS_HOURS, chaos: true });
  const floor = 86_400 / CYCLE_S;
  const perAuthorizerDay = (report: DayReport, count: number) => count / report.authorizers / (report.simulatedHours / 24);
  const scale = `${AUTHORIZERS.toLocaleString('en')} authorizers`;
  const chaosScale = `${scale}, ${CHAOS_HOURS} h${CHAOS_KILLS ? '' : ', no run dies'}`;
  return [
    {
      name: `renewal: api_authorizer_token calls per authorizer-day (${scale}, ${DAY_HOURS} h, ${RUNS} runs every 5 min, ${GETTERS_PER_STEP} getters a step)`,
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
      name: `chaos day (${chaosScale}): seconds an authorized account had no valid stored token (summed; sampled every 5 min)`,
      measured: { label: 'without a valid token', value: chaos.secondsWithoutValidToken, unit: 's' },
      goal: '0',
    },
    {
      name: `chaos day (${chaosScale}): renewals / ideal (${chaos.killedRuns} runs killed, ${chaos.duplicateRenewals} early re-renewals, ${chaos.recoveredRefreshTokens} refresh token recovered at once)`,
      measured: { label: 'renewals', value: chaos.renewals, unit: '' },
      baseline: { label: 'floor', value: chaos.renewalFloor, unit: '' },
      goal: '—',
    },
  ];
}
