import { NamedError } from '../errors.js';

/**
 * What a token service must do about a WeChat answer, by errcode (../shared/reference/protocol-notes.md).
 * The class decides the caller's next step; the errcode stays on the error for logs and metrics.
 */
export type WechatErrorKind =
  /** -1: WeChat is busy. Retry with backoff. */
  | 'retryable'
  /** 40001, 40014, 42001: the access token is invalid, not the latest, or expired. Renew it once. */
  | 'token_invalid'
  /** 45009: the daily quota is spent. Stop calling and alarm; resets are manual and limited. */
  | 'quota'
  /** 61023: the authorizer's refresh token is invalid. Recover it through the authorizer list. */
  | 'refresh_token_invalid'
  /** 61003: the account has not authorized (or has revoked) this component. */
  | 'not_authorized'
  /** 61005, 61006: the component_verify_ticket is expired or invalid. Wait for the next push. */
  | 'ticket_invalid'
  /** 40170, 61014, 41xxx, 44002, 47001: we sent something WeChat's contract forbids. A bug on our side. */
  | 'caller_bug'
  /** Anything else (40013 invalid appid, 61004 IP not whitelisted, 40125 bad secret, …). No retry. */
  | 'rejected';

const KIND_BY_ERRCODE: ReadonlyMap<number, WechatErrorKind> = new Map<number, WechatErrorKind>([
  [-1, 'retryable'],
  [40001, 'token_invalid'],
  [40014, 'token_invalid'],
  [42001, 'token_invalid'],
  [45009, 'quota'],
  [61023, 'refresh_token_invalid'],
  [61003, 'not_authorized'],
  [61005, 'ticket_invalid'],
  [61006, 'ticket_invalid'],
  [40170, 'caller_bug'],
  [61014, 'caller_bug'],
  [44002, 'caller_bug'],
  [47001, 'caller_bug'],
]);

/** The calls authenticated by the component secret rather than an access token. */
const SECRET_AUTHENTICATED: ReadonlySet<string> = new Set(['api_component_token', 'api_start_push_ticket']);

export function classifyErrcode(errcode: number, api?: WechatApi): WechatErrorKind {
  const known = KIND_BY_ERRCODE.get(errcode);
  // These calls carry no access token: 40001 there means a wrong AppSecret, and renewing a token
  // would only repeat the failing call.
  if (known === 'token_invalid' && api !== undefined && SECRET_AUTHENTICATED.has(api)) return 'rejected';
  if (known) return known;
  // 41001..41999 are "missing parameter" errors across WeChat's APIs.
  if (errcode >= 41001 && errcode <= 41999) return 'caller_bug';
  return 'rejected';
}

/** The WeChat API a call went to, named by its path segment. */
export type WechatApi =
  /** An authorizer API (not a component one): what the product uses to ask whether a token still works. */
  | 'get_api_domain_ip'
  | 'api_component_token'
  | 'api_get_authorizer_list'
  | 'api_authorizer_token'
  | 'api_query_auth'
  | 'api_get_authorizer_info'
  | 'api_create_preauthcode'
  | 'api_start_push_ticket';

/** Base of every error the WeChat client throws. Messages never carry a secret, ticket or token. */
export abstract class WechatError extends NamedError {
  abstract readonly kind: WechatErrorKind | 'malformed_response' | 'network' | 'invalid_request';
  readonly api: WechatApi;

  constructor(api: WechatApi, message: string, options?: ErrorOptions) {
    super(message, options);
    this.api = api;
  }
}

/** WeChat answered with a non-zero errcode. */
export abstract class WechatApiError extends WechatError {
  abstract override readonly kind: WechatErrorKind;
  readonly errcode: number;
  /** WeChat's own text, with any value we sent removed. */
  readonly errmsg: string;

  constructor(api: WechatApi, errcode: number, errmsg: string) {
    super(api, `${api} failed: errcode ${errcode} (${errmsg})`);
    this.errcode = errcode;
    this.errmsg = errmsg;
  }
}

export class WechatSystemBusyError extends WechatApiError {
  readonly kind = 'retryable';
}
export class WechatTokenInvalidError extends WechatApiError {
  readonly kind = 'token_invalid';
}
export class WechatQuotaError extends WechatApiError {
  readonly kind = 'quota';
}
export class WechatRefreshTokenInvalidError extends WechatApiError {
  readonly kind = 'refresh_token_invalid';
}
export class WechatNotAuthorizedError extends WechatApiError {
  readonly kind = 'not_authorized';
}
export class WechatTicketInvalidError extends WechatApiError {
  readonly kind = 'ticket_invalid';
}
export class WechatCallerBugError extends WechatApiError {
  readonly kind = 'caller_bug';
}
export class WechatRejectedError extends WechatApiError {
  readonly kind = 'rejected';
}

type ApiErrorClass = new (api: WechatApi, errcode: number, errmsg: string) => WechatApiError;

const CLASS_BY_KIND: Readonly<Record<WechatErrorKind, ApiErrorClass>> = {
  retryable: WechatSystemBusyError,
  token_invalid: WechatTokenInvalidError,
  quota: WechatQuotaError,
  refresh_token_invalid: WechatRefreshTokenInvalidError,
  not_authorized: WechatNotAuthorizedError,
  ticket_invalid: WechatTicketInvalidError,
  caller_bug: WechatCallerBugError,
  rejected: WechatRejectedError,
};

export function wechatApiError(api: WechatApi, errcode: number, errmsg: string): WechatApiError {
  const ErrorClass = CLASS_BY_KIND[classifyErrcode(errcode, api)];
  return new ErrorClass(api, errcode, errmsg);
}

/** WeChat answered, but not with the JSON its page documents (not JSON, missing field, wrong type). */
export class WechatMalformedResponseError extends WechatError {
  readonly kind = 'malformed_response';
  readonly httpStatus: number;

  constructor(api: WechatApi, httpStatus: number, problem: string) {
    super(api, `${api} returned a malformed response (HTTP ${httpStatus}): ${problem}`);
    this.httpStatus = httpStatus;
  }
}

/** No answer: the connection failed, was dropped, or the call timed out. */
export class WechatNetworkError extends WechatError {
  readonly kind = 'network';
  readonly timedOut: boolean;

  constructor(api: WechatApi, message: string, timedOut: boolean) {
    super(api, `${api} failed without an answer: ${message}`);
    this.timedOut = timedOut;
  }
}

/** A call refused before it was sent: an argument WeChat's contract forbids (count > 500, a bad appid). */
export class WechatInvalidRequestError extends WechatError {
  readonly kind = 'invalid_request';
}

/** True for the failures worth another attempt: WeChat busy (-1) or no answer at all. */
export function isRetryable(error: unknown): boolean {
  return error instanceof WechatSystemBusyError || error instanceof WechatNetworkError;
}
