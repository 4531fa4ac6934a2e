import type { Clock } from '../shared/clock.js';

export type { Clock } from '../shared/clock.js';

/**
 * The simulator's clock, which tests control. Frozen, it moves only when told (`advance`, `set`);
 * running, it follows real time from its start, and `advance` still jumps it forward (so that the local
 * runtime can show two hours of token life in a minute).
 */
export class SimClock implements Clock {
  #base: number;
  #realStart: number;
  readonly #frozen: boolean;

  constructor(options: { start?: number; frozen?: boolean } = {}) {
    this.#base = options.start ?? Date.now();
    this.#realStart = Date.now();
    this.#frozen = options.frozen ?? true;
  }

  /**
   * A clock that goes on from a snapshot's `savedAt`: frozen at the simulated time it was saved, or
   * running, with the real time that passed since the save added (WeChat's clock did not stop while the
   * local runtime was down), and never behind the saved time.
   */
  static resume(
    savedAt: { readonly simulated: number; readonly wall: number },
    options: { frozen: boolean },
  ): SimClock {
    const elapsed = options.frozen ? 0 : Math.max(0, Date.now() - savedAt.wall);
    return new SimClock({ start: savedAt.simulated + elapsed, frozen: options.frozen });
  }

  now(): number {
    return this.#frozen ? this.#base : this.#base + (Date.now() - this.#realStart);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.#base += ms;
  }

  set(epochMs: number): void {
    if (epochMs < this.now()) throw new RangeError('the clock only moves forward');
    this.#base = epochMs;
    this.#realStart = Date.now();
  }
}
