import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ROUTES, type Route, routeKey } from '../../shared/api/routes.js';
import { type ControlAnswer, type ControlRequest, isControlPath, MAX_CONTROL_BODY_BYTES } from './control.js';

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
/** The local-only control routes (`/__sim/…`, `/__local/…`; see control.ts). */
export type ControlHandler = (request: ControlRequest) => Promise<ControlAnswer>;

interface Handlers {
  readonly getter: RouteHandler;
  readonly callback: RouteHandler;
  readonly control?: ControlHandler | undefined;
}

interface LocalRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly routeKey: string;
  readonly handler: 'getter' | 'callback';
}

/** The API's routes as API Gateway matches them: each `{name}` is one non-empty path segment. */
export const API_ROUTES: readonly LocalRoute[] = Object.values(ROUTES).map((route: Route) => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
  routeKey: routeKey(route),
  handler: route.handler,
}));

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The API on loopback: each request becomes the API Gateway (HTTP API, payload 2.0) event the Lambda
 * would receive, and the handler's answer is written back. IAM is not checked here: SigV4 headers are
 * passed through to the handler and ignored, as the getter in AWS never sees unauthenticated calls.
 */
export async function startApiServer(
  options: Handlers & {
    host?: string;
    port?: number;
  },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    serve(options, request, response).catch(() => {
      if (!response.headersSent)
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":"internal","message":"internal error"}');
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(options: Handlers, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://local');
  if (options.control && isControlPath(url.pathname)) {
    const body = await readBody(request, MAX_CONTROL_BODY_BYTES);
    const answer = await options.control({ method: request.method ?? 'GET', pathname: url.pathname, body });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return;
  }
  const route = API_ROUTES.find(
    (candidate) => candidate.method === request.method && candidate.pattern.test(url.pathname),
  );
  if (!route) {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    return;
  }
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body === undefined) {
    response.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
    return;
  }
  const match = route.pattern.exec(url.pathname);
  let appid: string | undefined;
  try {
    appid = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  } catch {
    response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"Bad Request"}');
    return;
  }
  const event = toEvent(request, url, route.routeKey, appid, body);
  const result = await options[route.handler](event);
  response.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
  response.end(result.body ?? '');
}

/**
 * The body as text; `undefined` when it is over `maxBytes`. The rest is read and dropped rather than
 * the request destroyed, so that the caller gets its 413 instead of a reset connection.
 */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8');
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  routeKey: string,
  appid: string | undefined,
  body: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const query = Object.fromEntries(url.searchParams);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.searchParams.toString(),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(appid === undefined ? {} : { pathParameters: { appid } }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body === '' ? {} : { body }),
    isBase64Encoded: false,
  };
}
