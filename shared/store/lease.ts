/**
 * A lease on one item: the right to call WeChat for it and commit the result. It lives in the item
 * itself (leaseOwner, leaseAcquiredAt, leaseExpiresAt), so that taking it, committing under it and
 * clearing it are each one conditional write on that item. What a lease means for the stored token is
 * the trust policy's (shared/tokens/trust.ts); this is only its shape.
 */
export interface Lease {
  readonly owner: string;
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

export const LEASE_ATTRIBUTES = ['leaseOwner', 'leaseAcquiredAt', 'leaseExpiresAt'] as const;

/** The attributes a lease is written as (LEASE_ATTRIBUTES, in that order). */
export function leaseAttributes(lease: Lease): Record<(typeof LEASE_ATTRIBUTES)[number], string | number> {
  return { leaseOwner: lease.owner, leaseAcquiredAt: lease.acquiredAt, leaseExpiresAt: lease.expiresAt };
}

/** What a commit clears: the lease (and `renewingSince`, which earlier versions of the item kept). */
export const COMMIT_REMOVES = [...LEASE_ATTRIBUTES, 'renewingSince'] as const;

/** No lease, or one whose holder is gone (it expired before `:now`). Used by the sync's run lease. */
export const LEASE_FREE = '(attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now)';

/** The lease is `owner`'s (live or not: only its owner extends or releases it). */
export function leaseHeldBy(owner: string): { expression: string; values: Record<string, unknown> } {
  return { expression: '#leaseOwner = :owner', values: { ':owner': owner } };
}

export function leaseOf(item: Record<string, unknown>): Lease | undefined {
  const { leaseOwner, leaseAcquiredAt, leaseExpiresAt } = item;
  if (typeof leaseOwner !== 'string' || typeof leaseAcquiredAt !== 'number' || typeof leaseExpiresAt !== 'number')
    return undefined;
  return { owner: leaseOwner, acquiredAt: leaseAcquiredAt, expiresAt: leaseExpiresAt };
}

export function isLeaseLive(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.expiresAt >= now;
}

/** A lease left behind: its holder died (or gave up without an answer) before it ended. */
export function isLeaseAbandoned(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.expiresAt < now;
}
