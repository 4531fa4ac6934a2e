import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DurationMetricName, MetricName } from '../shared/metrics.js';
import type { AlarmName } from './alarms.js';
import type { FunctionName } from './function.js';

// Plain aws-cloudwatch constructs rather than cdk-monitoring-constructs: the hub is a library other CDK
// apps install, and that package would become a dependency (a peer one, pinned to a range of aws-cdk-lib
// and constructs) of every consumer, for one dashboard of a dozen graphs that aws-cloudwatch draws as
// well. The product's metrics are its own (shared/metrics.ts), so a library's canned AWS-service widgets
// would cover only the API, Lambda and SQS rows.

export interface HubDashboardOptions {
  /** Unique per account and region: two hubs must not share a name. */
  readonly dashboardName: string;
  /** One of this hub's product metrics (its dimensions name its component AppId): `HubMonitoring.metric`. */
  readonly metric: (name: MetricName | DurationMetricName, options?: cloudwatch.MetricOptions) => cloudwatch.Metric;
  readonly api: apigw.HttpApi;
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  readonly deadLetterQueue: sqs.IQueue;
  /** The alarm emails SNS could not deliver, when an email is subscribed. */
  readonly undeliveredAlarms?: sqs.IQueue | undefined;
  readonly alarms: Readonly<Record<AlarmName, cloudwatch.Alarm>>;
}

const FIVE_MINUTES = Duration.minutes(5);
const HOUR = Duration.hours(1);

/** The product's dashboard: the alarms' states, then one row per concern, top to bottom by urgency. */
export function hubDashboard(scope: Construct, options: HubDashboardOptions): cloudwatch.Dashboard {
  const { metric, api, functions } = options;
  const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
  const counts = (names: readonly MetricName[], period = FIVE_MINUTES) =>
    names.map((name) => metric(name, { period, label: name }));
  const perFunction = (pick: (fn: lambda.IFunction) => cloudwatch.Metric) =>
    Object.entries(functions).map(([name, fn]) => pick(fn).with({ label: name, statistic: 'Sum' }));
  const ticketMinutes = new cloudwatch.MathExpression({
    expression: 'age / 60000',
    usingMetrics: { age: metric('TicketAge') },
    label: 'ticket age (minutes)',
    period: FIVE_MINUTES,
  });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: options.dashboardName,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(options.alarms), width: 24, height: 3 }),
  );
  dashboard.addWidgets(
    graph('Authorizer renewals', [
      ...counts(['AuthorizerTokenRenewed', 'AuthorizerRenewalFailed', 'RefreshTokenInvalid', 'QuotaExhausted']),
      ...counts(['AuthorizerLeaseLost', 'RefreshTokenRotated', 'ReportedTokenStillValid']),
    ]),
    graph('Component token', counts(['ComponentTokenRenewed', 'ComponentTokenUnavailable', 'ComponentLeaseLost'])),
    graph('Ticket age (minutes)', [ticketMinutes], {
      right: counts(['TicketMissing', 'TicketExpired']),
      leftAnnotations: [{ value: 30, label: 'TicketStale alarm', color: cloudwatch.Color.RED }],
    }),
  );
  dashboard.addWidgets(
    graph(
      'Getter API latency (ms)',
      ['p50', 'p99'].map((statistic) => api.metricLatency({ statistic, period: FIVE_MINUTES, label: statistic })),
      { right: [functions.getter.metricDuration({ statistic: 'p99', label: 'getter Lambda p99' })] },
    ),
    graph('Getter API responses', [
      api.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES, label: '4xx' }),
      api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES, label: '5xx' }),
    ]),
    graph(
      'Dead-letter queues (messages)',
      [
        [options.deadLetterQueue, 'failed scheduled runs'] as const,
        ...(options.undeliveredAlarms ? [[options.undeliveredAlarms, 'undelivered alarm emails'] as const] : []),
      ].map(([queue, label]) =>
        queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: FIVE_MINUTES, label }),
      ),
    ),
  );
  dashboard.addWidgets(
    graph(
      'Sync runs (hourly)',
      counts(['SyncCompleted', 'SyncIncomplete', 'SyncSkippedRunning', 'SyncEmptyListing', 'SyncConflicts'], HOUR),
    ),
    graph(
      'Sync changes (hourly)',
      counts(['SyncAdded', 'SyncUpdated', 'SyncHealed', 'SyncReactivated', 'SyncRevoked', 'SyncMarkedAbsent'], HOUR),
    ),
    graph('Run durations (ms)', [
      metric('SyncDuration', { period: HOUR, label: 'sync' }),
      metric('RefreshRunDuration', { label: 'refresh run' }),
    ]),
  );
  dashboard.addWidgets(
    graph(
      'Lambda errors',
      perFunction((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
      { width: 12 },
    ),
    graph(
      'Lambda throttles',
      perFunction((fn) => fn.metricThrottles({ period: FIVE_MINUTES })),
      { width: 12 },
    ),
  );
  // The lifecycle events' lag: the EventsIteratorAge alarm's metric (the stream keeps a record 24 hours).
  dashboard.addWidgets(
    graph(
      "Lifecycle events: the stream's iterator age (ms)",
      [functions.events.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum', label: 'events' })],
      { width: 12 },
    ),
  );
  return dashboard;
}
