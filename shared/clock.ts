/** A source of "now" in epoch milliseconds: the system's in production, a simulated one in tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
