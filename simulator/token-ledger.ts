const RETENTION_MS = 3_600_000;

/** Why a presented token is not accepted. */
export type TokenRejection = 'unknown' | 'expired' | 'superseded';

export type TokenCheck<Owner> =
  | { readonly ok: true; readonly owner: Owner }
  | { readonly ok: false; readonly reason: TokenRejection };

interface Issued<Owner> {
  readonly owner: Owner;
  readonly expiresAt: number;
  supersededAt?: number;
}

/** One remembered token, as a snapshot holds it (epoch ms on the simulator's clock). */
export interface LedgerEntry<Owner> {
  readonly token: string;
  readonly owner: Owner;
  readonly expiresAt: number;
  readonly supersededAt?: number | undefined;
}

/**
 * The access tokens issued to one kind of owner (the component, or each authorizer). Issuing a new token
 * to an owner supersedes its earlier ones: they keep working for `graceMs`, then fail as "not latest"
 * (WeChat's behaviour, and the reason two racing renewals can break each other).
 */
export class TokenLedger<Owner> {
  readonly #tokens = new Map<string, Issued<Owner>>();
  readonly #live = new Map<Owner, string[]>();

  constructor(private readonly graceMs: number) {}

  issue(owner: Owner, token: string, now: number, ttlMs: number): void {
    const kept: string[] = [];
    for (const old of this.#live.get(owner) ?? []) {
      const entry = this.#tokens.get(old);
      if (!entry) continue;
      entry.supersededAt ??= now;
      // Dead tokens are remembered for a while, so that they are refused for the right reason (an
      // expired one with 42001, not as unknown); then forgotten, so that memory stays bounded.
      if (now < entry.expiresAt + RETENTION_MS) kept.push(old);
      else this.#tokens.delete(old);
    }
    this.#tokens.set(token, { owner, expiresAt: now + ttlMs });
    this.#live.set(owner, [...kept, token]);
  }

  check(token: string, now: number): TokenCheck<Owner> {
    const entry = this.#tokens.get(token);
    if (!entry) return { ok: false, reason: 'unknown' };
    const reason = this.#rejection(entry, now);
    return reason ? { ok: false, reason } : { ok: true, owner: entry.owner };
  }

  /** Whether `token` is the owner's latest token and works now (not merely superseded and within its grace). */
  isLatest(owner: Owner, token: string, now: number): boolean {
    const check = this.check(token, now);
    return check.ok && check.owner === owner && this.#live.get(owner)?.at(-1) === token;
  }

  /** Every remembered token, in the order issued (which is also each owner's order). */
  snapshot(): LedgerEntry<Owner>[] {
    return [...this.#tokens].map(([token, entry]) => ({
      token,
      owner: entry.owner,
      expiresAt: entry.expiresAt,
      ...(entry.supersededAt === undefined ? {} : { supersededAt: entry.supersededAt }),
    }));
  }

  /** Replaces what this ledger remembers with a snapshot's entries. */
  restore(entries: readonly LedgerEntry<Owner>[]): void {
    this.#tokens.clear();
    this.#live.clear();
    for (const entry of entries) {
      this.#tokens.set(entry.token, {
        owner: entry.owner,
        expiresAt: entry.expiresAt,
        ...(entry.supersededAt === undefined ? {} : { supersededAt: entry.supersededAt }),
      });
      const live = this.#live.get(entry.owner);
      if (live) live.push(entry.token);
      else this.#live.set(entry.owner, [entry.token]);
    }
  }

  /** Invalidates every token of an owner at once (an account that revoked the component). */
  revokeAll(owner: Owner): void {
    for (const token of this.#live.get(owner) ?? []) this.#tokens.delete(token);
    this.#live.delete(owner);
  }

  #rejection(entry: Issued<Owner>, now: number): TokenRejection | undefined {
    if (now >= entry.expiresAt) return 'expired';
    if (entry.supersededAt !== undefined && now >= entry.supersededAt + this.graceMs) return 'superseded';
    return undefined;
  }
}
