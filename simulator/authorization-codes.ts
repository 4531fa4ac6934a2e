import type { SeededRandom } from './random.js';

/** WeChat: an authorization code is good for an hour, and once. */
const AUTHORIZATION_CODE_TTL_MS = 3_600_000;

/** An authorization code not yet exchanged, as a snapshot holds it (epoch ms on the simulator's clock). */
export interface AuthorizationCodeEntry {
  readonly code: string;
  readonly appId: string;
  readonly expiresAt: number;
}

/** An account's authorization, and the code its `authorized` event carries. */
export interface Authorization {
  readonly appId: string;
  readonly authorizationCode: string;
  readonly codeExpiresAt: number;
}

export interface Grant {
  readonly appId: string;
  readonly expiresAt: number;
}

/** The authorization codes of `authorized` events, until api_query_auth exchanges them. */
export class AuthorizationCodes {
  readonly #grants = new Map<string, Grant>();

  constructor(private readonly random: SeededRandom) {}

  /** A new code for `appId`'s authorization, good from `now` for an hour. */
  grant(appId: string, now: number): Authorization {
    const authorizationCode = `queryauthcode@@@${this.random.token(40)}`;
    const codeExpiresAt = now + AUTHORIZATION_CODE_TTL_MS;
    this.#grants.set(authorizationCode, { appId, expiresAt: codeExpiresAt });
    return { appId, authorizationCode, codeExpiresAt };
  }

  /** The code's grant, spent by this call whether or not it has expired; `undefined` for an unknown code. */
  redeem(code: string): Grant | undefined {
    const grant = this.#grants.get(code);
    this.#grants.delete(code);
    return grant;
  }

  snapshot(): AuthorizationCodeEntry[] {
    return [...this.#grants].map(([code, grant]) => ({ code, appId: grant.appId, expiresAt: grant.expiresAt }));
  }

  restore(entries: readonly AuthorizationCodeEntry[]): void {
    this.#grants.clear();
    for (const { code, appId, expiresAt } of entries) this.#grants.set(code, { appId, expiresAt });
  }
}
