import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { silentLogger, type Logger } from '../logger';
import { noMetrics, type Metrics } from '../metrics';
import type { Sensitive } from '../sensitive';
import { isStoredTokenTrusted, LEASE_SAFETY_MS, validateLeaseMs, type ComponentRecord, type ComponentStore, type RenewalReason } from '../store';
import { WechatNetworkError, WechatTicketInvalidError, WechatTokenInvalidError, type WechatComponentClient } from '../wechat';
import { unresolvedDoubt } from './authorizer-renewer';
import { ComponentTokenUnavailableError } from './errors';
import { acquireOrWait } from './lease-loop';

export interface ComponentTokenOptions {
  readonly store: ComponentStore;
  readonly client: WechatComponentClient;
  /** The component AppSecret, read (and cached) from Secrets Manager on demand. */
  readonly appSecret: () => Promise<Sensitive>;
  readonly clock: Clock;
  /** Renew when less than this is left. Default 10 minutes. */
  readonly marginMs?: number;
  /** Longer than a WeChat call with its retries; shorter than TRUST_WINDOW_MS. Default 60 s. */
  readonly leaseMs?: number;
  /** WeChat honours a ticket for about 12 hours. */
  readonly ticketMaxAgeMs?: number;
  /** How long a caller waits for another instance's renewal (real ms). Default 20 s. */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly newOwner?: () => string;
}

/**
 * How long a token read from the store is reused without reading again. A stored token is trusted up to
 * 4 minutes into a renewal; 30 s more of reuse stays inside WeChat's 5-minute grace.
 */
const MEMORY_TTL_MS = 30_000;

type StoredToken = { readonly token: Sensitive; readonly expiresAt: number };

/** A stored token with less than this left is not used as a fallback for a failed renewal. */
const FALLBACK_MIN_LEFT_MS = 60_000;

const DEFAULTS = { marginMs: 10 * 60_000, leaseMs: 60_000, ticketMaxAgeMs: 12 * 3_600_000, waitMs: 20_000, pollMs: 100 };

/**
 * The component_access_token, read through the store: the stored one while it has more than the margin
 * left, otherwise renewed under the component item's lease with the latest stored ticket, once for all
 * instances.
 */
export class ComponentTokenProvider {
  readonly #options: ComponentTokenOptions & typeof DEFAULTS;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  #recent: { token: Sensitive; expiresAt: number; readAt: number } | undefined;

  constructor(options: ComponentTokenOptions) {
    this.#options = { ...DEFAULTS, ...options };
    validateLeaseMs(this.#options.leaseMs);
    this.#metrics = options.metrics ?? noMetrics;
    this.#logger = options.logger ?? silentLogger;
  }

  get componentAppId(): string {
    return this.#options.client.componentAppId;
  }

  async get(): Promise<Sensitive> {
    return (await this.getWithExpiry()).token;
  }

  /** The token with its expiry (epoch ms), for the getter's `GET /component/token`. */
  async getWithExpiry(): Promise<{ token: Sensitive; expiresAt: number }> {
    const now = this.#options.clock.now();
    // A token read a moment ago is still good. Whatever token WeChat issued since was issued after our read,
    // so ours works for at least 5 more minutes. This saves a read per call on a 200-page sync.
    if (this.#recent && now - this.#recent.readAt < MEMORY_TTL_MS && this.#recent.expiresAt - now > this.#options.marginMs) {
      return this.#recent;
    }
    const record = await this.#options.store.get(this.componentAppId);
    const trusted = record?.accessToken !== undefined && isStoredTokenTrusted(record, now) ? record.accessToken : undefined;
    if (trusted && trusted.expiresAt - now > this.#options.marginMs) {
      this.#recent = { ...trusted, readAt: now };
      return trusted;
    }
    try {
      return await this.#renew({ kind: 'due', expiringBefore: now + this.#options.marginMs });
    } catch (error) {
      // The renewal starts 10 minutes early: while the stored token still works, a failed renewal
      // (WeChat busy, quota, a late ticket) need not fail the caller.
      if (trusted && trusted.expiresAt - this.#options.clock.now() > FALLBACK_MIN_LEFT_MS) {
        this.#logger.warn('component token renewal failed; the stored token is still valid and used', { error: error instanceof Error ? error.name : typeof error });
        return trusted;
      }
      throw error;
    }
  }

  /** Compare-and-renew: a new token only if `failed` is still the stored one; else the stored one. */
  async renewIfStill(failed: Sensitive): Promise<Sensitive> {
    this.#recent = undefined;
    return (await this.#renew({ kind: 'invalid', token: failed })).token;
  }

  /**
   * Runs a component API call with the current token; when WeChat says the token is invalid or expired
   * (40001, 40014, 42001), renews it once — only if nobody already has — and retries the call once.
   */
  async withToken<T>(call: (token: Sensitive) => Promise<T>): Promise<T> {
    const token = await this.get();
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof WechatTokenInvalidError)) throw error;
      this.#logger.warn('component token refused; renewing it once', { errcode: error.errcode, api: error.api });
      return call(await this.renewIfStill(token));
    }
  }

  async #renew(reason: RenewalReason): Promise<StoredToken> {
    const { store, clock } = this.#options;
    const attempt = await acquireOrWait<ComponentRecord>({
      acquire: (owner, now) => store.acquireRenewal(this.componentAppId, { owner, now, leaseMs: this.#options.leaseMs, reason }),
      read: () => store.get(this.componentAppId),
      eligible: () => true,
      reason,
      now: () => clock.now(),
      newOwner: this.#options.newOwner ?? randomUUID,
      waitMs: this.#options.waitMs,
      pollMs: this.#options.pollMs,
    });
    switch (attempt.kind) {
      case 'leased':
        return this.#renewHolding(attempt.record, attempt.owner);
      case 'current':
        if (attempt.record.accessToken) return attempt.record.accessToken;
        break;
      case 'busy':
        this.#metrics.count('ComponentTokenUnavailable');
        throw new ComponentTokenUnavailableError('busy', 'another instance is renewing the component token and has not finished');
      case 'refused':
        if (!attempt.record) throw this.#unavailable('no_ticket', 'TicketMissing', 'no component_verify_ticket has been received yet');
    }
    this.#metrics.count('ComponentTokenUnavailable');
    throw new ComponentTokenUnavailableError('busy', 'the component token could not be leased');
  }

  async #renewHolding(record: ComponentRecord, owner: string): Promise<StoredToken> {
    const { store, clock, client } = this.#options;
    const now = clock.now();
    const lease = { owner, acquiredAt: record.lease?.acquiredAt ?? now };
    const ticket = record.ticket;
    if (!ticket || now - ticket.createTime * 1000 > this.#options.ticketMaxAgeMs) {
      await store.releaseRenewal(this.componentAppId, lease, { now, uncertain: false });
      throw ticket
        ? this.#unavailable('ticket_expired', 'TicketExpired', 'the latest component_verify_ticket is older than 12 hours')
        : this.#unavailable('no_ticket', 'TicketMissing', 'no component_verify_ticket has been received yet');
    }
    let renewed;
    let retriedUnanswered = false;
    try {
      const componentAppSecret = await this.#options.appSecret();
      renewed = await client.getComponentAccessToken(
        { componentAppSecret, componentVerifyTicket: ticket.ticket },
        {
          signal: AbortSignal.timeout(Math.max(1, (record.lease?.expiresAt ?? now) - LEASE_SAFETY_MS - clock.now())),
          onUnansweredAttempt: () => (retriedUnanswered = true),
        },
      );
    } catch (error) {
      // Without an answer WeChat may have issued a token we never saw: leave the lease expired, so the
      // next caller renews rather than trusting the stored token.
      await store.releaseRenewal(this.componentAppId, lease, { now: clock.now(), uncertain: error instanceof WechatNetworkError });
      if (error instanceof WechatTicketInvalidError) this.#metrics.count('TicketExpired');
      this.#metrics.count('ComponentTokenUnavailable');
      throw error;
    }
    const token = { token: renewed.componentAccessToken, expiresAt: now + renewed.expiresInSeconds * 1000 };
    const doubtSince = unresolvedDoubt(record, retriedUnanswered ? now : undefined, this.#options.leaseMs);
    if (await store.commitRenewal(this.componentAppId, owner, token, { keepDistrust: doubtSince !== undefined })) {
      this.#metrics.count('ComponentTokenRenewed');
      return token;
    }
    // Our call reached WeChat after another instance took over: the token it stored may be the one ours
    // superseded. Distrust it from our call on, and use ours, the newest WeChat issued.
    this.#metrics.count('ComponentLeaseLost');
    this.#logger.warn('component token lease lost before commit; the stored token is distrusted from our call on');
    await store.distrustAfterLostLease(this.componentAppId, now);
    return token;
  }

  #unavailable(problem: 'no_ticket' | 'ticket_expired', metric: 'TicketMissing' | 'TicketExpired', message: string): ComponentTokenUnavailableError {
    this.#metrics.count(metric);
    this.#metrics.count('ComponentTokenUnavailable');
    return new ComponentTokenUnavailableError(problem, message);
  }
}
