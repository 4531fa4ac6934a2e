import { Aws, CfnMapping, CfnOutput, Stack } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ROUTES } from '../shared/api/routes.js';
import { type HubParameter, parameterName } from './hub-reference.js';

/** Where a deployed hub's parts are: what the outputs print and the SSM parameters hold. */
export interface HubLocations {
  readonly componentAppId: string;
  readonly apiId: string;
  /** The API's base URL (`$default` stage), no trailing slash. */
  readonly url: string;
  readonly secret: secretsmanager.ISecret;
  readonly alarmTopicArn: string;
  readonly tableName: string;
  /** The lifecycle events' bus (created or given). */
  readonly eventBusArn: string;
  /** @default - no dashboard, so no `dashboard-name` parameter or output */
  readonly dashboardName?: string | undefined;
}

/** The URL to give WeChat as the authorization-event URL (授权事件接收URL): the callback route under `url`. */
export function callbackUrlOf(url: string): string {
  return `${url}${ROUTES.wechatCallback.path}`;
}

/**
 * The console's host name in each partition: the console of aws-cn and aws-us-gov is not under
 * `console.aws.amazon.com`. The output is kept (a person fills the secret from it), so the host is looked
 * up by `AWS::Partition` at deploy time.
 */
export const CONSOLE_HOSTS = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
} as const;

/** The Secrets Manager console page of the secret, where it can be filled in by hand. */
function secretConsoleUrl(scope: Construct, secret: secretsmanager.ISecret): string {
  const region = Stack.of(scope).region;
  const hosts = new CfnMapping(scope, 'ConsoleHosts', {
    mapping: Object.fromEntries(Object.entries(CONSOLE_HOSTS).map(([partition, host]) => [partition, { host }])),
  });
  const host = hosts.findInMap(Aws.PARTITION, 'host');
  return `https://${region}.${host}/secretsmanager/secret?name=${secret.secretName}&region=${region}`;
}

/**
 * The stack outputs (what `cdk deploy` prints) and the SSM String parameters
 * (`/wechat-authorizer-tokens/<componentAppId>/<key>`, read by other stacks and apps) of one hub. All are
 * created in the hub's own scope, so their logical ids carry its path and two hubs in one stack never
 * collide; the outputs have no export name, since an export would pin the hub to every stack importing
 * it (the parameters are the way to find it from elsewhere).
 */
export function publishLocations(scope: Construct, hub: HubLocations): void {
  const callbackUrl = callbackUrlOf(hub.url);
  const of = `of the WeChat component ${hub.componentAppId}`;
  const parameters: Record<HubParameter, { readonly value: string; readonly description: string } | undefined> = {
    'api-id': { value: hub.apiId, description: `The token API's id ${of}` },
    'api-url': { value: hub.url, description: `The token API's base URL ${of} (AWS_IAM: sign with SigV4)` },
    'callback-url': { value: callbackUrl, description: `The URL to give WeChat as the authorization-event URL ${of}` },
    'secret-arn': { value: hub.secret.secretArn, description: `The secret holding the credentials ${of}` },
    'alarm-topic-arn': { value: hub.alarmTopicArn, description: `The SNS topic of the alarms ${of}` },
    'table-name': { value: hub.tableName, description: `The DynamoDB table ${of}` },
    'event-bus-arn': { value: hub.eventBusArn, description: `The EventBridge bus of the lifecycle events ${of}` },
    'dashboard-name':
      hub.dashboardName === undefined
        ? undefined
        : { value: hub.dashboardName, description: `The CloudWatch dashboard ${of}` },
  };
  for (const [key, parameter] of Object.entries(parameters) as [HubParameter, (typeof parameters)[HubParameter]][]) {
    if (parameter === undefined) continue;
    const id = pascalCase(key);
    new CfnOutput(scope, id, { value: parameter.value, description: outputDescription(key, parameter.description) });
    new ssm.StringParameter(scope, `${id}Parameter`, {
      parameterName: parameterName(hub.componentAppId, key),
      stringValue: parameter.value,
      description: parameter.description,
    });
  }
  // Two outputs for the person filling the secret, not parameters: they follow from `secret-arn`.
  new CfnOutput(scope, 'SecretConsoleUrl', {
    value: secretConsoleUrl(scope, hub.secret),
    description: `Fill the secret here ${of}: {componentAppId, componentAppSecret, messageToken, encodingAesKey}`,
  });
  new CfnOutput(scope, 'FillSecretCommand', {
    value: `aws secretsmanager put-secret-value --secret-id ${hub.secret.secretArn} --secret-string file://component.json`,
    description: `Or fill the secret from a file ${of} (docs/deploying.md)`,
  });
}

/**
 * The output's description: the parameter's, and for the callback URL the field of WeChat's console it
 * is pasted into (outputs only: the parameters' descriptions stay ASCII).
 */
function outputDescription(key: HubParameter, description: string): string {
  return key === 'callback-url'
    ? `${description}: open.weixin.qq.com, 第三方平台 → 开发资料 → 授权事件接收URL`
    : description;
}

/** `alarm-topic-arn` → `AlarmTopicArn`: a construct id for a parameter key. */
function pascalCase(key: string): string {
  return key.replace(/(?:^|-)([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
