import type { SeededRandom } from './random';

export interface AuthorizerRecord {
  readonly appId: string;
  refreshToken: string;
  /** A refresh token replaced by a renewal keeps working until `until` (WeChat staff: about 5 minutes). */
  previousRefreshToken?: { readonly value: string; readonly until: number };
  /** Unix seconds of the latest authorization. */
  authTime: number;
  authorized: boolean;
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
    const record: AuthorizerRecord = { appId, refreshToken: this.newRefreshToken(), authTime: nowSeconds, authorized: true };
    this.#byAppId.delete(appId);
    this.#byAppId.set(appId, record);
    this.#listing = undefined;
    return record;
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
