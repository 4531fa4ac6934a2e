import type { Sensitive } from '../sensitive';
import type { Condition, Update } from './table';

/**
 * A lease on one item: the right to call WeChat for it and commit the result. It lives in the item
 * itself (leaseOwner, leaseAcquiredAt, leaseExpiresAt), so that taking it, committing under it and
 * clearing it are each one conditional write on that item.
 */
export interface Lease {
  readonly owner: string;
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

export const LEASE_ATTRIBUTES = ['leaseOwner', 'leaseAcquiredAt', 'leaseExpiresAt'] as const;

/** No lease, or one whose holder is gone (it expired before `:now`). */
export const LEASE_FREE: Condition['expression'] = '(attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now)';

/**
 * A lease that expired without a commit or release. Its holder may have crashed after WeChat answered,
 * so a token WeChat has since superseded may be stored: the item must be renewed before it is trusted.
 */
export const LEASE_ABANDONED: Condition['expression'] = '(attribute_exists(#leaseExpiresAt) AND #leaseExpiresAt < :now)';

export const HELD_BY_OWNER: Condition['expression'] = '#leaseOwner = :owner';

export function leaseSet(owner: string, now: number, leaseMs: number): Record<string, unknown> {
  return { leaseOwner: owner, leaseAcquiredAt: now, leaseExpiresAt: now + leaseMs };
}

export function leaseOf(item: Record<string, unknown>): Lease | undefined {
  const { leaseOwner, leaseAcquiredAt, leaseExpiresAt } = item;
  if (typeof leaseOwner !== 'string' || typeof leaseAcquiredAt !== 'number' || typeof leaseExpiresAt !== 'number') return undefined;
  return { owner: leaseOwner, acquiredAt: leaseAcquiredAt, expiresAt: leaseExpiresAt };
}

export function isLeaseLive(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.expiresAt >= now;
}

export function isLeaseAbandoned(lease: Lease | undefined, now: number): boolean {
  return lease !== undefined && lease.expiresAt < now;
}

/** Why a token is to be renewed; the lease is granted only while the reason still holds. */
export type RenewalReason =
  /** The token expires before `expiringBefore` (epoch ms), or there is none. */
  | { readonly kind: 'due'; readonly expiringBefore: number }
  /** A caller was refused with this token: renew only if it is still the stored one (compare-and-renew). */
  | { readonly kind: 'invalid'; readonly token: Sensitive };

/**
 * The condition of taking a renewal lease: no live lease, and either the reason holds or a holder
 * abandoned its lease (it may have had WeChat supersede the stored token, which is then not to be trusted).
 */
export function renewalCondition(reason: RenewalReason, now: number): Condition {
  const reasonHolds =
    reason.kind === 'due'
      ? '(attribute_not_exists(#accessTokenExpiresAt) OR #accessTokenExpiresAt <= :expiringBefore)'
      : '(attribute_not_exists(#accessToken) OR #accessToken = :invalidToken)';
  return {
    expression: `attribute_exists(#pk) AND ${LEASE_FREE} AND (${LEASE_ABANDONED} OR ${reasonHolds})`,
    values: {
      ':now': now,
      ...(reason.kind === 'due' ? { ':expiringBefore': reason.expiringBefore } : { ':invalidToken': reason.token.reveal() }),
    },
  };
}

/**
 * The write that gives a lease up after a failed renewal. `uncertain` (no answer from WeChat: it may
 * have issued a token we never saw, superseding the stored one) leaves the lease expired rather than
 * removed, so that the next reader renews before trusting the stored token.
 */
export function releaseUpdate(now: number, uncertain: boolean, alsoSet: Record<string, unknown> = {}): Update {
  return uncertain ? { set: { leaseExpiresAt: now - 1, ...alsoSet } } : { remove: LEASE_ATTRIBUTES };
}
