import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DurationMetricName, MetricName } from '../shared/metrics.js';
import { METRICS_NAMESPACE, metricDimensions } from '../shared/metrics.js';
import type { FunctionName } from './function.js';

/** The alarms, by their construct ids: each has its entry in the runbook. */
export const ALARM_IDS = [
  'RefreshFailures',
  'TicketStale',
  'ComponentTokenUnavailable',
  'SyncNotCompleted',
  'SyncErrors',
  'Getter5xx',
  'FailedScheduledRuns',
  'QuotaExhausted',
  'RefreshTokenInvalid',
  'PushUndecryptable',
  'EventsErrors',
  'EventsNotPublished',
  'EventsDropped',
  'EventsIteratorAge',
] as const;

export type AlarmName = (typeof ALARM_IDS)[number];

/** The runbook every alarm's description links to (relative to the repository's root). */
export const RUNBOOK_PATH = 'docs/runbook.md';

/** An alarm's anchor in the runbook: its id in lowercase kebab-case (`TicketStale` → `ticket-stale`). */
export function runbookAnchor(id: AlarmName): string {
  return id.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '-').toLowerCase();
}

/** Each alarm with its runbook anchor: what docs/runbook.md must have a heading or anchor for. */
export const ALARM_RUNBOOK: readonly { readonly id: AlarmName; readonly anchor: string; readonly link: string }[] =
  ALARM_IDS.map((id) => ({
    id,
    anchor: runbookAnchor(id),
    link: `${RUNBOOK_PATH}#${runbookAnchor(id)}`,
  }));

/**
 * One of the product's own metrics (`shared/metrics.ts`) of one hub, as its Lambdas publish it through
 * Powertools: the product's namespace and the hub's dimensions, `service` and the component's AppId (as
 * aws-dynamodb's `Table.metric` does for a table). A second hub in the account and region publishes the
 * same names under its own AppId. `options` override the defaults (a 5-minute period, the statistic
 * CloudWatch defaults to).
 */
export function productMetric(
  name: MetricName | DurationMetricName,
  componentAppId: string,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { ...metricDimensions(componentAppId) },
    ...options,
  });
}

/** The alarms an operator is paged for; all on one SNS topic. */
export function createAlarms(
  scope: Construct,
  parts: {
    /** The hub's component AppId: its alarms count only its own functions' metrics. */
    componentAppId: string;
    api: apigw.HttpApi;
    functions: Readonly<Record<FunctionName, lambda.IFunction>>;
    topic: sns.ITopic;
    deadLetterQueue: sqs.IQueue;
  },
): Record<AlarmName, cloudwatch.Alarm> {
  const five = Duration.minutes(5);
  const domainMetric = (name: MetricName | DurationMetricName, statistic: string, period: Duration) =>
    productMetric(name, parts.componentAppId, { statistic, period });
  const alarms = new Construct(scope, 'Alarms');
  const make = (
    name: AlarmName,
    props: Omit<cloudwatch.AlarmProps, 'alarmDescription'> & { description: string },
  ): cloudwatch.Alarm => {
    const { description, ...rest } = props;
    const alarm = new cloudwatch.Alarm(alarms, name, {
      ...rest,
      alarmDescription: `${description} Runbook: ${RUNBOOK_PATH}#${runbookAnchor(name)}`,
    });
    alarm.addAlarmAction(new SnsAction(parts.topic));
    return alarm;
  };
  const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
  return {
    RefreshFailures: make('RefreshFailures', {
      description: 'Authorizer token renewals keep failing.',
      metric: domainMetric('AuthorizerRenewalFailed', 'Sum', five),
      threshold: 10,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    TicketStale: make('TicketStale', {
      description:
        'The latest component_verify_ticket is older than 30 minutes (or none is reported): pushes are not arriving.',
      metric: domainMetric('TicketAge', 'Maximum', five),
      threshold: 30 * 60_000,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
    ComponentTokenUnavailable: make('ComponentTokenUnavailable', {
      description: 'The component access token could not be had.',
      metric: domainMetric('ComponentTokenUnavailable', 'Sum', five),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    SyncNotCompleted: make('SyncNotCompleted', {
      description: 'No sync completed a full listing in two hours (failed, partial, or not run).',
      metric: domainMetric('SyncCompleted', 'Sum', Duration.hours(1)),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
    SyncErrors: make('SyncErrors', {
      description: 'The sync function failed.',
      metric: parts.functions.sync.metricErrors({ period: Duration.hours(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    Getter5xx: make('Getter5xx', {
      description: 'The getter API answers 5xx.',
      metric: parts.api.metricServerError({ period: five, statistic: 'Sum' }),
      threshold: 5,
      evaluationPeriods: 2,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    FailedScheduledRuns: make('FailedScheduledRuns', {
      description:
        "A scheduled sync or refresh run could not be delivered or failed after its retries, or a batch of the table's stream could not be published as events.",
      metric: parts.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    QuotaExhausted: make('QuotaExhausted', {
      description: 'WeChat answered 45009: a daily quota is spent.',
      metric: domainMetric('QuotaExhausted', 'Sum', five),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    RefreshTokenInvalid: make('RefreshTokenInvalid', {
      description:
        'WeChat refused a refresh token (61023). The refresh run syncs at once to recover it from the authorizer list; if this persists, the account must authorize again.',
      metric: domainMetric('RefreshTokenInvalid', 'Sum', Duration.hours(1)),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // Never happens to a genuine push (WeChat signs and encrypts with the same component's keys), so one
    // is enough: a wrong EncodingAESKey loses every push from then on, and a probe is worth knowing of.
    PushUndecryptable: make('PushUndecryptable', {
      description:
        'A push signed with the message Token could not be decrypted with the EncodingAESKey: the key in the secret is not the one WeChat uses, or someone holding the Token is probing the callback.',
      metric: domainMetric('PushUndecryptable', 'Sum', five),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // The function's own failures (a timeout, a crash, its configuration): two failing periods in a row.
    // A record it could not publish is not one (a batch item failure is a successful invocation): that is
    // EventsNotPublished.
    EventsErrors: make('EventsErrors', {
      description:
        "The events function keeps failing (an error, a timeout): the table's stream is not read, and lifecycle events are held back (retried until the records are 24 hours old, then their description goes to FailedRuns).",
      metric: parts.functions.events.metricErrors({ period: five, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // Each not-published event was refused three times within an invocation already; two periods in a
    // row means a refusal that does not pass (a bus policy, a key, the quota), which holds back every
    // later record of its shard.
    EventsNotPublished: make('EventsNotPublished', {
      description:
        'Lifecycle events could not be published (EventBridge refused them after the resends of an invocation): they are delivered again until their records are 24 hours old, and the records after them wait.',
      metric: domainMetric('LifecycleEventsNotPublished', 'Sum', five),
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // One is enough: a dropped event is lost for good (too large for PutEvents, or its record unreadable).
    EventsDropped: make('EventsDropped', {
      description:
        'A lifecycle event was dropped: too large for PutEvents, or its stream record could not be read. It is lost; the log line "event dropped" or "stream record dropped" names the item and the sequence number.',
      metric: domainMetric('LifecycleEventsDropped', 'Sum', five),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    // The stream keeps a record 24 hours: an hour behind leaves the operator most of a day to act.
    EventsIteratorAge: make('EventsIteratorAge', {
      description:
        "The events function is more than an hour behind the table's stream: a record not published within 24 hours of its write is lost to the stream.",
      metric: parts.functions.events.metric('IteratorAge', { period: five, statistic: 'Maximum' }),
      threshold: 60 * 60_000,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  };
}
