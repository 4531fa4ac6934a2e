import { redact, Sensitive } from '../sensitive';
import type { Logger } from '../logger';
import {
  isRetryable,
  WechatMalformedResponseError,
  WechatNetworkError,
  wechatApiError,
  type WechatApi,
  type WechatError,
} from './errors';
import { backoffDelayMs, type RetryPolicy } from './retry';

export type RequestBody = Readonly<Record<string, string | number | Sensitive>>;

export interface TransportOptions {
  readonly baseUrl: string;
  /** Per attempt; each attempt is also cut short by the retry budget. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly fetch: typeof fetch;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export interface CallOptions {
  /** The caller's own deadline (a Lambda's remaining time, say). Aborting it is never retried. */
  readonly signal?: AbortSignal;
}

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
  const url = new URL(`/cgi-bin/component/${api}`, options.baseUrl);
  if (accessToken) url.searchParams.set('access_token', accessToken.reveal());
  // Revealed here and only here (toJSON would redact them, as it should everywhere else).
  const json = JSON.stringify(
    Object.fromEntries(Object.entries(body).map(([key, value]) => [key, value instanceof Sensitive ? value.reveal() : value])),
  );

  const started = options.now();
  const deadline = started + options.retry.totalBudgetMs;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - options.now();
    try {
      return await attemptOnce(options, api, url, json, secrets, Math.min(options.timeoutMs, Math.max(remaining, 1)), call.signal);
    } catch (error) {
      const failure = error as WechatError;
      if (call.signal?.aborted || !isRetryable(failure) || attempt >= options.retry.maxAttempts) throw failure;
      const delayMs = backoffDelayMs(options.retry, attempt, options.random);
      if (options.now() + delayMs >= deadline) throw failure;
      options.logger.warn('WeChat call failed; retrying', {
        api,
        attempt,
        delayMs,
        reason: failure.kind,
        ...('errcode' in failure ? { errcode: failure.errcode } : {}),
      });
      await options.sleep(delayMs);
    }
  }
}

async function attemptOnce(
  options: TransportOptions,
  api: WechatApi,
  url: URL,
  json: string,
  secrets: readonly Sensitive[],
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<WechatPayload> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
  let status: number;
  let text: string;
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json,
      signal,
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) throw new WechatNetworkError(api, `timed out after ${timeoutMs} ms`, true);
    if (callerSignal?.aborted) throw new WechatNetworkError(api, 'aborted by the caller', false);
    throw new WechatNetworkError(api, redact(describeNetworkFailure(error), secrets), false);
  }
  // A gateway in front of WeChat answering 5xx is not WeChat answering: treat it as no answer.
  if (status >= 500) throw new WechatNetworkError(api, `HTTP ${status}`, false);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
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
