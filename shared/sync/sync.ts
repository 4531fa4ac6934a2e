import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { type Logger, silentLogger } from '../logger.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { AuthorizerSnapshot, AuthorizerStore, ListedEntry, SyncStore } from '../store/index.js';
import { forEachConcurrently } from '../tokens/concurrency.js';
import type { ComponentTokenProvider } from '../tokens/index.js';
import type { WechatComponentClient } from '../wechat/index.js';
import { planAbsences } from './absence.js';
import { applyEntry, type Tally } from './apply-entry.js';
import { needsReindex } from './due-repair.js';
import {
  cursorAfter,
  type InformationRefreshOptions,
  planInformationChecks,
  refreshInformation,
} from './info-refresh.js';
import { fetchListing } from './listing.js';

export interface SyncSummary {
  /** False when another sync held the run lease: this run did nothing. */
  readonly ran: boolean;
  /** Whether the listing was complete (and so allowed to revoke). */
  readonly complete: boolean;
  readonly totalCount: number;
  readonly added: number;
  readonly updated: number;
  readonly healed: number;
  readonly reactivated: number;
  readonly revoked: number;
  /** First absent from a complete listing: recorded, to be revoked if the next complete listing lacks them too. */
  readonly markedAbsent: number;
  /** Listed again after a complete listing lacked them: that absence is forgotten. */
  readonly relisted: number;
  /** Due for revocation beyond what one run may revoke: left for the next run. */
  readonly revocationsDeferred: number;
  /** Active accounts the due index may have lost (no index key, or long overdue), put back into it. */
  readonly dueIndexRepaired: number;
  readonly unchanged: number;
  /** Accounts whose stored state changed while the sync wrote; the next run looks again. */
  readonly conflicts: number;
  readonly pages: number;
  /** The listing's calls (api_get_authorizer_list); the information's are `infoChecked`. */
  readonly wechatCalls: number;
  /** api_get_authorizer_info calls made (see info-refresh.ts), of which `infoChanged` stored a change. */
  readonly infoChecked: number;
  readonly infoChanged: number;
  readonly infoFailed: number;
  /** Due for an information check beyond this run's budget: left for the next run. */
  readonly infoDeferred: number;
  readonly durationMs: number;
}

export interface SyncOptions {
  readonly componentAppId: string;
  readonly syncStore: SyncStore;
  readonly client: WechatComponentClient;
  /** Unused since the sync reads accounts again through `syncStore.read`; callers may stop passing it. */
  readonly authorizers?: AuthorizerStore;
  readonly componentTokens: ComponentTokenProvider;
  readonly clock: Clock;
  /** Pages fetched at once. Default 4. */
  readonly pageConcurrency?: number;
  /** DynamoDB writes at once. Default 16. */
  readonly writeConcurrency?: number;
  /** The run lease; renewed every third of it while the run lasts. Default 5 minutes. */
  readonly runLeaseMs?: number;
  /**
   * Aborted, the run stops: no more pages are asked for (those in flight are cut), no more accounts are
   * written, and a run aborted before every listed account was written is not a complete listing, so it
   * records no absence and revokes nobody. Writes already sent finish. The Lambda passes none (its
   * deadline bounds it); the local runtime aborts it on Ctrl-C.
   * @default none: the run goes to its end
   */
  readonly signal?: AbortSignal | undefined;
  /** The accounts' information kept fresh within a budget (see info-refresh.ts); none: not refreshed. */
  readonly accountInformation?: InformationRefreshOptions | undefined;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/**
 * Makes DynamoDB's record of the authorizers match api_get_authorizer_list: new accounts added (due at
 * once), re-authorizations and recovered refresh tokens written, absent accounts revoked — but only
 * after two complete listings lacked them (see `planAbsences`), and never over a refresh token stored
 * after the page was fetched. It reads every account anyway, so it also puts back into the due index any
 * active account the index lost. One run at a time, by a run lease in the table.
 */
export async function syncAuthorizers(options: SyncOptions): Promise<SyncSummary> {
  const { syncStore, clock, componentAppId } = options;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? noMetrics;
  const started = performance.now();
  const leaseMs = options.runLeaseMs ?? 5 * 60_000;
  const owner = randomUUID();
  const tally: Tally = {
    added: 0,
    updated: 0,
    healed: 0,
    reactivated: 0,
    revoked: 0,
    markedAbsent: 0,
    relisted: 0,
    revocationsDeferred: 0,
    dueIndexRepaired: 0,
    unchanged: 0,
    conflicts: 0,
  };

  if (!(await syncStore.acquireRun(componentAppId, owner, clock.now(), leaseMs))) {
    metrics.count('SyncSkippedRunning');
    logger.info('another sync holds the run lease; this run does nothing');
    return {
      ran: false,
      complete: false,
      totalCount: 0,
      ...tally,
      pages: 0,
      wechatCalls: 0,
      ...NO_INFO,
      durationMs: 0,
    };
  }
  // Keep the lease while the run lasts; a run that loses it stops writing.
  const lost = new AbortController();
  const heartbeat = setInterval(() => {
    syncStore.extendRun(componentAppId, owner, clock.now(), leaseMs).then(
      (held) => held || lost.abort(),
      () => lost.abort(),
    );
  }, leaseMs / 3);
  heartbeat.unref();
  // One signal for both reasons to stop writing: the lease lost, or the caller's abort.
  const stop = options.signal ? AbortSignal.any([lost.signal, options.signal]) : lost.signal;
  // A worker may pull its next item just as the run stops: it starts no write then.
  const unlessStopped =
    <T>(work: (item: T) => Promise<void>) =>
    async (item: T): Promise<void> => {
      if (!stop.aborted) await work(item);
    };

  try {
    // The snapshot is read while the pages are fetched. An account written after the listing began (an
    // authorization event) may be in the snapshot and yet not in the pages: it is never revoked here.
    const listingStartedAt = clock.now();
    const [snapshot, listing] = await Promise.all([
      syncStore.snapshot(),
      fetchListing({ ...options, concurrency: options.pageConcurrency ?? 4, logger, signal: stop }),
    ]);
    const written = new Set<string>();
    const apply = unlessStopped((entry: ListedEntry) =>
      applyEntry(options, snapshot.get(entry.appId), entry, tally, written),
    );
    const writeConcurrency = options.writeConcurrency ?? 16;
    await forEachConcurrently(listing.entries.values(), writeConcurrency, apply, stop);

    const plan = planAbsences(
      snapshot.values(),
      stop.aborted ? { ...listing, complete: false } : listing,
      listingStartedAt,
    );
    if (plan.emptyListing) {
      metrics.count('SyncEmptyListing');
      logger.warn('an empty listing while accounts are active: taken as not complete, nobody revoked', {
        stored: snapshot.size,
      });
    }
    const complete = listing.complete && !stop.aborted && !plan.emptyListing;
    await forEachConcurrently(
      plan.markAbsent,
      writeConcurrency,
      unlessStopped(async (stored) => {
        if (await syncStore.markAbsent(stored.appId, stored.version, listingStartedAt)) tally.markedAbsent++;
        else tally.conflicts++;
      }),
      stop,
    );
    await forEachConcurrently(
      plan.revoke,
      writeConcurrency,
      unlessStopped(async (stored) => {
        if (await syncStore.revoke(stored.appId, stored.version, clock.now(), stored.absentSince)) tally.revoked++;
        else tally.conflicts++;
      }),
      stop,
    );
    if (plan.deferred > 0) {
      tally.revocationsDeferred = plan.deferred;
      logger.warn('more accounts to revoke than one run may; the rest are left for the next run', {
        revoking: plan.revoke.length,
        deferred: plan.deferred,
      });
    }

    // Accounts the listing changed were just written (and made due where that applies); the rest are judged by the snapshot.
    const repairAt = clock.now();
    await forEachConcurrently(
      [...snapshot.values()].filter((stored) => !written.has(stored.appId) && needsReindex(stored, repairAt)),
      writeConcurrency,
      unlessStopped(async (stored) => {
        if (await syncStore.reindex(stored, repairAt)) tally.dueIndexRepaired++;
        else tally.conflicts++;
      }),
      stop,
    );
    if (tally.dueIndexRepaired > 0)
      logger.warn('active accounts the due index may have lost were put back into it', {
        repaired: tally.dueIndexRepaired,
      });

    if (complete) await syncStore.recordCompleteListing(componentAppId, owner, listingStartedAt);
    const info = options.accountInformation
      ? await refreshInformationOf(options, options.accountInformation, snapshot.values(), { owner, stop, logger })
      : NO_INFO;
    const summary: SyncSummary = {
      ran: true,
      complete,
      totalCount: listing.totalCount,
      ...tally,
      pages: listing.pages,
      wechatCalls: listing.calls,
      ...info,
      durationMs: Math.round(performance.now() - started),
    };
    report(summary, metrics, logger, listing.failure);
    return summary;
  } finally {
    clearInterval(heartbeat);
    await syncStore.releaseRun(componentAppId, owner).catch(() => undefined);
  }
}

const NO_INFO = { infoChecked: 0, infoChanged: 0, infoFailed: 0, infoDeferred: 0 } as const;

/** The information checks of this run, after its listing: planned from the snapshot, the cursor moved if all were made. */
async function refreshInformationOf(
  options: SyncOptions,
  refresh: InformationRefreshOptions,
  snapshot: Iterable<AuthorizerSnapshot>,
  run: { owner: string; stop: AbortSignal; logger: Logger },
): Promise<typeof NO_INFO | Pick<SyncSummary, keyof typeof NO_INFO>> {
  const { syncStore, componentAppId, clock } = options;
  const plan = planInformationChecks(snapshot, {
    now: clock.now(),
    checkedUpTo: await syncStore.informationCursor(componentAppId),
    periodMs: refresh.refreshMs,
    budget: refresh.checksPerRun,
  });
  const done = await refreshInformation(
    { store: refresh.store, client: options.client, componentTokens: options.componentTokens, clock },
    plan,
    { concurrency: refresh.concurrency ?? 8, signal: run.stop, logger: run.logger },
  );
  if (plan.cursorAhead)
    run.logger.warn('the information cursor is later than now (a clock that jumped ahead): treated as now', {});
  // As far as the contiguous due checks made, also when the run was cut short (abort, timeout): the next
  // run does not ask the same first accounts again. A lost lease makes the write fail: the next run redoes it.
  const cursor = cursorAfter(plan, done.made);
  if (cursor !== undefined) await syncStore.recordInformationChecks(componentAppId, run.owner, cursor, clock.now());
  const deferred = plan.deferred + plan.deferredWithout;
  if (deferred > 0)
    run.logger.warn('more accounts due for an information check than one run may ask; the rest wait', {
      checked: done.checked,
      deferred,
    });
  return { infoChecked: done.checked, infoChanged: done.changed, infoFailed: done.failed, infoDeferred: deferred };
}

function report(summary: SyncSummary, metrics: Metrics, logger: Logger, failure: Error | undefined): void {
  metrics.count('SyncAdded', summary.added);
  metrics.count('SyncUpdated', summary.updated);
  metrics.count('SyncHealed', summary.healed);
  metrics.count('SyncReactivated', summary.reactivated);
  metrics.count('SyncRevoked', summary.revoked);
  metrics.count('SyncMarkedAbsent', summary.markedAbsent);
  metrics.count('SyncRelisted', summary.relisted);
  metrics.count('SyncRevocationsDeferred', summary.revocationsDeferred);
  metrics.count('DueIndexRepaired', summary.dueIndexRepaired);
  metrics.count('SyncUnchanged', summary.unchanged);
  metrics.count('SyncConflicts', summary.conflicts);
  metrics.count('SyncPages', summary.pages);
  metrics.count('SyncWechatCalls', summary.wechatCalls);
  metrics.count(summary.complete ? 'SyncCompleted' : 'SyncIncomplete');
  metrics.duration('SyncDuration', summary.durationMs);
  logger.info('sync finished', { ...summary, ...(failure ? { failure: failure.name } : {}) });
}
