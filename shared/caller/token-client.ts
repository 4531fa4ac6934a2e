import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { NamedError } from '../errors.js';

/**
 * The token service refused or failed: its HTTP status, its error code (`error` in its JSON answer), and
 * when to ask again. The caller's one error, and so its layer's base.
 *
 * @example
 * ```ts
 * import { setTimeout } from 'node:timers/promises';
 * import { TokenServiceError, type WechatTokenClient } from 'wechat-authorizer-tokens/client';
 *
 * async function tokenOf(tokens: WechatTokenClient, appId: string): Promise<string> {
 *   try {
 *     return await tokens.getToken(appId);
 *   } catch (error) {
 *     // 503 renewal_in_progress comes with Retry-After: ask once more then, not at once.
 *     if (!(error instanceof TokenServiceError) || error.retryAfterSeconds === undefined) throw error;
 *     await setTimeout(error.retryAfterSeconds * 1000);
 *     return tokens.getToken(appId);
 *   }
 * }
 * ```
 */
export class TokenServiceError extends NamedError {
  // Spelled out: backends bundle this client with their own settings, and a minifier renames classes.
  override readonly name: string = 'TokenServiceError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`token service answered ${status} ${code}: ${message}`);
  }
}

/** How a `WechatTokenClient` reaches the token service. Only `endpoint` and `region` are required. */
export interface TokenClientOptions {
  /** The API's base URL, e.g. https://abc123.execute-api.ap-east-1.amazonaws.com */
  readonly endpoint: string;
  /** The API's AWS region, which the SigV4 signature names, e.g. `ap-east-1`. */
  readonly region: string;
  /**
   * Whose identity signs the requests: it needs `execute-api:Invoke` on the routes it calls.
   * @default the AWS SDK's provider chain (the Lambda's role, a profile, the environment, …)
   */
  readonly credentials?: AwsCredentialIdentityProvider;
  /**
   * A cached token is used until this long before the end of the time the service guarantees it works
   * (`expires_in`, counted from when the request was sent). The service's guarantee already keeps its
   * own safety margin, so this only covers the time between `getToken` and the caller's WeChat call.
   * @default 5_000
   */
  readonly refreshBeforeMs?: number;
  /**
   * For tests: the function that sends the signed requests.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * For tests: this client's clock, in epoch milliseconds; the cache deadlines are counted on it.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface Cached {
  readonly token: string;
  /** On this client's clock: when the cached token must no longer be used. */
  readonly useUntil: number;
}

const DEFAULT_REFRESH_BEFORE_MS = 5_000;

/**
 * For backends and Lambdas in other stacks: the current authorizer token of an appid, signed with
 * SigV4 (execute-api) by the AWS SDK's own signer, cached until shortly before the time the service
 * guarantees it works; and, when WeChat refuses a token (40001), `reportInvalid` to have it renewed once
 * for everyone.
 *
 * The cache deadline is the moment the request was sent plus `expires_in`, less `refreshBeforeMs`, all on
 * this client's own clock: the answer's `expires_at` is not used, so a caller whose clock is off by
 * minutes still stops using a token in time, and the request's own latency only shortens the use.
 *
 * Every refusal or failure of the service is a `TokenServiceError`; a request that gets no answer within
 * 15 s fails with the platform's own error.
 *
 * @example
 * ```ts
 * import { WechatTokenClient } from 'wechat-authorizer-tokens/client';
 *
 * const tokens = new WechatTokenClient({
 *   endpoint: 'https://abc123.execute-api.ap-east-1.amazonaws.com',
 *   region: 'ap-east-1',
 * });
 * const token = await tokens.getToken('wx1234567890abcdef');
 * // …WeChat answered 40001 with it: have it renewed (once, for every caller) and use the new one.
 * const fresh = await tokens.reportInvalid('wx1234567890abcdef', token);
 * ```
 */
export class WechatTokenClient {
  readonly #options: TokenClientOptions;
  readonly #signer: SignatureV4;
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Map<string, Promise<Cached>>();
  /** Bumped by every reportInvalid, so that an older in-flight answer is not cached over a newer one. */
  readonly #generation = new Map<string, number>();

  constructor(options: TokenClientOptions) {
    this.#options = options;
    this.#signer = new SignatureV4({
      service: 'execute-api',
      region: options.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Hash.bind(null, 'sha256'),
    });
  }

  /**
   * The authorizer access token of `appId`, from the cache while it is good, else from the service.
   * Concurrent calls for one appid share one request.
   * @throws TokenServiceError when the service refuses (unknown appid, no permission, …) or fails.
   */
  async getToken(appId: string): Promise<string> {
    const cached = this.#cache.get(appId);
    if (cached && this.#now() < cached.useUntil) return cached.token;
    // Concurrent callers in this process share one request.
    let pending = this.#inFlight.get(appId);
    if (!pending) {
      pending = this.#fetchToken('GET', `/authorizers/${encodeURIComponent(appId)}/token`).finally(() =>
        this.#inFlight.delete(appId),
      );
      this.#inFlight.set(appId, pending);
    }
    const generation = this.#generation.get(appId) ?? 0;
    const fresh = await pending;
    // A report of a refused token made meanwhile wins: its answer is newer than this one.
    if ((this.#generation.get(appId) ?? 0) === generation) this.#cache.set(appId, fresh);
    return fresh.token;
  }

  /**
   * WeChat refused `token` (40001): the service renews it only if it is still the current one (so that a
   * hundred callers reporting the same token cause one renewal); the current token, cached anew.
   * @throws TokenServiceError when the service refuses or fails.
   */
  async reportInvalid(appId: string, token: string): Promise<string> {
    this.#cache.delete(appId);
    this.#generation.set(appId, (this.#generation.get(appId) ?? 0) + 1);
    const fresh = await this.#fetchToken('POST', `/authorizers/${encodeURIComponent(appId)}/token/refresh`, {
      invalid_token: token,
    });
    this.#cache.set(appId, fresh);
    return fresh.token;
  }

  async #fetchToken(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Cached> {
    const { answer, sentAt } = await this.#call(method, path, body);
    const token = answer['authorizer_access_token'];
    const expiresIn = answer['expires_in'];
    if (typeof token !== 'string' || typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) {
      throw new TokenServiceError(502, 'malformed_answer', 'the answer has no token or no expires_in');
    }
    return {
      token,
      useUntil: sentAt + expiresIn * 1000 - (this.#options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS),
    };
  }

  /** The answer, and when (on this client's clock) the request was sent: the guarantee counts from then. */
  async #call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ answer: Record<string, unknown>; sentAt: number }> {
    const url = new URL(
      path.replace(/^\//, ''),
      this.#options.endpoint.endsWith('/') ? this.#options.endpoint : `${this.#options.endpoint}/`,
    );
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: { host: url.host, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: payload } : {}),
    });
    const signed = await this.#signer.sign(request);
    const sentAt = this.#now();
    const response = await (this.#options.fetch ?? fetch)(url, {
      method,
      headers: signed.headers,
      ...(payload ? { body: payload } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = (await response.json()) as Record<string, unknown>;
    } catch {
      // an answer that is not JSON is reported below by its status
    }
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
      throw new TokenServiceError(
        response.status,
        typeof parsed['error'] === 'string' ? parsed['error'] : 'http_error',
        typeof parsed['message'] === 'string' ? parsed['message'] : response.statusText,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    return { answer: parsed, sentAt };
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
