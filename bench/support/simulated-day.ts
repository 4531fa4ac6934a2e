import { SIMULATOR_CREDENTIALS, WechatSimulator } from '../../infra/local/simulator';
import { createTable, LOCAL_CLIENT_CONFIG, type LocalDynamo } from '../../infra/local/dynamo';
import { localSecret, localServiceConfig } from '../../infra/local/local-config';
import { createGetter } from '../../functions/getter/getter';
import { silentLogger } from '../../shared/logger';
import { sensitive } from '../../shared/sensitive';
import { createTokenService } from '../../shared/service';
import { AuthorizerStore, createDocumentClient, Table } from '../../shared/store';
import { syncAuthorizers } from '../../shared/sync';
import { AuthorizerRenewer, refreshDueAuthorizers } from '../../shared/tokens';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DayOptions {
  readonly authorizers: number;
  /** Simulated length; a day by default. */
  readonly dayMs?: number;
  /** The refresh schedule. */
  readonly stepMs?: number;
  readonly refreshRuns?: number;
  readonly gettersPerStep?: number;
  readonly chaos?: boolean;
  readonly seed?: number;
}

export interface DayReport {
  readonly authorizers: number;
  readonly simulatedHours: number;
  /** api_authorizer_token calls that renewed a token. */
  readonly renewals: number;
  /** What the schedule needs at the least: one renewal per account per (7,200 − margin) s. */
  readonly idealRenewals: number;
  /** Renewals of a token renewed less than (7,200 − margin) s before. */
  readonly duplicateRenewals: number;
  readonly getterResponses: number;
  readonly getterUnavailable: number;
  /** Tokens handed out that WeChat had invalidated or that had expired. */
  readonly invalidTokensServed: number;
  /** Active accounts whose stored refresh token WeChat no longer accepts, at the end of the day. */
  readonly refreshTokensLost: number;
  /** Summed over accounts: seconds (in steps) during which an active account had no token WeChat accepts. */
  readonly secondsWithoutValidToken: number;
  /** Renewals killed mid-way (after taking the lease, or after WeChat answered and before the commit). */
  readonly killedRuns: number;
}

const MARGIN_MS = 15 * 60_000;
const HOUR = 3_600_000;

/**
 * One simulated day of the product on a compressed clock: the refresh schedule with several runs at
 * once, getters hammering random accounts, the hourly sync and the ticket pushes; with `chaos`, WeChat
 * answering -1 to 10 % of calls, a latency spike, refresh runs killed at random points (between
 * WeChat's answer and the commit too), a component token invalidated, an account revoked and
 * authorized again, and a refresh token lost and healed by the sync.
 */
export async function simulateDay(dynamo: LocalDynamo, options: DayOptions): Promise<DayReport> {
  const dayMs = options.dayMs ?? 24 * HOUR;
  const stepMs = options.stepMs ?? 5 * 60_000;
  const simulator = await WechatSimulator.start({ authorizers: options.authorizers, seed: options.seed ?? 7 });
  const tableName = `day-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createTable(dynamo.endpoint, tableName);
  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo.endpoint });
  const clock = simulator.clock;
  const service = createTokenService({
    config: localServiceConfig({ tableName, wechatApiBase: simulator.url }),
    doc,
    secret: localSecret(),
    clock,
    wechat: { timeoutMs: 5_000, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 10_000 } },
  });
  const getter = createGetter(() => service, silentLogger, { waitMs: 3_000 });
  let random = options.seed ?? 7;
  const next = () => ((random = (random * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);

  // Every successful renewal, by account and simulated time.
  const renewalsAt = new Map<string, number[]>();
  const original = simulator.world.authorizerToken.bind(simulator.world);
  simulator.world.authorizerToken = (token, body) => {
    const answer = original(token, body);
    const appId = String(body['authorizer_appid']);
    if (answer['errcode'] === undefined) renewalsAt.set(appId, [...(renewalsAt.get(appId) ?? []), clock.now()]);
    return answer;
  };

  const pushTicket = () =>
    service.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
      ticket: sensitive(simulator.world.issueTicket()),
      createTime: Math.floor(clock.now() / 1000),
      now: clock.now(),
    });
  const sync = () => syncAuthorizers({ ...service, componentAppId: SIMULATOR_CREDENTIALS.componentAppId });
  await pushTicket();
  clock.advance(1_000);
  await sync();

  let killedRuns = 0;
  /** A refresh run that dies: before calling WeChat, or after WeChat answered and before the commit. */
  class Killed extends Error {}
  // A killed holder leaves its lease behind (it expires) and, when killed after WeChat answered, a
  // token WeChat issued that nobody stored.
  class MortalStore extends AuthorizerStore {
    override async acquireRenewal(...args: Parameters<AuthorizerStore['acquireRenewal']>) {
      const leased = await super.acquireRenewal(...args);
      if (leased && options.chaos && next() < 0.02) {
        killedRuns++;
        throw new Killed();
      }
      return leased;
    }
    override async commitRenewal(...args: Parameters<AuthorizerStore['commitRenewal']>) {
      if (options.chaos && next() < 0.03) {
        killedRuns++;
        throw new Killed();
      }
      return super.commitRenewal(...args);
    }
  }
  const mortal = new AuthorizerRenewer({
    store: new MortalStore(new Table(doc, tableName)),
    client: service.client,
    componentTokens: service.componentTokens,
    clock,
  });

  let getterResponses = 0;
  let getterUnavailable = 0;
  let invalidTokensServed = 0;
  let secondsWithoutValidToken = 0;
  const appIds = simulator.world.population.listing().map((record) => record.appId);
  const [reauthorized = '', lostRefresh = ''] = appIds;

  for (let elapsed = 0; elapsed < dayMs; elapsed += stepMs) {
    clock.advance(stepMs);
    if (elapsed % (10 * 60_000) === 0) await pushTicket();
    if (options.chaos) {
      // The day's events, at fixed fractions of it (so that a shortened day has them all).
      const at = (fraction: number) => elapsed === Math.round((dayMs * fraction) / stepMs) * stepMs;
      simulator.faults.set({ systemErrorRate: 0.1, latencyMs: at(0.15) ? { min: 2_500, max: 3_000 } : 0 });
      if (at(0.1)) {
        // Someone takes a component token out of band: ours fails with 40001 once its grace is over.
        await service.client.getComponentAccessToken({
          componentAppSecret: sensitive(SIMULATOR_CREDENTIALS.componentAppSecret),
          componentVerifyTicket: sensitive(simulator.world.issueTicket()),
        });
      }
      if (at(0.2)) simulator.world.revoke(reauthorized);
      if (at(0.35)) simulator.world.authorize(reauthorized);
      if (at(0.25)) simulator.world.replaceRefreshToken(lostRefresh);
    }
    if (elapsed % HOUR === 0) await sync();

    const runs = Array.from({ length: options.refreshRuns ?? 8 }, () =>
      refreshDueAuthorizers({ store: service.authorizers, renewer: mortal, clock }),
    );
    const getters = Array.from({ length: options.gettersPerStep ?? 100 }, async () => {
      const appId = appIds[Math.floor(next() * appIds.length)] ?? '';
      const event = { routeKey: 'GET /authorizers/{appid}/token', pathParameters: { appid: appId } } as unknown as APIGatewayProxyEventV2;
      const answer = await getter(event);
      getterResponses++;
      if (answer.statusCode !== 200) {
        getterUnavailable++;
        return;
      }
      const token = String((JSON.parse(answer.body) as Record<string, unknown>)['authorizer_access_token']);
      if (!simulator.world.isAuthorizerTokenValid(appId, token)) invalidTokensServed++;
    });
    await Promise.all([...runs, ...getters]);
    simulator.faults.clear();

    // Every account WeChat lists should hold a token WeChat accepts (one Scan per step).
    for (const item of await scanTokens(doc, tableName)) {
      if (item.status !== 'active' || simulator.world.refreshTokenOf(item.appId) === undefined) continue;
      if (!item.accessToken || !simulator.world.isAuthorizerTokenValid(item.appId, item.accessToken)) secondsWithoutValidToken += stepMs / 1000;
    }
  }

  clock.advance(1_000);
  await sync();
  let refreshTokensLost = 0;
  for (const appId of appIds) {
    const current = simulator.world.refreshTokenOf(appId);
    const stored = await service.authorizers.get(appId);
    if (current !== undefined && stored?.refreshToken.reveal() !== current) refreshTokensLost++;
  }
  let duplicateRenewals = 0;
  for (const times of renewalsAt.values()) {
    for (let i = 1; i < times.length; i++) if ((times[i] ?? 0) - (times[i - 1] ?? 0) < 7_200_000 - MARGIN_MS) duplicateRenewals++;
  }
  const renewals = [...renewalsAt.values()].reduce((sum, times) => sum + times.length, 0);
  doc.destroy();
  await simulator.close();
  return {
    authorizers: options.authorizers,
    simulatedHours: dayMs / HOUR,
    renewals,
    idealRenewals: (options.authorizers * dayMs) / (7_200_000 - MARGIN_MS),
    duplicateRenewals,
    getterResponses,
    getterUnavailable,
    invalidTokensServed,
    refreshTokensLost,
    secondsWithoutValidToken,
    killedRuns,
  };
}

async function scanTokens(doc: DynamoDBDocumentClient, tableName: string): Promise<Array<{ appId: string; status: string; accessToken?: string }>> {
  const items: Array<{ appId: string; status: string; accessToken?: string }> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: startKey,
        FilterExpression: 'begins_with(pk, :prefix)',
        ProjectionExpression: 'appId, #status, accessToken',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':prefix': 'AUTHORIZER#' },
      }),
    );
    for (const item of page.Items ?? []) items.push(item as { appId: string; status: string; accessToken?: string });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
