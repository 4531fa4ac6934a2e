// The getter Lambda, behind API Gateway with AWS_IAM: tokens for backends and other stacks.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TokenService } from '../../shared/service';
import type { HttpResponse } from '../common/http';
import { createLogger, createMetrics } from '../common/observability';
import { serviceFromEnv } from '../common/service-from-env';
import { createGetter } from './getter';

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
