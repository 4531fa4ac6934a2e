import type { MetricName } from '../metrics.js';
import type { Sensitive } from '../sensitive.js';
import type { AuthorizerExtra, AuthorizerRecord, TokenStateChange } from '../store/index.js';
import {
  WechatApiError,
  WechatError,
  WechatNetworkError,
  WechatNotAuthorizedError,
  WechatQuotaError,
  WechatRefreshTokenInvalidError,
} from '../wechat/index.js';
import { ComponentTokenUnavailableError } from './errors.js';
import { type HolderReport, LeaseRunningOutError, releaseStep } from './renewal-protocol.js';

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

/** The failures that have a metric of their own (besides AuthorizerRenewalFailed, which counts them all). */
export const FAILURE_METRIC: Partial<Record<RenewalFailure, MetricName>> = {
  refresh_token_invalid: 'RefreshTokenInvalid',
  not_authorized: 'AuthorizerRevoked',
  quota: 'QuotaExhausted',
};

/** What the holder of a failed renewal knows: the record it renewed from, and what happened to its call. */
export interface FailedRenewal {
  readonly record: AuthorizerRecord;
  readonly owner: string;
  readonly report: HolderReport;
  readonly failure: RenewalFailure;
  /** A token WeChat said was dead (a caller's report, confirmed): not kept. */
  readonly dead: Sensitive | undefined;
}

/** The state change a failed renewal makes to the account as it is now (none: nothing to write). */
export function failureStep(
  current: AuthorizerRecord,
  failed: FailedRenewal,
  renewalMarginMs: number,
): { change?: TokenStateChange; extra?: Omit<AuthorizerExtra, 'now'> } {
  const { record, owner, report, failure, dead } = failed;
  const release = releaseStep(current, report, renewalMarginMs);
  // 61023 and 61003 change the status only under our lease and for the refresh token WeChat refused:
  // a recovered one the sync stored meanwhile is tried next time instead.
  const ours = current.lease?.owner === owner && current.refreshToken.equals(record.refreshToken);
  if (ours && failure === 'refresh_token_invalid') {
    // Into the due index's recovery partition in this same write: the recovery is owed from now on.
    // The access token stays (a new refresh token does not touch it) with its doubt, if it has one.
    return {
      change: { ...release, lease: null, refreshAt: report.now },
      extra: { status: 'refresh_token_invalid', statusReason: 'refresh_token_refused', index: 'recovery' },
    };
  }
  if (ours && failure === 'not_authorized') {
    return {
      change: { lease: null, accessToken: null, doubt: null },
      extra: { status: 'revoked', statusReason: 'not_authorized', index: 'none' },
    };
  }
  const forget = dead !== undefined && current.accessToken?.token.equals(dead) ? { accessToken: null } : {};
  return release ? { change: { ...release, ...forget } } : {};
}
