import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { silentLogger, type Logger } from '../logger';
import { noMetrics, type Metrics } from '../metrics';
import type { Sensitive } from '../sensitive';
import { isStoredTokenTrusted, type ComponentRecord, type ComponentStore, type RenewalReason } from '../store';
import { WechatNetworkError, WechatTokenInvalidError, type WechatComponentClient } from '../wechat';
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
    // A token read a moment ago is still good: any token WeChat issued since was issued after our read,
    // so ours works for at least 5 more minutes. This saves a read per call on a 200-page sync.
    if (this.#recent && now - this.#recent.readAt < MEMORY_TTL_MS && this.#recent.expiresAt - now > this.#options.marginMs) {
      return this.#recent;
    }
    const record = await this.#options.store.get(this.componentAppId);
    if (record?.accessToken && record.accessToken.expiresAt - now > this.#options.marginMs && isStoredTokenTrusted(record, now)) {
      this.#recent = { ...record.accessToken, readAt: now };
      return record.accessToken;
    }
    return this.#renew({ kind: 'due', expiringBefore: now + this.#options.marginMs });
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
    const ticket = record.ticket;
    if (!ticket || now - ticket.createTime * 1000 > this.#options.ticketMaxAgeMs) {
      await store.releaseRenewal(this.componentAppId, owner, { now, uncertain: false });
      throw ticket
        ? this.#unavailable('ticket_expired', 'TicketExpired', 'the latest component_verify_ticket is older than 12 hours')
        : this.#unavailable('no_ticket', 'TicketMissing', 'no component_verify_ticket has been received yet');
    }
    let renewed;
    try {
      const componentAppSecret = await this.#options.appSecret();
      renewed = await client.getComponentAccessToken({ componentAppSecret, componentVerifyTicket: ticket.ticket });
    } catch (error) {
      // Without an answer WeChat may have issued a token we never saw: leave the lease expired, so the
      // next caller renews rather than trusting the stored token.
      await store.releaseRenewal(this.componentAppId, owner, { now: clock.now(), uncertain: error instanceof WechatNetworkError });
      this.#metrics.count('ComponentTokenUnavailable');
      throw error;
    }
    const token = { token: renewed.componentAccessToken, expiresAt: now + renewed.expiresInSeconds * 1000 };
    if (await store.commitRenewal(this.componentAppId, owner, token)) {
      this.#metrics.count('ComponentTokenRenewed');
      return token;
    }
    // Our lease expired and another instance took over; its token is newer than ours. Use it.
    this.#metrics.count('ComponentLeaseLost');
    this.#logger.warn('component token lease lost before commit; using the stored token');
    return (await store.get(this.componentAppId))?.accessToken ?? token;
  }

  #unavailable(problem: 'no_ticket' | 'ticket_expired', metric: 'TicketMissing' | 'TicketExpired', message: string): ComponentTokenUnavailableError {
    this.#metrics.count(metric);
    this.#metrics.count('ComponentTokenUnavailable');
    return new ComponentTokenUnavailableError(problem, message);
  }
}
