import type { Sensitive } from '../sensitive.js';
import type { Doubt, IssuedToken, Lease, TokenState } from '../store/index.js';

/**
 * The one trust policy: whether a stored token may be handed out, until when it is guaranteed to work,
 * and when we renew it. Every reader (the getter, the component token provider, the renewers' lease
 * loop) and every writer that moves a due time asks this module; nothing else reasons about WeChat's
 * grace.
 *
 * The facts it rests on: WeChat keeps a superseded token working for about 5 minutes after it issues the
 * next one, and a token is superseded only by a request for a new one. Such a request comes from our
 * own renewals (under a lease, at or after `refreshAt`), from an exchange of an authorization code (the
 * worst case: it supersedes too), or from a request we sent and never heard back from, which WeChat may
 * act on later (recorded as a `Doubt`).
 *
 * Two limits the promise rests on, said plainly:
 * - A request may reach WeChat at most STUCK_REQUEST_MS after we gave up on it (or after its holder's
 *   lease ended). A request stalled on the wire for longer (a network that holds it for minutes) can
 *   supersede a token handed out after that window, whose guarantee it then cuts short.
 * - An `updateauthorized` exchange (api_query_auth) is assumed, in the worst case, to supersede the stored
 *   token. The stored token is put in doubt before it is sent, so nothing handed out after that is
 *   promised past the exchange's grace; tokens handed out before the push keep the promise they were
 *   given only if WeChat does not in fact supersede them. Their holders then meet 40001 and report it,
 *   and a report of a token WeChat refuses renews it once.
 */

/** WeChat's grace for a superseded token (staff: "about 5 minutes"). */
export const WECHAT_GRACE_MS = 5 * 60_000;

/** Kept in hand against clock skew and the time a caller's own call takes: a guarantee ends this early. */
export const SAFETY_MARGIN_MS = 60_000;

/** How long after a superseding request was sent the stored token is still handed out. */
export const TRUST_WINDOW_MS = WECHAT_GRACE_MS - SAFETY_MARGIN_MS;

/**
 * How long after we gave up on a request WeChat may still act on it (a request stuck in a queue). Not
 * documented by WeChat: an assumption, generous against the 5-second timeouts we use, and the one number
 * the "never a dead token" promise depends on beyond WeChat's grace.
 */
export const STUCK_REQUEST_MS = 60_000;

/**
 * The renewal lease. With the refresh every minute, a lease a holder abandoned (it died after WeChat
 * answered, say) is taken over within WeChat's grace of the token it left superseded.
 */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * How long before its expiry an authorizer token is renewed by the schedule (RENEWAL_MARGIN_SECONDS):
 * a quarter of an hour leaves a failed renewal fourteen more minutes of tries before the token runs out.
 */
export const DEFAULT_RENEWAL_MARGIN_MS = 15 * 60_000;

/** How long before its expiry the component access token is renewed (COMPONENT_TOKEN_MARGIN_SECONDS). */
export const DEFAULT_COMPONENT_TOKEN_MARGIN_MS = 10 * 60_000;

/** A holder stops calling WeChat this long before its lease ends (a call's own timeout is 5 s). */
export const LEASE_SAFETY_MS = 10_000;

/** A token handed out to a caller is guaranteed for at least this long; one guaranteed for less is renewed first. */
export const MIN_SERVED_VALIDITY_MS = 60_000;

/** Why a token is to be renewed; the renewal happens only while the reason holds. */
export type RenewalReason =
  /** The schedule's: our renewal is due (`refreshAt`), or the stored token cannot be handed out at all. */
  | { readonly kind: 'scheduled' }
  /** A caller's: the stored token is guaranteed for less than `minValidMs` (or there is none). */
  | { readonly kind: 'due'; readonly minValidMs: number }
  /** A caller was refused with this token: renew it if it is still the stored one and WeChat confirms it dead. */
  | { readonly kind: 'invalid'; readonly token: Sensitive };

/** The scheduled refresh: renew what is due, nothing else. */
export const SCHEDULED: RenewalReason = { kind: 'scheduled' };

/**
 * Until when (epoch ms) the stored token is guaranteed to work, as read at `readAt`; `undefined` when
 * there is none. It is the earliest of: WeChat's expiry; our own next renewal plus the grace (a renewal
 * not yet begun begins no earlier than `refreshAt`, nor than now); a lease's start plus the grace (its
 * holder may have sent its request from then on); and, when a request in doubt may have superseded this
 * token, the later of the token's issue and that request's sending, plus the grace. Less the margin.
 */
export function guaranteedUntil(state: TokenState, readAt: number): number | undefined {
  const token = state.accessToken;
  if (!token) return undefined;
  const bounds = [token.expiresAt];
  if (state.refreshAt !== undefined) bounds.push(Math.max(state.refreshAt, readAt) + WECHAT_GRACE_MS);
  if (state.lease) bounds.push(state.lease.acquiredAt + WECHAT_GRACE_MS);
  if (isInDoubt(token, state.doubt)) bounds.push(Math.max(token.issuedAt, state.doubt.from) + WECHAT_GRACE_MS);
  return Math.min(...bounds) - SAFETY_MARGIN_MS;
}

/** Whether the stored token may be handed out at `now` to a caller that needs it for `minValidMs`. */
export function isServable(state: TokenState, now: number, minValidMs: number): boolean {
  const until = guaranteedUntil(state, now);
  return until !== undefined && until - now > minValidMs;
}

/** Whether `reason` still asks for a renewal of this state at `now`. */
export function needsRenewal(state: TokenState, reason: RenewalReason, now: number): boolean {
  if (!state.accessToken) return true;
  if (reason.kind === 'invalid')
    return state.accessToken.token.equals(reason.token) || !isServable(state, now, MIN_SERVED_VALIDITY_MS);
  if (reason.kind === 'scheduled') return (state.refreshAt ?? 0) <= now || !isServable(state, now, 0);
  return !isServable(state, now, reason.minValidMs);
}

/** Whether a request in doubt may have superseded this token: one WeChat could still act on after it was issued. */
export function isInDoubt(token: IssuedToken, doubt: Doubt | undefined): doubt is Doubt {
  return doubt !== undefined && doubt.until >= token.issuedAt;
}

/** Two doubts as one: from the earlier sending to the later end (the union, widened). */
export function mergeDoubt(a: Doubt | undefined, b: Doubt | undefined): Doubt | undefined {
  if (!a || !b) return a ?? b;
  return { from: Math.min(a.from, b.from), until: Math.max(a.until, b.until) };
}

/** The doubt a lease leaves when it is given up without an answer, or abandoned: its holder's requests. */
export function doubtOfLease(lease: Lease, gaveUpAt: number = lease.expiresAt): Doubt {
  return { from: lease.acquiredAt, until: gaveUpAt + STUCK_REQUEST_MS };
}

/**
 * When to renew a stored token (epoch ms). Normally `renewalMarginMs` before WeChat's expiry. A token
 * in doubt is renewed as soon as the doubt is over (a renewal sent after it brings a token nothing we
 * know of can supersede), and no later than a minute before its guarantee ends, so that a working
 * token is stored all along: if the doubt outlasts that, it is renewed then and once more after.
 * A doubt that no longer touches the token is dropped (`doubt: null`).
 */
export function scheduleFor(
  token: IssuedToken,
  doubt: Doubt | undefined,
  renewalMarginMs: number,
): { refreshAt: number; doubt: Doubt | null } {
  if (!isInDoubt(token, doubt)) return { refreshAt: token.expiresAt - renewalMarginMs, doubt: null };
  const guaranteeEnds =
    Math.min(Math.max(token.issuedAt, doubt.from) + WECHAT_GRACE_MS, token.expiresAt) - SAFETY_MARGIN_MS;
  return { refreshAt: Math.min(doubt.until + 1, guaranteeEnds - RENEWAL_LEAD_MS), doubt };
}

/** How long before a guarantee ends the renewal of a token in doubt is due: one schedule period. */
const RENEWAL_LEAD_MS = 60_000;

/**
 * A lease must outlast a holder's WeChat calls (it stops LEASE_SAFETY_MS before the end) and end well
 * inside the trust window: the stored token is handed out while the lease lasts.
 */
export function validateLeaseMs(leaseMs: number): number {
  if (!(leaseMs >= LEASE_SAFETY_MS * 2 && leaseMs <= TRUST_WINDOW_MS / 2)) {
    throw new RangeError(`leaseMs must be from ${LEASE_SAFETY_MS * 2} ms to ${TRUST_WINDOW_MS / 2} ms`);
  }
  return leaseMs;
}
