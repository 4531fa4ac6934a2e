import { RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTES, type Route, routeKey } from '../shared/api/routes.js';
import { UnsignedRouteError } from './errors.js';

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

/** A steady rate (requests per second) and a burst, as API Gateway's throttles take them. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** The functions that answer the API's routes, by `Route.handler`. */
export type RouteHandlers = Readonly<Record<Route['handler'], lambda.IFunction>>;

export interface TokensApiOptions {
  readonly functions: RouteHandlers;
  /** Each IAM route's limits (and the stage's default, for a route added later). */
  readonly throttle: Throttle;
  /** The callback route's own limits. */
  readonly callbackThrottle: Throttle;
  /** Each public onboarding page's own limits. */
  readonly onboardingThrottle: Throttle;
  readonly retention: logs.RetentionDays;
}

/** The API and its one stage (what a custom domain is mapped to). */
export interface TokensApi {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
}

/**
 * What is wrong with a throttle prop, found at synth: API Gateway takes a rate of 0 or more and a whole
 * burst of 0 or more. A value known only at deploy time is left to CloudFormation.
 */
export function throttleProblems(prop: string, throttle: Throttle): string[] {
  const { rateLimit, burstLimit } = throttle;
  const problems: string[] = [];
  if (!Token.isUnresolved(rateLimit) && !(Number.isFinite(rateLimit) && rateLimit >= 0))
    problems.push(`${prop}.rateLimit must be 0 or more requests per second, not ${rateLimit}`);
  if (!Token.isUnresolved(burstLimit) && !(Number.isInteger(burstLimit) && burstLimit >= 0))
    problems.push(`${prop}.burstLimit must be a whole number, 0 or more, not ${burstLimit}`);
  return problems;
}

/** Why a route without an authorizer is safe without one (cdk-nag's AwsSolutions-APIG4), by its handler. */
const UNSIGNED_REASONS: Readonly<Partial<Record<Route['handler'], string>>> = {
  callback:
    "WeChat's push URL: WeChat cannot sign with SigV4; each push is authenticated by its msg_signature and AES encryption.",
  onboarding:
    "The onboarding pages are opened by a browser, which cannot sign: the session id in the query is unguessable (32 random bytes) and only its creator and the browser know it, and WeChat's codes are single use.",
};

/**
 * The HTTP API of `ROUTES`, each route on the function of its `handler` and with its `auth` (AWS_IAM, or
 * none: WeChat's callback and the onboarding pages a browser opens); one `$default` stage with JSON access
 * logs, each route throttled on its own (`routeThrottles`).
 */
export function tokensApi(scope: Construct, options: TokensApiOptions): TokensApi {
  const api = new apigw.HttpApi(scope, 'Api', { createDefaultStage: false, description: 'WeChat authorizer tokens' });
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: options.retention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stage = new apigw.HttpStage(scope, 'DefaultStage', {
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
  // One integration per function (their construct ids, `Getter`, `Callback`, are kept from before).
  const integrations = new Map<Route['handler'], HttpLambdaIntegration>();
  const integrationOf = (handler: Route['handler']) => {
    let integration = integrations.get(handler);
    if (!integration) {
      const id = `${handler.charAt(0).toUpperCase()}${handler.slice(1)}`;
      integration = new HttpLambdaIntegration(id, options.functions[handler]);
      integrations.set(handler, integration);
    }
    return integration;
  };
  const routes: apigw.HttpRoute[] = [];
  const declared: Route[] = [];
  for (const route of Object.values(ROUTES) as Route[]) {
    const added = api.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration: integrationOf(route.handler),
      ...(route.auth === 'iam' ? { authorizer: iamAuth } : {}),
    });
    routes.push(...added);
    declared.push(route);
    const reason = UNSIGNED_REASONS[route.handler];
    if (route.auth === 'none') {
      if (reason === undefined)
        throw new UnsignedRouteError(
          `${routeKey(route)} has no authorizer, and its handler is not one that answers unsigned requests`,
        );
      for (const unsigned of added) Validations.of(unsigned).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }
  // The L2 stage takes only the default route settings: the routes' own are the L1's RouteSettings, for
  // the declared routes only (CloudFormation fails a key no route has). The stage waits for its routes,
  // or CloudFormation fails it ("Unable to find Route by key").
  (stage.node.defaultChild as apigw.CfnStage).routeSettings = routeSettings(routeThrottles(options, declared));
  stage.node.addDependency(...routes);
  return { api, stage };
}

/**
 * Each route's limits, by route key: a flood of the unauthenticated callback spends the callback's
 * budget only, a flood of the public onboarding pages theirs, never an IAM route's, and each IAM route
 * has its own. (The account's limit per Region is shared by every API of the account there: no setting
 * of this API separates that.)
 */
export function routeThrottles(
  options: Pick<TokensApiOptions, 'throttle' | 'callbackThrottle' | 'onboardingThrottle'>,
  routes: readonly Route[] = Object.values(ROUTES),
): Record<string, Throttle> {
  const throttleOf = (route: Route): Throttle => {
    if (route.handler === 'callback') return options.callbackThrottle;
    if (route.handler === 'onboarding' && route.auth === 'none') return options.onboardingThrottle;
    return options.throttle;
  };
  return Object.fromEntries(routes.map((route) => [routeKey(route), throttleOf(route)]));
}

function routeSettings(throttles: Readonly<Record<string, Throttle>>): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.entries(throttles).map(([key, { rateLimit, burstLimit }]) => [
      key,
      { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit },
    ]),
  );
}

/**
 * The execute-api ARN of `route` on the `$default` stage, its `{appid}` filled in (`*`: every appid):
 * what a grant names, so that the grants follow the route list.
 */
export function routeArn(api: apigw.HttpApi, route: Route, appId = '*'): string {
  return api.arnForExecuteApi(route.method, route.path.replace('{appid}', appId), '$default');
}
