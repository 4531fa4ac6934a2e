import {
  WechatApiError,
  WechatError,
  WechatNetworkError,
  WechatNotAuthorizedError,
  WechatQuotaError,
  WechatRefreshTokenInvalidError,
} from '../wechat';
import { ComponentTokenUnavailableError } from './errors';
import { LeaseRunningOutError } from './renewal-protocol';

/** Why a renewal failed, in the classes the refresh summary and the metrics count. */
export type RenewalFailure =
  | 'retryable'
  | 'network'
  | 'quota'
  | 'refresh_token_invalid'
  | 'not_authorized'
  | 'component_token'
  | 'rejected'
  /** The holder ran out of lease before it could call WeChat (it did not). */
  | 'lease_expired'
  | 'internal';

/** The failure class of what a renewal met. */
export function classify(error: unknown): RenewalFailure {
  if (error instanceof WechatRefreshTokenInvalidError) return 'refresh_token_invalid';
  if (error instanceof WechatNotAuthorizedError) return 'not_authorized';
  if (error instanceof WechatQuotaError) return 'quota';
  if (error instanceof WechatNetworkError) return 'network';
  if (error instanceof ComponentTokenUnavailableError) return 'component_token';
  if (error instanceof LeaseRunningOutError) return 'lease_expired';
  if (error instanceof WechatApiError) return error.kind === 'retryable' ? 'retryable' : 'rejected';
  if (error instanceof WechatError) return 'rejected';
  return 'internal';
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** What may be logged of an error: its class and WeChat's code, never a value it carried. */
export function describe(error: unknown): Record<string, unknown> {
  if (error instanceof WechatApiError) return { error: error.name, errcode: error.errcode, api: error.api };
  if (error instanceof Error) return { error: error.name };
  return { error: typeof error };
}
