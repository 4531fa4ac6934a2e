// The refresh Lambda: scheduled by EventBridge (renew every due token), or invoked for one appid.
import type { TokenService } from '../../shared/service.js';
import { createLogger, createMetrics } from '../common/observability.js';
import { serviceFromEnv } from '../common/service-from-env.js';
import { createRefresh, type RefreshContext, type RefreshResponse } from './refresh.js';

const logger = createLogger('refresh');
const { metrics, publish } = createMetrics();
let service: TokenService | undefined;
const refresh = createRefresh(() => (service ??= serviceFromEnv(logger, metrics)));

export async function handler(event: unknown, context?: RefreshContext): Promise<RefreshResponse> {
  try {
    return await refresh(event, context);
  } finally {
    publish();
  }
}
