import { randomUUID } from 'node:crypto';
import { type Logger, silentLogger } from '../logger.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { Sensitive } from '../sensitive.js';
import type { AuthorizerExtra, AuthorizerRecord, IssuedToken, TokenStateChange } from '../store/index.js';
import { asError, classify, describe, FAILURE_METRIC, failureStep } from './renewal-failure.js';
import {
  acquireLease,
  callUnderLease,
  commitStep,
  type HolderReport,
  ownDoubt,
  RenewalConflictError,
  type TokenStore,
  transition,
} from './renewal-protocol.js';
import type { RenewalResult, ServedToken } from './renewal-result.js';
import type { AuthorizerRenewerOptions } from './renewer-options.js';
import {
  DEFAULT_LEASE_MS,
  DEFAULT_RENEWAL_MARGIN_MS,
  guaranteedUntil,
  isServable,
  MIN_SERVED_VALIDITY_MS,
  mergeDoubt,
  type RenewalReason,
  scheduleFor,
  validateLeaseMs,
} from './trust.js';

export type { AuthorizerRenewerOptions } from './renewer-options.js';

const DEFAULTS = { renewalMarginMs: DEFAULT_RENEWAL_MARGIN_MS, leaseMs: DEFAULT_LEASE_MS, pollMs: 100 };

/** A report of a token WeChat was just seen to accept is answered from memory for this long. */
const ACCEPTED_MEMORY_MS = 30_000;

/**
 * Renews one authorizer's access token through the renewal protocol: one WeChat call however many
 * callers ask at once, the refresh token WeChat returns always kept, and every WeChat failure turned
 * into the state change the protocol notes ask for (61023 → refresh_token_invalid, 61003 → revoked).
 */
export class AuthorizerRenewer {
  readonly #options: AuthorizerRenewerOptions & typeof DEFAULTS;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  /** Tokens WeChat accepted when a caller reported them refused: a storm of reports costs one check. */
  readonly #accepted = new Map<string, { token: Sensitive; until: number }>();
  /** The report of a refused token under way per appid, which later reports of the same token join. */
  readonly #reports = new Map<string, { token: Sensitive; result: Promise<RenewalResult> }>();

  constructor(options: AuthorizerRenewerOptions) {
    this.#options = { ...DEFAULTS, ...options };
    validateLeaseMs(this.#options.leaseMs);
    this.#metrics = options.metrics ?? noMetrics;
    this.#logger = options.logger ?? silentLogger;
  }

  get renewalMarginMs(): number {
    return this.#options.renewalMarginMs;
  }

  /** The token of a record read at `readAt`, as the trust policy lets it be handed out; `undefined` when it may not be. */
  served(record: AuthorizerRecord, readAt: number, minValidMs: number): ServedToken | undefined {
    const token = record.accessToken;
    if (!token || record.status !== 'active' || !isServable(record, readAt, minValidMs)) return undefined;
    return { token: token.token, expiresAt: token.expiresAt, guaranteedUntil: guaranteedUntil(record, readAt) ?? 0 };
  }

  /**
   * Renews `appId` if `reason` still holds. With `waitMs` > 0 a caller that finds another holder waits
   * for its result (the getter); with 0 it reports `busy` at once (the scheduled run moves on).
   */
  async renew(appId: string, reason: RenewalReason, options: { waitMs: number }): Promise<RenewalResult> {
    // Reports of one refused token in this process join the one under way: one poller, not a thousand.
    if (reason.kind !== 'invalid' || options.waitMs <= 0) return this.#renew(appId, reason, options);
    const token = reason.token;
    const joined = this.#reports.get(appId);
    if (joined?.token.equals(token)) return joined.result;
    const result = this.#renew(appId, reason, options).finally(() => {
      if (this.#reports.get(appId)?.result === result) this.#reports.delete(appId);
    });
    this.#reports.set(appId, { token, result });
    return result;
  }

  async #renew(appId: string, reason: RenewalReason, options: { waitMs: number }): Promise<RenewalResult> {
    const { clock } = this.#options;
    if (reason.kind === 'invalid') {
      const accepted = this.#accepted.get(appId);
      if (accepted?.token.equals(reason.token) && clock.now() < accepted.until)
        reason = { kind: 'due', minValidMs: MIN_SERVED_VALIDITY_MS };
    }
    const store = this.#tokenStore(appId);
    const attempt = await acquireLease(store, {
      eligible: (record) => record.status === 'active',
      reason,
      now: () => clock.now(),
      newOwner: this.#options.newOwner ?? randomUUID,
      leaseMs: this.#options.leaseMs,
      waitMs: options.waitMs,
      pollMs: this.#options.pollMs,
    });
    switch (attempt.kind) {
      case 'leased':
        return this.#renewHolding(attempt.record, attempt.owner, reason);
      case 'current': {
        const token = this.served(attempt.record, attempt.readAt, 0);
        return token ? { kind: 'current', token } : { kind: 'busy' };
      }
      case 'busy':
        return { kind: 'busy' };
      case 'refused': {
        const record = attempt.record;
        if (!record) return { kind: 'not_found' };
        return record.status === 'active' ? { kind: 'busy' } : { kind: 'inactive', status: record.status };
      }
    }
  }

  #tokenStore(appId: string): TokenStore<AuthorizerRecord, Omit<AuthorizerExtra, 'now'>> {
    const { store, clock } = this.#options;
    return {
      read: () => store.get(appId),
      write: (record, change, extra) => store.write(record, change, { ...extra, now: clock.now() }),
    };
  }

  async #renewHolding(record: AuthorizerRecord, owner: string, reason: RenewalReason): Promise<RenewalResult> {
    const { client, clock, componentTokens } = this.#options;
    const lease = record.lease ?? { owner, acquiredAt: clock.now(), expiresAt: clock.now() };
    // A caller reported the stored token refused: WeChat is asked first (see #confirmRefused). Once it
    // says dead, the token is dead for everyone and is not kept should the renewal fail.
    let dead: Sensitive | undefined;
    if (
      reason.kind === 'invalid' &&
      record.accessToken?.token.equals(reason.token) &&
      isServable(record, clock.now(), MIN_SERVED_VALIDITY_MS)
    ) {
      const verdict = await this.#confirmRefused(record, owner, reason.token, lease);
      if (verdict) return verdict;
      dead = reason.token;
    }
    const outcome = await callUnderLease(
      lease,
      () => clock.now(),
      (attempt) =>
        componentTokens.withToken((token) =>
          client.getAuthorizerAccessToken(
            token,
            { authorizerAppId: record.appId, authorizerRefreshToken: record.refreshToken },
            { signal: attempt.send(), onUnansweredAttempt: attempt.unanswered },
          ),
        ),
    );
    if (outcome.kind === 'failed') return this.#fail(record, owner, outcome, dead);
    const renewed = outcome.answer;
    const report: HolderReport = {
      owner,
      sentAt: outcome.sentAt,
      now: clock.now(),
      unsettled: outcome.unansweredAttempt,
    };
    const token: IssuedToken = {
      token: renewed.authorizerAccessToken,
      expiresAt: outcome.sentAt + renewed.expiresInSeconds * 1000,
      issuedAt: outcome.sentAt,
    };
    const rotated = !renewed.authorizerRefreshToken.equals(record.refreshToken);
    if (rotated) this.#metrics.count('RefreshTokenRotated');
    const committing = transition(this.#tokenStore(record.appId), record, (current) => {
      if (!current) return { result: 'gone' as const };
      // Our own commit, whose answer was lost (the SDK's retry then found the version moved).
      if (current.accessToken?.token.equals(token.token)) return { result: 'committed' as const };
      const step = commitStep(current, report, token, this.#options.renewalMarginMs);
      // The refresh token that came back is kept unless a newer one replaced the one we used meanwhile
      // (the sync, an authorization): even a holder that lost its lease keeps a rotated one.
      const keepsOurs =
        current.refreshToken.equals(record.refreshToken) && current.changedAt.refreshToken <= outcome.sentAt;
      const extra = rotated && keepsOurs ? { refreshToken: renewed.authorizerRefreshToken } : {};
      if (current.status !== 'active') {
        // Revoked (or its refresh token refused) while we renewed: nothing is stored, the lease is let go.
        const own = current.lease?.owner === owner;
        return {
          result: 'no_longer_active' as const,
          change: { ...(own ? { lease: null } : {}), doubt: mergeDoubt(current.doubt, ownDoubt(report)) ?? null },
          extra,
        };
      }
      return { result: step.outcome, change: step.change, extra };
    });
    // A record that kept moving: the lease is left to expire, and its taker inherits our request as doubt.
    const settled = await committing.catch((error: unknown) => {
      if (error instanceof RenewalConflictError) return undefined;
      throw error;
    });
    if (!settled) return { kind: 'busy' };
    const { result, record: after } = settled;
    if (result === 'gone') return { kind: 'not_found' };
    if (result === 'committed') {
      this.#metrics.count('AuthorizerTokenRenewed');
      const served = after && this.served(after, clock.now(), 0);
      return served ? { kind: 'renewed', token: served, commit: result } : { kind: 'busy' };
    }
    this.#metrics.count('AuthorizerLeaseLost');
    this.#logger.warn('renewal could not store its token; the stored one is in doubt from our call on', {
      appId: record.appId,
      outcome: result,
    });
    if (!after) return { kind: 'not_found' };
    if (after.status !== 'active') return { kind: 'inactive', status: after.status };
    const served = this.served(after, clock.now(), 0);
    return served ? { kind: 'current', token: served } : { kind: 'busy' };
  }

  /**
   * A caller reported the stored token refused. WeChat is asked first, with a call that spends no
   * api_authorizer_token quota: a token it still accepts is not renewed (the lease is let go with the
   * due time it had), so that a caller cannot spend the quota every account shares. `undefined`: it is
   * dead indeed, renew it.
   */
  async #confirmRefused(
    record: AuthorizerRecord,
    owner: string,
    token: Sensitive,
    lease: { expiresAt: number },
  ): Promise<RenewalResult | undefined> {
    const { client, clock } = this.#options;
    const check = await callUnderLease(
      lease,
      () => clock.now(),
      (attempt) => client.isAuthorizerTokenAccepted(token, { signal: attempt.send() }),
    );
    if (check.kind === 'answered' && !check.answer) return undefined;
    // The lease goes, and the due time is the one the token has now (decided from the record as it is:
    // a doubt recorded meanwhile, by an exchange say, moves it).
    const restore = (current: AuthorizerRecord): TokenStateChange => ({
      lease: null,
      refreshAt: current.accessToken
        ? scheduleFor(current.accessToken, current.doubt, this.#options.renewalMarginMs).refreshAt
        : clock.now(),
    });
    const { record: after } = await transition(this.#tokenStore(record.appId), record, (current) => ({
      result: undefined,
      ...(current?.lease?.owner === owner ? { change: restore(current) } : {}),
    }));
    if (check.kind === 'failed') {
      const failure = classify(check.error);
      return { kind: 'failed', failure, error: asError(check.error) };
    }
    this.#metrics.count('ReportedTokenStillValid');
    this.#accepted.set(record.appId, { token, until: clock.now() + ACCEPTED_MEMORY_MS });
    const served = after && this.served(after, clock.now(), 0);
    return served ? { kind: 'current', token: served } : { kind: 'busy' };
  }

  async #fail(
    record: AuthorizerRecord,
    owner: string,
    outcome: { error: unknown; sentAt: number; uncertain: boolean },
    dead?: Sensitive,
  ): Promise<RenewalResult> {
    const { clock } = this.#options;
    const { appId } = record;
    const failure = classify(outcome.error);
    this.#metrics.count('AuthorizerRenewalFailed');
    this.#logger.warn('authorizer token renewal failed', {
      appId,
      failure,
      uncertain: outcome.uncertain,
      ...describe(outcome.error),
    });
    const counted = FAILURE_METRIC[failure];
    if (counted) this.#metrics.count(counted);
    const now = clock.now();
    const report: HolderReport = { owner, sentAt: outcome.sentAt, now, unsettled: outcome.uncertain };
    await transition(this.#tokenStore(appId), record, (current) => ({
      result: undefined,
      ...(current ? failureStep(current, { record, owner, report, failure, dead }, this.#options.renewalMarginMs) : {}),
    }));
    return { kind: 'failed', failure, error: asError(outcome.error) };
  }
}
