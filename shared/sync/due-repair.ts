import { type AuthorizerSnapshot, dueShardOf } from '../store/index.js';

/**
 * How long an active account may stay past its due time before the sync takes it for one the due index
 * lost. The schedule renews every few minutes, and a failed renewal makes the account due again at once
 * (a new `refreshAt`), so an account the index still lists is not this late unless the refresh itself is
 * stopped (then re-indexing it is one harmless write per sync).
 */
export const DUE_INDEX_SLACK_MS = 10 * 60_000;

/**
 * Whether an account should be renewed by the schedule and the due index may not show it: active, and
 * without its index key (no due shard, or another than its own; no due time), or overdue by more than
 * the slack. A GSI entry can be dropped (dynalite did, at 20,000 accounts) or lag, and an account it
 * lacks is never renewed: its token dies. `refreshAt` 0 means "due at once" since the write that set it,
 * which also set `statusChangedAt` (a creation, a heal, a reactivation).
 */
export function needsReindex(stored: AuthorizerSnapshot, now: number): boolean {
  if (stored.status !== 'active') return false;
  if (stored.refreshAt === undefined || stored.dueShard !== dueShardOf(stored.appId)) return true;
  const dueSince = stored.refreshAt === 0 ? stored.statusChangedAt : stored.refreshAt;
  return dueSince < now - DUE_INDEX_SLACK_MS;
}
