import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTES, type Route } from '../shared/api/routes.js';

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
