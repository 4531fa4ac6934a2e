import type { SeededRandom } from './random.js';

export interface AuthorizerRecord {
  readonly appId: string;
  refreshToken: string;
  /** A refresh token replaced by a renewal keeps working until `until` (WeChat staff: about 5 minutes). */
  previousRefreshToken?: { readonly value: string; readonly until: number };
  /** Unix seconds of the latest authorization. */
  authTime: number;
  authorized: boolean;
}

/** An account as a snapshot holds it. */
export interface PopulationEntry {
  readonly appId: string;
  readonly refreshToken: string;
  readonly previousRefreshToken?: { readonly value: string; readonly until: number } | undefined;
  readonly authTime: number;
  readonly authorized: boolean;
}

/**
 * Every account that ever authorized the component, in the order api_get_authorizer_list returns them:
 * by latest authorization, so that a re-authorization moves an account to the end and shifts the pages
 * after it, as a live listing can. Lookups are by map; the listing is built once per change, so paging
 * 100,000 accounts costs a slice per page.
 */
export class Population {
  readonly #byAppId = new Map<string, AuthorizerRecord>();
  #listing: AuthorizerRecord[] | undefined;

  constructor(private readonly random: SeededRandom) {}

  get(appId: string): AuthorizerRecord | undefined {
    return this.#byAppId.get(appId);
  }

  get size(): number {
    return this.#byAppId.size;
  }

  /** The authorized accounts, in listing order. Do not mutate. */
  listing(): readonly AuthorizerRecord[] {
    this.#listing ??= [...this.#byAppId.values()].filter((record) => record.authorized);
    return this.#listing;
  }

  newAppId(): string {
    for (;;) {
      const appId = `wx${this.random.hex(16)}`;
      if (!this.#byAppId.has(appId)) return appId;
    }
  }

  newRefreshToken(): string {
    return `refreshtoken@@@${this.random.token(43)}`;
  }

  /** Authorizes `appId` (new or returning) with a fresh refresh token, at the end of the listing. */
  authorize(appId: string, nowSeconds: number): AuthorizerRecord {
    const record: AuthorizerRecord = {
      appId,
      refreshToken: this.newRefreshToken(),
      authTime: nowSeconds,
      authorized: true,
    };
    this.#byAppId.delete(appId);
    this.#byAppId.set(appId, record);
    this.#listing = undefined;
    return record;
  }

  /** Every account, authorized or not, in listing order (copies: a snapshot does not change with the population). */
  snapshot(): PopulationEntry[] {
    return [...this.#byAppId.values()].map((record) => ({
      appId: record.appId,
      refreshToken: record.refreshToken,
      ...(record.previousRefreshToken ? { previousRefreshToken: { ...record.previousRefreshToken } } : {}),
      authTime: record.authTime,
      authorized: record.authorized,
    }));
  }

  /** Replaces the population with a snapshot's accounts, in the snapshot's (listing) order. */
  restore(entries: readonly PopulationEntry[]): void {
    this.#byAppId.clear();
    for (const entry of entries) {
      const record: AuthorizerRecord = {
        appId: entry.appId,
        refreshToken: entry.refreshToken,
        authTime: entry.authTime,
        authorized: entry.authorized,
      };
      if (entry.previousRefreshToken) record.previousRefreshToken = { ...entry.previousRefreshToken };
      this.#byAppId.set(entry.appId, record);
    }
    this.#listing = undefined;
  }

  /** Whether WeChat renews with this refresh token at `now`: the current one, or the previous in its grace. */
  acceptsRefreshToken(record: AuthorizerRecord, refreshToken: string, now: number): boolean {
    if (refreshToken === record.refreshToken) return true;
    const previous = record.previousRefreshToken;
    return previous !== undefined && previous.value === refreshToken && now < previous.until;
  }

  /** A new refresh token for the account; the one it replaces keeps working for `graceMs` (0: not at all). */
  rotateRefreshToken(record: AuthorizerRecord, now: number, graceMs: number): void {
    if (graceMs > 0) record.previousRefreshToken = { value: record.refreshToken, until: now + graceMs };
    else delete record.previousRefreshToken;
    record.refreshToken = this.newRefreshToken();
  }

  revoke(appId: string): boolean {
    const record = this.#byAppId.get(appId);
    if (!record?.authorized) return false;
    record.authorized = false;
    delete record.previousRefreshToken;
    this.#listing = undefined;
    return true;
  }
}
