import { AccessTokens } from './access-tokens.js';
import { funcInfoAnswer } from './account-info.js';
import { type Answer, type Body, dataFormatError, fail, integerField, stringField, tokenRefused } from './answer.js';
import { type Authorization, AuthorizationCodes } from './authorization-codes.js';
import type { Clock } from './clock.js';
import { type AccountSettings, type AuthorizerRecord, Population } from './population.js';
import { PRE_AUTH_CODE_TTL_SECONDS, PreAuthCodes } from './pre-auth-codes.js';
import type { SeededRandom } from './random.js';
import { requireSnapshotOf, WORLD_SNAPSHOT_FORMAT, WORLD_SNAPSHOT_VERSION, type WorldSnapshot } from './snapshot.js';
import { TicketBook } from './tickets.js';
import type { WorldConfig } from './world-config.js';

const MAX_LIST_COUNT = 500;

/**
 * WeChat's side of the component protocol, without HTTP: tickets, component tokens, the authorizer
 * population with their refresh and access tokens, authorization codes. Each method answers exactly as
 * the reference pages and protocol notes say WeChat does, error codes included. What WeChat remembers is
 * kept in books of their own (`Population`, `AccessTokens`, `TicketBook`, `AuthorizationCodes`); this
 * class decides the answers from them, and counts the changes a saved snapshot must follow.
 */
export class WechatWorld {
  readonly population: Population;
  readonly preAuthCodes: PreAuthCodes;
  readonly #tokens: AccessTokens;
  readonly #tickets: TicketBook;
  readonly #authorizationCodes: AuthorizationCodes;
  #revision = 0;

  constructor(
    readonly config: WorldConfig,
    private readonly clock: Clock,
    private readonly random: SeededRandom,
  ) {
    this.population = new Population(random);
    this.preAuthCodes = new PreAuthCodes(random);
    this.#tokens = new AccessTokens(random, config.graceMs);
    this.#tickets = new TicketBook(random, config.ticketLifetimeMs);
    this.#authorizationCodes = new AuthorizationCodes(random);
  }

  // --- the protocol -------------------------------------------------------------------------------

  componentToken(body: Body): Answer {
    const problem = this.#requireOwnAppId(body, 'component_appid');
    if (problem) return problem;
    const secret = stringField(body, 'component_appsecret');
    const ticket = stringField(body, 'component_verify_ticket');
    if (secret === undefined) return dataFormatError('component_appsecret');
    if (ticket === undefined) return dataFormatError('component_verify_ticket');
    if (secret !== this.config.componentAppSecret) return fail(40125, 'invalid appsecret');
    const rejection = this.#tickets.rejection(ticket, this.clock.now());
    if (rejection === 'invalid') return fail(61006, 'component ticket is invalid');
    if (rejection === 'expired') return fail(61005, 'component ticket is expired');
    const token = this.#tokens.issueComponentToken(this.clock.now(), this.config.accessTokenTtlSeconds * 1000);
    this.#revision++;
    return { component_access_token: token, expires_in: this.config.accessTokenTtlSeconds };
  }

  authorizerList(accessToken: string | undefined, body: Body): Answer {
    const problem = this.guard(accessToken, body);
    if (problem) return problem;
    const offset = integerField(body, 'offset');
    const count = integerField(body, 'count');
    if (offset === undefined || offset < 0) return dataFormatError('offset');
    if (count === undefined || count < 0) return dataFormatError('count');
    if (count > MAX_LIST_COUNT) return fail(40170, 'args count exceed count limit');
    const listing = this.population.listing();
    return {
      total_count: listing.length,
      list: listing.slice(offset, offset + count).map((record) => ({
        authorizer_appid: record.appId,
        refresh_token: record.refreshToken,
        auth_time: record.authTime,
      })),
    };
  }

  authorizerToken(accessToken: string | undefined, body: Body): Answer {
    const problem = this.guard(accessToken, body);
    if (problem) return problem;
    const appId = stringField(body, 'authorizer_appid');
    const refreshToken = stringField(body, 'authorizer_refresh_token');
    if (appId === undefined) return dataFormatError('authorizer_appid');
    if (refreshToken === undefined) return dataFormatError('authorizer_refresh_token');
    const record = this.population.get(appId);
    if (!record) return fail(40013, 'invalid appid');
    if (!record.authorized) return fail(61003, 'component is not authorized by this account');
    if (!this.population.acceptsRefreshToken(record, refreshToken, this.clock.now()))
      return fail(61023, 'refresh_token is invalid');
    // A renewal with the current refresh token may rotate it; one with the previous (still in its grace)
    // is answered with the current one, so that a racing renewer does not cut the grace short.
    if (this.config.rotateRefreshTokenOnRenewal && refreshToken === record.refreshToken) {
      this.#rotateRefreshToken(record, this.config.graceMs);
    }
    return {
      authorizer_access_token: this.#issueAuthorizerToken(appId),
      expires_in: this.config.accessTokenTtlSeconds,
      authorizer_refresh_token: record.refreshToken,
    };
  }

  queryAuth(accessToken: string | undefined, body: Body): Answer {
    const problem = this.guard(accessToken, body);
    if (problem) return problem;
    const code = stringField(body, 'authorization_code');
    if (code === undefined) return dataFormatError('authorization_code');
    const grant = this.#authorizationCodes.redeem(code);
    if (!grant) return fail(61009, 'code is invalid');
    this.#revision++;
    if (this.clock.now() >= grant.expiresAt) return fail(61010, 'code is expired');
    const record = this.population.get(grant.appId);
    if (!record?.authorized) return fail(61003, 'component is not authorized by this account');
    return {
      authorization_info: {
        authorizer_appid: record.appId,
        authorizer_access_token: this.#issueAuthorizerToken(record.appId),
        expires_in: this.config.accessTokenTtlSeconds,
        authorizer_refresh_token: record.refreshToken,
        func_info: funcInfoAnswer(record.funcInfo),
      },
    };
  }

  createPreAuthCode(accessToken: string | undefined, body: Body): Answer {
    const problem = this.guard(accessToken, body);
    if (problem) return problem;
    this.#revision++;
    return { pre_auth_code: this.preAuthCodes.mint(this.clock.now()), expires_in: PRE_AUTH_CODE_TTL_SECONDS };
  }

  startPushTicket(body: Body): Answer {
    const problem = this.#requireOwnAppId(body, 'component_appid');
    if (problem) return problem;
    const secret = stringField(body, 'component_secret');
    if (secret === undefined) return dataFormatError('component_secret');
    if (secret !== this.config.componentAppSecret) return fail(40125, 'invalid appsecret');
    return { errcode: 0, errmsg: 'ok' };
  }

  /** An API an authorizer's own token is used with (get_api_domain_ip): tells whether that token works. */
  checkAuthorizerToken(accessToken: string | undefined): Answer {
    if (!accessToken) return fail(41001, 'access_token missing');
    const rejection = this.#tokens.authorizerTokenRejection(accessToken, this.clock.now());
    if (rejection === undefined) return { ip_list: ['101.226.103.0/25', '101.226.62.0/26'] };
    return tokenRefused(rejection);
  }

  // --- the population and WeChat's own actions ----------------------------------------------------------

  /** Seeds `count` authorized accounts with auth times in the past year. */
  seed(count: number): void {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    for (let i = 0; i < count; i++) {
      const record = this.population.authorize(this.population.newAppId(), nowSeconds);
      record.authTime = nowSeconds - Math.floor(this.random.next() * 365 * 86_400);
    }
    this.#revision++;
  }

  /** An account authorizes (again): a new refresh token, and a code for the `authorized` event. */
  authorize(appId: string = this.population.newAppId(), settings?: AccountSettings): Authorization {
    this.population.authorize(appId, Math.floor(this.clock.now() / 1000), settings);
    return this.issueAuthorizationCode(appId);
  }

  /** A new authorization code for an authorized account (an `updateauthorized` after a change of its grant). */
  issueAuthorizationCode(appId: string): Authorization {
    const authorization = this.#authorizationCodes.grant(appId, this.clock.now());
    this.#revision++;
    return authorization;
  }

  /** The account revokes the authorization: its tokens stop working at once. */
  revoke(appId: string): boolean {
    this.#revision++;
    this.#tokens.revokeAuthorizer(appId);
    return this.population.revoke(appId);
  }

  /** WeChat replaces the refresh token with no grace: the one a client holds is now invalid (61023). */
  replaceRefreshToken(appId: string): void {
    const record = this.population.get(appId);
    if (!record?.authorized) throw new Error(`${appId} is not an authorized account`);
    this.#rotateRefreshToken(record, 0);
  }

  /** A new component_verify_ticket, usable from now for `ticketLifetimeMs`. */
  issueTicket(): string {
    const ticket = this.#tickets.issue(this.clock.now());
    this.#revision++;
    return ticket;
  }

  /** Whether an authorizer access token works right now, and for whom. */
  isAuthorizerTokenValid(appId: string, token: string): boolean {
    return this.#tokens.isAuthorizerTokenValid(appId, token, this.clock.now());
  }

  isComponentTokenValid(token: string): boolean {
    return this.#tokens.isComponentTokenValid(token, this.clock.now());
  }

  /** The account's latest access token, working now (not superseded, not even within the grace). */
  isLatestAuthorizerToken(appId: string, token: string): boolean {
    return this.#tokens.isLatestAuthorizerToken(appId, token, this.clock.now());
  }

  isLatestComponentToken(token: string): boolean {
    return this.#tokens.isLatestComponentToken(token, this.clock.now());
  }

  /** The refresh token WeChat holds for an account now (the sync's source of truth). */
  refreshTokenOf(appId: string): string | undefined {
    const record = this.population.get(appId);
    return record?.authorized ? record.refreshToken : undefined;
  }

  /** Whether WeChat would renew with this refresh token now (the current one, or the previous in its grace). */
  acceptsRefreshToken(appId: string, refreshToken: string): boolean {
    const record = this.population.get(appId);
    return record?.authorized === true && this.population.acceptsRefreshToken(record, refreshToken, this.clock.now());
  }

  // --- persistence -------------------------------------------------------------------------------------

  /** Grows with every change to what a snapshot holds: a saver writes only when it moved. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Everything WeChat knows, as plain JSON: the population with its refresh tokens (and the previous one
   * in its grace), both token ledgers, the tickets, the authorization codes and the seeded generator's
   * position. Not the configuration (the restoring world has its own) nor the clock (see `savedAt`).
   */
  snapshot(): WorldSnapshot {
    return {
      format: WORLD_SNAPSHOT_FORMAT,
      version: WORLD_SNAPSHOT_VERSION,
      componentAppId: this.config.componentAppId,
      savedAt: { simulated: this.clock.now(), wall: Date.now() },
      random: this.random.position,
      population: this.population.snapshot(),
      ...this.#tokens.snapshot(),
      tickets: this.#tickets.snapshot(),
      authorizationCodes: this.#authorizationCodes.snapshot(),
      preAuthCodes: this.preAuthCodes.snapshot(),
    };
  }

  /**
   * Replaces this world's state with a snapshot's (parse it with `parseWorldSnapshot` first). The clock
   * must not be behind the snapshot's time: a token that had died would work again.
   */
  restore(snapshot: WorldSnapshot): void {
    requireSnapshotOf(snapshot, this.config.componentAppId);
    if (this.clock.now() < snapshot.savedAt.simulated) {
      throw new RangeError('the clock is behind the snapshot: the clock only moves forward');
    }
    this.random.restore(snapshot.random);
    this.population.restore(snapshot.population);
    this.#tokens.restore(snapshot);
    this.#tickets.restore(snapshot.tickets);
    this.#authorizationCodes.restore(snapshot.authorizationCodes);
    this.preAuthCodes.restore(snapshot.preAuthCodes ?? []);
    this.#revision++;
  }

  // --- checks -------------------------------------------------------------------------------------------

  /** Every component API but the two authenticated by the secret: the component token, then our appid. */
  guard(accessToken: string | undefined, body: Body): Answer | undefined {
    if (!accessToken) return fail(41001, 'access_token missing');
    const rejection = this.#tokens.componentTokenRejection(accessToken, this.clock.now());
    if (rejection === 'authorizer_token') return fail(61014, 'must use component token for component api');
    if (rejection !== undefined) return tokenRefused(rejection);
    return this.#requireOwnAppId(body, 'component_appid');
  }

  #requireOwnAppId(body: Body, field: string): Answer | undefined {
    const appId = stringField(body, field);
    if (appId === undefined) return dataFormatError(field);
    return appId === this.config.componentAppId ? undefined : fail(40013, 'invalid appid');
  }

  #rotateRefreshToken(record: AuthorizerRecord, graceMs: number): void {
    this.population.rotateRefreshToken(record, this.clock.now(), graceMs);
    this.#revision++;
  }

  #issueAuthorizerToken(appId: string): string {
    const token = this.#tokens.issueAuthorizerToken(appId, this.clock.now(), this.config.accessTokenTtlSeconds * 1000);
    this.#revision++;
    return token;
  }
}
