// The callback Lambda: WeChat's authorization-event URL (tickets, authorizations, revocations).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PushService } from '../../shared/push-service.js';
import { observe } from '../common/lambda-entry.js';
import { partsFromEnv } from '../common/service-from-env.js';
import { createCallback } from './callback.js';

const observed = observe('callback');
let pushes: PushService | undefined;
const callback = createCallback(() => (pushes ??= new PushService(partsFromEnv(observed))), observed.logger);

export const handler = observed.entry<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
  (event) => callback(event),
  (event) => ({ route: event.routeKey, correlation_id: event.requestContext?.requestId }),
);
