import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createCallback } from '../../functions/callback/callback';
import { createGetter } from '../../functions/getter/getter';
import { createRefresh } from '../../functions/refresh/refresh';
import { runSync } from '../../functions/common/run-sync';
import { startApiServer } from '../../infra/local/api-server';
import { createTable, LOCAL_CLIENT_CONFIG, type LocalDynamo } from '../../infra/local/dynamo';
import { localSecret, localServiceConfig } from '../../infra/local/local-config';
import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../infra/local/simulator';
import { silentLogger } from '../../shared/logger';
import { sensitive } from '../../shared/sensitive';
import { createTokenService, type TokenService } from '../../shared/service';
import { createDocumentClient, Table } from '../../shared/store';
import { Death, Killed, MortalStore, MortalSyncStore } from './mortal-run';
import { noMetrics } from '../../shared/metrics';
import { AuthorizerRenewer } from '../../shared/tokens';
import { tokenEvent } from '../../test/fixtures/api-gateway';
import { forEachConcurrently } from '../../shared/tokens/concurrency';

export interface DayOptions {
  readonly authorizers: number;
  /** The measured window; a day by default. A warm-up before it spreads the first tokens over a cycle. */
  readonly dayMs?: number;
  /** The refresh schedule. Default 5 minutes, as deployed. */
  readonly stepMs?: number;
  /** Scheduled refresh runs started at once at every step. Default 8. */
  readonly refreshRuns?: number;
  /** Getter requests for random accounts at every step, alongside the runs. Default 100. */
  readonly gettersPerStep?: number;
  readonly chaos?: boolean;
  /** With chaos: whether refresh runs die too (default true), to tell their share of the figures. */
  readonly killRuns?: boolean;
  readonly seed?: number;
}

export interface DayReport {
  readonly authorizers: number;
  readonly simulatedHours: number;
  /** api_authorizer_token calls in the window, answered or not. */
  readonly authorizerTokenCalls: number;
  /** Of those, the ones that issued a token. */
  readonly renewals: number;
  /** The schedule's own floor: one renewal per account every (7,200 − margin) s. */
  readonly renewalFloor: number;
  /** Renewals of a token renewed less than (7,200 − margin) s before. */
  readonly duplicateRenewals: number;
  readonly getterResponses: number;
  /** 5xx answers (WeChat unavailable, renewal in progress); a 410 for a revoked account is not one. */
  readonly getterUnavailable: number;
  /** Tokens handed out that WeChat had invalidated or that had expired. */
  readonly invalidTokensServed: number;
  /** Authorized accounts whose stored refresh token WeChat no longer accepts, at the end of the window. */
  readonly refreshTokensLost: number;
  /** Summed over authorized accounts, sampled after every step: time with no stored token WeChat accepts. */
  readonly secondsWithoutValidToken: number;
  /** Refresh runs killed part-way (after taking a lease, or after WeChat answered and before the commit). */
  readonly killedRuns: number;
  /** Recovery syncs the refresh runs made after a 61023, and the accounts they healed. */
  readonly recoverySyncs: number;
  readonly recoveredRefreshTokens: number;
  /** Wall-clock time of the whole simulation. */
  readonly wallMs: number;
}

/** The deployed renewal margin (RENEWAL_MARGIN_SECONDS). */
const MARGIN_MS = 15 * 60_000;
const TOKEN_LIFE_MS = 7_200_000;
const HOUR = 3_600_000;
const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

/**
 * The product's day on a compressed clock: every `stepMs` the scheduled refresh starts `refreshRuns`
 * runs at once (the refresh function's own code, recovery included) while getters ask for random
 * accounts; WeChat pushes a ticket every 10 minutes through the real callback, and the sync runs hourly.
 * The clock stands still within a step, as if every run took no time, so that the schedule's floor is
 * exact. With `chaos`: WeChat answers -1 to 10 % of calls, a step of 2.5–3 s latency, runs killed at
 * random points (between WeChat's answer and the commit too), the component token invalidated (40001),
 * an account revoked and authorized again (with WeChat's pushes), and a refresh token replaced (61023).
 */
export async function simulateDay(dynamo: LocalDynamo, options: DayOptions): Promise<DayReport> {
  const started = performance.now();
  const dayMs = options.dayMs ?? 24 * HOUR;
  const stepMs = options.stepMs ?? 5 * 60_000;
  const cycleSteps = Math.round((TOKEN_LIFE_MS - MARGIN_MS) / stepMs);
  const chaos = options.chaos ?? false;
  let random = options.seed ?? 7;
  const next = () => (random = (random * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;

  const simulator = await WechatSimulator.start({ authorizers: options.authorizers, seed: options.seed ?? 7 });
  const clock = simulator.clock;
  const tableName = `day-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createTable(dynamo.endpoint, tableName);
  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  const table = new Table(doc, tableName);
  const config = localServiceConfig({ tableName, wechatApiBase: simulator.url, renewalMarginMs: MARGIN_MS });
  const service = createTokenService({
    config,
    doc,
    secret: localSecret(),
    clock,
    wechat: { timeoutMs: 5_000, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 10_000 } },
  });
  const getter = createGetter(() => service, silentLogger, { waitMs: 3_000 });
  const api = await startApiServer({ getter, callback: createCallback(() => service, silentLogger) });
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
  /** One scheduled refresh run, as the Lambda runs it; with chaos, the process may die at a random point. */
  const refreshRun = async () => {
    let run: TokenService = service;
    if (chaos && (options.killRuns ?? true)) {
      const death = new Death(next, () => killedRuns++);
      const store = new MortalStore(table, death);
      const syncStore = new MortalSyncStore(table, death);
      const renewer = new AuthorizerRenewer({
        store,
        client: service.client,
        componentTokens: service.componentTokens,
        clock,
        renewalMarginMs: MARGIN_MS,
        leaseMs: config.leaseMs,
        onRefreshTokenRefused: (now) => syncStore.requestRecovery(config.componentAppId, now),
      });
      run = { ...service, authorizers: store, syncStore, renewer };
    }
    try {
      const response = await createRefresh(() => run, silentLogger)(SCHEDULED_EVENT);
      if (response.mode === 'scheduled' && response.recovery?.ran) {
        recoverySyncs++;
        recoveredRefreshTokens += response.recovery.healed;
      }
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
    }
  };

  const appIds = simulator.world.population.listing().map((record) => record.appId);
  let getterResponses = 0;
  let getterUnavailable = 0;
  let invalidTokensServed = 0;
  const ask = async () => {
    const appId = appIds[Math.floor(next() * appIds.length)] ?? '';
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
  await runSync(service, silentLogger, noMetrics);
  for (let step = 0; step < cycleSteps; step++) {
    clock.advance(stepMs);
    if (step % 2 === 0) await simulator.pushTicket();
    const slice = appIds.filter((_, index) => index % cycleSteps === step);
    await forEachConcurrently(slice, 16, async (appId) => {
      await service.renewer.renew(appId, { kind: 'due', expiringBefore: clock.now() + MARGIN_MS }, { waitMs: 0 });
    });
  }
  // The window's renewals are counted from here; each is still compared with the one before it, the
  // warm-up's included.
  const windowStart = clock.now() + 1;
  const callsBefore = simulator.counters.calls('api_authorizer_token');

  let secondsWithoutValidToken = 0;
  const steps = Math.round(dayMs / stepMs);
  // The account WeChat gives a new refresh token is one due at the step after (a first token taken at
  // warm-up step j is due at window steps j, j + cycle, …), so that a renewal meets the 61023 before the
  // hourly sync would quietly pick the new token up.
  const replaceAt = Math.round(steps * 0.3);
  const [reauthorized = ''] = appIds;
  const replaced = appIds.find((_, index) => index > 0 && index % cycleSteps === (replaceAt + 1) % cycleSteps) ?? '';
  for (let step = 0; step < steps; step++) {
    clock.advance(stepMs);
    const elapsed = step * stepMs;
    if (chaos) {
      // The day's events at fixed fractions of it, so that a shortened day has them all.
      const at = (fraction: number) => step === Math.round(steps * fraction);
      simulator.faults.set({ systemErrorRate: 0.1, latencyMs: at(0.15) ? { min: 2_500, max: 3_000 } : 0 });
      if (at(0.1)) {
        // Someone takes a component token out of band: ours fails with 40001 once its grace is over.
        await service.client.getComponentAccessToken({
          componentAppSecret: sensitive(SIMULATOR_CREDENTIALS.componentAppSecret),
          componentVerifyTicket: sensitive(simulator.world.issueTicket()),
        });
      }
      if (at(0.2)) await simulator.pushAuthorizationEvent('unauthorized', reauthorized);
      if (step === replaceAt) simulator.world.replaceRefreshToken(replaced);
      if (at(0.35)) await simulator.pushAuthorizationEvent('authorized', reauthorized);
    }
    if (elapsed % (10 * 60_000) === 0) await simulator.pushTicket();
    if (elapsed % HOUR === 0) await runSync(service, silentLogger, noMetrics);
    await Promise.all([
      ...Array.from({ length: options.refreshRuns ?? 8 }, refreshRun),
      ...Array.from({ length: options.gettersPerStep ?? 100 }, ask),
    ]);
    simulator.faults.clear();
    secondsWithoutValidToken += ((await accountsWithoutValidToken(doc, tableName, simulator)) * stepMs) / 1000;
  }

  let refreshTokensLost = 0;
  for (const item of await scanAuthorizers(doc, tableName)) {
    if (simulator.world.refreshTokenOf(item.appId) !== undefined && !simulator.world.acceptsRefreshToken(item.appId, item.refreshToken)) refreshTokensLost++;
  }
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
    renewalFloor: (options.authorizers * dayMs) / (TOKEN_LIFE_MS - MARGIN_MS),
    duplicateRenewals,
    getterResponses,
    getterUnavailable,
    invalidTokensServed,
    refreshTokensLost,
    secondsWithoutValidToken,
    killedRuns,
    recoverySyncs,
    recoveredRefreshTokens,
    wallMs: performance.now() - started,
  };
  await api.close();
  doc.destroy();
  await simulator.close();
  return report;
}

interface ScannedAuthorizer {
  readonly appId: string;
  readonly status: string;
  readonly refreshToken: string;
  readonly accessToken?: string;
}

async function scanAuthorizers(doc: DynamoDBDocumentClient, tableName: string): Promise<ScannedAuthorizer[]> {
  const items: ScannedAuthorizer[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: startKey,
        FilterExpression: 'begins_with(pk, :prefix)',
        ProjectionExpression: 'appId, #status, refreshToken, accessToken',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':prefix': 'AUTHORIZER#' },
      }),
    );
    for (const item of page.Items ?? []) items.push(item as ScannedAuthorizer);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Accounts WeChat lists as authorized whose stored record holds no token WeChat accepts now. */
async function accountsWithoutValidToken(doc: DynamoDBDocumentClient, tableName: string, simulator: WechatSimulator): Promise<number> {
  const stored = new Map((await scanAuthorizers(doc, tableName)).map((item) => [item.appId, item]));
  let count = 0;
  for (const { appId } of simulator.world.population.listing()) {
    const item = stored.get(appId);
    if (item?.status !== 'active' || !item.accessToken || !simulator.world.isAuthorizerTokenValid(appId, item.accessToken)) count++;
  }
  return count;
}
