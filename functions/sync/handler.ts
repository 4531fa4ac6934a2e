// The sync Lambda: on an EventBridge schedule, makes DynamoDB's authorizer list match WeChat's.
import type { TokenService } from '../../shared/service.js';
import type { SyncSummary } from '../../shared/sync/index.js';
import { createLogger, createMetrics } from '../common/observability.js';
import { serviceFromEnv } from '../common/service-from-env.js';
import { createSync } from './sync.js';

const logger = createLogger('sync');
const { metrics, publish } = createMetrics();
let service: TokenService | undefined;
const sync = createSync(() => (service ??= serviceFromEnv(logger, metrics)));

export async function handler(event: unknown): Promise<SyncSummary> {
  try {
    return await sync(event);
  } finally {
    publish();
  }
}
