import type { Logger } from '../logger.js';
import type { SyncStore } from '../store/index.js';
import type { SyncSummary } from '../sync/index.js';

/** How a recovery sync went, as the scheduled refresh reports it. */
export type Recovery = Pick<SyncSummary, 'ran' | 'complete' | 'healed'> & { readonly error?: string };

/** A recovery sync starts only with this much of the function's time left (a sync at 100,000 takes seconds). */
export const RECOVERY_MIN_REMAINING_MS = 60_000;

export interface RecoveryDeps {
  readonly componentAppId: string;
  readonly syncStore: SyncStore;
  /** One sync with the service's configuration. */
  readonly sync: () => Promise<SyncSummary>;
  readonly logger: Logger;
}

/**
 * A refused refresh token can only be recovered from api_get_authorizer_list, and the account's access
 * token runs out within the renewal margin: sync now rather than at the next hourly run. The mark itself
 * (by this run, a getter, or an earlier run that could not recover) put the account in the due index's
 * recovery partition, so a recovery is owed even when the mark's answer was lost; two reads tell (see
 * `SyncStore.recoveryOwed`). A failure is reported, not thrown: the run's renewals stand, and the
 * recovery stays owed for the next run.
 */
export async function recoverIfOwed(deps: RecoveryDeps, remainingMs?: () => number): Promise<Recovery | undefined> {
  const { logger } = deps;
  try {
    if (!(await deps.syncStore.recoveryOwed(deps.componentAppId))) return undefined;
    if (remainingMs && remainingMs() < RECOVERY_MIN_REMAINING_MS) {
      logger.warn('refresh tokens refused; no time left to recover them now, the next run will');
      return undefined;
    }
    const { ran, complete, healed } = await deps.sync();
    logger.info('recovery sync after refused refresh tokens', { ran, complete, healed });
    return { ran, complete, healed };
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    logger.error('recovery sync failed; the next run tries again', { error: name });
    return { ran: false, complete: false, healed: 0, error: name };
  }
}
