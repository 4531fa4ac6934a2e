import type { SeededRandom } from './random.js';
import { type LedgerEntry, TokenLedger, type TokenRejection } from './token-ledger.js';

/** Why a token presented to a component API is refused: a ledger's reason, or an authorizer's token. */
export type ComponentTokenRejection = TokenRejection | 'authorizer_token';

/**
 * The access tokens WeChat has issued: the component's, and each authorizer's, in a ledger each. It
 * alone draws a new token, so that both kinds look alike (as WeChat's do) and come from one generator.
 */
export class AccessTokens {
  readonly #component: TokenLedger<'component'>;
  readonly #authorizer: TokenLedger<string>;

  constructor(
    private readonly random: SeededRandom,
    graceMs: number,
  ) {
    this.#component = new TokenLedger(graceMs);
    this.#authorizer = new TokenLedger(graceMs);
  }

  issueComponentToken(now: number, ttlMs: number): string {
    const token = this.#newToken();
    this.#component.issue('component', token, now, ttlMs);
    return token;
  }

  issueAuthorizerToken(appId: string, now: number, ttlMs: number): string {
    const token = this.#newToken();
    this.#authorizer.issue(appId, token, now, ttlMs);
    return token;
  }

  /** Why a component API refuses this token, or `undefined` when it accepts it. */
  componentTokenRejection(token: string, now: number): ComponentTokenRejection | undefined {
    const check = this.#component.check(token, now);
    if (check.ok) return undefined;
    if (check.reason === 'unknown') {
      const other = this.#authorizer.check(token, now);
      if (other.ok || other.reason !== 'unknown') return 'authorizer_token';
    }
    return check.reason;
  }

  /** Why an authorizer API refuses this token, or `undefined` when it accepts it. */
  authorizerTokenRejection(token: string, now: number): TokenRejection | undefined {
    const check = this.#authorizer.check(token, now);
    return check.ok ? undefined : check.reason;
  }

  isAuthorizerTokenValid(appId: string, token: string, now: number): boolean {
    const check = this.#authorizer.check(token, now);
    return check.ok && check.owner === appId;
  }

  isComponentTokenValid(token: string, now: number): boolean {
    return this.#component.check(token, now).ok;
  }

  isLatestAuthorizerToken(appId: string, token: string, now: number): boolean {
    return this.#authorizer.isLatest(appId, token, now);
  }

  isLatestComponentToken(token: string, now: number): boolean {
    return this.#component.isLatest('component', token, now);
  }

  /** Every token of the account stops working at once (it revoked the component). */
  revokeAuthorizer(appId: string): void {
    this.#authorizer.revokeAll(appId);
  }

  snapshot(): { componentTokens: LedgerEntry<'component'>[]; authorizerTokens: LedgerEntry<string>[] } {
    return { componentTokens: this.#component.snapshot(), authorizerTokens: this.#authorizer.snapshot() };
  }

  restore(snapshot: {
    readonly componentTokens: readonly LedgerEntry<'component'>[];
    readonly authorizerTokens: readonly LedgerEntry<string>[];
  }): void {
    this.#component.restore(snapshot.componentTokens);
    this.#authorizer.restore(snapshot.authorizerTokens);
  }

  #newToken(): string {
    return `${this.random.hex(8)}_${this.random.token(120)}`;
  }
}
