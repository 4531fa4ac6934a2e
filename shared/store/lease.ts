import type { Sensitive } from '../sensitive';
import type { Condition, Key, Table, Update } from './table';

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

/** WeChat keeps a superseded access token working for about 5 minutes after it issues the next one. */
export const SUPERSEDED_TOKEN_GRACE_MS = 5 * 60_000;

/**
 * How long after a renewal began the stored token is still trusted without a commit. Any token WeChat
 * issued for that renewal was issued after it began, so the stored one works until at least
 * `renewingSince` + 5 minutes; a minute is kept in hand.
 */
export const TRUST_WINDOW_MS = 4 * 60_000;

/** A holder stops calling WeChat this long before its lease ends (a call's own timeout is 5 s). */
export const LEASE_SAFETY_MS = 10_000;

/**
 * A lease must outlast a holder's WeChat calls (it stops LEASE_SAFETY_MS before the end) and end inside
 * the trust window: while a lease is live the stored token is handed out, and past the window WeChat may
 * have superseded it and let it die.
 */
export function validateLeaseMs(leaseMs: number): number {
  if (!(leaseMs > LEASE_SAFETY_MS * 2 && leaseMs < TRUST_WINDOW_MS)) {
    throw new RangeError(`leaseMs must be longer than ${LEASE_SAFETY_MS * 2} ms and shorter than ${TRUST_WINDOW_MS} ms`);
  }
  return leaseMs;
}

/** What a commit clears: the lease, and the mark that a renewal is under way. */
export const COMMIT_REMOVES = [...LEASE_ATTRIBUTES, 'renewingSince'] as const;

/** No lease, or one whose holder is gone (it expired before `:now`). */
export const LEASE_FREE: Condition['expression'] = '(attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now)';

export const HELD_BY_OWNER: Condition['expression'] = '#leaseOwner = :owner';

/**
 * Taking a lease. `renewingSince` keeps the start of the first renewal since the last commit: a chain of
 * holders that crash or fail without an answer never makes the stored token look newer than it is.
 */
export function leaseUpdate(owner: string, now: number, leaseMs: number): Update {
  return { set: { leaseOwner: owner, leaseAcquiredAt: now, leaseExpiresAt: now + leaseMs }, setIfMissing: { renewingSince: now } };
}

/** Whether a stored token may be handed out, as far as renewals are concerned (its expiry aside). */
export function isStoredTokenTrusted(record: { lease?: Lease | undefined; renewingSince?: number | undefined }, now: number): boolean {
  if (isLeaseAbandoned(record.lease, now)) return false;
  return record.renewingSince === undefined || now - record.renewingSince < TRUST_WINDOW_MS;
}

export function renewingSinceOf(item: Record<string, unknown>): number | undefined {
  return typeof item['renewingSince'] === 'number' ? item['renewingSince'] : undefined;
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
 * The condition of taking a renewal lease: no live lease, and either the reason holds or the stored
 * token is no longer to be trusted (a holder abandoned its lease, or a renewal began too long ago without
 * a commit: WeChat may have superseded the stored token).
 */
export function renewalCondition(reason: RenewalReason, now: number): Condition {
  const reasonHolds =
    reason.kind === 'due'
      ? '(attribute_not_exists(#accessTokenExpiresAt) OR #accessTokenExpiresAt <= :expiringBefore)'
      : '(attribute_not_exists(#accessToken) OR #accessToken = :invalidToken)';
  // A comparison with a missing attribute is false, so "a lease that expired" (its holder may have
  // crashed after WeChat answered) and "a renewal began too long ago" need no attribute_exists. Short
  // expressions matter little to DynamoDB, and much to the local servers that parse them per request.
  const abandoned = '#leaseExpiresAt < :now';
  const untrusted = '#renewingSince <= :trustFloor';
  return {
    expression: `attribute_exists(#pk) AND ${LEASE_FREE} AND (${abandoned} OR ${untrusted} OR ${reasonHolds})`,
    values: {
      ':now': now,
      ':trustFloor': now - TRUST_WINDOW_MS,
      ...(reason.kind === 'due' ? { ':expiringBefore': reason.expiringBefore } : { ':invalidToken': reason.token.reveal() }),
    },
  };
}

/**
 * Gives a lease up after a failed renewal. `uncertain` (the WeChat call was sent and not answered: it may
 * have issued a token we never saw) leaves the lease expired rather than removed, so that the next
 * reader renews before trusting the stored token. A certain failure (WeChat answered, or was never
 * called) removes the lease, and `renewingSince` too if this holder set it: no earlier holder's
 * uncertainty is erased.
 */
export async function releaseLease(
  table: Table,
  key: Key,
  lease: { owner: string; acquiredAt: number },
  options: { now: number; uncertain: boolean; alsoSet?: Record<string, unknown> },
): Promise<boolean> {
  const owned = { expression: HELD_BY_OWNER, values: { ':owner': lease.owner } };
  if (options.uncertain) {
    return (await table.update(key, { set: { leaseExpiresAt: options.now - 1, ...options.alsoSet } }, owned)) !== undefined;
  }
  const set = options.alsoSet ?? {};
  const clearedAll = await table.update(key, { set, remove: COMMIT_REMOVES }, {
    expression: `${HELD_BY_OWNER} AND #renewingSince = :acquiredAt`,
    values: { ':owner': lease.owner, ':acquiredAt': lease.acquiredAt },
  });
  return clearedAll !== undefined || (await table.update(key, { set, remove: LEASE_ATTRIBUTES }, owned)) !== undefined;
}

/**
 * After a renewal that reached WeChat but lost its lease: the stored token may have been superseded by
 * ours at `sentAt`, so it is trusted no longer than the window after `sentAt` (no owner condition: the
 * lease is someone else's now).
 */
export async function distrustSince(table: Table, key: Key, sentAt: number): Promise<void> {
  await table.update(
    key,
    { set: { renewingSince: sentAt } },
    { expression: 'attribute_exists(#pk) AND (attribute_not_exists(#renewingSince) OR #renewingSince > :sentAt)', values: { ':sentAt': sentAt } },
  );
}
