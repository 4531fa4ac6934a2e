import { ROUTES, type Route, routeKey } from '../../shared/api/routes.js';

/**
 * The request target as sent (`/authorizers/wx…/token?limit=5`), read the way API Gateway routes it and
 * never normalized: `new URL()` removes dot segments (`/a/x/../b` is `/a/b`) and `%2e` with them, so a
 * server that routes on its `pathname` serves a path API Gateway would not have routed there.
 */
export interface RequestTarget {
  /** The path as sent, every byte of it (no dot segment removed, no escape decoded). */
  readonly rawPath: string;
  /** The query as sent, without its `?`. */
  readonly rawQueryString: string;
}

/** `undefined` for a target that is not a path (`*`, an absolute URL): no route has it. */
export function readTarget(target: string | undefined): RequestTarget | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  const question = target.indexOf('?');
  return question === -1
    ? { rawPath: target, rawQueryString: '' }
    : { rawPath: target.slice(0, question), rawQueryString: target.slice(question + 1) };
}

/**
 * The query as API Gateway hands it to the function (payload 2.0): names and values decoded (`+` is a
 * space), a repeated name's values joined with commas (`limit=5&limit=6` is `limit: "5,6"`).
 */
export function queryParameters(rawQueryString: string): Record<string, string> {
  // A Map, then own properties: assigning `joined['__proto__']` on a plain object is silently dropped
  // (and `constructor` reads Object's), where API Gateway hands the function such a name as it does every other.
  const joined = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const before = joined.get(name);
    joined.set(name, before === undefined ? value : `${before},${value}`);
  }
  return Object.fromEntries(joined);
}

export interface LocalRoute {
  readonly method: string;
  /** Matches the raw path: each literal segment as written, each `{name}` one non-empty segment. */
  readonly pattern: RegExp;
  /** The `{name}`s in order, for the pattern's groups. */
  readonly parameterNames: readonly string[];
  readonly routeKey: string;
  readonly handler: Route['handler'];
}

/** The API's routes as API Gateway matches them: each `{name}` is one non-empty path segment. */
export const API_ROUTES: readonly LocalRoute[] = Object.values(ROUTES).map((route: Route) => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
  parameterNames: [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? ''),
  routeKey: routeKey(route),
  handler: route.handler,
}));

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: LocalRoute; readonly pathParameters: Record<string, string> | undefined }
  | { readonly kind: 'no_route' }
  /** A `{name}` segment whose percent-escapes do not decode (`%zz`, half a UTF-8 character). */
  | { readonly kind: 'bad_escape' };

/**
 * The route for a method and raw path, and its path parameters percent-decoded as API Gateway hands
 * them over (`%77x…` is `wx…`): the getter then sees that its raw path is not that appid's canonical
 * path and refuses it (shared/api/routes.ts).
 */
export function matchRoute(method: string | undefined, rawPath: string): RouteMatch {
  const route = API_ROUTES.find((candidate) => candidate.method === method && candidate.pattern.test(rawPath));
  if (!route) return { kind: 'no_route' };
  const groups = route.pattern.exec(rawPath)?.slice(1) ?? [];
  if (route.parameterNames.length === 0) return { kind: 'route', route, pathParameters: undefined };
  const pathParameters: Record<string, string> = {};
  try {
    route.parameterNames.forEach((name, index) => {
      pathParameters[name] = decodeURIComponent(groups[index] ?? '');
    });
  } catch {
    return { kind: 'bad_escape' };
  }
  return { kind: 'route', route, pathParameters };
}
