import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type Recovery, type RecoveryDeps, recoverIfOwed } from '../recovery/index.js';
import { type AuthorizerStore, type ComponentStore, ticketAgeMs } from '../store/index.js';
import type { SyncSummary } from '../sync/index.js';
import type { AuthorizerRenewer } from '../tokens/index.js';
import { type RefreshSummary, refreshDueAuthorizers } from './due-renewals.js';

/** What one scheduled refresh did. */
export interface ScheduledRefreshReport {
  readonly summary: RefreshSummary;
  /** The sync run because WeChat refused refresh tokens (61023): how it went. */
  readonly recovery?: Recovery;
}

export interface ScheduledRunDeps {
  readonly componentAppId: string;
  readonly component: ComponentStore;
  readonly authorizers: AuthorizerStore;
  readonly renewer: AuthorizerRenewer;
  readonly clock: Clock;
  /** Renewals in flight at once. */
  readonly concurrency: number;
  /** The renewal lease: no renewal starts later than this before the function must end. */
  readonly leaseMs: number;
  /** The recovery's parts, its sync taking the run's signal. */
  readonly recovery: Omit<RecoveryDeps, 'sync'> & {
    readonly sync: (options?: { signal?: AbortSignal | undefined }) => Promise<SyncSummary>;
  };
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** How long a scheduled refresh may go on. */
export interface RefreshBudget {
  /** The time the invocation has left, when it is bounded (a Lambda's). */
  readonly remainingMs?: (() => number) | undefined;
  /**
   * Aborted, the run is out of time: no renewal starts (those started finish and store their tokens,
   * see `refreshDueAuthorizers`) and no recovery sync starts. The Lambda passes none.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The scheduled refresh (EventBridge, every minute): the ticket's age reported, every due token renewed,
 * then an owed recovery paid, within the budget.
 */
export async function runScheduledRefresh(
  deps: ScheduledRunDeps,
  budget: RefreshBudget = {},
): Promise<ScheduledRefreshReport> {
  const { clock, metrics } = deps;
  // Every run reports the age of the latest ticket: the alarm on it is how a stop of WeChat's pushes is
  // noticed long before the 12-hour ticket runs out. The age is never negative and never younger than
  // the time since the ticket was stored, whatever CreateTime it claims (ticketAgeMs).
  const ticket = (await deps.component.get(deps.componentAppId))?.ticket;
  if (ticket) metrics.duration('TicketAge', ticketAgeMs(ticket, clock.now()));
  else metrics.count('TicketMissing');
  // Start no renewal that could outlive the function: its lease would be abandoned for a minute.
  const deadline = budget.remainingMs ? clock.now() + budget.remainingMs() - deps.leaseMs : undefined;
  const summary = await refreshDueAuthorizers({
    store: deps.authorizers,
    renewer: deps.renewer,
    clock,
    concurrency: deps.concurrency,
    deadline,
    signal: budget.signal,
    logger: deps.logger,
  });
  // Aborted is out of time: no recovery sync starts, and one under way stops with the run.
  const { signal, remainingMs } = budget;
  const remaining = signal ? () => (signal.aborted ? 0 : (remainingMs?.() ?? Number.POSITIVE_INFINITY)) : remainingMs;
  const recovery = await recoverIfOwed({ ...deps.recovery, sync: () => deps.recovery.sync({ signal }) }, remaining);
  return { summary, ...(recovery ? { recovery } : {}) };
}
