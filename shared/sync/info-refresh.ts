import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { AccountInformationStore, AuthorizerSnapshot } from '../store/index.js';
import { type AccountInformationDeps, refreshAccountInformation } from '../tokens/account-info.js';
import { forEachConcurrently } from '../tokens/concurrency.js';
import { describe } from '../tokens/renewal-failure.js';

/**
 * Keeping the accounts' information fresh (api_get_authorizer_info), bounded, with no write for a check
 * that finds nothing changed (see docs/design/sync.md, "Account information"):
 *
 * - every account has a fixed phase in the refresh period (a hash of its appid), so its check instants
 *   are phase + k × period, spread evenly over the period whatever the runs' schedule;
 * - the sync-run item keeps one cursor, `infoCheckedUpTo`: every check instant up to it was checked. A
 *   run checks the active accounts whose latest instant passed since (after the cursor, at most one
 *   period back), in the order of those instants, up to its budget, and moves the cursor to where it got:
 *   a run cut short by its budget, by an abort or by a dead function leaves the rest to the next run;
 * - active accounts with no information at all (authorized before the hub fetched it, or whose fetch at
 *   the exchange failed) come first, in every run until they have it, within half the budget when others
 *   are due, so that they never starve the periodic checks.
 *
 * So an account is asked at most once per period by the periodic checks (twice only when a run stopped
 * between its checks and its cursor write), and a period's checks cost one write: the cursor's.
 */

export interface InformationRefreshOptions {
  readonly store: AccountInformationStore;
  /** At most one periodic check per account per this (ms). */
  readonly refreshMs: number;
  /** The most api_get_authorizer_info calls one run makes. */
  readonly checksPerRun: number;
  /** Calls at once. Default 8. */
  readonly concurrency?: number;
}

/** An account's fixed phase within the refresh period (ms from the epoch, modulo the period). */
export function informationPhase(appId: string, periodMs: number): number {
  return createHash('sha256').update(appId).digest().readUIntBE(0, 6) % periodMs;
}

/** The account's latest check instant at or before `now`. */
export function latestCheckInstant(appId: string, periodMs: number, now: number): number {
  const phase = informationPhase(appId, periodMs);
  return now - ((((now - phase) % periodMs) + periodMs) % periodMs);
}

export interface InformationPlan {
  /** The appids to ask, in order: those with no information first, then the due ones by check instant. */
  readonly checks: readonly string[];
  /** Where the cursor moves once every check of the plan was made. */
  readonly cursor: number;
  /** Due by their phase, and left for the next run by the budget. */
  readonly deferred: number;
  /** Active accounts with no information, left for the next run by the budget. */
  readonly deferredWithout: number;
  /** The due checks of the plan in the order of their instants: a run cut short moves the cursor as far as they were made. */
  readonly due: readonly { readonly appId: string; readonly at: number }[];
  /** Where the checks start from (the cursor, or one period back). */
  readonly from: number;
  /** The stored cursor was later than now (a clock that jumped ahead): treated as now. */
  readonly cursorAhead: boolean;
}

/** Which accounts this run asks (see the module's comment). */
export function planInformationChecks(
  snapshot: Iterable<AuthorizerSnapshot>,
  input: { now: number; checkedUpTo: number | undefined; periodMs: number; budget: number },
): InformationPlan {
  const { now, periodMs, budget } = input;
  const cursorAhead = input.checkedUpTo !== undefined && input.checkedUpTo > now;
  const checkedUpTo = cursorAhead ? now : input.checkedUpTo;
  const from = Math.max(checkedUpTo ?? Number.NEGATIVE_INFINITY, now - periodMs);
  const without: string[] = [];
  const due: { appId: string; at: number }[] = [];
  for (const stored of snapshot) {
    if (stored.status !== 'active') continue;
    if (!stored.hasInfo) {
      without.push(stored.appId);
      continue;
    }
    const at = latestCheckInstant(stored.appId, periodMs, now);
    if (at > from) due.push({ appId: stored.appId, at });
  }
  without.sort();
  due.sort((a, b) => a.at - b.at || (a.appId < b.appId ? -1 : 1));
  const firstTake = Math.min(without.length, budget - Math.min(due.length, Math.floor(budget / 2)));
  const dueTake = Math.min(due.length, budget - firstTake);
  const withoutTake = Math.min(without.length, budget - dueTake);
  const next = due[dueTake];
  return {
    checks: [...without.slice(0, withoutTake), ...due.slice(0, dueTake).map((entry) => entry.appId)],
    // Every instant before the first account left is checked; accounts at that same instant are asked again.
    cursor: next === undefined ? now : next.at - 1,
    deferred: due.length - dueTake,
    deferredWithout: without.length - withoutTake,
    due: due.slice(0, dueTake),
    from,
    cursorAhead,
  };
}

/**
 * Where the cursor may move after a run that made the checks in `made`: to the plan's when every due check
 * was made, else to just before the first due check not made (those at the same instant are asked again);
 * undefined when that is not past where the plan started.
 */
export function cursorAfter(plan: InformationPlan, made: ReadonlySet<string>): number | undefined {
  const first = plan.due.find((entry) => !made.has(entry.appId));
  const cursor = first === undefined ? plan.cursor : first.at - 1;
  return cursor > plan.from || plan.cursorAhead ? cursor : undefined;
}

export interface InformationTally {
  checked: number;
  changed: number;
  failed: number;
}

/**
 * Asks WeChat for each planned account's information and stores what changed. One account's failure is
 * logged and counted, never the run's: it is asked again in its next period (or in the next run, if it
 * still has no information). Stops starting calls when `signal` aborts; `completed` says whether every
 * planned check was made (only then may the cursor move to the plan's).
 */
export async function refreshInformation(
  deps: AccountInformationDeps,
  plan: InformationPlan,
  options: { concurrency: number; signal: AbortSignal; logger: Logger },
): Promise<InformationTally & { completed: boolean; made: ReadonlySet<string> }> {
  const tally: InformationTally = { checked: 0, changed: 0, failed: 0 };
  // A check is made once WeChat answered (or failed: asked again next period); one aborted is not.
  const made = new Set<string>();
  await forEachConcurrently(
    plan.checks,
    options.concurrency,
    async (appId) => {
      if (options.signal.aborted) return;
      tally.checked++;
      try {
        if ((await refreshAccountInformation(deps, appId, { signal: options.signal })) === 'stored') tally.changed++;
        made.add(appId);
      } catch (error) {
        tally.failed++;
        if (!options.signal.aborted) made.add(appId);
        options.logger.warn('account information not refreshed', { appId, ...describe(error) });
      }
    },
    options.signal,
  );
  return { ...tally, completed: !options.signal.aborted && tally.checked === plan.checks.length, made };
}
