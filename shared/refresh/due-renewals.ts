import type { Clock } from '../clock.js';
import { type Logger, silentLogger } from '../logger.js';
import { type AuthorizerStore, dueShardsFrom, TABLE_SCHEMA } from '../store/index.js';
import { forEachConcurrently } from '../tokens/concurrency.js';
import { type AuthorizerRenewer, type RenewalFailure, type RenewalResult, SCHEDULED } from '../tokens/index.js';

export interface RefreshSummary {
  /** Due authorizers the run looked at. */
  readonly due: number;
  readonly renewed: number;
  readonly skipped: {
    /** Another instance held the lease. */
    readonly leaseHeld: number;
    /** Already renewed by someone else since the index said it was due. */
    readonly alreadyCurrent: number;
    /** Revoked or refresh token invalid since the index was read, or gone. */
    readonly inactive: number;
    /** Not started: the run reached its deadline, or was aborted. */
    readonly leftForNextRun: number;
  };
  readonly failed: Readonly<Partial<Record<RenewalFailure, number>>>;
  /** WeChat answered 45009: the run stopped at once rather than spend more calls. */
  readonly stoppedForQuota: boolean;
  readonly durationMs: number;
}

export interface ScheduledRefreshOptions {
  readonly store: AuthorizerStore;
  readonly renewer: AuthorizerRenewer;
  readonly clock: Clock;
  /** Renewals in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Epoch ms after which no renewal starts (the Lambda's remaining time, less a lease). */
  readonly deadline?: number | undefined;
  /**
   * Aborted, the run is treated as at its deadline: no renewal starts after it. A renewal already
   * started is not cut: it may hold its lease and have called WeChat, and then it must store the token
   * WeChat issued, or that token (and a rotated refresh token) is lost. The run returns once they end.
   * @default none: the run goes on until the index is done or the deadline
   */
  readonly signal?: AbortSignal | undefined;
  readonly logger?: Logger;
  /** Picks the shard the run starts at (see `dueShardsFrom`); in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/**
 * One scheduled run: every authorizer the due index lists (token expiring within the renewal margin, or
 * none yet), renewed with bounded concurrency. A token someone else holds the lease on is skipped, not
 * waited for; failures leave the authorizer due for the next run, except 45009, which ends the run.
 */
export async function refreshDueAuthorizers(options: ScheduledRefreshOptions): Promise<RefreshSummary> {
  const { store, renewer, clock } = options;
  const logger = options.logger ?? silentLogger;
  const started = performance.now();
  const now = clock.now();
  const counts = { due: 0, renewed: 0, leaseHeld: 0, alreadyCurrent: 0, inactive: 0, leftForNextRun: 0 };
  const failed: Partial<Record<RenewalFailure, number>> = {};
  const stop = new AbortController();

  await forEachConcurrently(
    store.dueAppIds(now, dueShardsFrom(Math.floor((options.random ?? Math.random)() * TABLE_SCHEMA.dueShards))),
    options.concurrency ?? 8,
    async (appId) => {
      counts.due++;
      if (options.signal?.aborted || (options.deadline !== undefined && clock.now() >= options.deadline)) {
        // Out of time (or told to stop): start nothing that could outlive the function (an abandoned
        // lease costs a minute).
        stop.abort();
        counts.leftForNextRun++;
        return;
      }
      let result: RenewalResult;
      try {
        result = await renewer.renew(appId, SCHEDULED, { waitMs: 0 });
      } catch (error) {
        // One account's DynamoDB error must not end the run for the others.
        logger.error('renewal failed unexpectedly', {
          appId,
          error: error instanceof Error ? error.name : typeof error,
        });
        result = {
          kind: 'failed',
          failure: 'internal',
          error: error instanceof Error ? error : new Error(String(error)),
        };
      }
      switch (result.kind) {
        case 'renewed':
          counts.renewed++;
          break;
        case 'current':
          counts.alreadyCurrent++;
          break;
        case 'busy':
          counts.leaseHeld++;
          break;
        case 'inactive':
        case 'not_found':
          counts.inactive++;
          break;
        case 'failed':
          failed[result.failure] = (failed[result.failure] ?? 0) + 1;
          if (result.failure === 'quota') stop.abort();
      }
    },
    options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal,
  );

  const summary: RefreshSummary = {
    due: counts.due,
    renewed: counts.renewed,
    skipped: {
      leaseHeld: counts.leaseHeld,
      alreadyCurrent: counts.alreadyCurrent,
      inactive: counts.inactive,
      leftForNextRun: counts.leftForNextRun,
    },
    failed,
    stoppedForQuota: (failed.quota ?? 0) > 0,
    durationMs: Math.round(performance.now() - started),
  };
  logger.info('scheduled refresh finished', { ...summary });
  return summary;
}
