import { setTimeout as sleep } from 'node:timers/promises';
import { isAppId } from '../appid.js';
import { type Logger, silentLogger } from '../logger.js';
import { type Sensitive, sensitive } from '../sensitive.js';
import { fetchAuthorizerInfo } from './authorizer-info.js';
import { type WechatApi, WechatApiError, WechatInvalidRequestError } from './errors.js';
import {
  authorizerListResponse,
  authorizerTokenResponse,
  componentTokenResponse,
  parseResponse,
  preAuthCodeResponse,
  queryAuthResponse,
} from './responses.js';
import type {
  AuthorizationInfo,
  AuthorizerAccessToken,
  AuthorizerInfo,
  AuthorizerListPage,
  ComponentAccessToken,
  PreAuthCode,
} from './results.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, validateRetryPolicy } from './retry.js';
import { type CallOptions, postToWechat, type TransportOptions } from './transport.js';

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';
/** api_get_authorizer_list refuses larger pages with 40170. */
export const MAX_AUTHORIZER_LIST_COUNT = 500;

/** How a `WechatComponentClient` calls WeChat. Only `componentAppId` is required. */
export interface WechatComponentClientOptions {
  /** The component's (third-party platform's) AppId, sent as `component_appid` in every call. */
  readonly componentAppId: string;
  /**
   * Where the component APIs are; tests and the local runtime point it at the simulator (`simulator.url`).
   * A base with a path (a proxy at https://proxy/wechat/) keeps it.
   * @default WECHAT_API_BASE (https://api.weixin.qq.com)
   */
  readonly baseUrl?: string;
  /**
   * Per attempt, in milliseconds; each attempt is also cut short by the retry budget.
   * @default 5_000
   */
  readonly timeoutMs?: number;
  /**
   * How calls answered -1 (system busy) or not answered at all are tried again; nothing else is retried.
   * @default DEFAULT_RETRY_POLICY (3 attempts, backoff from 200 ms to 2 s with full jitter, 15 s in all)
   */
  readonly retry?: RetryPolicy;
  /**
   * Where each retry is logged (the API, the attempt, the errcode), never with a secret or token.
   * @default silentLogger
   */
  readonly logger?: Logger;
  /**
   * For tests: the function that sends the requests.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * For tests: the jitter's source, uniform in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * For tests: waits between attempts; resolves after `ms`, or early when the signal aborts.
   * @default setTimeout of node:timers/promises
   */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * For tests: the clock the retry budget is counted on, in epoch milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * Typed calls to the WeChat Open Platform component APIs. Stateless: it neither caches nor renews
 * tokens (the token store does, under its lease); it only speaks the protocol and turns every failure
 * into a typed `WechatError`: a `WechatApiError` subclass per errcode class (`kind` says what to do
 * next), `WechatNetworkError`, `WechatMalformedResponseError` or `WechatInvalidRequestError`. Secrets,
 * tickets and tokens go in and come out as `Sensitive`.
 *
 * @example
 * ```ts
 * import { sensitive } from 'wechat-authorizer-tokens/shared/sensitive';
 * import { WechatComponentClient, WechatRefreshTokenInvalidError } from 'wechat-authorizer-tokens/shared/wechat';
 *
 * const client = new WechatComponentClient({ componentAppId: 'wx5e1a0c0ffee0c0de' });
 * // The component's AppSecret and the latest component_verify_ticket WeChat pushed.
 * const { componentAccessToken } = await client.getComponentAccessToken({
 *   componentAppSecret: sensitive(process.env.COMPONENT_APP_SECRET ?? ''),
 *   componentVerifyTicket: sensitive(process.env.COMPONENT_VERIFY_TICKET ?? ''),
 * });
 * try {
 *   const renewed = await client.getAuthorizerAccessToken(componentAccessToken, {
 *     authorizerAppId: 'wx1234567890abcdef',
 *     authorizerRefreshToken: sensitive(process.env.AUTHORIZER_REFRESH_TOKEN ?? ''),
 *   });
 *   // Keep renewed.authorizerRefreshToken: it may differ from the one sent.
 * } catch (error) {
 *   if (!(error instanceof WechatRefreshTokenInvalidError)) throw error;
 *   // 61023: only api_get_authorizer_list gives the account's refresh token back.
 *   const page = await client.getAuthorizerList(componentAccessToken, { offset: 0, count: 500 });
 * }
 * ```
 *
 * @example Against the simulator, with no retries:
 * ```ts
 * import { DEFAULT_RETRY_POLICY, WechatComponentClient } from 'wechat-authorizer-tokens/shared/wechat';
 * import { SIMULATOR_CREDENTIALS, WechatSimulator } from 'wechat-authorizer-tokens/simulator';
 *
 * const simulator = await WechatSimulator.start({ authorizers: 3 });
 * const client = new WechatComponentClient({
 *   componentAppId: SIMULATOR_CREDENTIALS.componentAppId,
 *   baseUrl: simulator.url,
 *   retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 },
 * });
 * ```
 */
export class WechatComponentClient {
  readonly componentAppId: string;
  readonly #transport: TransportOptions;

  /** @throws TypeError without a `componentAppId`; RangeError for a `timeoutMs` or `retry` out of range. */
  constructor(options: WechatComponentClientOptions) {
    if (!options.componentAppId) throw new TypeError('componentAppId is required');
    this.componentAppId = options.componentAppId;
    const timeoutMs = options.timeoutMs ?? 5_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');
    this.#transport = {
      baseUrl: new URL(options.baseUrl ?? WECHAT_API_BASE).toString(),
      timeoutMs,
      retry: validateRetryPolicy(options.retry ?? DEFAULT_RETRY_POLICY),
      logger: options.logger ?? silentLogger,
      fetch: options.fetch ?? globalThis.fetch,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined)),
      now: options.now ?? Date.now,
    };
  }

  /** api_component_token: a new component_access_token from the secret and the latest pushed ticket. */
  async getComponentAccessToken(
    input: { componentAppSecret: Sensitive; componentVerifyTicket: Sensitive },
    call?: CallOptions,
  ): Promise<ComponentAccessToken> {
    const api = 'api_component_token';
    const payload = await postToWechat(
      this.#transport,
      api,
      undefined,
      {
        component_appid: this.componentAppId,
        component_appsecret: input.componentAppSecret,
        component_verify_ticket: input.componentVerifyTicket,
      },
      call,
    );
    const body = parseResponse(api, componentTokenResponse, payload);
    return { componentAccessToken: sensitive(body.component_access_token), expiresInSeconds: body.expires_in };
  }

  /** api_get_authorizer_list: one page of every account that has authorized this component. */
  async getAuthorizerList(
    componentAccessToken: Sensitive,
    page: { offset: number; count: number },
    call?: CallOptions,
  ): Promise<AuthorizerListPage> {
    const { offset, count } = page;
    const api = 'api_get_authorizer_list';
    if (!Number.isInteger(offset) || offset < 0)
      throw new WechatInvalidRequestError(api, 'offset must be an integer ≥ 0');
    if (!Number.isInteger(count) || count < 1 || count > MAX_AUTHORIZER_LIST_COUNT) {
      throw new WechatInvalidRequestError(api, `count must be an integer from 1 to ${MAX_AUTHORIZER_LIST_COUNT}`);
    }
    const payload = await postToWechat(
      this.#transport,
      api,
      componentAccessToken,
      { component_appid: this.componentAppId, offset, count },
      call,
    );
    const body = parseResponse(api, authorizerListResponse, payload);
    return {
      totalCount: body.total_count,
      authorizers: body.list.map((entry) => ({
        authorizerAppId: entry.authorizer_appid,
        refreshToken: sensitive(entry.refresh_token),
        authTime: entry.auth_time,
      })),
    };
  }

  /** api_authorizer_token: renews an authorizer's access token with its refresh token. */
  async getAuthorizerAccessToken(
    componentAccessToken: Sensitive,
    input: { authorizerAppId: string; authorizerRefreshToken: Sensitive },
    call?: CallOptions,
  ): Promise<AuthorizerAccessToken> {
    const api = 'api_authorizer_token';
    requireAppId(api, input.authorizerAppId);
    const payload = await postToWechat(
      this.#transport,
      api,
      componentAccessToken,
      {
        component_appid: this.componentAppId,
        authorizer_appid: input.authorizerAppId,
        authorizer_refresh_token: input.authorizerRefreshToken,
      },
      call,
    );
    const body = parseResponse(api, authorizerTokenResponse, payload);
    return {
      authorizerAccessToken: sensitive(body.authorizer_access_token),
      expiresInSeconds: body.expires_in,
      authorizerRefreshToken: sensitive(body.authorizer_refresh_token),
    };
  }

  /**
   * Whether WeChat still accepts an authorizer access token, asked with get_api_domain_ip: an authorizer
   * API that a third-party platform may call with the authorizer's token, spends no api_authorizer_token
   * quota and changes nothing. `false` for 40001 / 40014 / 42001 (invalid, not the latest, expired);
   * any other failure is thrown, as from every call.
   */
  async isAuthorizerTokenAccepted(authorizerAccessToken: Sensitive, call?: CallOptions): Promise<boolean> {
    try {
      await postToWechat(this.#transport, 'get_api_domain_ip', authorizerAccessToken, {}, call);
      return true;
    } catch (error) {
      if (error instanceof WechatApiError && error.kind === 'token_invalid') return false;
      throw error;
    }
  }

  /** api_query_auth: exchanges the authorization code of an `authorized` event for the account's tokens. */
  async queryAuth(
    componentAccessToken: Sensitive,
    input: { authorizationCode: Sensitive },
    call?: CallOptions,
  ): Promise<AuthorizationInfo> {
    const api = 'api_query_auth';
    const payload = await postToWechat(
      this.#transport,
      api,
      componentAccessToken,
      { component_appid: this.componentAppId, authorization_code: input.authorizationCode },
      { ...call, retryNetworkErrors: false },
    );
    const info = parseResponse(api, queryAuthResponse, payload).authorization_info;
    return {
      authorizerAppId: info.authorizer_appid,
      authorizerAccessToken: sensitive(info.authorizer_access_token),
      expiresInSeconds: info.expires_in,
      authorizerRefreshToken: sensitive(info.authorizer_refresh_token),
      funcInfo: (info.func_info ?? []).map((entry) => entry.funcscope_category.id),
    };
  }

  /** api_get_authorizer_info: who an account is (kind, names, types) and what it granted; no token. */
  async getAuthorizerInfo(componentAccessToken: Sensitive, appId: string, call?: CallOptions): Promise<AuthorizerInfo> {
    return fetchAuthorizerInfo(this.#transport, this.componentAppId, componentAccessToken, appId, call);
  }

  /** api_create_preauthcode: the code that starts an authorization flow. */
  async createPreAuthCode(componentAccessToken: Sensitive, call?: CallOptions): Promise<PreAuthCode> {
    const api = 'api_create_preauthcode';
    const payload = await postToWechat(
      this.#transport,
      api,
      componentAccessToken,
      { component_appid: this.componentAppId },
      call,
    );
    const body = parseResponse(api, preAuthCodeResponse, payload);
    return { preAuthCode: sensitive(body.pre_auth_code), expiresInSeconds: body.expires_in };
  }

  /** api_start_push_ticket: asks WeChat to (re)start pushing component_verify_ticket. */
  async startPushTicket(input: { componentAppSecret: Sensitive }, call?: CallOptions): Promise<void> {
    await postToWechat(
      this.#transport,
      'api_start_push_ticket',
      undefined,
      { component_appid: this.componentAppId, component_secret: input.componentAppSecret },
      call,
    );
  }
}

/** An appid goes into a request body; refuse one that cannot be an appid before spending a call. */
function requireAppId(api: WechatApi, appId: string): void {
  if (!isAppId(appId)) throw new WechatInvalidRequestError(api, 'authorizerAppId is not a well-formed appid');
}
