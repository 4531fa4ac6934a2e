import type { Logger } from '../../shared/logger';
import { noMetrics, type Metrics } from '../../shared/metrics';
import type { TokenService } from '../../shared/service';
import { refreshDueAuthorizers, type RefreshSummary, type RenewalResult } from '../../shared/tokens';
import type { SyncSummary } from '../../shared/sync';
import { runSync } from '../common/run-sync';
import { parseRefreshEvent } from './event';

export type RefreshResponse =
  | {
      readonly mode: 'scheduled';
      readonly summary: RefreshSummary;
      /** The sync run because WeChat refused refresh tokens (61023): how it went. */
      readonly recovery?: Recovery;
    }
  | {
      readonly mode: 'on_demand';
      readonly appid: string;
      readonly outcome: RenewalResult['kind'];
      /** Until when the stored token is guaranteed to work (ISO 8601); the token itself is only ever handed out by the getter. */
      readonly expires_at?: string;
      readonly failure?: string;
    };

export type Recovery = Pick<SyncSummary, 'ran' | 'complete' | 'healed'> & { readonly error?: string };

/** How long an on-demand caller waits for another instance's renewal of the same appid. */
const ON_DEMAND_WAIT_MS = 10_000;

/** A recovery sync starts only with this much of the function's time left (a sync at 100,000 takes seconds). */
const RECOVERY_MIN_REMAINING_MS = 60_000;

/** The refresh function, its dependencies given: the Lambda entry and the tests build it alike. */
export function createRefresh(
  service: () => TokenService,
  logger: Logger,
  metrics: Metrics = noMetrics,
): (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<RefreshResponse> {
  return async (event, context) => {
    const request = parseRefreshEvent(event);
    const { authorizers, renewer, clock, config, component } = service();
    if (request.mode === 'scheduled') {
      // Every run reports the age of the latest ticket: the alarm on it is how a stop of WeChat's
      // pushes is noticed long before the 12-hour ticket runs out.
      const ticket = (await component.get(config.componentAppId))?.ticket;
      if (ticket) metrics.duration('TicketAge', clock.now() - ticket.createTime * 1000);
      else metrics.count('TicketMissing');
      // Start no renewal that could outlive the function: its lease would be abandoned for a minute.
      const deadline = context ? clock.now() + context.getRemainingTimeInMillis() - config.leaseMs : undefined;
      const summary = await refreshDueAuthorizers({ store: authorizers, renewer, clock, concurrency: config.refreshConcurrency, deadline, logger });
      const recovery = await recoverIfOwed(service(), context, logger, metrics);
      return { mode: 'scheduled', summary, ...(recovery ? { recovery } : {}) };
    }
    const result = await renewer.renew(request.appId, { kind: 'due', minValidMs: request.minValidSeconds * 1000 }, { waitMs: ON_DEMAND_WAIT_MS });
    logger.info('on-demand renewal', { appId: request.appId, outcome: result.kind, ...(result.kind === 'failed' ? { failure: result.failure } : {}) });
    return {
      mode: 'on_demand',
      appid: request.appId,
      outcome: result.kind,
      ...(result.kind === 'renewed' || result.kind === 'current' ? { expires_at: new Date(result.token.guaranteedUntil).toISOString() } : {}),
      ...(result.kind === 'failed' ? { failure: result.failure } : {}),
    };
  };
}

/**
 * A refused refresh token can only be recovered from api_get_authorizer_list, and the account's access
 * token runs out within the renewal margin: sync now rather than at the next hourly run. The mark itself
 * (by this run, a getter, or an earlier run that could not recover) put the account in the due index's
 * recovery partition, so a recovery is owed even when the mark's answer was lost; two reads tell (see
 * `SyncStore.recoveryOwed`). A failure is reported, not thrown: the run's renewals stand, and the
 * recovery stays owed for the next run.
 */
async function recoverIfOwed(
  service: TokenService,
  context: { getRemainingTimeInMillis(): number } | undefined,
  logger: Logger,
  metrics: Metrics,
): Promise<Recovery | undefined> {
  try {
    if (!(await service.syncStore.recoveryOwed(service.config.componentAppId))) return undefined;
    if (context && context.getRemainingTimeInMillis() < RECOVERY_MIN_REMAINING_MS) {
      logger.warn('refresh tokens refused; no time left to recover them now, the next run will');
      return undefined;
    }
    const { ran, complete, healed } = await runSync(service, logger, metrics);
    logger.info('recovery sync after refused refresh tokens', { ran, complete, healed });
    return { ran, complete, healed };
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    logger.error('recovery sync failed; the next run tries again', { error: name });
    return { ran: false, complete: false, healed: 0, error: name };
  }
}
