import { type AuthorizerKind, DEFAULT_FUNC_INFO, defaultKindOf, normalizeFuncInfo } from './account-info.js';
import type { SeededRandom } from './random.js';

export interface AuthorizerRecord {
  readonly appId: string;
  refreshToken: string;
  /** A refresh token replaced by a renewal keeps working until `until` (WeChat staff: about 5 minutes). */
  previousRefreshToken?: { readonly value: string; readonly until: number };
  /** Unix seconds of the latest authorization. */
  authTime: number;
  authorized: boolean;
  /** Official account or mini program; the rest of its information derives from the appid (account-info.ts). */
  readonly kind: AuthorizerKind;
  /** The permission sets it grants, ascending. */
  funcInfo: number[];
}

/** What an account authorizes with, when it is new or changes them. */
export interface AccountSettings {
  readonly kind?: AuthorizerKind | undefined;
  readonly funcInfo?: readonly number[] | undefined;
}

/** An account as a snapshot holds it (`kind` and `funcInfo` are missing from snapshots taken before them). */
export interface PopulationEntry {
  readonly appId: string;
  readonly refreshToken: string;
  readonly previousRefreshToken?: { readonly value: string; readonly until: number } | undefined;
  readonly authTime: number;
  readonly authorized: boolean;
  readonly kind?: AuthorizerKind | undefined;
  readonly funcInfo?: number[] | undefined;
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

  /** Every account, authorized or not (the ones an account owner could pick on the authorization page). */
  all(): IterableIterator<AuthorizerRecord> {
    return this.#byAppId.values();
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

  /**
   * Authorizes `appId` (new or returning) with a fresh refresh token, at the end of the listing. A
   * returning account keeps its kind, and its permission sets unless `settings` names new ones.
   */
  authorize(appId: string, nowSeconds: number, settings: AccountSettings = {}): AuthorizerRecord {
    const known = this.#byAppId.get(appId);
    const kind = known?.kind ?? settings.kind ?? defaultKindOf(appId);
    const record: AuthorizerRecord = {
      appId,
      refreshToken: this.newRefreshToken(),
      authTime: nowSeconds,
      authorized: true,
      kind,
      funcInfo: normalizeFuncInfo(settings.funcInfo ?? known?.funcInfo ?? DEFAULT_FUNC_INFO[kind]),
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
      kind: record.kind,
      funcInfo: [...record.funcInfo],
    }));
  }

  /** Replaces the population with a snapshot's accounts, in the snapshot's (listing) order. */
  restore(entries: readonly PopulationEntry[]): void {
    this.#byAppId.clear();
    for (const entry of entries) {
      // An entry saved before accounts had a kind gets the one its appid derives, as a new world would.
      const kind = entry.kind ?? defaultKindOf(entry.appId);
      const record: AuthorizerRecord = {
        appId: entry.appId,
        refreshToken: entry.refreshToken,
        authTime: entry.authTime,
        authorized: entry.authorized,
        kind,
        funcInfo: normalizeFuncInfo(entry.funcInfo ?? DEFAULT_FUNC_INFO[kind]),
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
