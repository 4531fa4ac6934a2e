import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../shared/store/schema';
import { PUSH_HANDLING_TIMEOUT_MS } from '../shared/tokens/authorization';
import { DEFAULT_LEASE_MS } from '../shared/tokens/trust';
import { ROUTES } from '../shared/api/routes';
import { SERVICE_NAME } from '../shared/logger';
import { createAlarms } from './alarms';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface WechatAuthorizerTokensProps {
  /** The third-party platform's AppId. */
  readonly componentAppId: string;
  /**
   * The secret holding `{componentAppId, componentAppSecret, messageToken, encodingAesKey,
   * previousEncodingAesKey?}`. Default: a new, empty secret, to be filled after the first deploy.
   */
  readonly secret?: secretsmanager.ISecret;
  /** Default: every hour. */
  readonly syncSchedule?: events.Schedule;
  /**
   * Default: every minute. A renewal that dies after WeChat answered leaves a token WeChat superseded and
   * keeps for 5 minutes; a run every minute takes its 30-second lease over well within them.
   */
  readonly refreshSchedule?: events.Schedule;
  /** Renewals in flight in a scheduled run. Default 8. */
  readonly refreshConcurrency?: number;
  /** Pages of the authorizer list fetched at once. Default 4. */
  readonly syncPageConcurrency?: number;
  /** How long before expiry the scheduled refresh renews. Default 15 minutes. */
  readonly renewalMargin?: Duration;
  /** How long before expiry the component token is renewed. Default 10 minutes. */
  readonly componentTokenMargin?: Duration;
  /** The renewal lease. Default 30 seconds (20 s to 2 min). */
  readonly lease?: Duration;
  /** The getter API's steady rate and burst. Default 100 / 200 requests. */
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Where alarms go. Default: a new topic. */
  readonly alarmTopic?: sns.ITopic;
  /** Default: one month. */
  readonly logRetention?: logs.RetentionDays;
}

type FunctionName = 'sync' | 'refresh' | 'getter' | 'callback';

/**
 * The token hub: the table, the secret, the four functions, their schedules, the API (AWS_IAM on the
 * getter routes, none on WeChat's callback), alarms. Other stacks get tokens through `grantTokenRead`.
 */
export class WechatAuthorizerTokens extends Construct {
  readonly table: dynamodb.Table;
  readonly secret: secretsmanager.ISecret;
  readonly api: apigw.HttpApi;
  readonly functions: Readonly<Record<FunctionName, nodejs.NodejsFunction>>;
  readonly alarmTopic: sns.ITopic;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WechatAuthorizerTokensProps) {
    super(scope, id);
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
      Validations.of(this.deadLetterQueue).acknowledge({ id, reason: 'This queue is the dead-letter queue of the scheduled runs (EventBridge targets and Lambda).' });
    }
    if (!props.secret) {
      Validations.of(this.secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: "The component AppSecret is reset in WeChat's console by a person; no rotation function can do it.",
      });
    }

    const environment: Record<string, string> = {
      COMPONENT_APPID: props.componentAppId,
      TABLE_NAME: this.table.tableName,
      COMPONENT_SECRET_ARN: this.secret.secretArn,
      REFRESH_CONCURRENCY: String(props.refreshConcurrency ?? 8),
      SYNC_PAGE_CONCURRENCY: String(props.syncPageConcurrency ?? 4),
      RENEWAL_MARGIN_SECONDS: String((props.renewalMargin ?? Duration.minutes(15)).toSeconds()),
      COMPONENT_TOKEN_MARGIN_SECONDS: String((props.componentTokenMargin ?? Duration.minutes(10)).toSeconds()),
      LEASE_SECONDS: String((props.lease ?? Duration.millis(DEFAULT_LEASE_MS)).toSeconds()),
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    };
    const make = (name: FunctionName, timeout: Duration, memorySize: number) =>
      this.#function(name, { environment, timeout, memorySize, retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.functions = {
      sync: make('sync', Duration.minutes(15), 1024),
      refresh: make('refresh', Duration.minutes(5), 512),
      getter: make('getter', Duration.seconds(29), 512),
      callback: make('callback', Duration.millis(PUSH_HANDLING_TIMEOUT_MS), 256),
    };
    this.#grantLeastPrivilege();
    this.#schedule('Sync', this.functions.sync, props.syncSchedule ?? events.Schedule.rate(Duration.hours(1)));
    this.#schedule('Refresh', this.functions.refresh, props.refreshSchedule ?? events.Schedule.rate(Duration.minutes(1)));
    this.api = this.#api(props.apiThrottle ?? { rateLimit: 100, burstLimit: 200 }, props.logRetention ?? logs.RetentionDays.ONE_MONTH);
    this.alarmTopic = props.alarmTopic ?? new sns.Topic(this, 'AlarmTopic', { enforceSSL: true });
    createAlarms(this, { api: this.api, functions: this.functions, topic: this.alarmTopic, deadLetterQueue: this.deadLetterQueue });
  }

  /**
   * Lets `grantee` call the token routes (GET the token, POST a refused one) of exactly these appids,
   * or of every appid when none are given.
   */
  grantTokenRead(grantee: iam.IGrantable, appIds?: readonly string[]): iam.Grant {
    const ids = appIds ?? ['*'];
    const resourceArns = ids.flatMap((appId) => [
      this.api.arnForExecuteApi('GET', `/authorizers/${appId}/token`, '$default'),
      this.api.arnForExecuteApi('POST', `/authorizers/${appId}/token/refresh`, '$default'),
    ]);
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }

  /** Lets `grantee` read the component access token (its own route). */
  grantComponentToken(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi('GET', '/component/token', '$default')],
    });
  }

  /** Lets `grantee` list the authorizers (never a token). */
  grantList(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi('GET', '/authorizers', '$default')],
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

  #function(
    name: FunctionName,
    options: { environment: Record<string, string>; timeout: Duration; memorySize: number; retention: logs.RetentionDays },
  ): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: options.retention, removalPolicy: RemovalPolicy.DESTROY });
    // Its own role, writing only to its own log group (not the managed basic-execution policy's logs:* on *).
    const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));
    const scheduled = name === 'sync' || name === 'refresh';
    const fn = new nodejs.NodejsFunction(this, `${name}Function`, {
      role,
      ...(scheduled ? { deadLetterQueue: this.deadLetterQueue } : {}),
      entry: path.join(root, 'functions', name, 'handler.ts'),
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: path.join(root, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      environment: options.environment,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      bundling: {
        minify: true,
        sourceMap: true,
        // The SDK is bundled (tree-shaken, pinned to our lock file) rather than taken from the runtime:
        // see the README for the cold-start measurement behind this choice.
        externalModules: [],
        target: 'node22',
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource ARN.',
    });
    const logGroupId = Stack.of(this).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
      reason: "Log streams of the function's own log group: Lambda names them at run time.",
    });
    for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
      Validations.of(fn).acknowledge({ id, reason: 'Pinned to nodejs22.x by design: the runtime the code is built, bundled and tested for.' });
    }
    if (!scheduled) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: 'Invoked synchronously by API Gateway only: a failure is answered to the caller (WeChat re-delivers pushes).',
      });
    }
    return fn;
  }

  /** Exactly the table actions each function makes, on the table (and the due index for the refresh). */
  #grantLeastPrivilege(): void {
    const { sync, refresh, getter, callback } = this.functions;
    const onTable = (fn: nodejs.NodejsFunction, actions: string[], resources = [this.table.tableArn]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: actions.map((action) => `dynamodb:${action}`), resources }));
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
          event: events.RuleTargetInput.fromObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    // A run that fails after EventBridge handed it over lands in the same queue (and its alarm).
    fn.configureAsyncInvoke({ onFailure: new SqsDestination(this.deadLetterQueue), retryAttempts: 1 });
  }

  #api(throttle: { rateLimit: number; burstLimit: number }, retention: logs.RetentionDays): apigw.HttpApi {
    const api = new apigw.HttpApi(this, 'Api', { createDefaultStage: false, description: 'WeChat authorizer tokens' });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    const iamAuth = new HttpIamAuthorizer();
    const getter = new HttpLambdaIntegration('Getter', this.functions.getter);
    for (const route of Object.values(ROUTES).filter((candidate) => candidate.handler === 'getter')) {
      api.addRoutes({ path: route.path, methods: [apigw.HttpMethod[route.method]], integration: getter, authorizer: iamAuth });
    }
    // WeChat calls this route and cannot sign: the push's msg_signature is its authentication.
    const [callbackRoute] = api.addRoutes({
      path: ROUTES.wechatCallback.path,
      methods: [apigw.HttpMethod[ROUTES.wechatCallback.method]],
      integration: new HttpLambdaIntegration('Callback', this.functions.callback),
    });
    if (callbackRoute) {
      Validations.of(callbackRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: "WeChat's push URL: WeChat cannot sign with SigV4; each push is authenticated by its msg_signature and AES encryption.",
      });
    }
    return api;
  }
}
