import type { AuthorizerSnapshot } from '../store/index.js';

/** One run revokes at most this many accounts, or REVOCATION_SHARE of the authorized ones if more. */
export const REVOCATION_FLOOR = 10;
export const REVOCATION_SHARE = 0.05;

/** What a listing's absences do: accounts to record as absent, to revoke, and the revocations left over. */
export interface AbsencePlan {
  /** A listing of 0 accounts while some are authorized: it says nothing about them, and changes nothing. */
  readonly emptyListing: boolean;
  /** First absent from a complete listing: recorded (`absentSince`), not revoked. */
  readonly markAbsent: readonly AuthorizerSnapshot[];
  /** Absent from an earlier complete listing and from this one, oldest absence first, within the bound. */
  readonly revoke: readonly AuthorizerSnapshot[];
  /** Due for revocation beyond the bound: left for the next run (their absence stays recorded). */
  readonly deferred: number;
}

const NOTHING: AbsencePlan = { emptyListing: false, markAbsent: [], revoke: [], deferred: 0 };

/**
 * Decides what the accounts a listing lacks become. WeChat has answered a complete-looking listing that
 * was wrong (one `{total_count: 0, list: []}` revoked everyone), so one listing never revokes: an account
 * is revoked only when two complete listings in a row lack it, never on a listing of 0 while accounts are
 * authorized, and at most max(REVOCATION_FLOOR, REVOCATION_SHARE of them) per run. An `unauthorized` push
 * and 61003 are WeChat's word on one account, and revoke at once elsewhere.
 *
 * An account written after the listing began (an authorization event) is not judged by it. An absence
 * counts only while nothing was authorized since it was recorded (a refresh token stored after it):
 * otherwise it is recorded afresh, so that the two absences are in a row.
 */
export function planAbsences(
  snapshot: Iterable<AuthorizerSnapshot>,
  listing: { readonly complete: boolean; readonly totalCount: number; readonly entries: ReadonlyMap<string, unknown> },
  listingStartedAt: number,
): AbsencePlan {
  if (!listing.complete) return NOTHING;
  const authorized = [...snapshot].filter((stored) => stored.status !== 'revoked');
  if (listing.totalCount === 0 && authorized.length > 0) return { ...NOTHING, emptyListing: true };
  const markAbsent: AuthorizerSnapshot[] = [];
  const due: AuthorizerSnapshot[] = [];
  for (const stored of authorized) {
    if (listing.entries.has(stored.appId) || stored.refreshTokenChangedAt >= listingStartedAt) continue;
    const since = stored.absentSince;
    if (since === undefined || stored.refreshTokenChangedAt >= since) markAbsent.push(stored);
    else if (since < listingStartedAt) due.push(stored);
  }
  due.sort((a, b) => (a.absentSince ?? 0) - (b.absentSince ?? 0) || a.appId.localeCompare(b.appId));
  const limit = revocationLimit(authorized.length);
  return { emptyListing: false, markAbsent, revoke: due.slice(0, limit), deferred: Math.max(due.length - limit, 0) };
}

/** The most one run may revoke, of `authorized` accounts (not revoked: active or refused). */
export function revocationLimit(authorized: number): number {
  return Math.max(REVOCATION_FLOOR, Math.floor(authorized * REVOCATION_SHARE));
}
