import type { Logger } from '../../shared/logger';
import type { Metrics } from '../../shared/metrics';
import type { TokenService } from '../../shared/service';
import { syncAuthorizers, type SyncSummary } from '../../shared/sync';

/** One sync with the service's configuration: the sync function's run, and the refresh's recovery. */
export function runSync(service: TokenService, logger: Logger, metrics: Metrics): Promise<SyncSummary> {
  const { config, syncStore, client, componentTokens, clock } = service;
  return syncAuthorizers({
    componentAppId: config.componentAppId,
    syncStore,
    client,
    componentTokens,
    clock,
    pageConcurrency: config.syncPageConcurrency,
    writeConcurrency: config.syncWriteConcurrency,
    logger,
    metrics,
  });
}
