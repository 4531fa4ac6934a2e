import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { silentLogger, type Logger } from '../logger';
import { noMetrics, type Metrics } from '../metrics';
import { LEASE_SAFETY_MS, TRUST_WINDOW_MS, validateLeaseMs, type AuthorizerRecord, type AuthorizerStatus, type AuthorizerStore, type CommitOutcome, type RenewalReason, type StoredAccessToken } from '../store';
import {
  WechatApiError,
  WechatError,
  WechatNetworkError,
  WechatNotAuthorizedError,
  WechatQuotaError,
  WechatRefreshTokenInvalidError,
  type WechatComponentClient,
} from '../wechat';
import type { ComponentTokenProvider } from './component-token';
import { ComponentTokenUnavailableError } from './errors';
import { acquireOrWait } from './lease-loop';

/** Why a renewal failed, in the classes the refresh summary and the metrics count. */
export type RenewalFailure =
  | 'retryable'
  | 'network'
  | 'quota'
  | 'refresh_token_invalid'
  | 'not_authorized'
  | 'component_token'
  | 'rejected'
  /** The holder ran out of lease before it could call WeChat (it did not). */
  | 'lease_expired'
  | 'internal';

export type RenewalResult =
  | { readonly kind: 'renewed'; readonly token: StoredAccessToken; readonly commit: CommitOutcome }
  /** Nothing to do: the stored token already satisfies the request (someone else renewed it). */
  | { readonly kind: 'current'; readonly token: StoredAccessToken }
  /** Another instance holds the lease (and the caller chose not to wait, or it did not finish in time). */
  | { readonly kind: 'busy' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'inactive'; readonly status: Exclude<AuthorizerStatus, 'active'> }
  | { readonly kind: 'failed'; readonly failure: RenewalFailure; readonly error: Error };

export interface AuthorizerRenewerOptions {
  readonly store: AuthorizerStore;
  readonly client: WechatComponentClient;
  readonly componentTokens: ComponentTokenProvider;
  readonly clock: Clock;
  /** The scheduled refresh renews this long before expiry. Default 15 minutes. */
  readonly renewalMarginMs?: number;
  /** Longer than a WeChat call with its retries; shorter than TRUST_WINDOW_MS. Default 60 s. */
  readonly leaseMs?: number;
  readonly pollMs?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly newOwner?: () => string;
  /** Called after an account was marked refresh_token_invalid: asks for the sync that recovers it. */
  readonly onRefreshTokenRefused?: (now: number) => Promise<void>;
}

const DEFAULTS = { renewalMarginMs: 15 * 60_000, leaseMs: 60_000, pollMs: 100 };

/**
 * Renews one authorizer's access token under its lease: exactly one WeChat call however many callers
 * ask at once, the refresh token WeChat returns always kept, and every WeChat failure turned into the
 * state change the protocol notes ask for (61023 → refresh_token_invalid, 61003 → revoked).
 */
export class AuthorizerRenewer {
  readonly #options: AuthorizerRenewerOptions & typeof DEFAULTS;
  readonly #metrics: Metrics;
  readonly #logger: Logger;

  constructor(options: AuthorizerRenewerOptions) {
    this.#options = { ...DEFAULTS, ...options };
    validateLeaseMs(this.#options.leaseMs);
    this.#metrics = options.metrics ?? noMetrics;
    this.#logger = options.logger ?? silentLogger;
  }

  get renewalMarginMs(): number {
    return this.#options.renewalMarginMs;
  }

  /**
   * Renews `appId` if `reason` still holds. With `waitMs` > 0 a caller that finds another holder waits
   * for its result (the getter); with 0 it reports `busy` at once (the scheduled run moves on).
   */
  async renew(appId: string, reason: RenewalReason, options: { waitMs: number }): Promise<RenewalResult> {
    const { store, clock } = this.#options;
    const attempt = await acquireOrWait<AuthorizerRecord>({
      acquire: (owner, now) => store.acquireRenewal(appId, { owner, now, leaseMs: this.#options.leaseMs, reason }),
      read: () => store.get(appId),
      eligible: (record) => record.status === 'active',
      reason,
      now: () => clock.now(),
      newOwner: this.#options.newOwner ?? randomUUID,
      waitMs: options.waitMs,
      pollMs: this.#options.pollMs,
    });
    switch (attempt.kind) {
      case 'leased':
        return this.#renewHolding(attempt.record, attempt.owner);
      case 'current':
        return attempt.record.accessToken ? { kind: 'current', token: attempt.record.accessToken } : { kind: 'busy' };
      case 'busy':
        return { kind: 'busy' };
      case 'refused': {
        const record = attempt.record;
        if (!record) return { kind: 'not_found' };
        return record.status === 'active' ? { kind: 'busy' } : { kind: 'inactive', status: record.status };
      }
    }
  }

  async #renewHolding(record: AuthorizerRecord, owner: string): Promise<RenewalResult> {
    const { client, clock, componentTokens, store } = this.#options;
    const lease = { owner, acquiredAt: record.lease?.acquiredAt ?? clock.now() };
    // Past this point of its lease a holder calls WeChat no more: a call made after the lease ended could
    // supersede the token of the holder that took over.
    const deadline = (record.lease?.expiresAt ?? clock.now()) - LEASE_SAFETY_MS;
    const sentAt = clock.now();
    let unanswered = false;
    let retriedUnanswered = false;
    let renewed;
    try {
      renewed = await componentTokens.withToken(async (token) => {
        const left = deadline - clock.now();
        if (left <= 0) throw new LeaseRunningOutError();
        unanswered = true;
        try {
          const answer = await client.getAuthorizerAccessToken(
            token,
            { authorizerAppId: record.appId, authorizerRefreshToken: record.refreshToken },
            { signal: AbortSignal.timeout(left), onUnansweredAttempt: () => (retriedUnanswered = true) },
          );
          unanswered = false;
          return answer;
        } catch (error) {
          // WeChat answered with an error: it issued nothing.
          if (error instanceof WechatApiError) unanswered = false;
          throw error;
        }
      });
    } catch (error) {
      return this.#fail(record, lease, error, unanswered);
    }
    const expiresAt = sentAt + renewed.expiresInSeconds * 1000;
    const accessToken = { token: renewed.authorizerAccessToken, expiresAt };
    const doubtSince = unresolvedDoubt(record, retriedUnanswered ? sentAt : undefined, this.#options.leaseMs);
    const rotated = !renewed.authorizerRefreshToken.equals(record.refreshToken);
    if (rotated) this.#metrics.count('RefreshTokenRotated');
    const commit = await store.commitRenewal(record.appId, owner, {
      accessToken,
      refreshToken: renewed.authorizerRefreshToken,
      refreshTokenUsed: record.refreshToken,
      // A token that an unanswered attempt may still supersede is renewed again once the trust window
      // after this renewal began is over (by the schedule, or by the first getter to ask).
      refreshAt:
        doubtSince === undefined ? expiresAt - this.#options.renewalMarginMs : Math.min(expiresAt - this.#options.renewalMarginMs, doubtSince + TRUST_WINDOW_MS),
      now: clock.now(),
      keepDistrust: doubtSince !== undefined,
    });
    if (commit === 'lease_lost') {
      // Our call reached WeChat after another holder took over: its committed token may be the one ours
      // superseded. Trust it no longer than WeChat's grace after our call, and keep a rotated refresh token.
      this.#metrics.count('AuthorizerLeaseLost');
      this.#logger.warn('renewal lost its lease before the commit; the stored token is distrusted from our call on', { appId: record.appId });
      await store.distrustAfterLostLease(
        record.appId,
        sentAt,
        rotated ? { refreshToken: renewed.authorizerRefreshToken, replaced: record.refreshToken, now: clock.now() } : undefined,
      );
    }
    if (commit === 'lease_lost' || commit === 'no_longer_active') {
      const stored = await store.get(record.appId);
      if (!stored) return { kind: 'not_found' };
      if (stored.status !== 'active') return { kind: 'inactive', status: stored.status };
      return stored.accessToken ? { kind: 'current', token: stored.accessToken } : { kind: 'busy' };
    }
    this.#metrics.count('AuthorizerTokenRenewed');
    return { kind: 'renewed', token: accessToken, commit };
  }

  async #fail(record: AuthorizerRecord, lease: { owner: string; acquiredAt: number }, error: unknown, unanswered: boolean): Promise<RenewalResult> {
    const { store, clock } = this.#options;
    const { appId } = record;
    const now = clock.now();
    const failure = classify(error);
    this.#metrics.count('AuthorizerRenewalFailed');
    this.#logger.warn('authorizer token renewal failed', { appId, failure, ...describe(error) });
    const mark = async (status: 'refresh_token_invalid' | 'revoked'): Promise<boolean> => {
      // Refused only for the refresh token we used: a recovered one stored meanwhile is tried next time.
      if (await store.markStatus(appId, lease.owner, status, { now, refreshTokenUsed: record.refreshToken })) return true;
      await store.releaseRenewal(appId, lease, { now, uncertain: false });
      return false;
    };
    switch (failure) {
      case 'refresh_token_invalid':
        // Only the sync can recover it (from api_get_authorizer_list); until then it is not renewed.
        this.#metrics.count('RefreshTokenInvalid');
        if (await mark('refresh_token_invalid')) await this.#options.onRefreshTokenRefused?.(now);
        break;
      case 'not_authorized':
        this.#metrics.count('AuthorizerRevoked');
        await mark('revoked');
        break;
      case 'quota':
        this.#metrics.count('QuotaExhausted');
        await store.releaseRenewal(appId, lease, { now, uncertain: false });
        break;
      default:
        // Uncertain only when api_authorizer_token was sent and not answered: it may have issued a token.
        await store.releaseRenewal(appId, lease, { now, uncertain: unanswered });
    }
    return { kind: 'failed', failure, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * Since when the token this renewal stores might still be superseded by a request WeChat has not acted
 * on yet: this renewal's own unanswered attempt (`ownSince`), or an earlier holder's (it crashed, or gave
 * up without an answer, shortly before this lease). An earlier holder's requests were all sent before its
 * lease ended; once that is well past, its doubt is settled. `undefined`: no doubt, trust the token.
 */
export function unresolvedDoubt(record: { renewingSince?: number | undefined; lease?: { acquiredAt: number } | undefined }, ownSince: number | undefined, leaseMs: number): number | undefined {
  const inherited =
    record.renewingSince !== undefined &&
    record.lease !== undefined &&
    record.renewingSince < record.lease.acquiredAt &&
    record.lease.acquiredAt - record.renewingSince < leaseMs + STUCK_REQUEST_MS
      ? record.renewingSince
      : undefined;
  return inherited ?? ownSince;
}

/** How long after its holder's lease a stuck request may still be acted on, generously. */
const STUCK_REQUEST_MS = 60_000;

/** The holder stopped short of calling WeChat: too little of its lease was left. */
class LeaseRunningOutError extends Error {
  constructor() {
    super('too little of the lease is left to call WeChat');
    this.name = 'LeaseRunningOutError';
  }
}

function classify(error: unknown): RenewalFailure {
  if (error instanceof WechatRefreshTokenInvalidError) return 'refresh_token_invalid';
  if (error instanceof WechatNotAuthorizedError) return 'not_authorized';
  if (error instanceof WechatQuotaError) return 'quota';
  if (error instanceof WechatNetworkError) return 'network';
  if (error instanceof ComponentTokenUnavailableError) return 'component_token';
  if (error instanceof LeaseRunningOutError) return 'lease_expired';
  if (error instanceof WechatApiError) return error.kind === 'retryable' ? 'retryable' : 'rejected';
  if (error instanceof WechatError) return 'rejected';
  return 'internal';
}

/** What may be logged of an error: its class and WeChat's code, never a value it carried. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof WechatApiError) return { error: error.name, errcode: error.errcode, api: error.api };
  if (error instanceof Error) return { error: error.name };
  return { error: typeof error };
}
