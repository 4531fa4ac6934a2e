import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createCallback } from '../../../functions/callback/callback.js';
import { createGetter } from '../../../functions/getter/getter.js';
import { createRefresh } from '../../../functions/refresh/refresh.js';
import { createSync } from '../../../functions/sync/sync.js';
import type { FunctionName } from '../../../infra/construct.js';
import { startApiServer } from '../../../infra/local/api-server.js';
import { createTable, LOCAL_CLIENT_CONFIG, type LocalDynamo } from '../../../infra/local/dynamo.js';
import { configFromEnv } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/logger.js';
import { PushService } from '../../../shared/push-service.js';
import { secretsManagerReader } from '../../../shared/secrets.js';
import { TokenService, type TokenServiceParts, wireTokenService } from '../../../shared/service.js';
import { createDocumentClient } from '../../../shared/store/index.js';
import { WechatSimulator } from '../../../simulator/index.js';
import { httpApiEvent, refreshEvent, tokenEvent } from '../../fixtures/api-gateway.js';
import { scheduledEvent } from '../../fixtures/eventbridge.js';
import type { Deployment } from './resolve.js';
import { SdkRecorder } from './sdk-recorder.js';
import { stubbedSecretsManager } from './secret-stub.js';

const HOUR = 3_600_000;
const TOKEN_LIFE_MS = 2 * HOUR;

export interface RecordedDay {
  readonly recorder: SdkRecorder;
  /** How many times each function was invoked. */
  readonly invocations: Readonly<Record<FunctionName, number>>;
  /** What happened that the IAM test depends on having happened (each path it means to exercise). */
  readonly exercised: {
    readonly refreshRecoveries: number;
    readonly revokedBySync: number;
    readonly getterStatuses: readonly number[];
  };
}

/**
 * A short day of the four functions, each in its own container as deployed: configured by the
 * environment the template gives it (table name, secret ARN…), with its own DynamoDB and Secrets
 * Manager clients (recorded, so that every call is attributed to the function whose client made it),
 * its adapter (`create<Function>`) over its own service, on a shared simulated WeChat and clock. Every
 * path that needs a grant is driven: tickets and authorization pushes, the syncs (and a revocation on
 * two complete listings), the scheduled and on-demand refreshes, the getter's routes, and a refused
 * refresh token (61023) met by the refresh and by the getter, then recovered by the refresh's sync.
 */
export async function recordDay(
  dynamo: LocalDynamo,
  deployment: Deployment,
  environment: (fn: FunctionName) => Record<string, string>,
  options: { authorizers?: number } = {},
): Promise<RecordedDay> {
  const recorder = new SdkRecorder(deployment);
  const simulator = await WechatSimulator.start({ authorizers: options.authorizers ?? 6, seed: 13 });
  const clock = simulator.clock;
  const wechat = { timeoutMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 2_000 } };
  const tables = new Set<string>();
  const destroy: (() => void)[] = [];
  const container = async (fn: FunctionName): Promise<TokenServiceParts> => {
    const config = configFromEnv({
      ...environment(fn),
      WECHAT_API_BASE: simulator.url,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
    });
    if (!tables.has(config.tableName)) {
      await createTable(dynamo.endpoint, config.tableName);
      tables.add(config.tableName);
    }
    const doc = recorder.record(
      createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: config.dynamoEndpoint ?? dynamo.endpoint }),
      fn,
      'dynamodb',
    );
    const secrets = recorder.record(stubbedSecretsManager(deployment.region), fn, 'secretsmanager');
    destroy.push(
      () => doc.destroy(),
      () => secrets.destroy(),
    );
    const secret = secretsManagerReader(config.secretId, {
      expectedComponentAppId: config.componentAppId,
      client: secrets,
    });
    return wireTokenService({ config, doc, secret, clock, wechat });
  };
  const services = {
    sync: new TokenService(await container('sync')),
    refresh: new TokenService(await container('refresh')),
    getter: new TokenService(await container('getter')),
    callback: new PushService(await container('callback')),
  };
  const invocations: Record<FunctionName, number> = {
    sync: 0,
    refresh: 0,
    getter: 0,
    callback: 0,
    onboarding: 0,
    events: 0,
  };
  const counted =
    <Args extends unknown[], Result>(fn: FunctionName, run: (...args: Args) => Promise<Result>) =>
    (...args: Args): Promise<Result> => {
      invocations[fn]++;
      return run(...args);
    };
  const getter = counted(
    'getter',
    createGetter(() => services.getter, silentLogger, { waitMs: 2_000 }),
  );
  const callback = counted(
    'callback',
    createCallback(() => services.callback, silentLogger),
  );
  const refresh = counted(
    'refresh',
    createRefresh(() => services.refresh),
  );
  const sync = counted(
    'sync',
    createSync(() => services.sync),
  );
  const api = await startApiServer({ getter, callback });
  simulator.callbackUrl = `${api.url}/wechat/callback`;

  const getterStatuses: number[] = [];
  const get = async (event: APIGatewayProxyEventV2) => {
    const answer = await getter(event);
    getterStatuses.push(answer.statusCode);
    return answer;
  };
  const tokenOf = async (appId: string) =>
    String((JSON.parse((await get(tokenEvent(appId))).body) as Record<string, unknown>)['authorizer_access_token']);
  let refreshRecoveries = 0;
  const scheduledRefresh = async () => {
    const response = await refresh(scheduledEvent, { getRemainingTimeInMillis: () => 300_000 });
    if (response.mode === 'scheduled' && response.recovery?.ran) refreshRecoveries++;
  };
  let revokedBySync = 0;
  const scheduledSync = async () => {
    revokedBySync += (await sync(scheduledEvent)).revoked;
  };

  try {
    // Morning: WeChat's ticket reaches the callback; the sync stores the accounts; the refresh renews them.
    await simulator.pushTicket();
    clock.advance(1_000);
    await scheduledSync();
    await scheduledRefresh();
    const appIds = simulator.world.population.listing().map((record) => record.appId);
    const [first = '', second = '', third = '', fourth = ''] = appIds;
    // The getter's routes: tokens, a refused token reported (compared with the stored one), the list, the component's.
    const token = await tokenOf(first);
    await get(refreshEvent(first, { invalid_token: token }));
    await get(refreshEvent(second, { invalid_token: 'a-token-we-never-served' }));
    await get(httpApiEvent({ routeKey: 'GET /authorizers', rawPath: '/authorizers', query: { limit: '2' } }));
    await get(httpApiEvent({ routeKey: 'GET /component/token', rawPath: '/component/token' }));
    // Pushes: a new account, an update, a revocation; then an on-demand renewal.
    const { appId: newcomer } = await simulator.pushAuthorizationEvent('authorized');
    await simulator.pushAuthorizationEvent('updateauthorized', newcomer);
    await simulator.pushAuthorizationEvent('unauthorized', fourth);
    await refresh({ appid: newcomer, min_valid_seconds: 240 });
    // Two hours on, WeChat has replaced a refresh token (61023) and an account authorized with no push
    // reaching us: the refresh renews the component token (reading the secret) and every account, meets
    // the 61023, and its recovery sync finds the account only a listing shows (a new item).
    simulator.world.replaceRefreshToken(second);
    simulator.world.authorize();
    clock.advance(TOKEN_LIFE_MS - 30_000);
    await simulator.pushTicket();
    await scheduledRefresh();
    // Two hours on again, the getter is first to need a token whose refresh token was replaced: it meets
    // the 61023 and leaves the recovery to the next scheduled refresh.
    simulator.world.replaceRefreshToken(third);
    clock.advance(TOKEN_LIFE_MS - 30_000);
    await simulator.pushTicket();
    await tokenOf(third);
    await scheduledRefresh();
    // An account revokes with no push reaching us: two complete listings without it revoke it.
    simulator.world.revoke(first);
    clock.advance(HOUR);
    await scheduledSync();
    clock.advance(HOUR);
    await scheduledSync();
    await scheduledRefresh();
  } finally {
    await api.close();
    for (const close of destroy) close();
    await simulator.close();
  }
  return { recorder, invocations, exercised: { refreshRecoveries, revokedBySync, getterStatuses } };
}
