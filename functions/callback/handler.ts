// The callback Lambda: WeChat's authorization-event URL (tickets, authorizations, revocations).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PushService } from '../../shared/push-service';
import { createLogger, createMetrics } from '../common/observability';
import { partsFromEnv } from '../common/service-from-env';
import { createCallback } from './callback';

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
