// The getter Lambda, behind API Gateway with AWS_IAM: tokens for backends and other stacks.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAppId } from '../../shared/appid.js';
import type { TokenService } from '../../shared/service.js';
import type { HttpResponse } from '../common/http.js';
import { observe } from '../common/lambda-entry.js';
import { serviceFromEnv } from '../common/service-from-env.js';
import { createGetter } from './getter.js';

const observed = observe('getter');
let service: TokenService | undefined;
const getter = createGetter(() => (service ??= serviceFromEnv(observed)), observed.logger);

/** Each line says which route and appid it served, and API Gateway's request id (the access log's). */
function keysOf(event: APIGatewayProxyEventV2) {
  const appid = event.pathParameters?.['appid'];
  return {
    route: event.routeKey,
    appid: appid !== undefined && isAppId(appid) ? appid : undefined,
    correlation_id: event.requestContext?.requestId,
  };
}

export const handler = observed.entry<APIGatewayProxyEventV2, HttpResponse>((event) => getter(event), keysOf);
