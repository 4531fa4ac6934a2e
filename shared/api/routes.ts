/**
 * The HTTP API's routes, the one list: the CDK construct declares them on API Gateway, the local API
 * server routes by them, and the functions switch on their route keys.
 */
export const ROUTES = {
  authorizerToken: { method: 'GET', path: '/authorizers/{appid}/token', handler: 'getter', auth: 'iam' },
  authorizerTokenRefresh: {
    method: 'POST',
    path: '/authorizers/{appid}/token/refresh',
    handler: 'getter',
    auth: 'iam',
  },
  authorizers: { method: 'GET', path: '/authorizers', handler: 'getter', auth: 'iam' },
  componentToken: { method: 'GET', path: '/component/token', handler: 'getter', auth: 'iam' },
  wechatCallback: { method: 'POST', path: '/wechat/callback', handler: 'callback', auth: 'none' },
} as const satisfies Record<string, Route>;

export interface Route {
  readonly method: 'GET' | 'POST';
  /** API Gateway's path template: `{name}` is one path segment. */
  readonly path: string;
  /** The function that answers it. */
  readonly handler: 'getter' | 'callback';
  /** `iam`: SigV4-signed callers only; `none`: WeChat's pushes, verified by their signature instead. */
  readonly auth: 'iam' | 'none';
}

export type RouteName = keyof typeof ROUTES;

/** API Gateway's route key (`GET /authorizers/{appid}/token`): what the function receives as `event.routeKey`. */
export function routeKey(route: Route): string {
  return `${route.method} ${route.path}`;
}

export const ROUTE_KEYS = {
  authorizerToken: routeKey(ROUTES.authorizerToken),
  authorizerTokenRefresh: routeKey(ROUTES.authorizerTokenRefresh),
  authorizers: routeKey(ROUTES.authorizers),
  componentToken: routeKey(ROUTES.componentToken),
  wechatCallback: routeKey(ROUTES.wechatCallback),
} as const;
