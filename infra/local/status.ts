import type { Clock } from '../../shared/clock.js';
import type { ScheduledRefreshReport } from '../../shared/refresh/index.js';
import type { TokenService } from '../../shared/service.js';
import { AUTHORIZER_STATUSES, type ComponentStore, ticketAgeMs } from '../../shared/store/index.js';
import type { SyncSummary } from '../../shared/sync/index.js';
import type { LocalRuns, RunRecord } from './runs.js';

/** `GET /__local/status`: what a consumer's test waits on. Never a token, refresh token or ticket. */
export interface LocalStatus {
  /** The runtime's time (the simulated WeChat's, moved by `/__sim/clock/advance`). */
  readonly now: string;
  /** How far that time is ahead of this machine's clock. */
  readonly clockAheadMs: number;
  readonly accounts: { readonly total: number } & Readonly<Record<(typeof AUTHORIZER_STATUSES)[number], number>>;
  /**
   * When the next active account's token falls due for renewal (its expiry less the renewal margin);
   * now when one has no token yet; null with no active account.
   */
  readonly nextDueRenewalAt: string | null;
  /** The latest ticket WeChat pushed: its age by WeChat's CreateTime; null before the first. */
  readonly ticket: { readonly createdAt: string; readonly ageSeconds: number } | null;
  readonly running: { readonly sync: boolean; readonly refresh: boolean };
  readonly lastSync: RunRecord<SyncSummary> | null;
  readonly lastRefresh: RunRecord<ScheduledRefreshReport> | null;
}

const PAGE = 1_000;

export async function localStatus(parts: {
  service: TokenService;
  component: ComponentStore;
  componentAppId: string;
  clock: Clock;
  renewalMarginMs: number;
  runs: LocalRuns;
}): Promise<LocalStatus> {
  const now = parts.clock.now();
  const accounts = { total: 0, ...Object.fromEntries(AUTHORIZER_STATUSES.map((status) => [status, 0])) } as {
    total: number;
  } & Record<(typeof AUTHORIZER_STATUSES)[number], number>;
  let nextDue: number | undefined;
  let cursor: string | undefined;
  do {
    const page = await parts.service.listAuthorizers({ limit: PAGE, cursor });
    for (const account of page.authorizers) {
      accounts.total++;
      accounts[account.status]++;
      if (account.status !== 'active') continue;
      const due =
        account.accessTokenExpiresAt === undefined ? now : account.accessTokenExpiresAt - parts.renewalMarginMs;
      nextDue = Math.min(nextDue ?? due, due);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const ticket = (await parts.component.get(parts.componentAppId))?.ticket;
  return {
    now: new Date(now).toISOString(),
    clockAheadMs: now - Date.now(),
    accounts,
    nextDueRenewalAt: nextDue === undefined ? null : new Date(Math.max(nextDue, now)).toISOString(),
    ticket: ticket
      ? {
          createdAt: new Date(ticket.createTime * 1000).toISOString(),
          // The age the ticket alarm watches (TicketAge): a CreateTime from the future does not make it young.
          ageSeconds: Math.round(ticketAgeMs(ticket, now) / 1000),
        }
      : null,
    running: { sync: parts.runs.isRunning('sync'), refresh: parts.runs.isRunning('refresh') },
    lastSync: parts.runs.lastSync ?? null,
    lastRefresh: parts.runs.lastRefresh ?? null,
  };
}
