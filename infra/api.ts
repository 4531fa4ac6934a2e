import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTES, type Route } from '../shared/api/routes.js';

/**
 * One JSON line per request: the audit trail of who read which token. Only variables AWS documents for
 * HTTP APIs (API Gateway refuses the stage otherwise; `$context.resourcePath`, which
 * `AccessLogFormat.jsonWithStandardFields` writes, is REST-only). `path` holds the appid, `routeKey` the
 * route, the `identity` fields the SigV4 caller on the AWS_IAM routes (empty on WeChat's callback).
 * Each value is quoted (API Gateway writes `-` for a value it does not have, which would not be JSON
 * unquoted). No free text is logged: HTTP API access logs cannot escape a value, so an error message with
 * a `"` would break the line, and `$context.error.messageString` (its pre-quoted form) is not documented
 * for a request without an error, where a bare `-` would break every successful line, the audit trail.
 * `errorType` says what failed; `integrationRequestId` (the Lambda invocation's request id) leads to the
 * function's own log lines, which hold the error. No header is logged, so neither a signature nor a token
 * can reach the log.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationRequestId: '$context.awsEndpointRequestId',
  errorType: '$context.error.responseType',
  ip: '$context.identity.sourceIp',
  callerAccountId: '$context.identity.accountId',
  caller: '$context.identity.caller',
  user: '$context.identity.user',
  userArn: '$context.identity.userArn',
  principalOrgId: '$context.identity.principalOrgId',
} as const;

/** The stage's log format: one JSON object, every value a quoted variable. */
export function accessLogFormat(): string {
  return JSON.stringify(ACCESS_LOG_FIELDS);
}

export interface TokensApiOptions {
  readonly functions: { readonly getter: lambda.IFunction; readonly callback: lambda.IFunction };
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly retention: logs.RetentionDays;
}

/**
 * The HTTP API of `ROUTES`: AWS_IAM on the getter's routes, none on WeChat's callback; one throttled
 * `$default` stage with JSON access logs.
 */
export function tokensApi(scope: Construct, options: TokensApiOptions): apigw.HttpApi {
  const api = new apigw.HttpApi(scope, 'Api', { createDefaultStage: false, description: 'WeChat authorizer tokens' });
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: options.retention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new apigw.HttpStage(scope, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: options.throttle,
    accessLogSettings: {
      destination: new apigw.LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.custom(accessLogFormat()),
    },
  });
  const iamAuth = new HttpIamAuthorizer();
  const getter = new HttpLambdaIntegration('Getter', options.functions.getter);
  for (const route of Object.values(ROUTES).filter((candidate) => candidate.handler === 'getter')) {
    api.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration: getter,
      authorizer: iamAuth,
    });
  }
  // WeChat calls this route and cannot sign: the push's msg_signature is its authentication.
  const [callbackRoute] = api.addRoutes({
    path: ROUTES.wechatCallback.path,
    methods: [apigw.HttpMethod[ROUTES.wechatCallback.method]],
    integration: new HttpLambdaIntegration('Callback', options.functions.callback),
  });
  if (callbackRoute) {
    Validations.of(callbackRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "WeChat's push URL: WeChat cannot sign with SigV4; each push is authenticated by its msg_signature and AES encryption.",
    });
  }
  return api;
}

/**
 * The execute-api ARN of `route` on the `$default` stage, its `{appid}` filled in (`*`: every appid):
 * what a grant names, so that the grants follow the route list.
 */
export function routeArn(api: apigw.HttpApi, route: Route, appId = '*'): string {
  return api.arnForExecuteApi(route.method, route.path.replace('{appid}', appId), '$default');
}
