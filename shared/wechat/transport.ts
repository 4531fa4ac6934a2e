import type { Logger } from '../logger.js';
import { redact, Sensitive } from '../sensitive.js';
import {
  isRetryable,
  type WechatApi,
  WechatError,
  WechatMalformedResponseError,
  WechatNetworkError,
  wechatApiError,
} from './errors.js';
import { backoffDelayMs, type RetryPolicy } from './retry.js';

export type RequestBody = Readonly<Record<string, string | number | Sensitive>>;

export interface TransportOptions {
  readonly baseUrl: string;
  /** Per attempt; each attempt is also cut short by the retry budget. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly fetch: typeof fetch;
  readonly random: () => number;
  /** Resolves after `ms`, or early when the signal aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

export interface CallOptions {
  /** The caller's own deadline (a Lambda's remaining time, say). Aborting it is never retried. */
  readonly signal?: AbortSignal | undefined;
  /**
   * `false` for calls that must not be repeated once WeChat may have acted on them: an authorization
   * code is good once, so a lost answer to api_query_auth cannot be asked for again.
   */
  readonly retryNetworkErrors?: boolean;
  /**
   * Told when an attempt went unanswered (timeout, dropped connection) and another follows. WeChat may
   * still act on the unanswered one, even after the retry: a token it issues then supersedes the one
   * the retry brought back.
   */
  readonly onUnansweredAttempt?: () => void;
}

/** The calls that are not under cgi-bin/component/ and take no body (GET). */
const API_PATHS: Partial<Record<WechatApi, string>> = { get_api_domain_ip: 'cgi-bin/get_api_domain_ip' };

/** The largest answer read: a 500-authorizer page is about 60 KB; anything near this is not WeChat. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A JSON object WeChat answered with errcode 0 (or none). Field checks are the caller's. */
export type WechatPayload = Readonly<Record<string, unknown>>;

/**
 * One POST to a WeChat component API, with timeouts and bounded, jittered retries for -1 and network
 * failures only. Everything that leaves this function (errors, log lines) has the request's secrets
 * removed; the values are revealed only into the request itself.
 */
export async function postToWechat(
  options: TransportOptions,
  api: WechatApi,
  accessToken: Sensitive | undefined,
  body: RequestBody,
  call: CallOptions = {},
): Promise<WechatPayload> {
  const secrets = [accessToken, ...Object.values(body)].filter((v): v is Sensitive => v instanceof Sensitive);
  // Relative to the base, so that a base with a path (a proxy at https://proxy/wechat/) keeps it.
  const url = new URL(
    API_PATHS[api] ?? `cgi-bin/component/${api}`,
    options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
  );
  if (accessToken) url.searchParams.set('access_token', accessToken.reveal());
  // Revealed here and only here (toJSON would redact them, as it should everywhere else).
  const json =
    API_PATHS[api] !== undefined
      ? undefined
      : JSON.stringify(
          Object.fromEntries(
            Object.entries(body).map(([key, value]) => [key, value instanceof Sensitive ? value.reveal() : value]),
          ),
        );

  const started = options.now();
  const deadline = started + options.retry.totalBudgetMs;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - options.now();
    let failure: WechatError;
    try {
      return await attemptOnce(
        options,
        api,
        url,
        json,
        secrets,
        Math.min(options.timeoutMs, Math.max(remaining, 1)),
        call.signal,
      );
    } catch (error) {
      if (!(error instanceof WechatError)) throw error;
      failure = error;
    }
    const retryable =
      isRetryable(failure) && (call.retryNetworkErrors !== false || !(failure instanceof WechatNetworkError));
    if (call.signal?.aborted || !retryable || attempt >= options.retry.maxAttempts) throw failure;
    const delayMs = backoffDelayMs(options.retry, attempt, options.random);
    // A retry that could not start before the budget ends is not worth its first millisecond.
    if (options.now() + delayMs >= deadline) throw failure;
    if (failure instanceof WechatNetworkError) call.onUnansweredAttempt?.();
    options.logger.warn('WeChat call failed; retrying', {
      api,
      attempt,
      delayMs,
      reason: failure.kind,
      ...('errcode' in failure ? { errcode: failure.errcode } : {}),
    });
    await options.sleep(delayMs, call.signal);
    if (call.signal?.aborted) throw new WechatNetworkError(api, 'aborted by the caller', false);
    if (options.now() >= deadline) throw failure;
  }
}

async function attemptOnce(
  options: TransportOptions,
  api: WechatApi,
  url: URL,
  json: string | undefined,
  secrets: readonly Sensitive[],
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<WechatPayload> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
  let status: number;
  let text: string | undefined;
  try {
    const response = await options.fetch(
      url,
      json === undefined
        ? { method: 'GET', signal }
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: json, signal },
    );
    status = response.status;
    text = await readCapped(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    // No `cause`: the platform's error may quote the request (its URL carries the access token); the
    // message keeps the useful part, with the secrets removed.
    if (timeout.aborted) throw new WechatNetworkError(api, `timed out after ${timeoutMs} ms`, true);
    if (callerSignal?.aborted) throw new WechatNetworkError(api, 'aborted by the caller', false);
    throw new WechatNetworkError(api, redact(describeNetworkFailure(error), secrets), false);
  }
  // A gateway in front of WeChat answering 5xx is not WeChat answering: treat it as no answer.
  if (status >= 500) throw new WechatNetworkError(api, `HTTP ${status}`, false);
  if (text === undefined)
    throw new WechatMalformedResponseError(api, status, `the body is over ${MAX_RESPONSE_BYTES} bytes`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // No `cause`: a SyntaxError quotes the body, which may hold a token.
    throw new WechatMalformedResponseError(api, status, 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WechatMalformedResponseError(api, status, 'the body is not a JSON object');
  }
  const payload = parsed as WechatPayload;
  const { errcode, errmsg } = payload;
  if (errcode !== undefined && (typeof errcode !== 'number' || !Number.isInteger(errcode))) {
    throw new WechatMalformedResponseError(api, status, 'errcode is not an integer');
  }
  if (errcode !== undefined && errcode !== 0) {
    throw wechatApiError(api, errcode, redact(typeof errmsg === 'string' ? errmsg : '', secrets));
  }
  if (status < 200 || status >= 300) throw new WechatMalformedResponseError(api, status, 'unexpected HTTP status');
  return payload;
}

/** fetch's own message is "fetch failed"; the useful part (ECONNRESET, ECONNREFUSED, …) is the cause's. */
function describeNetworkFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown failure';
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}

/** The body as text, or `undefined` when it is larger than `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  const body = await response.arrayBuffer();
  return body.byteLength > maxBytes ? undefined : new TextDecoder().decode(body);
}
