// The callback Lambda: WeChat's authorization-event URL (tickets, authorizations, revocations).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PushService } from '../../shared/push-service.js';
import { createLogger, createMetrics } from '../common/observability.js';
import { partsFromEnv } from '../common/service-from-env.js';
import { createCallback } from './callback.js';

const logger = createLogger('callback');
const { metrics, publish } = createMetrics();
let pushes: PushService | undefined;
const callback = createCallback(() => (pushes ??= new PushService(partsFromEnv(logger, metrics))), logger);

export async function handler(event: APIGatewayProxyEventV2) {
  try {
    return await callback(event);
  } finally {
    publish();
  }
}
