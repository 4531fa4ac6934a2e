import { CfnOutput, Duration, Lazy, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { isAppId } from '../shared/appid.js';
import { SCHEDULE_DEFAULTS, SETTINGS } from '../shared/config/index.js';
import type { DurationMetricName, MetricName } from '../shared/metrics.js';
import { PUSH_HANDLING_TIMEOUT_MS } from '../shared/tokens/authorization.js';
import type { AlarmName } from './alarms.js';
import { throttleProblems, tokensApi } from './api.js';
import { apiDomain, domainProblems, onboardingBaseUrl } from './api-domain.js';
import { SendOnlyQueueDestination } from './failure-destination.js';
import { type FunctionName, tokensFunction } from './function.js';
import { grantFunctionAccess } from './function-access.js';
import {
  type IWechatAuthorizerTokens,
  importHub,
  importHubFromParameters,
  type WechatAuthorizerTokensAttributes,
  WechatAuthorizerTokensBase,
} from './hub-reference.js';
import { hubTable, templateSecret } from './hub-storage.js';
import { duplicateHubProblems, markHub } from './hub-uniqueness.js';
import { lambdaEnvironment, onboardingEnvironment, propProblems } from './lambda-environment.js';
import { consumeTableStream, type EventRuleOptions, hubEventRule } from './lifecycle-events.js';
import { type HubMonitoring, hubMonitoring } from './monitoring.js';
import { callbackUrlOf, publishLocations } from './outputs.js';
import type { WechatAuthorizerTokensProps } from './props.js';

export type { FunctionName } from './function.js';
export type { IWechatAuthorizerTokens, WechatAuthorizerTokensAttributes } from './hub-reference.js';
// hubEventPattern: for a rule on a bus of another account, created in a stack of that account.
export { type EventRuleOptions, hubEventPattern } from './lifecycle-events.js';
export type { WechatAuthorizerTokensProps } from './props.js';

/** Each getter route's throttle when the props give none. */
const DEFAULT_API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;
/** The callback route's throttle when the props give none (why these numbers: `callbackThrottle`). */
const DEFAULT_CALLBACK_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;
/** Each public onboarding page's throttle when the props give none: a person opens it once or twice. */
const DEFAULT_ONBOARDING_THROTTLE = { rateLimit: 5, burstLimit: 10 } as const;

/**
 * The token hub: the table, the secret, the functions, their schedules, the API (AWS_IAM on the
 * callers' routes, none on WeChat's callback and the onboarding pages), the lifecycle events' bus, alarms, and where each is (stack outputs and SSM parameters
 * under `/wechat-authorizer-tokens/<componentAppId>/`). Other stacks get tokens through `grantTokenRead`;
 * other apps import a deployed hub with `fromAttributes` or `fromParameters` and get the same grants.
 * Props out of the settings' ranges fail the synth, each named.
 *
 * @example
 * const tokens = new WechatAuthorizerTokens(this, 'Tokens', { componentAppId: 'wx0123456789abcdef' });
 * // A backend of another stack may read the tokens of two accounts, and no other:
 * tokens.grantTokenRead(backend, ['wx1111111111111111', 'wx2222222222222222']);
 * // After the first deploy, fill `tokens.secret` (the FillSecretCommand output), and give WeChat
 * // `tokens.callbackUrl` (the CallbackUrl output) as the authorization-event URL.
 * // Onboarding (`domain`, `onboardingReturnUrls`; docs/deploying.md) and the lifecycle events:
 * tokens.grantOnboarding(portal);
 * tokens.addEventRule('Revocations', { detailTypes: ['Authorizer Revoked'], targets: [new targets.SqsQueue(queue)] });
 */
export class WechatAuthorizerTokens extends WechatAuthorizerTokensBase {
  /** A hub deployed elsewhere, named by its attributes: grants and URL only, nothing deployed. */
  static fromAttributes(
    scope: Construct,
    id: string,
    attrs: WechatAuthorizerTokensAttributes,
  ): IWechatAuthorizerTokens {
    return importHub(scope, id, attrs);
  }

  /**
   * A hub deployed in the same account and region, found by its `api-id` SSM parameter (resolved by
   * CloudFormation at deploy time: no lookup, no credentials at synth).
   */
  static fromParameters(scope: Construct, id: string, componentAppId: string): IWechatAuthorizerTokens {
    return importHubFromParameters(scope, id, componentAppId);
  }

  /** It writes the `api-id` parameter, through which other stacks of the app name its API. */
  protected override get apiIdParameter(): 'written' {
    return 'written';
  }

  /** The third-party platform's AppId this hub serves; it names the hub's SSM parameters. */
  readonly componentAppId: string;
  /** The HTTP API's id. */
  readonly apiId: string;
  /** The one table of the hub: authorizers, the component, sync runs (`shared/store/schema.ts`). Retained on delete. */
  readonly table: dynamodb.Table;
  /** The component's credentials: `props.secret`, or the one created holding the template to fill (retained on delete). */
  readonly secret: secretsmanager.ISecret;
  /** The HTTP API of `ROUTES`; WeChat's push URL is `callbackUrl`. */
  readonly api: apigw.HttpApi;
  /** The Lambdas, by name. */
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  /** Where every alarm goes: `props.alarmTopic`, or the one created. */
  readonly alarmTopic: sns.ITopic;
  /** The scheduled runs that could not be delivered or failed after their retries (it has its alarm). */
  readonly deadLetterQueue: sqs.Queue;
  /** The alarms, by id (`ALARM_IDS`); each has its runbook entry. */
  readonly alarms: Readonly<Record<AlarmName, cloudwatch.Alarm>>;
  /** The bus the lifecycle events are published to (docs/events.md): `props.eventBus`, or the one created. */
  readonly eventBus: events.IEventBus;
  /** The API's custom domain, when `props.domain` gives one. */
  readonly domain: apigw.DomainName | undefined;
  /** Where the onboarding links point: `https://<domainName>`, or the API's URL without a domain. */
  readonly onboardingBaseUrl: string;
  /** The CloudWatch dashboard of the product's metrics, unless `dashboard: false`. */
  readonly dashboard: cloudwatch.Dashboard | undefined;
  readonly #monitoring: HubMonitoring;

  constructor(scope: Construct, id: string, props: WechatAuthorizerTokensProps) {
    super(scope, id);
    this.node.addValidation({
      validate: () => [
        ...propProblems(props),
        ...throttleProblems('apiThrottle', props.apiThrottle ?? DEFAULT_API_THROTTLE),
        ...throttleProblems('callbackThrottle', props.callbackThrottle ?? DEFAULT_CALLBACK_THROTTLE),
        ...throttleProblems('onboardingThrottle', props.onboardingThrottle ?? DEFAULT_ONBOARDING_THROTTLE),
        ...domainProblems(props.domain),
      ],
    });
    this.componentAppId = props.componentAppId;
    markHub(this);
    this.node.addValidation({ validate: () => duplicateHubProblems(this) });
    const named = isAppId(props.componentAppId);
    this.table = hubTable(this);
    this.secret = props.secret ?? templateSecret(this, props.componentAppId);
    this.deadLetterQueue = new sqs.Queue(this, 'FailedRuns', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id,
        reason:
          "This queue is the dead-letter queue of the scheduled runs (EventBridge targets and Lambda) and of the events function's stream batches.",
      });
    }

    const environment = lambdaEnvironment(props, { tableName: this.table.tableName, secretArn: this.secret.secretArn });
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const make = (name: FunctionName, timeout: Duration, memorySize: number, own: Record<string, string> = {}) =>
      tokensFunction(this, name, { environment: { ...environment, ...own }, timeout, memorySize, retention });
    // (Casts: aws-cdk-lib's own types are not written for exactOptionalPropertyTypes.)
    this.eventBus =
      props.eventBus ??
      (new events.EventBus(this, 'EventBus', {
        description: 'WeChat authorizer lifecycle events',
      }) as unknown as events.IEventBus);
    // The API is made after the functions it integrates: the base URL is read when the template is written.
    const baseUrl = Lazy.string({ produce: () => this.onboardingBaseUrl });
    this.functions = {
      sync: make('sync', Duration.minutes(15), 1024),
      refresh: make('refresh', Duration.minutes(5), 512),
      getter: make('getter', Duration.seconds(29), 512),
      callback: make('callback', Duration.millis(PUSH_HANDLING_TIMEOUT_MS), 256),
      // Its exchange calls WeChat twice (api_query_auth, then api_get_authorizer_info): within API Gateway's 30 s.
      onboarding: make('onboarding', Duration.seconds(29), 512, onboardingEnvironment(props, baseUrl)),
      // The bus's ARN, not its name: PutEvents takes either, and a name always means this account's and
      // Region's bus, so a given bus of another account would be missed.
      events: make('events', Duration.minutes(1), 256, { [SETTINGS.eventBusName.env]: this.eventBus.eventBusArn }),
    };
    grantFunctionAccess(this.functions, this.table, this.secret);
    consumeTableStream(this.functions.events, {
      table: this.table as unknown as dynamodb.ITable,
      bus: this.eventBus,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.#schedule(
      'Sync',
      this.functions.sync,
      props.syncSchedule ?? events.Schedule.rate(Duration.minutes(SCHEDULE_DEFAULTS.syncEveryMinutes)),
    );
    this.#schedule(
      'Refresh',
      this.functions.refresh,
      props.refreshSchedule ?? events.Schedule.rate(Duration.minutes(SCHEDULE_DEFAULTS.refreshEveryMinutes)),
    );
    const api = tokensApi(this, {
      functions: this.functions,
      throttle: props.apiThrottle ?? DEFAULT_API_THROTTLE,
      callbackThrottle: props.callbackThrottle ?? DEFAULT_CALLBACK_THROTTLE,
      onboardingThrottle: props.onboardingThrottle ?? DEFAULT_ONBOARDING_THROTTLE,
      retention,
    });
    this.api = api.api;
    this.apiId = this.api.apiId;
    this.domain = props.domain ? apiDomain(this, props.domain, api) : undefined;
    this.onboardingBaseUrl = onboardingBaseUrl(this, props.domain?.domainName, this.url);
    this.#monitoring = hubMonitoring(this, {
      componentAppId: props.componentAppId,
      api: this.api,
      functions: this.functions,
      deadLetterQueue: this.deadLetterQueue,
      alarmTopic: props.alarmTopic,
      alarmEmail: props.alarmEmail,
      alarmSubscriptions: props.alarmSubscriptions,
      // A component AppId that is not a literal appid (a token included) cannot name the dashboard or the
      // parameters: propProblems fails the synth with the rule instead of CloudWatch's or SSM's own error.
      dashboard: named && props.dashboard,
    });
    this.alarmTopic = this.#monitoring.alarmTopic;
    this.alarms = this.#monitoring.alarms;
    this.dashboard = this.#monitoring.dashboard;
    if (named) this.#publish(props);
  }

  /**
   * A rule on the hub's bus routing this hub's events (source `wechat-authorizer-tokens`, this component
   * AppId) to `options.targets`: every detail-type, or those of `options.detailTypes` (docs/events.md).
   * A detail-type the hub never publishes throws `EventRuleError`, and so does a bus of another account or
   * Region (a rule belongs to its bus's account: create it there, with `hubEventPattern`).
   */
  addEventRule(id: string, options: EventRuleOptions): events.Rule {
    return hubEventRule(this, id, { bus: this.eventBus, componentAppId: this.componentAppId }, options);
  }

  #publish(props: WechatAuthorizerTokensProps): void {
    publishLocations(this, {
      componentAppId: props.componentAppId,
      apiId: this.apiId,
      url: this.url,
      secret: this.secret,
      alarmTopicArn: this.alarmTopic.topicArn,
      tableName: this.table.tableName,
      eventBusArn: this.eventBus.eventBusArn,
      dashboardName: this.dashboard?.dashboardName,
    });
    new CfnOutput(this, 'OnboardingBaseUrl', {
      value: this.onboardingBaseUrl,
      description: `Where the onboarding pages are ${`of the WeChat component ${props.componentAppId}`}: its host is the 授权发起页域名 to register with WeChat`,
    });
    if (this.domain)
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.domain.regionalDomainName,
        description: `Point a CNAME of ${this.domain.name} here (the API's regional domain name)`,
      });
  }

  /** One of the product's metrics (`shared/metrics.ts`) of this hub: Sum for counters, Maximum for durations. */
  metric(name: MetricName | DurationMetricName, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.#monitoring.metric(name, options);
  }

  /** The URL to give WeChat as the authorization-event URL (授权事件接收URL). */
  get callbackUrl(): string {
    return callbackUrlOf(this.url);
  }

  #schedule(id: string, fn: lambda.Function, schedule: events.Schedule): void {
    new events.Rule(this, `${id}Schedule`, {
      schedule,
      targets: [
        new targets.LambdaFunction(fn, {
          event: events.RuleTargetInput.fromObject({
            source: 'aws.events',
            'detail-type': 'Scheduled Event',
            detail: {},
          }),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    // A run that fails after EventBridge handed it over lands in the same queue (and its alarm), once: the
    // on-failure destination carries the event and the error, so the function has no dead-letter queue too
    // (Lambda would send each failure to both). Its role may only send there (SendOnlyQueueDestination).
    fn.configureAsyncInvoke({ onFailure: new SendOnlyQueueDestination(this.deadLetterQueue), retryAttempts: 1 });
  }
}
