import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Answer, fail } from './answer.js';
import { authorizerInfoAnswer, type FlowContext } from './authorization-flow.js';
import { answerAuthorizationPage, isAuthorizationPath } from './authorization-page.js';
import type { Clock } from './clock.js';
import type { CallCounters } from './counters.js';
import { type ComponentEndpoint, type Endpoint, isComponentEndpoint } from './endpoints.js';
import type { Faults } from './faults.js';
import type { WechatWorld } from './world.js';

const MAX_REQUEST_BYTES = 1024 * 1024;
const COMPONENT_PREFIX = '/cgi-bin/component/';

interface Routing {
  readonly world: WechatWorld;
  readonly faults: Faults;
  readonly counters: CallCounters;
  readonly clock: Clock;
  /** Called after api_start_push_ticket succeeds: WeChat then pushes a ticket. */
  readonly onStartPushTicket: () => void;
  /** What the authorization pages work with, read per request (the callback URL can change). */
  readonly flow: () => FlowContext;
}

/**
 * The HTTP face of the simulated WeChat: POST /cgi-bin/component/<api>?access_token=… with a JSON body,
 * answered as api.weixin.qq.com answers (HTTP 200 and an errcode for every failure it knows of), after
 * the faults decide whether to delay, fail or drop the call.
 */
export function createSimulatorServer(routing: Routing): Server {
  return createServer((request, response) => {
    handle(routing, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, fail(-1, 'system error'));
      else response.destroy();
    });
  });
}

async function handle(routing: Routing, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  if (url.pathname === '/__sim/counters' && request.method === 'GET') {
    return send(response, 200, routing.counters.snapshot());
  }
  if (isAuthorizationPath(url.pathname)) {
    const text = (await readBody(request)) ?? '';
    const referer = request.headers.referer;
    const answer = await answerAuthorizationPage(routing.flow(), request.method ?? 'GET', url, referer, text);
    response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    const { after } = answer;
    return void response.end(answer.body, () => {
      if (after) after().catch(() => undefined);
    });
  }
  const endpoint = endpointOf(url.pathname);
  if (!endpoint) return send(response, 404, fail(40066, 'invalid url'));
  const text = await readBody(request);
  if (text === undefined) {
    routing.counters.record(endpoint, 47001);
    return send(response, 413, fail(47001, 'data format error: body too large'));
  }

  const appId = authorizerOf(endpoint, text);
  const decision = routing.faults.decide(endpoint);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (decision.dropBefore) {
    routing.counters.record(endpoint, 'dropped', appId);
    return void request.socket.destroy();
  }
  if (decision.raw) {
    routing.counters.record(endpoint, 'raw', appId);
    response.writeHead(decision.raw.status, { 'content-type': 'text/html' });
    return void response.end(decision.raw.body);
  }
  const answer =
    decision.errcode !== undefined
      ? fail(decision.errcode, errmsgFor(decision.errcode))
      : answerCall(routing, endpoint, request, url, text);
  if (decision.dropAfter) {
    routing.counters.record(endpoint, 'dropped', appId);
    return void request.socket.destroy();
  }
  routing.counters.record(endpoint, typeof answer['errcode'] === 'number' ? answer['errcode'] : 0, appId);
  send(response, 200, answer);
}

function answerCall(routing: Routing, endpoint: Endpoint, request: IncomingMessage, url: URL, text: string): Answer {
  // The current pages name the query parameter access_token; older ones component_access_token.
  const token = url.searchParams.get('access_token') ?? url.searchParams.get('component_access_token') ?? undefined;
  if (endpoint === 'get_api_domain_ip') return routing.world.checkAuthorizerToken(token);
  if (request.method !== 'POST') return fail(43002, 'require POST method');
  if (routing.faults.spendQuota(endpoint, routing.clock.now())) return fail(45009, 'reach max api daily quota limit');
  if (text.trim() === '') return fail(44002, 'empty post data');
  const body = parseObject(text);
  if (!body) return fail(47001, 'data format error');
  return answerComponentCall(routing, endpoint, token, body);
}

function answerComponentCall(
  routing: Routing,
  endpoint: ComponentEndpoint,
  token: string | undefined,
  body: Readonly<Record<string, unknown>>,
): Answer {
  const { world } = routing;
  switch (endpoint) {
    case 'api_component_token':
      return world.componentToken(body);
    case 'api_get_authorizer_list':
      return world.authorizerList(token, body);
    case 'api_authorizer_token':
      return world.authorizerToken(token, body);
    case 'api_query_auth':
      return world.queryAuth(token, body);
    case 'api_get_authorizer_info':
      return authorizerInfoAnswer(world, token, body);
    case 'api_create_preauthcode':
      return world.createPreAuthCode(token, body);
    case 'api_start_push_ticket': {
      const answer = world.startPushTicket(body);
      if (answer['errcode'] === 0) setImmediate(routing.onStartPushTicket);
      return answer;
    }
  }
}

function endpointOf(pathname: string): Endpoint | undefined {
  if (pathname === '/cgi-bin/get_api_domain_ip') return 'get_api_domain_ip';
  if (!pathname.startsWith(COMPONENT_PREFIX)) return undefined;
  const name = pathname.slice(COMPONENT_PREFIX.length);
  return isComponentEndpoint(name) ? name : undefined;
}

/** The authorizer a call is made for, so that counters can tell renewals per account apart. */
function authorizerOf(endpoint: Endpoint, text: string): string | undefined {
  if (endpoint !== 'api_authorizer_token' && endpoint !== 'api_get_authorizer_info') return undefined;
  const appId = parseObject(text)?.['authorizer_appid'];
  return typeof appId === 'string' ? appId : undefined;
}

function parseObject(text: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function errmsgFor(errcode: number): string {
  const known: Record<number, string> = {
    [-1]: 'system error',
    40001: 'invalid credential, access_token is invalid or not latest',
    42001: 'access_token expired',
    45009: 'reach max api daily quota limit',
    61023: 'refresh_token is invalid',
  };
  return known[errcode] ?? 'simulated failure';
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; encoding=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}
