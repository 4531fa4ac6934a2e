import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from './clock.js';
import type { ServiceConfig } from './config/index.js';
import { type Logger, silentLogger } from './logger.js';
import { type Metrics, noMetrics } from './metrics.js';
import {
  type RefreshBudget,
  renewOnDemand,
  renewReportedToken,
  runScheduledRefresh,
  type ScheduledRefreshReport,
  type ScheduledRunDeps,
  type ServeOptions,
  serveAuthorizerToken,
} from './refresh/index.js';
import type { ComponentSecretReader } from './secrets.js';
import type { Sensitive } from './sensitive.js';
import {
  type AuthorizerDetail,
  type AuthorizerFilter,
  AuthorizerStore,
  type AuthorizerSummary,
  ComponentStore,
  listAuthorizers,
  SyncStore,
  Table,
} from './store/index.js';
import { type SyncSummary, syncAuthorizers } from './sync/index.js';
import { AuthorizerRenewer, ComponentTokenProvider, type GuaranteedToken, type RenewalResult } from './tokens/index.js';
import { WechatComponentClient, type WechatComponentClientOptions } from './wechat/index.js';

/**
 * What the service is made of, wired once per Lambda container (or per local runtime, or per test):
 * the stores on one table, the WeChat client and the two token providers, with the configuration, the
 * clock and the observability they share. Only the service and test support reach into it.
 */
export interface TokenServiceParts {
  readonly config: ServiceConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The component's credentials (cached by the reader): the pushes' message keys, the AppSecret. */
  readonly secret: ComponentSecretReader;
  /** The table itself, for the operator's listing (a Scan); everything else goes through a store. */
  readonly table: Table;
  readonly authorizers: AuthorizerStore;
  readonly component: ComponentStore;
  readonly syncStore: SyncStore;
  readonly client: WechatComponentClient;
  readonly componentTokens: ComponentTokenProvider;
  readonly renewer: AuthorizerRenewer;
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

/** An answer, and when it was made: a token's remaining guarantee counts from then. */
export interface Answered<T> {
  readonly result: T;
  readonly at: number;
}

/** A page of `GET /authorizers`: never a token. */
export interface AuthorizerPage {
  readonly authorizers: readonly AuthorizerSummary[];
  readonly nextCursor: string | null;
}

/**
 * The product's token use cases (the callback's is the `PushService`, over the same parts), each started one way: by the Lambdas' handlers (thin adapters that parse the
 * event, call one of these and map the result), the local runtime, the tests and the bench alike.
 */
export class TokenService {
  readonly #parts: TokenServiceParts;
  readonly #recovery: ScheduledRunDeps['recovery'];

  constructor(parts: TokenServiceParts) {
    this.#parts = parts;
    const { config, logger } = parts;
    this.#recovery = {
      componentAppId: config.componentAppId,
      syncStore: parts.syncStore,
      // A recovery is a heal of refused refresh tokens within the refresh run's 5 minutes: the accounts'
      // information waits for the hourly sync.
      sync: (options) => this.sync({ ...options, accountInformation: false }),
      logger,
    };
  }

  /** The schedule's run: every due token renewed, then an owed recovery paid (see `runScheduledRefresh`). */
  runScheduledRefresh(budget: RefreshBudget = {}): Promise<ScheduledRefreshReport> {
    const { config, component, authorizers, renewer, clock, logger, metrics } = this.#parts;
    return runScheduledRefresh(
      {
        componentAppId: config.componentAppId,
        component,
        authorizers,
        renewer,
        clock,
        concurrency: config.refreshConcurrency,
        leaseMs: config.leaseMs,
        recovery: this.#recovery,
        logger,
        metrics,
      },
      budget,
    );
  }

  /** One appid renewed unless its token is guaranteed for `minValidMs` more (the refresh function's event). */
  renewOnDemand(appId: string, minValidMs: number): Promise<RenewalResult> {
    return renewOnDemand(this.#parts, appId, minValidMs);
  }

  /** The token of `appId` as the getter hands it out: guaranteed for at least `minValidMs`, renewed if need be. */
  async serveAuthorizerToken(appId: string, options: ServeOptions = {}): Promise<Answered<RenewalResult>> {
    return this.#answered(await serveAuthorizerToken(this.#parts, appId, options));
  }

  /** A caller reports `token` refused: compare-and-renew (see `renewReportedToken`). */
  async renewReportedToken(
    appId: string,
    token: Sensitive,
    options: { waitMs?: number | undefined } = {},
  ): Promise<Answered<RenewalResult>> {
    return this.#answered(await renewReportedToken(this.#parts, appId, token, options));
  }

  /**
   * The stored accounts, a page at a time, kept by `filter` (a filtered page may hold fewer than `limit`,
   * see `listAuthorizers`); a cursor this service did not issue is an `InvalidCursorError`.
   */
  listAuthorizers(page: {
    limit: number;
    cursor?: string | undefined;
    filter?: AuthorizerFilter | undefined;
  }): Promise<AuthorizerPage> {
    return listAuthorizers(this.#parts.table, page);
  }

  /** One account as `GET /authorizers/{appid}` shows it (never a token); `undefined` when it is not stored. */
  authorizer(appId: string): Promise<AuthorizerDetail | undefined> {
    return this.#parts.authorizers.detail(appId);
  }

  /** The component token and until when it is guaranteed; `ComponentTokenUnavailableError` or a `WechatError` when there is none to be had. */
  async componentToken(): Promise<Answered<GuaranteedToken & { readonly componentAppId: string }>> {
    const token = await this.#parts.componentTokens.getWithExpiry();
    return this.#answered({ ...token, componentAppId: this.#parts.config.componentAppId });
  }

  /**
   * One sync of the stored accounts with WeChat's list, with the service's configuration (see
   * `syncAuthorizers`), and the accounts' information refreshed within its budget unless
   * `accountInformation` is false (the refresh run's recovery); stopped by `signal`.
   */
  sync(
    options: { signal?: AbortSignal | undefined; accountInformation?: boolean | undefined } = {},
  ): Promise<SyncSummary> {
    const { config, syncStore, client, componentTokens, clock, logger, metrics } = this.#parts;
    return syncAuthorizers({
      componentAppId: config.componentAppId,
      syncStore,
      client,
      componentTokens,
      clock,
      pageConcurrency: config.syncPageConcurrency,
      writeConcurrency: config.syncWriteConcurrency,
      signal: options.signal,
      accountInformation:
        options.accountInformation === false
          ? undefined
          : {
              store: this.#parts.authorizers,
              refreshMs: config.accountInfoRefreshMs,
              checksPerRun: config.accountInfoChecksPerRun,
            },
      logger,
      metrics,
    });
  }

  #answered<T>(result: T): Answered<T> {
    return { result, at: this.#parts.clock.now() };
  }
}

/** The parts of a service, wired from its configuration: the one place they are put together. */
export function wireTokenService(deps: TokenServiceDependencies): TokenServiceParts {
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
    logger,
    metrics,
    secret: deps.secret,
    table,
    authorizers,
    component,
    syncStore: new SyncStore(table),
    client,
    componentTokens,
    renewer,
  };
}

export function createTokenService(deps: TokenServiceDependencies): TokenService {
  return new TokenService(wireTokenService(deps));
}
