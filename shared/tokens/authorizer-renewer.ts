import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { silentLogger, type Logger } from '../logger';
import { noMetrics, type Metrics } from '../metrics';
import { TRUST_WINDOW_MS, type AuthorizerRecord, type AuthorizerStatus, type AuthorizerStore, type CommitOutcome, type RenewalReason, type StoredAccessToken } from '../store';
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
    if (this.#options.leaseMs >= TRUST_WINDOW_MS) {
      // While a lease is live the stored token is handed out; past the trust window WeChat may have
      // superseded it and let it die.
      throw new RangeError(`leaseMs must be shorter than ${TRUST_WINDOW_MS} ms (WeChat's grace for superseded tokens, less a minute)`);
    }
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
    const sentAt = clock.now();
    let renewed;
    try {
      renewed = await componentTokens.withToken((token) =>
        client.getAuthorizerAccessToken(token, { authorizerAppId: record.appId, authorizerRefreshToken: record.refreshToken }),
      );
    } catch (error) {
      return this.#fail(record.appId, owner, error);
    }
    const expiresAt = sentAt + renewed.expiresInSeconds * 1000;
    const accessToken = { token: renewed.authorizerAccessToken, expiresAt };
    const commit = await store.commitRenewal(record.appId, owner, {
      accessToken,
      refreshToken: renewed.authorizerRefreshToken,
      refreshTokenUsed: record.refreshToken,
      refreshAt: expiresAt - this.#options.renewalMarginMs,
      now: clock.now(),
    });
    if (!renewed.authorizerRefreshToken.equals(record.refreshToken)) this.#metrics.count('RefreshTokenRotated');
    if (commit === 'lease_lost' || commit === 'no_longer_active') {
      this.#metrics.count('AuthorizerLeaseLost');
      this.#logger.warn('renewal not committed; the stored state is kept', { appId: record.appId, commit });
      const stored = await store.get(record.appId);
      if (stored?.status !== 'active') return { kind: 'inactive', status: stored?.status === 'revoked' ? 'revoked' : 'refresh_token_invalid' };
      return stored.accessToken ? { kind: 'current', token: stored.accessToken } : { kind: 'busy' };
    }
    this.#metrics.count('AuthorizerTokenRenewed');
    return { kind: 'renewed', token: accessToken, commit };
  }

  async #fail(appId: string, owner: string, error: unknown): Promise<RenewalResult> {
    const { store, clock } = this.#options;
    const now = clock.now();
    const failure = classify(error);
    this.#metrics.count('AuthorizerRenewalFailed');
    this.#logger.warn('authorizer token renewal failed', { appId, failure, ...describe(error) });
    switch (failure) {
      case 'refresh_token_invalid':
        // Only the sync can recover it (from api_get_authorizer_list); until then it is not renewed.
        this.#metrics.count('RefreshTokenInvalid');
        await store.markStatus(appId, owner, 'refresh_token_invalid', now);
        break;
      case 'not_authorized':
        this.#metrics.count('AuthorizerRevoked');
        await store.markStatus(appId, owner, 'revoked', now);
        break;
      case 'quota':
        this.#metrics.count('QuotaExhausted');
        await store.releaseRenewal(appId, owner, { now, uncertain: false });
        break;
      default:
        // No answer (or an unexpected failure): WeChat may have issued a token we never saw.
        await store.releaseRenewal(appId, owner, { now, uncertain: failure === 'network' || failure === 'internal' });
    }
    return { kind: 'failed', failure, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

function classify(error: unknown): RenewalFailure {
  if (error instanceof WechatRefreshTokenInvalidError) return 'refresh_token_invalid';
  if (error instanceof WechatNotAuthorizedError) return 'not_authorized';
  if (error instanceof WechatQuotaError) return 'quota';
  if (error instanceof WechatNetworkError) return 'network';
  if (error instanceof ComponentTokenUnavailableError) return 'component_token';
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
