import type { Endpoint } from './endpoints';

/**
 * Calls the simulator answered, per endpoint, per outcome (errcode, 0 for success, "dropped") and, for
 * the calls made on an authorizer's behalf, per authorizer: what the tests and benchmarks count.
 */
export class CallCounters {
  readonly #calls = new Map<Endpoint, number>();
  readonly #outcomes = new Map<string, number>();
  readonly #perAuthorizer = new Map<string, number>();

  record(endpoint: Endpoint, outcome: number | 'dropped', authorizerAppId?: string): void {
    this.#calls.set(endpoint, (this.#calls.get(endpoint) ?? 0) + 1);
    const key = `${endpoint}:${outcome}`;
    this.#outcomes.set(key, (this.#outcomes.get(key) ?? 0) + 1);
    if (authorizerAppId !== undefined) {
      const perKey = `${endpoint}:${authorizerAppId}`;
      this.#perAuthorizer.set(perKey, (this.#perAuthorizer.get(perKey) ?? 0) + 1);
    }
  }

  /** Every call that reached the endpoint, whatever it was answered. */
  calls(endpoint: Endpoint): number {
    return this.#calls.get(endpoint) ?? 0;
  }

  /** Calls answered with this errcode (0: success) or dropped. */
  outcomes(endpoint: Endpoint, outcome: number | 'dropped'): number {
    return this.#outcomes.get(`${endpoint}:${outcome}`) ?? 0;
  }

  forAuthorizer(endpoint: Endpoint, authorizerAppId: string): number {
    return this.#perAuthorizer.get(`${endpoint}:${authorizerAppId}`) ?? 0;
  }

  snapshot(): { calls: Record<string, number>; outcomes: Record<string, number> } {
    return { calls: Object.fromEntries(this.#calls), outcomes: Object.fromEntries(this.#outcomes) };
  }

  reset(): void {
    this.#calls.clear();
    this.#outcomes.clear();
    this.#perAuthorizer.clear();
  }
}
