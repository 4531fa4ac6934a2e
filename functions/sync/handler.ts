// The sync Lambda: on an EventBridge schedule, makes DynamoDB's authorizer list match WeChat's.
import type { TokenService } from '../../shared/service';
import type { SyncSummary } from '../../shared/sync';
import { createLogger, createMetrics } from '../common/observability';
import { serviceFromEnv } from '../common/service-from-env';
import { createSync } from './sync';

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
