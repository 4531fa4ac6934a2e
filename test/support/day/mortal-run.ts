// The chaos day's dying refresh runs (see simulated-day.ts).
import { AuthorizerStore, SyncStore, type Table } from '../../../shared/store/index.js';

/** A refresh run's process dying. */
export class Killed extends Error {}

/**
 * One run's process: it may die when it has just taken a lease (the lease is left to expire) or when
 * WeChat has answered and the commit is next (a token WeChat issued is never stored). Once dead, every
 * later store call of the run fails too: its renewals in flight die where they stand, and the run ends.
 */
export class Death {
  #dead = false;

  constructor(
    private readonly roll: () => number,
    private readonly onDeath: () => void,
  ) {}

  check(): void {
    if (this.#dead) throw new Killed();
  }

  maybe(probability: number): void {
    this.check();
    if (this.roll() >= probability) return;
    this.#dead = true;
    this.onDeath();
    throw new Killed();
  }
}

/**
 * The account store as a dying run sees it. Every change is one `write` (see AuthorizerStore), told
 * apart by what it writes: taking a lease (a lease of a new owner), after which the run may die holding
 * it, and committing a token WeChat issued, before which it may die. A 61023 mark, with the recovery
 * request it carries, is one write too: a dying run makes it whole or not at all.
 */
export class MortalStore extends AuthorizerStore {
  constructor(
    table: Table,
    private readonly death: Death,
  ) {
    super(table);
  }

  override async *dueAppIds(...args: Parameters<AuthorizerStore['dueAppIds']>) {
    for await (const appId of super.dueAppIds(...args)) {
      this.death.check();
      yield appId;
    }
  }

  override async get(...args: Parameters<AuthorizerStore['get']>) {
    this.death.check();
    return super.get(...args);
  }

  override async create(...args: Parameters<AuthorizerStore['create']>) {
    this.death.check();
    return super.create(...args);
  }

  override async write(...args: Parameters<AuthorizerStore['write']>) {
    const [record, change] = args;
    if (change.accessToken) this.death.maybe(0.01);
    else this.death.check();
    const written = await super.write(...args);
    if (written && change.lease && change.lease.owner !== record.lease?.owner) this.death.maybe(0.005);
    return written;
  }
}

/**
 * The sync as a dying run sees it: a dead run starts no recovery. (The recovery request after a 61023 is
 * part of the mark, one write of MortalStore's: a dying run's mark, request included, happens or not.)
 */
export class MortalSyncStore extends SyncStore {
  constructor(
    table: Table,
    private readonly death: Death,
  ) {
    super(table);
  }

  override async recoveryOwed(...args: Parameters<SyncStore['recoveryOwed']>) {
    this.death.check();
    return super.recoveryOwed(...args);
  }

  override async acquireRun(...args: Parameters<SyncStore['acquireRun']>) {
    this.death.check();
    return super.acquireRun(...args);
  }
}
