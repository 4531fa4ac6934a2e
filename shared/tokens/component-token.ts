import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { errorLogFields } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { Sensitive } from '../sensitive.js';
import { type ComponentRecord, type ComponentStore, type IssuedToken, ticketAgeMs } from '../store/index.js';
import { type WechatComponentClient, WechatTicketInvalidError, WechatTokenInvalidError } from '../wechat/index.js';
import { ComponentTokenUnavailableError } from './errors.js';
import {
  acquireLease,
  callUnderLease,
  commitStep,
  type HolderReport,
  releaseStep,
  type TokenStore,
  transition,
} from './renewal-protocol.js';
import {
  DEFAULT_COMPONENT_TOKEN_MARGIN_MS,
  DEFAULT_LEASE_MS,
  guaranteedUntil,
  isServable,
  type RenewalReason,
  SCHEDULED,
  TRUST_WINDOW_MS,
  validateLeaseMs,
} from './trust.js';

export interface ComponentTokenOptions {
  readonly store: ComponentStore;
  readonly client: WechatComponentClient;
  /** The component AppSecret, read (and cached) from Secrets Manager on demand. */
  readonly appSecret: () => Promise<Sensitive>;
  readonly clock: Clock;
  /** Renew when less than this is left of WeChat's expiry. Default 10 minutes. */
  readonly marginMs?: number;
  /** Longer than a WeChat call with its retries; at most half the trust window. Default 30 s. */
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

/** A component token as handed out: usable until `expiresAt`, which is the guarantee, not WeChat's expiry. */
export interface GuaranteedToken {
  readonly token: Sensitive;
  /** Until when (epoch ms) the token is guaranteed to work (see trust.ts). */
  readonly expiresAt: number;
}

/**
 * How long a token read from the store is reused without reading again (a 200-page sync reads it once,
 * not 200 times). Its guarantee was computed at the read, so it stays true; this only bounds staleness.
 */
const MEMORY_TTL_MS = 30_000;

/** Our own WeChat calls need the token for their few seconds; a caller of GET /component/token gets what is left. */
const MIN_VALID_MS = 30_000;

const DEFAULTS = {
  marginMs: DEFAULT_COMPONENT_TOKEN_MARGIN_MS,
  leaseMs: DEFAULT_LEASE_MS,
  ticketMaxAgeMs: 12 * 3_600_000,
  waitMs: 20_000,
  pollMs: 100,
};

/**
 * The component_access_token, through the renewal protocol: the stored one while the trust policy lets
 * it be handed out and its renewal is not due, otherwise renewed under the component item's lease with
 * the latest stored ticket, once for all instances.
 */
export class ComponentTokenProvider {
  readonly #options: ComponentTokenOptions & typeof DEFAULTS;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  #recent: (GuaranteedToken & { readAt: number; refreshAt: number }) | undefined;

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

  /** The token, and until when it is guaranteed to work (for `GET /component/token`). */
  async getWithExpiry(): Promise<GuaranteedToken> {
    const now = this.#options.clock.now();
    const recent = this.#recent;
    if (
      recent &&
      now - recent.readAt < MEMORY_TTL_MS &&
      recent.refreshAt > now &&
      recent.expiresAt - now > MIN_VALID_MS
    )
      return recent;
    const record = await this.#options.store.get(this.componentAppId);
    const stored = record && this.#served(record, now);
    if (record && stored && (record.refreshAt ?? 0) > now) {
      this.#recent = { ...stored, readAt: now, refreshAt: record.refreshAt ?? 0 };
      return stored;
    }
    try {
      return await this.#renew(SCHEDULED);
    } catch (error) {
      // The renewal is due 10 minutes before expiry: while the stored token is still guaranteed, a failed
      // renewal (WeChat busy, quota, a late ticket) need not fail the caller.
      const fallback = record && this.#served(record, this.#options.clock.now());
      if (fallback) {
        this.#logger.warn(
          'component token renewal failed; the stored token is still guaranteed and used',
          errorLogFields(error),
        );
        return fallback;
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

  #served(record: ComponentRecord, readAt: number): GuaranteedToken | undefined {
    if (!record.accessToken || !isServable(record, readAt, MIN_VALID_MS)) return undefined;
    return { token: record.accessToken.token, expiresAt: guaranteedUntil(record, readAt) ?? 0 };
  }

  #tokenStore(): TokenStore<ComponentRecord, never> {
    const { store } = this.#options;
    return { read: () => store.get(this.componentAppId), write: (record, change) => store.write(record, change) };
  }

  async #renew(reason: RenewalReason): Promise<GuaranteedToken> {
    const { clock } = this.#options;
    const attempt = await acquireLease(this.#tokenStore(), {
      eligible: () => true,
      reason,
      now: () => clock.now(),
      newOwner: this.#options.newOwner ?? randomUUID,
      leaseMs: this.#options.leaseMs,
      waitMs: this.#options.waitMs,
      pollMs: this.#options.pollMs,
    });
    switch (attempt.kind) {
      case 'leased':
        return this.#renewHolding(attempt.record, attempt.owner);
      case 'current': {
        const served = this.#served(attempt.record, attempt.readAt);
        if (served) return served;
        break;
      }
      case 'busy':
        this.#metrics.count('ComponentTokenUnavailable');
        throw new ComponentTokenUnavailableError(
          'busy',
          'another instance is renewing the component token and has not finished',
        );
      case 'refused':
        if (!attempt.record)
          throw this.#unavailable('no_ticket', 'TicketMissing', 'no component_verify_ticket has been received yet');
    }
    this.#metrics.count('ComponentTokenUnavailable');
    throw new ComponentTokenUnavailableError('busy', 'the component token could not be leased');
  }

  async #renewHolding(record: ComponentRecord, owner: string): Promise<GuaranteedToken> {
    const { clock, client } = this.#options;
    const lease = record.lease ?? { owner, acquiredAt: clock.now(), expiresAt: clock.now() };
    const ticket = record.ticket;
    const outcome = await callUnderLease(
      lease,
      () => clock.now(),
      async (attempt) => {
        if (!ticket)
          throw this.#unavailable('no_ticket', 'TicketMissing', 'no component_verify_ticket has been received yet');
        // The one age (ticketAgeMs): a CreateTime from the future cannot keep a ticket young for ever.
        if (ticketAgeMs(ticket, clock.now()) > this.#options.ticketMaxAgeMs) {
          throw this.#unavailable(
            'ticket_expired',
            'TicketExpired',
            'the latest component_verify_ticket is older than 12 hours',
          );
        }
        const componentAppSecret = await this.#options.appSecret();
        return client.getComponentAccessToken(
          { componentAppSecret, componentVerifyTicket: ticket.ticket },
          { signal: attempt.send(), onUnansweredAttempt: attempt.unanswered },
        );
      },
    );
    const report: HolderReport = {
      owner,
      sentAt: outcome.sentAt,
      now: clock.now(),
      unsettled: outcome.kind === 'failed' ? outcome.uncertain : outcome.unansweredAttempt,
    };
    if (outcome.kind === 'failed') {
      await transition(this.#tokenStore(), record, (current) => {
        const change = current && releaseStep(current, report, this.#options.marginMs);
        return { result: undefined, ...(change ? { change } : {}) };
      });
      if (outcome.error instanceof WechatTicketInvalidError) this.#metrics.count('TicketExpired');
      if (!(outcome.error instanceof ComponentTokenUnavailableError)) this.#metrics.count('ComponentTokenUnavailable');
      throw outcome.error;
    }
    const token: IssuedToken = {
      token: outcome.answer.componentAccessToken,
      expiresAt: outcome.sentAt + outcome.answer.expiresInSeconds * 1000,
      issuedAt: outcome.sentAt,
    };
    const { result, record: after } = await transition(this.#tokenStore(), record, (current) => {
      if (!current) return { result: 'lease_lost' as const };
      // Our own commit, whose answer was lost (the SDK's retry then found the version moved).
      if (current.accessToken?.token.equals(token.token)) return { result: 'committed' as const };
      const step = commitStep(current, report, token, this.#options.marginMs);
      return { result: step.outcome, change: step.change };
    });
    this.#recent = undefined;
    if (result === 'committed') {
      this.#metrics.count('ComponentTokenRenewed');
      const served = after && this.#served(after, clock.now());
      if (served) return served;
    } else {
      this.#metrics.count('ComponentLeaseLost');
      this.#logger.warn('component token lease lost before commit; the stored token is in doubt from our call on');
    }
    // Ours, not stored: the newest WeChat issued that we know of, but another request may supersede it
    // from our call on. Guaranteed only for the trust window after it.
    return { token: token.token, expiresAt: Math.min(token.expiresAt, token.issuedAt + TRUST_WINDOW_MS) };
  }

  #unavailable(
    problem: 'no_ticket' | 'ticket_expired',
    metric: 'TicketMissing' | 'TicketExpired',
    message: string,
  ): ComponentTokenUnavailableError {
    this.#metrics.count(metric);
    this.#metrics.count('ComponentTokenUnavailable');
    return new ComponentTokenUnavailableError(problem, message);
  }
}
