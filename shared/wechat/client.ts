import { isAppId } from '../appid';
import { setTimeout as sleep } from 'node:timers/promises';
import { sensitive, type Sensitive } from '../sensitive';
import { silentLogger, type Logger } from '../logger';
import { DEFAULT_RETRY_POLICY, validateRetryPolicy, type RetryPolicy } from './retry';
import { postToWechat, type CallOptions, type TransportOptions } from './transport';
import { WechatApiError, WechatInvalidRequestError, type WechatApi } from './errors';
import {
  authorizerListResponse,
  authorizerTokenResponse,
  componentTokenResponse,
  parseResponse,
  preAuthCodeResponse,
  queryAuthResponse,
} from './responses';

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';
/** api_get_authorizer_list refuses larger pages with 40170. */
export const MAX_AUTHORIZER_LIST_COUNT = 500;

export interface WechatComponentClientOptions {
  readonly componentAppId: string;
  /** Defaults to WeChat itself; tests and the local runtime point it at the simulator. */
  readonly baseUrl?: string;
  /** Per attempt, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly logger?: Logger;
  /** Injection points for tests; the defaults are the platform's. */
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export interface ComponentAccessToken {
  readonly componentAccessToken: Sensitive;
  readonly expiresInSeconds: number;
}

export interface AuthorizerListPage {
  readonly totalCount: number;
  readonly authorizers: readonly ListedAuthorizer[];
}

export interface ListedAuthorizer {
  readonly authorizerAppId: string;
  readonly refreshToken: Sensitive;
  /** Unix seconds, as WeChat sends it. */
  readonly authTime: number;
}

export interface AuthorizerAccessToken {
  readonly authorizerAccessToken: Sensitive;
  readonly expiresInSeconds: number;
  /** Whatever came back: it may differ from the one sent, and then it is the one to keep. */
  readonly authorizerRefreshToken: Sensitive;
}

export interface AuthorizationInfo extends AuthorizerAccessToken {
  readonly authorizerAppId: string;
  /** The permission set ids (funcscope_category.id) the account granted. */
  readonly funcInfo: readonly number[];
}

export interface PreAuthCode {
  readonly preAuthCode: Sensitive;
  readonly expiresInSeconds: number;
}

/**
 * Typed calls to the WeChat Open Platform component APIs. Stateless: it neither caches nor renews
 * tokens (the token store does, under its lease); it only speaks the protocol and turns every failure
 * into a typed `WechatError`.
 */
export class WechatComponentClient {
  readonly componentAppId: string;
  readonly #transport: TransportOptions;

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
    if (!Number.isInteger(offset) || offset < 0) throw new WechatInvalidRequestError(api, 'offset must be an integer ≥ 0');
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
