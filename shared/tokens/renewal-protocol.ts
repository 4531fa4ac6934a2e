import { setTimeout as sleep } from 'node:timers/promises';
import {
  type IssuedToken,
  isLeaseAbandoned,
  isLeaseLive,
  type TokenState,
  type TokenStateChange,
} from '../store/index.js';
import { WechatApiError } from '../wechat/index.js';
import { TokenError } from './errors.js';
import {
  doubtOfLease,
  LEASE_SAFETY_MS,
  mergeDoubt,
  needsRenewal,
  type RenewalReason,
  STUCK_REQUEST_MS,
  scheduleFor,
} from './trust.js';

/**
 * The one renewal protocol, for authorizer and component tokens alike: take the lease, call WeChat
 * inside it, then commit, release or record doubt. Each step is a change decided from the record as
 * read (by the trust policy) and written only onto that version of it; when the record moved, it is
 * read again and the step decided again. The renewers configure it with their store and their call.
 */
export interface TokenStore<R extends TokenState, X> {
  read(): Promise<R | undefined>;
  /** Writes `change` (and the item's own `extra`) onto `record`'s version: the record as written, or `undefined` if it moved. */
  write(record: R, change: TokenStateChange, extra?: X): Promise<R | undefined>;
}

type Step<X, T> = { readonly result: T; readonly change?: TokenStateChange; readonly extra?: X };

/** Writes what `decide` asks of the current record, deciding again from a fresh read while the record moves. */
export async function transition<R extends TokenState, X, T>(
  store: TokenStore<R, X>,
  first: R | undefined,
  decide: (current: R | undefined) => Step<X, T>,
): Promise<{ result: T; record: R | undefined }> {
  let current = first;
  for (let attempt = 0; ; attempt++) {
    const step = decide(current);
    if (!step.change || !current) return { result: step.result, record: current };
    const written = await store.write(current, step.change, step.extra);
    if (written) return { result: step.result, record: written };
    if (attempt >= MAX_CONFLICTS) throw new RenewalConflictError();
    current = await store.read();
  }
}

/** A waiter's poll interval doubles this many times at most (100 ms becomes 800 ms). */
const MAX_POLL_BACKOFF_DOUBLINGS = 3;

/** A record that keeps moving under us this often is a bug or a storm; the caller fails and retries later. */
const MAX_CONFLICTS = 8;

export class RenewalConflictError extends TokenError {
  constructor() {
    super('the record kept changing while a renewal step was written');
  }
}

export type LeaseAttempt<R> =
  | { readonly kind: 'leased'; readonly record: R; readonly owner: string }
  /** The reason no longer holds: someone else renewed. */
  | { readonly kind: 'current'; readonly record: R; readonly readAt: number }
  /** Another holder has the lease and did not finish within the wait. */
  | { readonly kind: 'busy'; readonly record: R }
  /** Not there, or not in a state the lease may be taken in (e.g. not active). */
  | { readonly kind: 'refused'; readonly record: R | undefined };

export interface AcquireOptions<R> {
  readonly eligible: (record: R) => boolean;
  readonly reason: RenewalReason;
  readonly now: () => number;
  readonly newOwner: () => string;
  readonly leaseMs: number;
  /** How long (real ms) to wait for another holder; 0 to report `busy` at once. */
  readonly waitMs: number;
  readonly pollMs: number;
}

/**
 * Takes the renewal lease while the reason holds. A caller that finds the lease held waits for the
 * holder's result with reads only (a thousand waiters must not each try a write every poll). A lease
 * left behind by a holder that died is taken over, and its holder's requests become doubt: WeChat may
 * act on them after our own.
 */
export async function acquireLease<R extends TokenState, X>(
  store: TokenStore<R, X>,
  options: AcquireOptions<R>,
): Promise<LeaseAttempt<R>> {
  const giveUpAt = performance.now() + options.waitMs;
  const owner = options.newOwner();
  let polls = 0;
  for (let lost = 0; ; ) {
    const readAt = options.now();
    const record = await store.read();
    if (!record) return { kind: 'refused', record };
    // An acquire whose answer was lost (and whose SDK retry then found the version moved) is ours.
    if (record.lease?.owner === owner) return { kind: 'leased', record, owner };
    if (!options.eligible(record)) return { kind: 'refused', record };
    if (!needsRenewal(record, options.reason, readAt)) return { kind: 'current', record, readAt };
    if (isLeaseLive(record.lease, readAt)) {
      const left = giveUpAt - performance.now();
      if (left <= 0) return { kind: 'busy', record };
      // Backing off (to MAX_POLL_BACKOFF × pollMs, jittered): a thousand waiters' reads must not starve the
      // holder's own writes of the table, and each waiter still reads once more at its deadline.
      const backoff = options.pollMs * 2 ** Math.min(polls++, MAX_POLL_BACKOFF_DOUBLINGS);
      await sleep(Math.min(backoff * (0.5 + Math.random()), left));
      continue;
    }
    const now = options.now();
    const change: TokenStateChange = {
      lease: { owner, acquiredAt: now, expiresAt: now + options.leaseMs },
      // The due index stops listing the account while it is held: overlapping runs skip it, and should
      // we die it is due again when the lease ends.
      refreshAt: now + options.leaseMs,
      ...(isLeaseAbandoned(record.lease, now)
        ? { doubt: mergeDoubt(record.doubt, doubtOfLease(record.lease)) ?? null }
        : {}),
    };
    const leased = await store.write(record, change);
    if (leased) return { kind: 'leased', record: leased, owner };
    // The record moved between our read and our write: read again, but not forever.
    if (++lost >= MAX_CONFLICTS || (performance.now() >= giveUpAt && options.waitMs > 0))
      return { kind: 'busy', record };
  }
}

/** How a WeChat call made under a lease went. */
export type CallOutcome<A> =
  | { readonly kind: 'answered'; readonly answer: A; readonly sentAt: number; readonly unansweredAttempt: boolean }
  /** `uncertain`: some attempt went unanswered, so WeChat may have acted on it (and may still). */
  | {
      readonly kind: 'failed';
      readonly error: unknown;
      readonly sentAt: number;
      readonly uncertain: boolean;
      readonly called: boolean;
    };

/** The holder stopped short of calling WeChat: too little of its lease was left. */
export class LeaseRunningOutError extends TokenError {
  constructor() {
    super('too little of the lease is left to call WeChat');
  }
}

/** What the holder's call is told: `send()` right before each request leaves (it gives the request's signal), `unanswered()` by the client. */
export interface LeaseCall {
  /** The signal for a request about to be sent; throws LeaseRunningOutError when too little of the lease is left. */
  send(): AbortSignal;
  /** An attempt went unanswered and another follows (the client's onUnansweredAttempt). */
  unanswered(): void;
}

/**
 * Makes the holder's WeChat call: no request leaves past its lease less LEASE_SAFETY_MS (a call made
 * after the lease ended could supersede the token of the holder that took over), each is aborted then,
 * and whether any attempt went unanswered is noted. Work before the request (the component token, a
 * ticket check) runs inside `call` before `send()`.
 */
export async function callUnderLease<A>(
  lease: { expiresAt: number },
  now: () => number,
  call: (attempt: LeaseCall) => Promise<A>,
): Promise<CallOutcome<A>> {
  const sentAt = now();
  let sent = false;
  let unansweredAttempt = false;
  const attempt: LeaseCall = {
    send: () => {
      const left = lease.expiresAt - LEASE_SAFETY_MS - now();
      if (left <= 0) throw new LeaseRunningOutError();
      sent = true;
      return AbortSignal.timeout(left);
    },
    unanswered: () => {
      unansweredAttempt = true;
    },
  };
  try {
    const answer = await call(attempt);
    return { kind: 'answered', answer, sentAt, unansweredAttempt };
  } catch (error) {
    // WeChat answering with an error issued nothing for that attempt; an earlier unanswered one may have.
    const uncertain = sent && (unansweredAttempt || !(error instanceof WechatApiError));
    return { kind: 'failed', error, sentAt, uncertain, called: sent };
  }
}

/** What the holder did to WeChat, for the step that ends its lease. */
export interface HolderReport {
  readonly owner: string;
  readonly sentAt: number;
  readonly now: number;
  /** A request of ours WeChat may still act on (an unanswered attempt, or an unanswered call). */
  readonly unsettled: boolean;
}

/**
 * The doubt our own requests leave: an answered call is settled by `now` (it may have superseded the
 * stored token, but no later); an unanswered one may still be acted on for STUCK_REQUEST_MS.
 */
export function ownDoubt(report: HolderReport): { from: number; until: number } {
  return { from: report.sentAt, until: report.now + (report.unsettled ? STUCK_REQUEST_MS : 0) };
}

export type CommitOutcome =
  | 'committed'
  /** Someone else holds the lease now, or none does: their state is kept, and ours recorded as doubt. */
  | 'lease_lost'
  /** A newer token was stored meanwhile (an authorization's exchange): it is kept, ours recorded as doubt. */
  | 'kept_newer';

/**
 * The commit of a renewal's answer under the holder's lease. Our request was answered, so it may have
 * superseded whatever is stored, but no later than now; an unanswered earlier attempt may still
 * supersede our token. A holder that lost its lease stores nothing and records its request as doubt,
 * moving the due time so that the schedule does not skip a token that may be dead.
 */
export function commitStep(
  current: TokenState,
  report: HolderReport,
  token: IssuedToken,
  renewalMarginMs: number,
): { outcome: CommitOutcome; change: TokenStateChange } {
  if (current.lease?.owner !== report.owner)
    return { outcome: 'lease_lost', change: doubtChange(current, ownDoubt(report), renewalMarginMs) };
  const stored = current.accessToken;
  if (stored && stored.issuedAt > token.issuedAt) {
    return {
      outcome: 'kept_newer',
      change: { lease: null, ...doubtChange({ ...current, lease: undefined }, ownDoubt(report), renewalMarginMs) },
    };
  }
  const doubt = report.unsettled ? mergeDoubt(current.doubt, ownDoubt(report)) : current.doubt;
  return {
    outcome: 'committed',
    change: { accessToken: token, lease: null, ...scheduleFor(token, doubt, renewalMarginMs) },
  };
}

/**
 * Ends a lease after a failed call. A certain failure (WeChat answered, or was never called) leaves no
 * doubt and makes the token due at once; an uncertain one records its request as doubt. A holder that
 * lost its lease still records its doubt: the lease is someone else's, the request was ours.
 */
export function releaseStep(
  current: TokenState,
  report: HolderReport,
  renewalMarginMs: number,
): TokenStateChange | undefined {
  const own = current.lease?.owner === report.owner;
  if (!report.unsettled) return own ? { lease: null, refreshAt: report.now } : undefined;
  // Our own lease's due time (its end) means nothing once it is let go: the doubt decides it afresh.
  const state = own ? { ...current, lease: undefined, refreshAt: undefined } : current;
  return { ...(own ? { lease: null } : {}), ...doubtChange(state, ownDoubt(report), renewalMarginMs, report.now) };
}

/**
 * Records a doubt on the stored token and moves its due time so that the schedule renews it in time
 * (see `scheduleFor`). While someone else holds the lease its due time stays the lease's end: that
 * holder's commit reads the doubt and schedules its own token by it. With no token stored, it is due
 * at `noToken`.
 */
export function doubtChange(
  current: TokenState,
  doubt: { from: number; until: number },
  renewalMarginMs: number,
  noToken?: number,
): TokenStateChange {
  const merged = mergeDoubt(current.doubt, doubt) ?? null;
  if (current.lease) return { doubt: merged };
  if (!current.accessToken) return { doubt: merged, ...(noToken !== undefined ? { refreshAt: noToken } : {}) };
  const scheduled = scheduleFor(current.accessToken, merged ?? undefined, renewalMarginMs);
  return {
    doubt: scheduled.doubt,
    refreshAt: Math.min(scheduled.refreshAt, current.refreshAt ?? Number.POSITIVE_INFINITY),
  };
}
