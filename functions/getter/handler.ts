// The getter Lambda, behind API Gateway with AWS_IAM: tokens for backends and other stacks.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TokenService } from '../../shared/service.js';
import type { HttpResponse } from '../common/http.js';
import { createLogger, createMetrics } from '../common/observability.js';
import { serviceFromEnv } from '../common/service-from-env.js';
import { createGetter } from './getter.js';

const logger = createLogger('getter');
const { metrics, publish } = createMetrics();
let service: TokenService | undefined;
const getter = createGetter(() => (service ??= serviceFromEnv(logger, metrics)), logger);

export async function handler(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
  try {
    return await getter(event);
  } finally {
    publish();
  }
}
