import type { SeededRandom } from './random.js';

/** WeChat's page: a pre-auth code is valid for 1,800 seconds, and good for one authorization. */
export const PRE_AUTH_CODE_TTL_SECONDS = 1_800;

/** A pre-auth code as a snapshot holds it (epoch ms on the simulator's clock). */
export interface PreAuthCodeEntry {
  readonly code: string;
  readonly expiresAt: number;
  readonly spent: boolean;
}

/** Why an authorization page refuses a pre-auth code. */
export type PreAuthCodeRejection = 'unknown' | 'expired' | 'spent';

/**
 * The pre-auth codes api_create_preauthcode minted. A spent one is kept (marked) until it expires, so
 * that the page can tell "used already" from "never issued"; expired ones are forgotten as codes are minted.
 */
export class PreAuthCodes {
  readonly #codes = new Map<string, { expiresAt: number; spent: boolean }>();

  constructor(private readonly random: SeededRandom) {}

  mint(now: number): string {
    for (const [code, entry] of this.#codes) if (entry.expiresAt <= now) this.#codes.delete(code);
    const code = `preauthcode@@@${this.random.token(40)}`;
    this.#codes.set(code, { expiresAt: now + PRE_AUTH_CODE_TTL_SECONDS * 1000, spent: false });
    return code;
  }

  rejection(code: string, now: number): PreAuthCodeRejection | undefined {
    const entry = this.#codes.get(code);
    if (!entry) return 'unknown';
    if (now >= entry.expiresAt) return 'expired';
    return entry.spent ? 'spent' : undefined;
  }

  /** Marks a code used; the caller has checked `rejection` first. */
  spend(code: string): void {
    const entry = this.#codes.get(code);
    if (entry) entry.spent = true;
  }

  snapshot(): PreAuthCodeEntry[] {
    return [...this.#codes].map(([code, entry]) => ({ code, ...entry }));
  }

  restore(entries: readonly PreAuthCodeEntry[]): void {
    this.#codes.clear();
    for (const { code, expiresAt, spent } of entries) this.#codes.set(code, { expiresAt, spent });
  }
}
