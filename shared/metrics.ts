/** The counters the domain emits. The Lambdas forward them to CloudWatch through Powertools' Metrics. */
export type MetricName =
  | 'AuthorizerTokenRenewed'
  | 'AuthorizerRenewalFailed'
  | 'AuthorizerLeaseLost'
  | 'RefreshTokenRotated'
  | 'RefreshTokenInvalid'
  | 'AuthorizerRevoked'
  | 'QuotaExhausted'
  | 'ComponentTokenRenewed'
  | 'ComponentTokenUnavailable'
  | 'ComponentLeaseLost'
  | 'TicketMissing'
  | 'TicketExpired';

export interface Metrics {
  count(name: MetricName, value?: number): void;
}

export const noMetrics: Metrics = { count: () => undefined };
