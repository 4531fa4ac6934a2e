import { setTimeout as sleep } from 'node:timers/promises';
import type { Sensitive } from '../sensitive';
import { isLeaseLive, isStoredTokenTrusted, type Lease, type RenewalReason } from '../store';

interface Leasable {
  readonly lease?: Lease | undefined;
  readonly renewingSince?: number | undefined;
  readonly accessToken?: { readonly token: Sensitive; readonly expiresAt: number } | undefined;
}

export type LeaseAttempt<R> =
  | { readonly kind: 'leased'; readonly record: R; readonly owner: string }
  /** The reason no longer holds: someone else renewed. */
  | { readonly kind: 'current'; readonly record: R }
  /** Another holder has the lease and did not finish within the wait. */
  | { readonly kind: 'busy'; readonly record: R }
  /** The acquire condition failed for a reason other than a lease (no item, not active, …). */
  | { readonly kind: 'refused'; readonly record: R | undefined };

export interface LeaseLoopOptions<R> {
  readonly acquire: (owner: string, now: number) => Promise<R | undefined>;
  readonly read: () => Promise<R | undefined>;
  /** Whether the record, as read, is still in a state the lease may be taken in (e.g. active). */
  readonly eligible: (record: R) => boolean;
  readonly reason: RenewalReason;
  readonly now: () => number;
  readonly newOwner: () => string;
  /** How long (real ms) to wait for another holder; 0 to report `busy` at once. */
  readonly waitMs: number;
  readonly pollMs: number;
}

/** Whether a record still needs the renewal its reason asks for. */
export function stillNeeded(record: Leasable, reason: RenewalReason, now: number): boolean {
  if (!record.accessToken || !isStoredTokenTrusted(record, now)) return true;
  return reason.kind === 'due' ? record.accessToken.expiresAt <= reason.expiringBefore : record.accessToken.token.equals(reason.token);
}

/**
 * Takes a renewal lease, or finds out why not. A caller that finds the lease held waits for the
 * holder's result (polling the item) instead of calling WeChat itself, so that N callers at once cause
 * one renewal. Waiting uses real time; lease times use the injected clock.
 */
export async function acquireOrWait<R extends Leasable>(options: LeaseLoopOptions<R>): Promise<LeaseAttempt<R>> {
  const giveUpAt = performance.now() + options.waitMs;
  for (;;) {
    const owner = options.newOwner();
    const leased = await options.acquire(owner, options.now());
    if (leased) return { kind: 'leased', record: leased, owner };
    const current = await options.read();
    // The SDK retried an acquire whose first attempt had succeeded: the lease is ours.
    if (current?.lease?.owner === owner) return { kind: 'leased', record: current, owner };
    if (!current || !options.eligible(current)) return { kind: 'refused', record: current };
    const now = options.now();
    if (!stillNeeded(current, options.reason, now)) return { kind: 'current', record: current };
    // Either a live lease, or a race with another acquirer that just took it. While a live lease is
    // seen, wait with reads only (a thousand waiters must not each try a write every poll), with jitter.
    let seen = current;
    while (isLeaseLive(seen.lease, options.now()) && seen.lease?.owner !== undefined) {
      if (performance.now() >= giveUpAt) return { kind: 'busy', record: seen };
      await sleep(options.pollMs * (0.5 + Math.random()));
      const next = await options.read();
      if (!next || !options.eligible(next)) return { kind: 'refused', record: next };
      if (!stillNeeded(next, options.reason, options.now())) return { kind: 'current', record: next };
      if (next.lease?.owner !== seen.lease.owner) break;
      seen = next;
    }
    if (performance.now() >= giveUpAt) return { kind: 'refused', record: seen };
    if (seen === current) await sleep(options.pollMs * (0.5 + Math.random()));
  }
}
