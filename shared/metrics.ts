/** The CloudWatch namespace every metric of the product is published in (the alarms watch it). */
export const METRICS_NAMESPACE = 'WechatAuthorizerTokens';

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
  | 'DueIndexRepaired';

/** Durations and ages, in milliseconds. */
export type DurationMetricName = 'SyncDuration' | 'RefreshRunDuration' | 'TicketAge';

export interface Metrics {
  count(name: MetricName, value?: number): void;
  duration(name: DurationMetricName, milliseconds: number): void;
}

export const noMetrics: Metrics = { count: () => undefined, duration: () => undefined };
