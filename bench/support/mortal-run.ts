// The chaos day's dying refresh runs (see simulated-day.ts).
import { AuthorizerStore, SyncStore, type Table } from '../../shared/store';

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

  override async acquireRenewal(...args: Parameters<AuthorizerStore['acquireRenewal']>) {
    this.death.check();
    const leased = await super.acquireRenewal(...args);
    if (leased) this.death.maybe(0.005);
    return leased;
  }

  override async commitRenewal(...args: Parameters<AuthorizerStore['commitRenewal']>) {
    this.death.maybe(0.01);
    return super.commitRenewal(...args);
  }

  override async releaseRenewal(...args: Parameters<AuthorizerStore['releaseRenewal']>) {
    this.death.check();
    return super.releaseRenewal(...args);
  }

  override async markStatus(...args: Parameters<AuthorizerStore['markStatus']>) {
    this.death.check();
    return super.markStatus(...args);
  }

  override async distrustAfterLostLease(...args: Parameters<AuthorizerStore['distrustAfterLostLease']>) {
    this.death.check();
    return super.distrustAfterLostLease(...args);
  }
}

/** The sync as a dying run sees it: a dead run asks for and starts no recovery. */
export class MortalSyncStore extends SyncStore {
  constructor(
    table: Table,
    private readonly death: Death,
  ) {
    super(table);
  }

  override async requestRecovery(...args: Parameters<SyncStore['requestRecovery']>) {
    this.death.check();
    return super.requestRecovery(...args);
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
