import type { SeededRandom } from './random.js';

/** A pushed ticket, as a snapshot holds it (epoch ms on the simulator's clock). */
export interface TicketEntry {
  readonly ticket: string;
  readonly issuedAt: number;
}

/**
 * The component_verify_tickets WeChat has pushed. Each stays usable for `lifetimeMs` after its push,
 * whatever was pushed since (WeChat honours an older ticket until it expires).
 */
export class TicketBook {
  readonly #issuedAt = new Map<string, number>();

  constructor(
    private readonly random: SeededRandom,
    private readonly lifetimeMs: number,
  ) {}

  /** A new ticket, usable from `now`; the expired ones are forgotten, so that memory stays bounded. */
  issue(now: number): string {
    for (const [ticket, issuedAt] of this.#issuedAt) {
      if (now >= issuedAt + this.lifetimeMs) this.#issuedAt.delete(ticket);
    }
    const ticket = `ticket@@@${this.random.token(86)}`;
    this.#issuedAt.set(ticket, now);
    return ticket;
  }

  /** Why a presented ticket is refused (never pushed, or expired), or `undefined` when it is usable. */
  rejection(ticket: string, now: number): 'invalid' | 'expired' | undefined {
    const issuedAt = this.#issuedAt.get(ticket);
    if (issuedAt === undefined) return 'invalid';
    return now >= issuedAt + this.lifetimeMs ? 'expired' : undefined;
  }

  snapshot(): TicketEntry[] {
    return [...this.#issuedAt].map(([ticket, issuedAt]) => ({ ticket, issuedAt }));
  }

  restore(entries: readonly TicketEntry[]): void {
    this.#issuedAt.clear();
    for (const { ticket, issuedAt } of entries) this.#issuedAt.set(ticket, issuedAt);
  }
}
