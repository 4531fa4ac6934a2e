import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { NOT_FOUND_BODY } from '../../functions/common/http.js';
import { MAX_REFRESH_BODY_BYTES } from '../../functions/getter/request.js';
import { matchRoute } from '../../infra/local/request-target.js';
import { ROUTE_KEYS } from '../../shared/api/routes.js';
import type { WechatSimulator } from '../../simulator/index.js';
import { httpApiEvent } from '../fixtures/api-gateway.js';

/**
 * The getter's fuzzing (issue 14): requests an attacker could send to the getter's routes, and what any
 * answer to them may be. Shared by the handler's property (events as API Gateway builds them) and the
 * local server's (raw HTTP).
 */

/** fast-check's settings: a fixed budget, and `FC_SEED` (with `FC_PATH`) replays the run a failure printed. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  return {
    numRuns,
    ...(seed ? { seed: Number(seed) } : {}),
    ...(path ? { path } : {}),
    endOnFailure: true,
  };
}

/**
 * The getter's documented errors, `[status, code]`, read from docs/api.md's table "Errors of the getter
 * routes", so that an answer the docs do not name fails the property. The 5xx among them are left out:
 * with WeChat and DynamoDB answering, no request of a caller's may cause one.
 */
export function documentedErrors(): ReadonlySet<string> {
  const docs = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const section = docs.slice(
    docs.indexOf('## Errors of the getter routes'),
    docs.indexOf('\n## ', docs.indexOf('## Errors of the getter routes') + 3),
  );
  const errors = new Set<string>();
  for (const [, status, code] of section.matchAll(/^\| (\d{3}) +\| `([a-z_]+)`/gm))
    if (Number(status) < 500) errors.add(`${status} ${code}`);
  return errors;
}

/** The accounts whose tokens the fuzz tries to reach, and the tokens it carries in its bodies. */
export interface FuzzTargets {
  readonly appIds: readonly string[];
  /** Tokens known when the run started (each account's, the component's): carried as `invalid_token`. */
  readonly tokens: readonly string[];
}

const encodeAll = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

/** One path segment: route words and their near misses, dots and escapes, appids (spelled and escaped), noise. */
function segment(targets: FuzzTargets): fc.Arbitrary<string> {
  const appId = fc.constantFrom(...targets.appIds, 'wx0000000000000000');
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('authorizers', 'component', 'token', 'refresh') },
    { weight: 3, arbitrary: appId },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '',
        '%2e',
        '%2E%2E',
        '%2e%2e',
        '%2F',
        '%2f',
        '..%2F..',
        '%00',
        '%',
        '%zz',
        '%C0%AE',
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom('Authorizers', 'TOKEN', 'Component', 'prod', '$default', 'authorizers;x') },
    {
      weight: 2,
      arbitrary: fc.tuple(appId, fc.nat()).map(([id, at]) => {
        const index = at % id.length;
        return `${id.slice(0, index)}${encodeAll(id.charAt(index))}${id.slice(index + 1)}`;
      }),
    },
    { weight: 1, arbitrary: appId.map(encodeAll) },
    { weight: 1, arbitrary: appId.map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(encodeURIComponent) },
  );
}

/** A request target's path (as sent, valid HTTP: anything else is escaped): the routes' own, mutated ones, and any. */
export function fuzzPath(targets: FuzzTargets): fc.Arbitrary<string> {
  const appId = fc.constantFrom(...targets.appIds, 'wx0000000000000000');
  const canonical = fc.oneof(
    appId.map((id) => `/authorizers/${id}/token`),
    appId.map((id) => `/authorizers/${id}/token/refresh`),
    fc.constant('/authorizers'),
    fc.constant('/component/token'),
  );
  const mutated = fc
    .tuple(canonical, fc.nat(), segment(targets), fc.constantFrom('insert', 'replace', 'slash', 'double'))
    .map(([path, at, piece, how]) => {
      const parts = path.split('/');
      const index = 1 + (at % parts.length);
      if (how === 'insert') parts.splice(index, 0, piece);
      else if (how === 'replace') parts[Math.min(index, parts.length - 1)] = piece;
      else if (how === 'double') parts.splice(index, 0, '');
      else return `${path}/`;
      return parts.join('/');
    });
  const arbitraryPath = fc.array(segment(targets), { maxLength: 7 }).map((parts) => `/${parts.join('/')}`);
  return fc.oneof(
    { weight: 2, arbitrary: canonical },
    { weight: 4, arbitrary: mutated },
    { weight: 3, arbitrary: arbitraryPath },
  );
}

/** A raw query string (without `?`): the documented parameters with good and bad values, unknown and repeated ones. */
export function fuzzQuery(): fc.Arbitrary<string> {
  const name = fc.constantFrom('limit', 'cursor', 'x', 'appid', 'X-Amz-Signature', 'limit');
  const value = fc.oneof(
    fc.constantFrom('1', '5', '100', '500', '501', '0', '05', '1e2', '+5', '%205', '0x10', '5.0', 'garbage', ''),
    fc.string({ maxLength: 12 }).map(encodeURIComponent),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(name, value), { maxLength: 3 })
        .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&')),
    },
  );
}

export interface FuzzBody {
  readonly text: string | undefined;
  readonly base64: boolean;
}

/** A body: none, noise, reports of known and unknown tokens, malformed ones, one over the cap. */
export function fuzzBody(targets: FuzzTargets): fc.Arbitrary<FuzzBody> {
  const token = fc.oneof(fc.constantFrom(...targets.tokens), fc.string({ maxLength: 20 }));
  const text = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: token.map((invalid) => JSON.stringify({ invalid_token: invalid })) },
    { weight: 1, arbitrary: fc.constantFrom('{}', '[]', 'null', '{"invalid_token":5}', '{"invalid_token":""}', '{') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constant(`{"invalid_token":"${'x'.repeat(MAX_REFRESH_BODY_BYTES)}"}`) },
  );
  return fc
    .record({ text, base64: fc.boolean() })
    .map((body) => (body.text === undefined ? { text: undefined, base64: false } : body));
}

export interface FuzzRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query: string;
  readonly body: FuzzBody;
}

export function fuzzRequest(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    method: fc.constantFrom('GET', 'POST'),
    path: fuzzPath(targets),
    query: fuzzQuery(),
    body: fuzzBody(targets),
  });
}

const GETTER_ROUTE_KEYS = [
  ROUTE_KEYS.authorizerToken,
  ROUTE_KEYS.authorizerTokenRefresh,
  ROUTE_KEYS.authorizers,
  ROUTE_KEYS.componentToken,
] as const;

/**
 * The event the getter is handed for `request`, as API Gateway would build it, or `undefined` where API
 * Gateway answers by itself (no route). `routing`: `as_sent` routes and passes the path as the local
 * server does; `decoded` passes `rawPath` percent-decoded, as AWS does; `confused` is a router that sends
 * any path to any of the getter's route keys with any path parameters, and the getter must still hold.
 */
export function eventFor(
  request: FuzzRequest,
  routing:
    | { kind: 'as_sent' | 'decoded' }
    | { kind: 'confused'; routeKey: number; appid: string | undefined; stage: string },
): APIGatewayProxyEventV2 | undefined {
  const query = Object.fromEntries(
    [...new URLSearchParams(request.query)].reduce((joined, [name, value]) => {
      joined.set(name, joined.has(name) ? `${joined.get(name)},${value}` : value);
      return joined;
    }, new Map<string, string>()),
  );
  const common = {
    ...(Object.keys(query).length > 0 ? { query } : {}),
    ...(request.body.text === undefined
      ? {}
      : {
          body: request.body.base64 ? Buffer.from(request.body.text, 'utf8').toString('base64') : request.body.text,
          isBase64Encoded: request.body.base64,
        }),
  };
  if (routing.kind === 'confused') {
    const routeKey = GETTER_ROUTE_KEYS[routing.routeKey % GETTER_ROUTE_KEYS.length] ?? ROUTE_KEYS.componentToken;
    const event = httpApiEvent({
      routeKey,
      rawPath: routing.stage === '$default' ? request.path : `/${routing.stage}${request.path}`,
      ...(routing.appid === undefined ? {} : { pathParameters: { appid: routing.appid } }),
      ...common,
    });
    return { ...event, requestContext: { ...event.requestContext, stage: routing.stage } };
  }
  const match = matchRoute(request.method, request.path);
  if (match.kind !== 'route' || match.route.handler !== 'getter') return undefined;
  return httpApiEvent({
    routeKey: match.route.routeKey,
    rawPath: routing.kind === 'decoded' ? decodedOrAsSent(request.path) : request.path,
    ...(match.pathParameters ? { pathParameters: match.pathParameters } : {}),
    ...common,
  });
}

function decodedOrAsSent(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Every string anywhere in a JSON value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * What any answer to a fuzzed request may be: a status docs/api.md documents (never 5xx), and a token
 * only of the account whose canonical path the getter was given (`rawPath`, on $default), the component
 * token only at `/component/token`. `local` admits the local server's own answers (docs/api.md).
 */
export function checkAnswer(
  answer: { status: number; body: string },
  context: {
    rawPath: string;
    world: WechatSimulator['world'];
    targets: FuzzTargets;
    errors: ReadonlySet<string>;
    local?: boolean;
  },
): void {
  const { status, body } = answer;
  if (status >= 500) throw new Error(`a 5xx answer: ${status} ${body}`);
  if (status === 404 && body === NOT_FOUND_BODY) return;
  if (context.local && status === 400 && body === '{"message":"Bad Request"}') return;
  const parsed = JSON.parse(body) as unknown;
  if (status !== 200) {
    const { error, message, ...rest } = parsed as { error?: unknown; message?: unknown };
    if (typeof error !== 'string' || typeof message !== 'string' || Object.keys(rest).length > 0)
      throw new Error(`an error that is not {error, message}: ${status} ${body}`);
    if (!context.errors.has(`${status} ${error}`)) throw new Error(`an undocumented answer: ${status} ${error}`);
  }
  for (const text of stringsIn(parsed)) {
    for (const appId of context.targets.appIds)
      if (context.world.isAuthorizerTokenValid(appId, text)) {
        const own = [`/authorizers/${appId}/token`, `/authorizers/${appId}/token/refresh`];
        if (!own.includes(context.rawPath)) throw new Error(`${appId}'s token answered at ${context.rawPath}`);
      }
    if (context.world.isComponentTokenValid(text) && context.rawPath !== '/component/token')
      throw new Error(`the component token answered at ${context.rawPath}`);
  }
}
