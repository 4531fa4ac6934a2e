import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from './clock';
import type { ServiceConfig } from './config';
import { silentLogger, type Logger } from './logger';
import { noMetrics, type Metrics } from './metrics';
import type { ComponentSecretReader } from './secrets';
import { AuthorizerStore, ComponentStore, SyncStore, Table } from './store';
import { AuthorizerRenewer, ComponentTokenProvider } from './tokens';
import { WechatComponentClient, type WechatComponentClientOptions } from './wechat';

/** The domain, wired once per Lambda container (or per local runtime, or per test). */
export interface TokenService {
  readonly config: ServiceConfig;
  readonly clock: Clock;
  readonly authorizers: AuthorizerStore;
  readonly component: ComponentStore;
  readonly syncStore: SyncStore;
  readonly table: Table;
  readonly client: WechatComponentClient;
  readonly componentTokens: ComponentTokenProvider;
  readonly renewer: AuthorizerRenewer;
  /** The component's credentials (cached by the reader): the callback's message keys. */
  readonly secret: ComponentSecretReader;
}

export interface TokenServiceDependencies {
  readonly config: ServiceConfig;
  readonly doc: DynamoDBDocumentClient;
  readonly secret: ComponentSecretReader;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Client overrides for tests (fetch, retry policy, timeouts). */
  readonly wechat?: Partial<WechatComponentClientOptions>;
}

export function createTokenService(deps: TokenServiceDependencies): TokenService {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noMetrics;
  const table = new Table(deps.doc, config.tableName);
  const authorizers = new AuthorizerStore(table);
  const component = new ComponentStore(table);
  const client = new WechatComponentClient({
    componentAppId: config.componentAppId,
    baseUrl: config.wechatApiBase,
    logger,
    ...deps.wechat,
  });
  const componentTokens = new ComponentTokenProvider({
    store: component,
    client,
    appSecret: async () => (await deps.secret()).componentAppSecret,
    clock,
    marginMs: config.componentTokenMarginMs,
    leaseMs: config.leaseMs,
    metrics,
    logger,
  });
  const syncStore = new SyncStore(table);
  const renewer = new AuthorizerRenewer({
    store: authorizers,
    client,
    componentTokens,
    clock,
    renewalMarginMs: config.renewalMarginMs,
    leaseMs: config.leaseMs,
    metrics,
    logger,
  });
  return {
    config,
    clock,
    table,
    authorizers,
    component,
    syncStore,
    client,
    componentTokens,
    renewer,
    secret: deps.secret,
  };
}
