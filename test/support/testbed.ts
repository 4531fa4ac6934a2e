import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalDynamo } from '../../infra/local/dynamo.js';
import { localSecret, localServiceConfig } from '../../infra/local/local-config.js';
import type { DurationMetricName, MetricName, Metrics } from '../../shared/metrics.js';
import { PushService } from '../../shared/push-service.js';
import { sensitive } from '../../shared/sensitive.js';
import { TokenService, type TokenServiceParts, wireTokenService } from '../../shared/service.js';
import {
  SIMULATOR_CREDENTIALS,
  type SimClock,
  WechatSimulator,
  type WechatSimulatorOptions,
} from '../../simulator/index.js';
import { freshTable } from './dynamo-backends.js';
import { recordingLogger } from './recording-logger.js';

/**
 * The service under test, and its parts for the test's own set-up and checks (the same stores, client
 * and token providers the service uses, on the same table).
 */
export interface Testbed extends Omit<TokenServiceParts, 'table' | 'clock' | 'logger' | 'metrics'> {
  readonly service: TokenService;
  /** Another service over these parts with some replaced (a store that fails, another secret). */
  serviceWith(parts: Partial<TokenServiceParts>): TokenService;
  /** The callback's service, over the same parts. */
  readonly pushes: PushService;
  /** Another push service over these parts with some replaced (another secret). */
  pushesWith(parts: Partial<TokenServiceParts>): PushService;
  /** The simulator's clock, shared by the service: the test moves it. */
  readonly clock: SimClock;
  readonly simulator: WechatSimulator;
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly metrics: Metrics & {
    readonly counts: Map<MetricName, number>;
    readonly durations: Map<DurationMetricName, number[]>;
    total(name: MetricName): number;
  };
  readonly logger: ReturnType<typeof recordingLogger>;
  /** Stores `count` of the simulator's authorizers as the sync would (active, due at once). */
  seedAuthorizers(count: number): Promise<string[]>;
  /** WeChat pushes a ticket and the callback stores it. */
  storeTicket(): Promise<void>;
  /**
   * Kills the stored access token behind the product's back: a renewal WeChat acts on but nobody stores
   * (another system with the refresh token, say), then WeChat's grace passes (the clock moves 5 min 1 s).
   */
  killStoredToken(appId: string): Promise<void>;
  close(): Promise<void>;
}

export function recordingMetrics(): Testbed['metrics'] {
  const counts = new Map<MetricName, number>();
  const durations = new Map<DurationMetricName, number[]>();
  return {
    counts,
    durations,
    count: (name, value = 1) => void counts.set(name, (counts.get(name) ?? 0) + value),
    duration: (name, milliseconds) => void durations.set(name, [...(durations.get(name) ?? []), milliseconds]),
    total: (name) => counts.get(name) ?? 0,
  };
}

/**
 * The whole token service on a fresh table of a local DynamoDB and a WeChat simulator, sharing one
 * frozen clock that the test moves.
 */
export async function startTestbed(
  backend: LocalDynamo,
  options: { simulator?: WechatSimulatorOptions; leaseMs?: number; retryAttempts?: number; fetch?: typeof fetch } = {},
): Promise<Testbed> {
  const simulator = await WechatSimulator.start({ authorizers: 0, ...options.simulator });
  const { tableName, doc } = await freshTable(backend);
  const metrics = recordingMetrics();
  const logger = recordingLogger();
  const parts = wireTokenService({
    config: localServiceConfig({ tableName, wechatApiBase: simulator.url, leaseMs: options.leaseMs ?? 60_000 }),
    doc,
    secret: localSecret(),
    clock: simulator.clock,
    logger,
    metrics,
    wechat: {
      timeoutMs: 2_000,
      retry: { maxAttempts: options.retryAttempts ?? 3, baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 5_000 },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
  });
  const { table: _table, ...shared } = parts;
  const testbed: Testbed = {
    ...shared,
    service: new TokenService(parts),
    serviceWith: (replaced) => new TokenService({ ...parts, ...replaced }),
    pushes: new PushService(parts),
    pushesWith: (replaced) => new PushService({ ...parts, ...replaced }),
    clock: simulator.clock,
    simulator,
    doc,
    tableName,
    metrics,
    logger,
    async seedAuthorizers(count) {
      simulator.world.seed(count);
      const listed = simulator.world.population.listing().slice(-count);
      await Promise.all(
        listed.map((record) =>
          parts.authorizers.create({
            appId: record.appId,
            refreshToken: sensitive(record.refreshToken),
            authTime: record.authTime,
            now: simulator.clock.now(),
          }),
        ),
      );
      return listed.map((record) => record.appId);
    },
    async storeTicket() {
      const ticket = simulator.world.issueTicket();
      await parts.component.saveTicket(SIMULATOR_CREDENTIALS.componentAppId, {
        ticket: sensitive(ticket),
        createTime: Math.floor(simulator.clock.now() / 1000),
        now: simulator.clock.now(),
      });
    },
    async killStoredToken(appId) {
      const record = await parts.authorizers.get(appId);
      if (!record) throw new Error(`${appId} is not stored`);
      const component = await parts.componentTokens.get();
      await parts.client.getAuthorizerAccessToken(component, {
        authorizerAppId: appId,
        authorizerRefreshToken: record.refreshToken,
      });
      simulator.clock.advance(5 * 60_000 + 1_000);
    },
    async close() {
      doc.destroy();
      await simulator.close();
    },
  };
  return testbed;
}
