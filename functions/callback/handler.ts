// The callback Lambda: WeChat's authorization-event URL (tickets, authorizations, revocations).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TokenService } from '../../shared/service';
import { createLogger, createMetrics } from '../common/observability';
import { serviceFromEnv } from '../common/service-from-env';
import { createCallback } from './callback';

const logger = createLogger('callback');
const { metrics, publish } = createMetrics();
let service: TokenService | undefined;
const callback = createCallback(() => (service ??= serviceFromEnv(logger, metrics)), logger);

export async function handler(event: APIGatewayProxyEventV2) {
  try {
    return await callback(event);
  } finally {
    publish();
  }
}
