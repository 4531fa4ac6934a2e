import { ROUTE_KEYS } from '../../shared/api/routes';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { Logger } from '../../shared/logger';
import { sensitive } from '../../shared/sensitive';
import type { TokenService } from '../../shared/service';
import { InvalidCursorError, listAuthorizers } from '../../shared/store';
import { ComponentTokenUnavailableError, MIN_SERVED_VALIDITY_MS } from '../../shared/tokens';
import { WechatError } from '../../shared/wechat';
import { APPID_RULE, isAppId } from '../../shared/appid';
import { failure, json, type HttpResponse } from '../common/http';
import { inactiveResponse, renewalResponse, tokenResponse } from './renewal-response';

export interface GetterOptions {
  /**
   * A token guaranteed for less than this is renewed before it is handed out.
   * @default MIN_SERVED_VALIDITY_MS (60 s)
   */
  readonly minValidMs?: number;
  /** How long a request waits for another instance's renewal of the same token. Default 8 s. */
  readonly waitMs?: number;
}

const refreshBody = z.object({ invalid_token: z.string().check(z.minLength(1), z.maxLength(2_048)) });

/**
 * The getter API (AWS_IAM in AWS): the current token per appid, compare-and-renew for a refused token,
 * the list of accounts, and the component token on its own route. One function for the routes, routed
 * by API Gateway's routeKey. Every token is answered with the time until which it is guaranteed to work
 * (trust.ts), never later.
 */
export function createGetter(service: () => TokenService, logger: Logger, options: GetterOptions = {}) {
  const minValidMs = options.minValidMs ?? MIN_SERVED_VALIDITY_MS;
  const waitMs = options.waitMs ?? 8_000;

  async function token(appId: string): Promise<HttpResponse> {
    const { authorizers, renewer, clock } = service();
    const readAt = clock.now();
    const record = await authorizers.get(appId);
    if (!record) return failure(404, 'unknown_authorizer', `no authorizer ${appId} is known`);
    if (record.status !== 'active') return inactiveResponse(appId, record.status);
    const served = renewer.served(record, readAt, minValidMs);
    if (served) return tokenResponse(appId, served, clock.now());
    const result = await renewer.renew(appId, { kind: 'due', minValidMs }, { waitMs });
    return renewalResponse(appId, result, clock.now());
  }

  async function refresh(appId: string, body: string | undefined): Promise<HttpResponse> {
    const parsed = refreshBody.safeParse(parseJson(body));
    if (!parsed.success) return failure(400, 'invalid_body', 'expected {"invalid_token": "<the token WeChat refused>"}');
    const { renewer, clock } = service();
    const result = await renewer.renew(appId, { kind: 'invalid', token: sensitive(parsed.data.invalid_token) }, { waitMs });
    return renewalResponse(appId, result, clock.now());
  }

  async function list(query: Record<string, string | undefined>): Promise<HttpResponse> {
    const limit = query['limit'] === undefined ? 100 : Number(query['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return failure(400, 'invalid_limit', 'limit is a whole number from 1 to 500');
    try {
      const page = await listAuthorizers(service().table, { limit, cursor: query['cursor'] });
      return json(200, {
        authorizers: page.authorizers.map((summary) => ({
          authorizer_appid: summary.appId,
          status: summary.status,
          auth_time: summary.authTime,
          expires_at: summary.accessTokenExpiresAt === undefined ? null : new Date(summary.accessTokenExpiresAt).toISOString(),
        })),
        next_cursor: page.nextCursor,
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) return failure(400, 'invalid_cursor', error.message);
      throw error;
    }
  }

  async function componentToken(): Promise<HttpResponse> {
    const { componentTokens, clock, config } = service();
    try {
      const current = await componentTokens.getWithExpiry();
      const now = clock.now();
      return json(200, {
        component_appid: config.componentAppId,
        component_access_token: current.token.reveal(),
        expires_at: new Date(current.expiresAt).toISOString(),
        expires_in: Math.max(0, Math.floor((current.expiresAt - now) / 1000)),
      });
    } catch (error) {
      if (error instanceof ComponentTokenUnavailableError) return failure(503, `component_token_${error.problem}`, error.message, 30);
      if (error instanceof WechatError) return failure(503, 'wechat_unavailable', `WeChat refused or did not answer (${error.kind})`, 5);
      throw error;
    }
  }

  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const appId = event.pathParameters?.['appid'];
    try {
      if (appId !== undefined && !isAppId(appId)) return failure(400, 'invalid_appid', APPID_RULE);
      switch (event.routeKey) {
        case ROUTE_KEYS.authorizerToken:
          return await token(appId ?? '');
        case ROUTE_KEYS.authorizerTokenRefresh:
          return await refresh(appId ?? '', bodyOf(event));
        case ROUTE_KEYS.authorizers:
          return await list(event.queryStringParameters ?? {});
        case ROUTE_KEYS.componentToken:
          return await componentToken();
        default:
          return failure(404, 'not_found', 'no such route');
      }
    } catch (error) {
      logger.error('getter failed', { routeKey: event.routeKey, error: error instanceof Error ? error.name : typeof error });
      return failure(500, 'internal', 'internal error');
    }
  };
}

function bodyOf(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
