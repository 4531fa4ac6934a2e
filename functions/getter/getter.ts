import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isCanonicalRequest, ROUTE_KEYS, routeOfKey } from '../../shared/api/routes.js';
import { APPID_RULE, isAppId } from '../../shared/appid.js';
import { errorLogFields } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ServeOptions } from '../../shared/refresh/index.js';
import { sensitive } from '../../shared/sensitive.js';
import type { TokenService } from '../../shared/service.js';
import { InvalidCursorError } from '../../shared/store/index.js';
import { ComponentTokenUnavailableError } from '../../shared/tokens/index.js';
import { WechatError } from '../../shared/wechat/index.js';
import { failure, type HttpResponse, json, noSuchRoute } from '../common/http.js';
import { authorizerBody, summaryBody } from './authorizer-response.js';
import { renewalResponse } from './renewal-response.js';
import {
  hasUnknownQueryParameter,
  LIST_FILTER_RULE,
  LIST_LIMIT,
  MAX_INVALID_TOKEN_LENGTH,
  MAX_REFRESH_BODY_BYTES,
  parseLimit,
  parseListFilter,
  QUERY_PARAMETERS,
  readRefreshBody,
} from './request.js';

/** How the getter serves tokens: see `ServeOptions` (the defaults are the deployed ones). */
export type GetterOptions = ServeOptions;

/**
 * The getter API (AWS_IAM in AWS): the current token per appid, compare-and-renew for a refused token,
 * the list of accounts and each account's information, and the component token on its own route. One function for the routes, routed
 * by API Gateway's routeKey; each route parses its parameters, calls one use case of the service and
 * maps its result. Every token is answered with the time until which it is guaranteed to work
 * (trust.ts), never later.
 */
export function createGetter(service: () => TokenService, logger: Logger, options: GetterOptions = {}) {
  async function token(appId: string): Promise<HttpResponse> {
    const { result, at } = await service().serveAuthorizerToken(appId, options);
    return renewalResponse(appId, result, at);
  }

  async function refresh(appId: string, event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const body = readRefreshBody(event);
    if (body.kind === 'too_large')
      return failure(
        413,
        'body_too_large',
        `the body is over ${MAX_REFRESH_BODY_BYTES} bytes; expected {"invalid_token": "…"}`,
      );
    if (body.kind === 'invalid')
      return failure(
        400,
        'invalid_body',
        `expected {"invalid_token": "<the token WeChat refused, 1 to ${MAX_INVALID_TOKEN_LENGTH} characters>"}`,
      );
    const { result, at } = await service().renewReportedToken(appId, sensitive(body.invalidToken), options);
    return renewalResponse(appId, result, at);
  }

  async function authorizer(appId: string): Promise<HttpResponse> {
    const detail = await service().authorizer(appId);
    return detail
      ? json(200, authorizerBody(detail))
      : failure(404, 'unknown_authorizer', `no authorizer ${appId} is known`);
  }

  async function list(query: Record<string, string | undefined>): Promise<HttpResponse> {
    const filter = parseListFilter(query);
    if (filter === undefined) return failure(400, 'invalid_query', LIST_FILTER_RULE);
    const limit = parseLimit(query['limit']);
    if (limit === undefined)
      return failure(
        400,
        'invalid_limit',
        `limit is a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}, in decimal digits without sign or leading zero`,
      );
    try {
      const page = await service().listAuthorizers({ limit, cursor: query['cursor'], filter });
      return json(200, { authorizers: page.authorizers.map(summaryBody), next_cursor: page.nextCursor });
    } catch (error) {
      if (error instanceof InvalidCursorError) return failure(400, 'invalid_cursor', error.message);
      throw error;
    }
  }

  async function componentToken(): Promise<HttpResponse> {
    try {
      const { result, at } = await service().componentToken();
      return json(200, {
        component_appid: result.componentAppId,
        component_access_token: result.token.reveal(),
        expires_at: new Date(result.expiresAt).toISOString(),
        expires_in: Math.max(0, Math.floor((result.expiresAt - at) / 1000)),
      });
    } catch (error) {
      if (error instanceof ComponentTokenUnavailableError)
        return failure(503, `component_token_${error.problem}`, error.message, 30);
      if (error instanceof WechatError)
        return failure(503, 'wechat_unavailable', `WeChat refused or did not answer (${error.kind})`, 5);
      throw error;
    }
  }

  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    // A path that is not its route's own spelling (a dot segment, `//`, an escape) is no route: an IAM
    // statement about the canonical path must mean what it says (docs/api.md#paths).
    const route = routeOfKey(event.routeKey);
    const asSent = {
      rawPath: event.rawPath,
      stage: event.requestContext?.stage,
      pathParameters: event.pathParameters,
    };
    if (route?.handler !== 'getter' || !isCanonicalRequest(route, asSent)) return noSuchRoute();
    if (hasUnknownQueryParameter(event.queryStringParameters, QUERY_PARAMETERS[event.routeKey] ?? []))
      return failure(400, 'invalid_query', queryRule(event.routeKey));
    const appId = event.pathParameters?.['appid'];
    try {
      if (appId !== undefined && !isAppId(appId)) return failure(400, 'invalid_appid', APPID_RULE);
      switch (event.routeKey) {
        case ROUTE_KEYS.authorizerToken:
          return await token(appId ?? '');
        case ROUTE_KEYS.authorizerTokenRefresh:
          return await refresh(appId ?? '', event);
        case ROUTE_KEYS.authorizer:
          return await authorizer(appId ?? '');
        case ROUTE_KEYS.authorizers:
          return await list(event.queryStringParameters ?? {});
        case ROUTE_KEYS.componentToken:
          return await componentToken();
        default:
          return noSuchRoute();
      }
    } catch (error) {
      logger.error('getter failed', {
        routeKey: event.routeKey,
        ...errorLogFields(error),
      });
      return failure(500, 'internal', 'internal error');
    }
  };
}

function queryRule(key: string): string {
  const accepted = QUERY_PARAMETERS[key];
  return accepted
    ? `this route takes only the query parameters ${accepted.join(' and ')}`
    : 'this route takes no query parameter';
}
