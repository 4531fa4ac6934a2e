import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DurationMetricName, MetricName } from '../shared/metrics.js';
import { type AlarmName, createAlarms, productMetric } from './alarms.js';
import { hubDashboard } from './dashboard.js';
import type { FunctionName } from './function.js';

export interface HubMonitoringOptions {
  /**
   * The component's AppId: it names the dashboard, so that two hubs never share one, and is a dimension
   * of every metric the alarms and the dashboard read, so that they count only this hub's functions.
   */
  readonly componentAppId: string;
  readonly api: apigw.HttpApi;
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Where every alarm goes. A given topic is used as it is (its policy is not changed here): it must allow
   * `cloudwatch.amazonaws.com` to `sns:Publish` (and, if it is encrypted, its key to let CloudWatch use it),
   * or the alarms reach nobody.
   * @default - a new topic, encrypted with its own key, enforcing SSL, that this account's alarms may publish to
   */
  readonly alarmTopic?: sns.ITopic | undefined;
  /**
   * An address subscribed to the alarm topic (the recipient confirms it from the email SNS sends).
   * @default - no email subscription
   */
  readonly alarmEmail?: string | undefined;
  /**
   * More subscriptions to the alarm topic (a chat webhook's Lambda, an SQS queue of an incident tool…).
   * @default - none
   */
  readonly alarmSubscriptions?: readonly sns.ITopicSubscription[] | undefined;
  /**
   * Whether to create the CloudWatch dashboard of the product's metrics.
   * @default true
   */
  readonly dashboard?: boolean | undefined;
}

export interface HubMonitoring {
  readonly alarmTopic: sns.ITopic;
  /** The alarms, by their ids (`ALARM_IDS`): each has its runbook entry. */
  readonly alarms: Readonly<Record<AlarmName, cloudwatch.Alarm>>;
  /** The dashboard, unless `dashboard: false`. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  /**
   * One of the product's metrics (`shared/metrics.ts`) in its namespace and this hub's dimensions
   * (`service` and `componentAppId`, as its functions publish them):
   * summed over 5 minutes for a counter, the maximum for a duration or age (milliseconds).
   */
  metric(name: MetricName | DurationMetricName, options?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** Every duration metric (a `Record` so that a name added to `DurationMetricName` must be added here). */
const DURATIONS: Readonly<Record<DurationMetricName, true>> = {
  SyncDuration: true,
  RefreshRunDuration: true,
  TicketAge: true,
};

function isDuration(name: MetricName | DurationMetricName): name is DurationMetricName {
  return Object.hasOwn(DURATIONS, name);
}

/**
 * What reaches an operator: the alarm topic (created when none is given) with its subscriptions, the
 * alarms on it, the product's metrics, and a dashboard of them.
 */
export function hubMonitoring(scope: Construct, options: HubMonitoringOptions): HubMonitoring {
  const alarmTopic = options.alarmTopic ?? createdAlarmTopic(scope);
  let undelivered: sqs.Queue | undefined;
  if (options.alarmEmail !== undefined) {
    undelivered = undeliveredAlarms(scope);
    alarmTopic.addSubscription(
      new subscriptions.EmailSubscription(options.alarmEmail, { deadLetterQueue: undelivered }),
    );
  }
  for (const subscription of options.alarmSubscriptions ?? []) alarmTopic.addSubscription(subscription);
  const alarms = createAlarms(scope, {
    componentAppId: options.componentAppId,
    api: options.api,
    functions: options.functions,
    topic: alarmTopic,
    deadLetterQueue: options.deadLetterQueue,
  });
  const metric = (name: MetricName | DurationMetricName, metricOptions: cloudwatch.MetricOptions = {}) =>
    productMetric(name, options.componentAppId, {
      statistic: isDuration(name) ? 'Maximum' : 'Sum',
      ...metricOptions,
    }).attachTo(scope);
  const dashboard =
    options.dashboard === false
      ? undefined
      : hubDashboard(scope, {
          dashboardName: `${Stack.of(scope).stackName}-${options.componentAppId}`,
          metric,
          api: options.api,
          functions: options.functions,
          deadLetterQueue: options.deadLetterQueue,
          undeliveredAlarms: undelivered,
          alarms,
        });
  return { alarmTopic, alarms, dashboard, metric };
}

/**
 * Where SNS puts the alarm emails it could not deliver after its retries, so that a bounced address
 * leaves a trace (on the dashboard) rather than nothing. Not alarmed: the alarm would go to the same
 * address.
 */
function undeliveredAlarms(scope: Construct): sqs.Queue {
  const queue = new sqs.Queue(scope, 'UndeliveredAlarms', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
    Validations.of(queue).acknowledge({
      id,
      reason: "This queue is the dead-letter queue of the alarm topic's email subscription.",
    });
  }
  return queue;
}

/**
 * The alarm topic the hub owns. `enforceSSL` alone would leave a policy whose only statement is a Deny,
 * which replaces SNS's default policy: nothing would allow CloudWatch to publish. So the policy allows
 * `cloudwatch.amazonaws.com` to publish, for this account's alarms only (the confused-deputy conditions).
 * The topic is encrypted with a key of its own: CloudWatch cannot publish to a topic under the AWS-managed
 * `alias/aws/sns` key, whose policy cannot be changed to let CloudWatch use it.
 */
function createdAlarmTopic(scope: Construct): sns.Topic {
  const stack = Stack.of(scope);
  const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  const thisAccountsAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'Encrypts the WeChat token hub alarm topic; CloudWatch alarms of this account may use it.',
    enableKeyRotation: true,
    // It only encrypts messages in flight: nothing is left to decrypt once the topic is gone.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [cloudwatchService],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: thisAccountsAlarms,
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', { enforceSSL: true, masterKey: key });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [cloudwatchService],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: thisAccountsAlarms,
    }),
  );
  return topic;
}
