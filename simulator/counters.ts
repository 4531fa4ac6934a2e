import type { Endpoint } from './endpoints.js';

/** An errcode (0 for success), a dropped connection, or a raw (scripted, non-WeChat) answer. */
export type Outcome = number | 'dropped' | 'raw';

/**
 * Calls the simulator answered, per endpoint, per outcome (errcode, 0 for success, "dropped") and, for
 * the calls made on an authorizer's behalf, per authorizer: what the tests and benchmarks count.
 */
export class CallCounters {
  readonly #calls = new Map<Endpoint, number>();
  readonly #outcomes = new Map<string, number>();
  readonly #perAuthorizer = new Map<string, number>();

  record(endpoint: Endpoint, outcome: Outcome, authorizerAppId?: string): void {
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

  /** Calls answered with this errcode (0: success), dropped, or answered raw. */
  outcomes(endpoint: Endpoint, outcome: Outcome): number {
    return this.#outcomes.get(`${endpoint}:${outcome}`) ?? 0;
  }

  forAuthorizer(endpoint: Endpoint, authorizerAppId: string): number {
    return this.#perAuthorizer.get(`${endpoint}:${authorizerAppId}`) ?? 0;
  }

  snapshot(): {
    calls: Record<string, number>;
    outcomes: Record<string, number>;
    perAuthorizer: Record<string, number>;
  } {
    return {
      calls: Object.fromEntries(this.#calls),
      outcomes: Object.fromEntries(this.#outcomes),
      perAuthorizer: Object.fromEntries(this.#perAuthorizer),
    };
  }

  reset(): void {
    this.#calls.clear();
    this.#outcomes.clear();
    this.#perAuthorizer.clear();
  }
}
