import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NOT_FOUND_BODY } from '../../functions/common/http.js';
import { type ControlAnswer, type ControlRequest, isControlPath, MAX_CONTROL_BODY_BYTES } from './control.js';
import { matchRoute, queryParameters, type RequestTarget, readTarget } from './request-target.js';

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
/** The local-only control routes (`/__sim/…`, `/__local/…`; see control.ts). */
export type ControlHandler = (request: ControlRequest) => Promise<ControlAnswer>;

interface Handlers {
  readonly getter: RouteHandler;
  readonly callback: RouteHandler;
  /** The onboarding routes (sessions, the authorize page, WeChat's redirect); 404 without one. */
  readonly onboarding?: RouteHandler | undefined;
  readonly control?: ControlHandler | undefined;
}

export { API_ROUTES } from './request-target.js';

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

/**
 * Routed on the request target as sent, as API Gateway routes: no dot segment removed, no escape decoded
 * before matching (request-target.ts). The event's `rawPath` is the path as sent too; API Gateway's is
 * percent-decoded (docs/api.md#paths), which only a path with escapes tells apart.
 */
async function serve(options: Handlers, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const target = readTarget(request.url);
  if (target && options.control && isControlPath(target.rawPath)) {
    const body = await readBody(request, MAX_CONTROL_BODY_BYTES);
    const answer = await options.control({
      method: request.method ?? 'GET',
      pathname: target.rawPath,
      body,
      query: queryParameters(target.rawQueryString),
    });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return;
  }
  const match = target ? matchRoute(request.method, target.rawPath) : { kind: 'no_route' as const };
  const handler = match.kind === 'route' ? options[match.route.handler] : undefined;
  if (match.kind === 'no_route' || !target) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(NOT_FOUND_BODY);
    return;
  }
  if (match.kind === 'bad_escape') {
    response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"Bad Request"}');
    return;
  }
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body === undefined) {
    response.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
    return;
  }
  if (!handler) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(NOT_FOUND_BODY);
    return;
  }
  const event = toEvent(request, target, match.route.routeKey, match.pathParameters, body);
  const result = await handler(event);
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
  target: RequestTarget,
  routeKey: string,
  pathParameters: Record<string, string> | undefined,
  body: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const query = queryParameters(target.rawQueryString);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: target.rawPath,
    rawQueryString: target.rawQueryString,
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(pathParameters === undefined ? {} : { pathParameters }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers['host'] ?? 'local',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: target.rawPath,
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
