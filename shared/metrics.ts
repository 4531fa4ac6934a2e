import { SERVICE_NAME } from './logger.js';

/** The CloudWatch namespace every metric of the product is published in (the alarms watch it). */
export const METRICS_NAMESPACE = 'WechatAuthorizerTokens';

/**
 * The dimensions of every metric of the product, by name: what the Lambdas publish and what the alarms
 * and the dashboard read. The component's AppId sets one hub's metrics apart from another's in the same
 * account and region (two third-party platforms); without it each hub's alarms would count both.
 */
export interface MetricDimensions {
  readonly service: string;
  readonly componentAppId: string;
}

/** The one rule for a hub's metric dimensions, shared by the functions (EMF) and the alarms (CDK). */
export function metricDimensions(componentAppId: string): MetricDimensions {
  return { service: SERVICE_NAME, componentAppId };
}

/** The counters the domain emits. The Lambdas forward them to CloudWatch through Powertools' Metrics. */
export type MetricName =
  | 'AuthorizerTokenRenewed'
  | 'AuthorizerRenewalFailed'
  | 'AuthorizerLeaseLost'
  /** A caller reported a token refused that WeChat still accepts: not renewed. */
  | 'ReportedTokenStillValid'
  | 'RefreshTokenRotated'
  | 'RefreshTokenInvalid'
  | 'AuthorizerRevoked'
  | 'QuotaExhausted'
  | 'ComponentTokenRenewed'
  | 'ComponentTokenUnavailable'
  | 'ComponentLeaseLost'
  | 'TicketMissing'
  | 'TicketExpired'
  | 'SyncAdded'
  | 'SyncUpdated'
  | 'SyncHealed'
  | 'SyncReactivated'
  | 'SyncRevoked'
  | 'SyncUnchanged'
  | 'SyncConflicts'
  | 'SyncPages'
  | 'SyncWechatCalls'
  | 'SyncIncomplete'
  | 'SyncSkippedRunning'
  | 'SyncCompleted'
  | 'SyncMarkedAbsent'
  | 'SyncRelisted'
  | 'SyncRevocationsDeferred'
  | 'SyncEmptyListing'
  | 'DueIndexRepaired'
  /** A push the callback refused, for any reason (the reason is in its log line, not a dimension). */
  | 'PushRefused'
  /** A push signed with the message Token that the EncodingAESKey cannot decrypt: a wrong key, or a probe. */
  | 'PushUndecryptable'
  /** A push handled lately, delivered again (WeChat's re-delivery, or a replay): acknowledged, not acted on. */
  | 'PushRepeated'
  /** Lifecycle events EventBridge took. */
  | 'LifecycleEventsPublished'
  /** Lifecycle events not published by an invocation (refused, or held behind an earlier record): delivered again. */
  | 'LifecycleEventsNotPublished'
  /** Lifecycle events never publishable (too large, or a stream record that cannot be read): lost. */
  | 'LifecycleEventsDropped';

/** Durations and ages, in milliseconds. */
export type DurationMetricName = 'SyncDuration' | 'RefreshRunDuration' | 'TicketAge';

export interface Metrics {
  count(name: MetricName, value?: number): void;
  duration(name: DurationMetricName, milliseconds: number): void;
}

export const noMetrics: Metrics = { count: () => undefined, duration: () => undefined };
