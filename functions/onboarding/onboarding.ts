import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isCanonicalRequest, ROUTE_KEYS, routeOfKey } from '../../shared/api/routes.js';
import { errorLogFields } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import {
  LINK_BODY_RULE,
  type OnboardingRefusal,
  OnboardingRefusedError,
  readSessionBody,
  SESSION_BODY_RULE,
} from '../../shared/onboarding/index.js';
import type { OnboardingService } from '../../shared/onboarding-service.js';
import { sensitive } from '../../shared/sensitive.js';
import { failure, type HttpResponse, json, noSuchRoute } from '../common/http.js';
import { authorizePage, failedPage, pendingPage, redirectTo, refusedPage } from './page.js';

/** Each refusal's status on the IAM routes (docs/api.md). */
const STATUS: Readonly<Record<OnboardingRefusal, number>> = {
  invalid_body: 400,
  return_url_not_allowed: 400,
  session_not_found: 404,
  session_expired: 410,
  session_completed: 409,
  code_spent: 409,
  page_openings_exhausted: 429,
};

/**
 * The onboarding routes: `POST /authorizations` and `POST /authorizations/link` (IAM, JSON), and the two
 * public pages a browser opens, `GET /authorize` and WeChat's redirect `GET /authorize/callback` (HTML,
 * one refusal page for every refusal). Like the getter, a request is served only at its route's
 * canonical path; each route reads its input, calls one use case and maps its result.
 */
export function createOnboarding(service: () => OnboardingService | Promise<OnboardingService>, logger: Logger) {
  async function create(event: APIGatewayProxyEventV2, kind: 'session' | 'link'): Promise<HttpResponse> {
    const body = readSessionBody(event.body, event.isBase64Encoded, kind);
    if (body.kind === 'invalid')
      return failure(400, 'invalid_body', kind === 'session' ? SESSION_BODY_RULE : LINK_BODY_RULE);
    const onboarding = await service();
    if (kind === 'session') {
      const created = await onboarding.createSession(body.request);
      return json(201, {
        session_id: created.sessionId,
        authorize_url: created.authorizeUrl,
        expires_at: new Date(created.expiresAt).toISOString(),
      });
    }
    const link = await onboarding.createLink(body.request);
    return json(201, {
      session_id: link.sessionId,
      url: link.url.reveal(),
      expires_at: new Date(link.expiresAt).toISOString(),
    });
  }

  async function page(query: Readonly<Record<string, string | undefined>>): Promise<HttpResponse> {
    return authorizePage(await (await service()).openPage(query['session']));
  }

  async function callback(query: Readonly<Record<string, string | undefined>>): Promise<HttpResponse> {
    const code = query['auth_code'];
    const outcome = await (await service()).completeByRedirect(
      query['session'],
      code === undefined ? undefined : sensitive(code),
    );
    if (outcome.kind === 'landed') return redirectTo(outcome.location);
    logger.info('onboarding pending', { routeKey: ROUTE_KEYS.authorizeCallback });
    return pendingPage();
  }

  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const route = routeOfKey(event.routeKey);
    const asSent = { rawPath: event.rawPath, stage: event.requestContext?.stage, pathParameters: event.pathParameters };
    if (route?.handler !== 'onboarding' || !isCanonicalRequest(route, asSent)) return noSuchRoute();
    const isPage = route.auth === 'none';
    const query = event.queryStringParameters ?? {};
    try {
      switch (event.routeKey) {
        case ROUTE_KEYS.authorizations:
          return await create(event, 'session');
        case ROUTE_KEYS.authorizationLink:
          return await create(event, 'link');
        case ROUTE_KEYS.authorizePage:
          return await page(query);
        case ROUTE_KEYS.authorizeCallback:
          return await callback(query);
        default:
          return noSuchRoute();
      }
    } catch (error) {
      if (error instanceof OnboardingRefusedError) {
        logger.info('onboarding refused', { routeKey: event.routeKey, refusal: error.refusal });
        return isPage ? refusedPage() : failure(STATUS[error.refusal], error.refusal, error.message);
      }
      logger.error('onboarding failed', { routeKey: event.routeKey, ...errorLogFields(error) });
      return isPage ? failedPage() : failure(500, 'internal', 'internal error');
    }
  };
}
