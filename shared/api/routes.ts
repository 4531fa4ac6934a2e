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
  /** One account of the registry: its status, type, name, permission sets; never a token. */
  authorizer: { method: 'GET', path: '/authorizers/{appid}', handler: 'getter', auth: 'iam' },
  componentToken: { method: 'GET', path: '/component/token', handler: 'getter', auth: 'iam' },
  wechatCallback: { method: 'POST', path: '/wechat/callback', handler: 'callback', auth: 'none' },
  /** An onboarding session: the hub's page that sends the account owner to WeChat, and where they return to. */
  authorizations: { method: 'POST', path: '/authorizations', handler: 'onboarding', auth: 'iam' },
  /** Just WeChat's link, for a platform that opens it from its own page on the registered domain. */
  authorizationLink: { method: 'POST', path: '/authorizations/link', handler: 'onboarding', auth: 'iam' },
  /** The public page of a session (`?session=`): mints a pre-auth code and sends the browser to WeChat. */
  authorizePage: { method: 'GET', path: '/authorize', handler: 'onboarding', auth: 'none' },
  /** WeChat's redirect after the owner confirmed (`?session=&auth_code=&expires_in=`). */
  authorizeCallback: { method: 'GET', path: '/authorize/callback', handler: 'onboarding', auth: 'none' },
} as const satisfies Record<string, Route>;

export interface Route {
  readonly method: 'GET' | 'POST';
  /** API Gateway's path template: `{name}` is one path segment. */
  readonly path: string;
  /** The function that answers it. */
  readonly handler: 'getter' | 'callback' | 'onboarding';
  /**
   * `iam`: SigV4-signed callers only; `none`: WeChat's pushes (verified by their signature instead) and
   * the onboarding pages a browser opens (an unguessable session id, and WeChat's single-use codes).
   */
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
  authorizer: routeKey(ROUTES.authorizer),
  componentToken: routeKey(ROUTES.componentToken),
  wechatCallback: routeKey(ROUTES.wechatCallback),
  authorizations: routeKey(ROUTES.authorizations),
  authorizationLink: routeKey(ROUTES.authorizationLink),
  authorizePage: routeKey(ROUTES.authorizePage),
  authorizeCallback: routeKey(ROUTES.authorizeCallback),
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
