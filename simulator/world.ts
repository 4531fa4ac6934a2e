import type { Clock } from './clock';
import { Population, type AuthorizerRecord } from './population';
import type { SeededRandom } from './random';
import { WORLD_SNAPSHOT_FORMAT, WORLD_SNAPSHOT_VERSION, WorldSnapshotError, type WorldSnapshot } from './snapshot';
import { TokenLedger } from './token-ledger';

/** A JSON body as WeChat answers it: a success body, or `{errcode, errmsg}`. */
export type Answer = Readonly<Record<string, unknown>>;
type Body = Readonly<Record<string, unknown>>;

export interface WorldConfig {
  readonly componentAppId: string;
  readonly componentAppSecret: string;
  /** Lifetime of component and authorizer access tokens. WeChat: 7,200 s. */
  readonly accessTokenTtlSeconds: number;
  /** How long a superseded access or refresh token keeps working. WeChat staff: about 5 minutes. */
  readonly graceMs: number;
  /** How long a pushed component_verify_ticket stays usable. WeChat: about 12 hours. */
  readonly ticketLifetimeMs: number;
  /** Whether api_authorizer_token hands back a new refresh token (WeChat sometimes does). */
  rotateRefreshTokenOnRenewal: boolean;
}

const MAX_LIST_COUNT = 500;
const PRE_AUTH_CODE_TTL_SECONDS = 1_800;
const AUTHORIZATION_CODE_TTL_SECONDS = 3_600;
/** The permission sets an authorization grants in the simulator (funcscope_category ids). */
const FUNC_INFO = [1, 15, 4, 7].map((id) => ({ funcscope_category: { id } }));

export function fail(errcode: number, errmsg: string): Answer {
  return { errcode, errmsg };
}
const dataFormatError = (field: string): Answer => fail(47001, `data format error: ${field}`);

/**
 * WeChat's side of the component protocol, without HTTP: tickets, component tokens, the authorizer
 * population with their refresh and access tokens, authorization codes. Each method answers exactly as
 * the reference pages and protocol notes say WeChat does, error codes included.
 */
export class WechatWorld {
  readonly population: Population;
  readonly #componentTokens: TokenLedger<'component'>;
  readonly #authorizerTokens: TokenLedger<string>;
  readonly #tickets = new Map<string, number>();
  readonly #authorizationCodes = new Map<string, { appId: string; expiresAt: number }>();
  #revision = 0;

  constructor(
    readonly config: WorldConfig,
    private readonly clock: Clock,
    private readonly random: SeededRandom,
  ) {
    this.population = new Population(random);
    this.#componentTokens = new TokenLedger(config.graceMs);
    this.#authorizerTokens = new TokenLedger(config.graceMs);
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
    const issuedAt = this.#tickets.get(ticket);
    if (issuedAt === undefined) return fail(61006, 'component ticket is invalid');
    if (this.clock.now() >= issuedAt + this.config.ticketLifetimeMs) return fail(61005, 'component ticket is expired');
    const token = `${this.random.hex(8)}_${this.random.token(120)}`;
    this.#componentTokens.issue('component', token, this.clock.now(), this.config.accessTokenTtlSeconds * 1000);
    this.#revision++;
    return { component_access_token: token, expires_in: this.config.accessTokenTtlSeconds };
  }

  authorizerList(accessToken: string | undefined, body: Body): Answer {
    const problem = this.#requireComponentToken(accessToken) ?? this.#requireOwnAppId(body, 'component_appid');
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
    const problem = this.#requireComponentToken(accessToken) ?? this.#requireOwnAppId(body, 'component_appid');
    if (problem) return problem;
    const appId = stringField(body, 'authorizer_appid');
    const refreshToken = stringField(body, 'authorizer_refresh_token');
    if (appId === undefined) return dataFormatError('authorizer_appid');
    if (refreshToken === undefined) return dataFormatError('authorizer_refresh_token');
    const record = this.population.get(appId);
    if (!record) return fail(40013, 'invalid appid');
    if (!record.authorized) return fail(61003, 'component is not authorized by this account');
    if (!this.#acceptsRefreshToken(record, refreshToken)) return fail(61023, 'refresh_token is invalid');
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
    const problem = this.#requireComponentToken(accessToken) ?? this.#requireOwnAppId(body, 'component_appid');
    if (problem) return problem;
    const code = stringField(body, 'authorization_code');
    if (code === undefined) return dataFormatError('authorization_code');
    const grant = this.#authorizationCodes.get(code);
    if (!grant) return fail(61009, 'code is invalid');
    this.#authorizationCodes.delete(code);
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
        func_info: FUNC_INFO,
      },
    };
  }

  createPreAuthCode(accessToken: string | undefined, body: Body): Answer {
    const problem = this.#requireComponentToken(accessToken) ?? this.#requireOwnAppId(body, 'component_appid');
    if (problem) return problem;
    this.#revision++;
    return { pre_auth_code: `preauthcode@@@${this.random.token(40)}`, expires_in: PRE_AUTH_CODE_TTL_SECONDS };
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
    const check = this.#authorizerTokens.check(accessToken, this.clock.now());
    if (check.ok) return { ip_list: ['101.226.103.0/25', '101.226.62.0/26'] };
    return check.reason === 'expired' ? fail(42001, 'access_token expired') : fail(40001, 'invalid credential, access_token is invalid or not latest');
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

  /**
   * An account authorizes the component (or authorizes it again): a new refresh token, and an
   * authorization code for the `authorized` event.
   */
  authorize(appId: string = this.population.newAppId()): { appId: string; authorizationCode: string; codeExpiresAt: number } {
    this.population.authorize(appId, Math.floor(this.clock.now() / 1000));
    const authorizationCode = `queryauthcode@@@${this.random.token(40)}`;
    const codeExpiresAt = this.clock.now() + AUTHORIZATION_CODE_TTL_SECONDS * 1000;
    this.#authorizationCodes.set(authorizationCode, { appId, expiresAt: codeExpiresAt });
    this.#revision++;
    return { appId, authorizationCode, codeExpiresAt };
  }

  /** The account revokes the authorization: its tokens stop working at once. */
  revoke(appId: string): boolean {
    this.#revision++;
    this.#authorizerTokens.revokeAll(appId);
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
    const now = this.clock.now();
    for (const [ticket, issuedAt] of this.#tickets) {
      if (now >= issuedAt + this.config.ticketLifetimeMs) this.#tickets.delete(ticket);
    }
    const ticket = `ticket@@@${this.random.token(86)}`;
    this.#tickets.set(ticket, now);
    this.#revision++;
    return ticket;
  }

  /** Whether an authorizer access token works right now, and for whom. */
  isAuthorizerTokenValid(appId: string, token: string): boolean {
    const check = this.#authorizerTokens.check(token, this.clock.now());
    return check.ok && check.owner === appId;
  }

  isComponentTokenValid(token: string): boolean {
    return this.#componentTokens.check(token, this.clock.now()).ok;
  }

  /** Whether this is the account's latest access token and works now (not superseded, not even within the grace). */
  isLatestAuthorizerToken(appId: string, token: string): boolean {
    return this.#authorizerTokens.isLatest(appId, token, this.clock.now());
  }

  isLatestComponentToken(token: string): boolean {
    return this.#componentTokens.isLatest('component', token, this.clock.now());
  }

  /** The refresh token WeChat holds for an account now (the sync's source of truth). */
  refreshTokenOf(appId: string): string | undefined {
    const record = this.population.get(appId);
    return record?.authorized ? record.refreshToken : undefined;
  }

  /** Whether WeChat would renew with this refresh token now (the current one, or the previous in its grace). */
  acceptsRefreshToken(appId: string, refreshToken: string): boolean {
    const record = this.population.get(appId);
    return record?.authorized === true && this.#acceptsRefreshToken(record, refreshToken);
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
      componentTokens: this.#componentTokens.snapshot(),
      authorizerTokens: this.#authorizerTokens.snapshot(),
      tickets: [...this.#tickets].map(([ticket, issuedAt]) => ({ ticket, issuedAt })),
      authorizationCodes: [...this.#authorizationCodes].map(([code, grant]) => ({ code, appId: grant.appId, expiresAt: grant.expiresAt })),
    };
  }

  /**
   * Replaces this world's state with a snapshot's (parse it with `parseWorldSnapshot` first). The clock
   * must not be behind the snapshot's time: a token that had died would work again.
   */
  restore(snapshot: WorldSnapshot): void {
    if (snapshot.componentAppId !== this.config.componentAppId) {
      throw new WorldSnapshotError('other_component', `the snapshot is of component ${snapshot.componentAppId}, not ${this.config.componentAppId}`);
    }
    if (this.clock.now() < snapshot.savedAt.simulated) throw new RangeError('the clock is behind the snapshot: the clock only moves forward');
    this.random.restore(snapshot.random);
    this.population.restore(snapshot.population);
    this.#componentTokens.restore(snapshot.componentTokens);
    this.#authorizerTokens.restore(snapshot.authorizerTokens);
    this.#tickets.clear();
    for (const { ticket, issuedAt } of snapshot.tickets) this.#tickets.set(ticket, issuedAt);
    this.#authorizationCodes.clear();
    for (const { code, appId, expiresAt } of snapshot.authorizationCodes) this.#authorizationCodes.set(code, { appId, expiresAt });
    this.#revision++;
  }

  // --- checks -------------------------------------------------------------------------------------------

  #requireComponentToken(accessToken: string | undefined): Answer | undefined {
    if (!accessToken) return fail(41001, 'access_token missing');
    const now = this.clock.now();
    const check = this.#componentTokens.check(accessToken, now);
    if (check.ok) return undefined;
    if (check.reason === 'unknown') {
      const other = this.#authorizerTokens.check(accessToken, now);
      if (other.ok || other.reason !== 'unknown') return fail(61014, 'must use component token for component api');
    }
    if (check.reason === 'expired') return fail(42001, 'access_token expired');
    return fail(40001, 'invalid credential, access_token is invalid or not latest');
  }

  #requireOwnAppId(body: Body, field: string): Answer | undefined {
    const appId = stringField(body, field);
    if (appId === undefined) return dataFormatError(field);
    return appId === this.config.componentAppId ? undefined : fail(40013, 'invalid appid');
  }

  #acceptsRefreshToken(record: AuthorizerRecord, refreshToken: string): boolean {
    if (refreshToken === record.refreshToken) return true;
    const previous = record.previousRefreshToken;
    return previous !== undefined && previous.value === refreshToken && this.clock.now() < previous.until;
  }

  #rotateRefreshToken(record: AuthorizerRecord, graceMs: number): void {
    if (graceMs > 0) record.previousRefreshToken = { value: record.refreshToken, until: this.clock.now() + graceMs };
    else delete record.previousRefreshToken;
    record.refreshToken = this.population.newRefreshToken();
    this.#revision++;
  }

  #issueAuthorizerToken(appId: string): string {
    const token = `${this.random.hex(8)}_${this.random.token(120)}`;
    this.#authorizerTokens.issue(appId, token, this.clock.now(), this.config.accessTokenTtlSeconds * 1000);
    this.#revision++;
    return token;
  }
}

function stringField(body: Body, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function integerField(body: Body, name: string): number | undefined {
  const value = body[name];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}
