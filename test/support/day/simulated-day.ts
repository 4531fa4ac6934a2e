import { createCallback } from '../../../functions/callback/callback.js';
import { createGetter } from '../../../functions/getter/getter.js';
import { startApiServer } from '../../../infra/local/api-server.js';
import { createTable, LOCAL_CLIENT_CONFIG, type LocalDynamo } from '../../../infra/local/dynamo.js';
import { localSecret, localServiceConfig } from '../../../infra/local/local-config.js';
import { CONFIG_DEFAULTS } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logger.js';
import { PushService } from '../../../shared/push-service.js';
import { sensitive } from '../../../shared/sensitive.js';
import { TokenService, wireTokenService } from '../../../shared/service.js';
import { createDocumentClient, Table } from '../../../shared/store/index.js';
import { forEachConcurrently } from '../../../shared/tokens/concurrency.js';
import { AuthorizerRenewer } from '../../../shared/tokens/index.js';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../../simulator/index.js';
import { tokenEvent } from '../../fixtures/api-gateway.js';
import { SimulatedCallers } from './callers.js';
import { countRequests } from './count-requests.js';
import type { DayOptions, DayReport } from './day-report.js';
import { Death, Killed, MortalStore, MortalSyncStore } from './mortal-run.js';
import { accountsWithoutValidToken, refreshTokensLost } from './stored-accounts.js';

export type { DayOptions, DayReport } from './day-report.js';

/** The deployed renewal margin (RENEWAL_MARGIN_SECONDS). */
const MARGIN_MS = CONFIG_DEFAULTS.renewalMarginMs;
/** The deployed lease (LEASE_SECONDS): an abandoned one is taken over by the next minute's run. */
const LEASE_MS = CONFIG_DEFAULTS.leaseMs;
/** The callers' requests of a step are spread over this many instants of it (see simulateDay). */
const CALLER_TICKS = 3;
const TOKEN_LIFE_MS = 7_200_000;
const HOUR = 3_600_000;

/**
 * The product's day on a compressed clock: every `stepMs` (a minute, as deployed) the scheduled refresh
 * starts `refreshRuns` runs at once (the service's scheduled refresh, as the refresh function runs it,
 * recovery included) while getters ask for random accounts; WeChat pushes a ticket every 10 minutes through the real callback, and the sync
 * runs hourly. Backends (`callerBackends`) use the shipped WechatTokenClient with its cache through the
 * getter, make their WeChat requests with the token it gives them, and report a refused one.
 *
 * The clock stands still while the runs race, at the start of the step, as if every run took no time, so
 * that the schedule's floor is exact. It then moves on through the step in CALLER_TICKS instants, and the
 * callers' requests are spread over them: a caller that holds a token a little past the time it dies is
 * seen, which it would not be if every request came at the minute the schedule runs on. With `chaos`:
 * WeChat answers -1 to 10 % of calls, a step of 2.5–3 s latency, runs killed at random points (between
 * WeChat's answer and the commit too), the component token invalidated (40001), an account revoked and
 * authorized again (with WeChat's pushes), and a refresh token replaced (61023).
 */
export async function simulateDay(dynamo: LocalDynamo, options: DayOptions): Promise<DayReport> {
  const started = performance.now();
  const dayMs = options.dayMs ?? 24 * HOUR;
  const stepMs = options.stepMs ?? 60_000;
  const cycleSteps = Math.round((TOKEN_LIFE_MS - MARGIN_MS) / stepMs);
  const chaos = options.chaos ?? false;
  let random = options.seed ?? 7;
  const next = () => {
    random = (random * 1_103_515_245 + 12_345) % 2_147_483_648;
    return random / 2_147_483_648;
  };

  const simulator = await WechatSimulator.start({ authorizers: options.authorizers, seed: options.seed ?? 7 });
  const clock = simulator.clock;
  const tableName = `day-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createTable(dynamo.endpoint, tableName);
  // Two clients: the product's getter, callback and sync; and the refresh function's, whose requests are
  // the schedule's cost. The measurement's own Scans go by neither (see raw-scan.ts).
  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  const runDoc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  const productRequests = countRequests(doc);
  const refreshRequests = countRequests(runDoc);
  const config = localServiceConfig({
    tableName,
    wechatApiBase: simulator.url,
    renewalMarginMs: MARGIN_MS,
    leaseMs: LEASE_MS,
  });
  const wechat = { timeoutMs: 5_000, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 10_000 } };
  const parts = wireTokenService({ config, doc, secret: localSecret(), clock, wechat });
  const service = new TokenService(parts);
  const pushes = new PushService(parts);
  // The refresh function's container: its own clients, as a Lambda's are.
  const runParts = wireTokenService({ config, doc: runDoc, secret: localSecret(), clock, wechat });
  const runService = new TokenService(runParts);
  const runTable = new Table(runDoc, tableName);
  const getter = createGetter(() => service, silentLogger, { waitMs: 3_000 });
  const api = await startApiServer({ getter, callback: createCallback(() => pushes, silentLogger) });
  simulator.callbackUrl = `${api.url}/wechat/callback`;

  // Every token api_authorizer_token issued, by account and time.
  const renewalsAt = new Map<string, number[]>();
  const authorizerToken = simulator.world.authorizerToken.bind(simulator.world);
  simulator.world.authorizerToken = (token, body) => {
    const answer = authorizerToken(token, body);
    const appId = String(body['authorizer_appid']);
    if (answer['errcode'] === undefined) renewalsAt.set(appId, [...(renewalsAt.get(appId) ?? []), clock.now()]);
    return answer;
  };

  let killedRuns = 0;
  let recoverySyncs = 0;
  let recoveredRefreshTokens = 0;
  let refreshInvocations = 0;
  /** One scheduled refresh run, as the Lambda runs it; with chaos, the process may die at a random point. */
  const refreshRun = async () => {
    refreshInvocations++;
    let run: TokenService = runService;
    if (chaos && (options.killRuns ?? true)) {
      // A dying run's 61023 mark, with the recovery request it carries, is one write: made or not.
      const death = new Death(next, () => killedRuns++);
      const store = new MortalStore(runTable, death);
      const syncStore = new MortalSyncStore(runTable, death);
      const renewer = new AuthorizerRenewer({
        store,
        client: runParts.client,
        componentTokens: runParts.componentTokens,
        clock,
        renewalMarginMs: MARGIN_MS,
        leaseMs: config.leaseMs,
      });
      run = new TokenService({ ...runParts, authorizers: store, syncStore, renewer });
    }
    try {
      const report = await run.runScheduledRefresh();
      if (report.recovery?.ran) {
        recoverySyncs++;
        recoveredRefreshTokens += report.recovery.healed;
      }
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
    }
  };

  const appIds = simulator.world.population.listing().map((record) => record.appId);
  const pick = () => appIds[Math.floor(next() * appIds.length)] ?? '';
  const callers = new SimulatedCallers({
    getter,
    world: simulator.world,
    clock,
    backends: options.callerBackends ?? 4,
  });
  const usesPerTick = Math.max(0, Math.round((options.callerUsesPerStep ?? 9) / CALLER_TICKS));
  /** One instant of the callers: every backend makes its requests for random accounts, at once. */
  const callerTick = () =>
    Promise.all(
      Array.from({ length: callers.backends * usesPerTick }, (_, index) =>
        callers.use(index % callers.backends, pick()),
      ),
    );
  let getterResponses = 0;
  let getterUnavailable = 0;
  let invalidTokensServed = 0;
  const ask = async () => {
    const appId = pick();
    const answer = await getter(tokenEvent(appId));
    getterResponses++;
    if (answer.statusCode >= 500) getterUnavailable++;
    if (answer.statusCode !== 200) return;
    const token = String((JSON.parse(answer.body) as Record<string, unknown>)['authorizer_access_token']);
    if (!simulator.world.isAuthorizerTokenValid(appId, token)) invalidTokensServed++;
  };

  // Set-up: the ticket, the first sync, and a warm-up cycle that gives each account its first token at a
  // different step (as accounts that authorized at different times have), so that the window starts in
  // the steady state: a cycle's share of the accounts due at every step.
  await simulator.pushTicket();
  clock.advance(1_000);
  await service.sync();
  for (let step = 0; step < cycleSteps; step++) {
    clock.advance(stepMs);
    if ((step * stepMs) % (10 * 60_000) === 0) await simulator.pushTicket();
    const slice = appIds.filter((_, index) => index % cycleSteps === step);
    await forEachConcurrently(slice, 16, async (appId) => {
      await parts.renewer.renew(appId, { kind: 'due', minValidMs: 0 }, { waitMs: 0 });
    });
  }
  // The window's renewals are counted from here; each is still compared with the one before it, the
  // warm-up's included.
  const windowStart = clock.now() + 1;
  const callsBefore = simulator.counters.calls('api_authorizer_token');
  const systemErrorsBefore = simulator.counters.outcomes('api_authorizer_token', -1);
  const productRequestsBefore = productRequests.total;
  const refreshRequestsBefore = refreshRequests.total;

  let secondsWithoutValidToken = 0;
  const steps = Math.round(dayMs / stepMs);
  // The account WeChat gives a new refresh token is one due at the step after (a first token taken at
  // warm-up step j is due at window steps j, j + cycle, …), so that a renewal meets the 61023 before the
  // hourly sync would quietly pick the new token up.
  const replaceAt = Math.round(steps * 0.3);
  const [reauthorized = ''] = appIds;
  const replaced = appIds.find((_, index) => index > 0 && index % cycleSteps === (replaceAt + 1) % cycleSteps) ?? '';
  const slowFrom = Math.round(steps * 0.15);
  // One step (a minute, as deployed) of slow answers: the clock stands still, so the calls are slow
  // without timing out, and the runs' renewals of the step all meet it.
  const slowSteps = 1;
  let stepStart = clock.now();
  for (let step = 0; step < steps; step++) {
    stepStart += stepMs;
    clock.set(stepStart);
    const elapsed = step * stepMs;
    if (chaos) {
      // The day's events at fixed fractions of it, so that a shortened day has them all.
      const at = (fraction: number) => step === Math.round(steps * fraction);
      const slow = step >= slowFrom && step < slowFrom + slowSteps;
      simulator.faults.set({ systemErrorRate: 0.1, latencyMs: slow ? { min: 2_500, max: 3_000 } : 0 });
      if (at(0.1)) {
        // Someone takes a component token out of band: ours fails with 40001 once its grace is over.
        await parts.client.getComponentAccessToken({
          componentAppSecret: sensitive(SIMULATOR_CREDENTIALS.componentAppSecret),
          componentVerifyTicket: sensitive(simulator.world.issueTicket()),
        });
      }
      if (at(0.2)) await simulator.pushAuthorizationEvent('unauthorized', reauthorized);
      if (step === replaceAt) simulator.world.replaceRefreshToken(replaced);
      if (at(0.35)) await simulator.pushAuthorizationEvent('authorized', reauthorized);
    }
    if (elapsed % (10 * 60_000) === 0) await simulator.pushTicket();
    if (elapsed % HOUR === 0) await service.sync();
    await Promise.all([
      ...Array.from({ length: options.refreshRuns ?? 2 }, refreshRun),
      ...Array.from({ length: options.gettersPerStep ?? 5 }, ask),
      callerTick(),
    ]);
    if (options.sampleStoredTokens ?? true) {
      secondsWithoutValidToken +=
        ((await accountsWithoutValidToken(dynamo.endpoint, tableName, simulator)) * stepMs) / 1000;
    }
    // The rest of the step: the clock moves on, and the callers make their requests at each instant: one
    // in each of the step's CALLER_TICKS − 1 equal parts, at the same random place in each, drawn anew
    // every step, so that over the day the callers' requests fall on every second of the minute.
    const partMs = stepMs / (CALLER_TICKS - 1);
    const place = next();
    for (let tick = 1; tick < CALLER_TICKS && usesPerTick > 0; tick++) {
      clock.set(stepStart + Math.floor((tick - 1 + place) * partMs));
      await callerTick();
    }
    simulator.faults.clear();
  }
  const windowRequests = {
    product: productRequests.total - productRequestsBefore,
    refresh: refreshRequests.total - refreshRequestsBefore,
  };

  const lostRefreshTokens = await refreshTokensLost(dynamo.endpoint, tableName, simulator);
  let duplicateRenewals = 0;
  let renewals = 0;
  for (const times of renewalsAt.values()) {
    for (let i = 0; i < times.length; i++) {
      const at = times[i] ?? 0;
      if (at < windowStart) continue;
      renewals++;
      if (i > 0 && at - (times[i - 1] ?? 0) < TOKEN_LIFE_MS - MARGIN_MS) duplicateRenewals++;
    }
  }
  const report: DayReport = {
    authorizers: options.authorizers,
    simulatedHours: dayMs / HOUR,
    authorizerTokenCalls: simulator.counters.calls('api_authorizer_token') - callsBefore,
    renewals,
    authorizerTokenSystemErrors: simulator.counters.outcomes('api_authorizer_token', -1) - systemErrorsBefore,
    renewalFloor: (options.authorizers * dayMs) / (TOKEN_LIFE_MS - MARGIN_MS),
    duplicateRenewals,
    getterResponses,
    getterUnavailable,
    invalidTokensServed,
    refreshTokensLost: lostRefreshTokens,
    secondsWithoutValidToken,
    killedRuns,
    recoverySyncs,
    recoveredRefreshTokens,
    callerRequests: callers.counts.requests,
    callerDeadTokenRequests: callers.counts.deadTokenRequests,
    callerRevokedTokenRequests: callers.counts.revokedTokenRequests,
    callerReports: callers.counts.reports,
    callerGetterCalls: callers.counts.getterCalls,
    callerGetterErrors: callers.counts.getterErrors,
    refreshInvocations,
    refreshDynamoRequests: windowRequests.refresh,
    dynamoRequests: windowRequests.product + windowRequests.refresh,
    wallMs: performance.now() - started,
  };
  await api.close();
  doc.destroy();
  runDoc.destroy();
  await simulator.close();
  return report;
}
