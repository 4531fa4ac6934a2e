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

/** The route whose route key this is (`event.routeKey`), or `undefined` for one the API does not declare. */
export function routeOfKey(key: string): Route | undefined {
  return Object.values(ROUTES).find((route: Route) => routeKey(route) === key);
}

/**
 * The one path a request for `route` may have: the template with each `{name}` replaced by its
 * parameter, character for character (`/authorizers/wx0123456789abcdef/token`). `undefined` when a
 * parameter is missing or extra, or is not one ordinary path segment (empty, `.`, `..`, or holding a
 * `/`): no such path is canonical, whatever the rest of the request says.
 */
export function canonicalPath(
  route: Route,
  parameters: Readonly<Record<string, string | undefined>> = {},
): string | undefined {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
  const given = Object.keys(parameters).filter((name) => parameters[name] !== undefined);
  if (given.length !== names.length || !names.every((name) => given.includes(name))) return undefined;
  let path = route.path;
  for (const name of names) {
    const value = parameters[name] ?? '';
    if (value === '' || value === '.' || value === '..' || value.includes('/')) return undefined;
    path = path.replace(`{${name}}`, () => value);
  }
  return path;
}

/**
 * Whether a request's `rawPath` is exactly the canonical path of its route. API Gateway puts a named
 * stage in front of the path (`/prod/authorizers/…`) and nothing for `$default`, the stage this API
 * deploys. No other spelling is the route: not a dot segment, an empty segment, a trailing `/`, another
 * case, or a percent-escape the path parameter does not have (the local server passes the path as sent;
 * API Gateway passes it decoded, see docs/api.md#paths).
 */
export function isCanonicalRequest(
  route: Route,
  request: {
    rawPath?: string | undefined;
    stage?: string | undefined;
    pathParameters?: Readonly<Record<string, string | undefined>> | undefined;
  },
): boolean {
  const canonical = canonicalPath(route, request.pathParameters ?? {});
  if (canonical === undefined || request.rawPath === undefined) return false;
  const stage = request.stage ?? '$default';
  const prefix = stage === '$default' ? '' : `/${stage}`;
  return request.rawPath === `${prefix}${canonical}`;
}
