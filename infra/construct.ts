import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ROUTES } from '../shared/api/routes.js';
import { SCHEDULE_DEFAULTS } from '../shared/config/index.js';
import { TABLE_SCHEMA } from '../shared/store/schema.js';
import { PUSH_HANDLING_TIMEOUT_MS } from '../shared/tokens/authorization.js';
import { createAlarms } from './alarms.js';
import { routeArn, tokensApi } from './api.js';
import { type FunctionName, tokensFunction } from './function.js';
import { lambdaEnvironment, propProblems } from './lambda-environment.js';
import type { WechatAuthorizerTokensProps } from './props.js';

export type { FunctionName } from './function.js';
export type { WechatAuthorizerTokensProps } from './props.js';

/** The getter API's throttle when the props give none. */
const DEFAULT_API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * The token hub: the table, the secret, the four functions, their schedules, the API (AWS_IAM on the
 * getter routes, none on WeChat's callback), alarms. Other stacks get tokens through `grantTokenRead`.
 * Props out of the settings' ranges fail the synth, each named.
 *
 * @example
 * const tokens = new WechatAuthorizerTokens(this, 'Tokens', { componentAppId: 'wx0123456789abcdef' });
 * // A backend of another stack may read the tokens of two accounts, and no other:
 * tokens.grantTokenRead(backend, ['wx1111111111111111', 'wx2222222222222222']);
 * // After the first deploy, fill `tokens.secret` with the component's credentials, and set WeChat's
 * // push URL to `${tokens.api.apiEndpoint}/wechat/callback`.
 */
export class WechatAuthorizerTokens extends Construct {
  /** The one table of the hub: authorizers, the component, sync runs (`shared/store/schema.ts`). Retained on delete. */
  readonly table: dynamodb.Table;
  /** The component's credentials: `props.secret`, or the one created empty. */
  readonly secret: secretsmanager.ISecret;
  /** The HTTP API of `ROUTES`; WeChat's push URL is its `/wechat/callback`. */
  readonly api: apigw.HttpApi;
  /** The four Lambdas, by name. */
  readonly functions: Readonly<Record<FunctionName, nodejs.NodejsFunction>>;
  /** Where every alarm goes: `props.alarmTopic`, or the one created. */
  readonly alarmTopic: sns.ITopic;
  /** The scheduled runs that could not be delivered or failed after their retries (it has its alarm). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WechatAuthorizerTokensProps) {
    super(scope, id);
    this.node.addValidation({ validate: () => propProblems(props) });
    this.table = this.#table();
    // (A cast: aws-cdk-lib's own types are not written for exactOptionalPropertyTypes.)
    this.secret =
      props.secret ??
      (new secretsmanager.Secret(this, 'ComponentSecret', {
        description: `WeChat component ${props.componentAppId}: {componentAppId, componentAppSecret, messageToken, encodingAesKey}`,
      }) as unknown as secretsmanager.ISecret);
    this.deadLetterQueue = new sqs.Queue(this, 'FailedRuns', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id,
        reason: 'This queue is the dead-letter queue of the scheduled runs (EventBridge targets and Lambda).',
      });
    }
    if (!props.secret) {
      Validations.of(this.secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: "The component AppSecret is reset in WeChat's console by a person; no rotation function can do it.",
      });
    }

    const environment = lambdaEnvironment(props, { tableName: this.table.tableName, secretArn: this.secret.secretArn });
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const make = (name: FunctionName, timeout: Duration, memorySize: number) =>
      tokensFunction(this, name, {
        environment,
        timeout,
        memorySize,
        retention,
        deadLetterQueue: this.deadLetterQueue,
      });
    this.functions = {
      sync: make('sync', Duration.minutes(15), 1024),
      refresh: make('refresh', Duration.minutes(5), 512),
      getter: make('getter', Duration.seconds(29), 512),
      callback: make('callback', Duration.millis(PUSH_HANDLING_TIMEOUT_MS), 256),
    };
    this.#grantLeastPrivilege();
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
    this.api = tokensApi(this, {
      functions: this.functions,
      throttle: props.apiThrottle ?? DEFAULT_API_THROTTLE,
      retention,
    });
    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'AlarmTopic', { enforceSSL: true });
    createAlarms(this, {
      api: this.api,
      functions: this.functions,
      topic: this.alarmTopic,
      deadLetterQueue: this.deadLetterQueue,
    });
  }

  /**
   * Lets `grantee` call the token routes (GET the token, POST a refused one) of exactly these appids,
   * or of every appid when none are given.
   */
  grantTokenRead(grantee: iam.IGrantable, appIds?: readonly string[]): iam.Grant {
    const resourceArns = (appIds ?? ['*']).flatMap((appId) => [
      routeArn(this.api, ROUTES.authorizerToken, appId),
      routeArn(this.api, ROUTES.authorizerTokenRefresh, appId),
    ]);
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }

  /** Lets `grantee` read the component access token (its own route). */
  grantComponentToken(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [routeArn(this.api, ROUTES.componentToken)],
    });
  }

  /** Lets `grantee` list the authorizers (never a token). */
  grantList(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [routeArn(this.api, ROUTES.authorizers)],
    });
  }

  #table(): dynamodb.Table {
    const { partitionKey, dueIndex, timeToLiveAttribute } = TABLE_SCHEMA;
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    table.addGlobalSecondaryIndex({
      indexName: dueIndex.name,
      partitionKey: { name: dueIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: dueIndex.sortKey, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    return table;
  }

  /** Exactly the table actions each function makes, on the table (and the due index for the refresh). */
  #grantLeastPrivilege(): void {
    const { sync, refresh, getter, callback } = this.functions;
    const onTable = (fn: nodejs.NodejsFunction, actions: string[], resources = [this.table.tableArn]) =>
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: actions.map((action) => `dynamodb:${action}`), resources }),
      );
    const syncActions = ['GetItem', 'PutItem', 'UpdateItem', 'Scan'];
    onTable(sync, syncActions);
    // The refresh runs the sync itself when WeChat refuses a refresh token (61023): recovery at once.
    onTable(refresh, syncActions);
    onTable(refresh, ['Query'], [`${this.table.tableArn}/index/${TABLE_SCHEMA.dueIndex.name}`]);
    onTable(getter, ['GetItem', 'UpdateItem', 'Scan']);
    onTable(callback, ['GetItem', 'UpdateItem']);
    for (const fn of [sync, refresh, getter, callback]) this.secret.grantRead(fn);
  }

  #schedule(id: string, fn: nodejs.NodejsFunction, schedule: events.Schedule): void {
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
    // A run that fails after EventBridge handed it over lands in the same queue (and its alarm).
    fn.configureAsyncInvoke({ onFailure: new SqsDestination(this.deadLetterQueue), retryAttempts: 1 });
  }
}
