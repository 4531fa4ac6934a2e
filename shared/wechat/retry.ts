/** How often and for how long a call that failed for a retryable reason is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. 1 disables retries. */
  readonly maxAttempts: number;
  /** The cap on the first backoff; it doubles per attempt up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No attempt starts, and none runs, past this many milliseconds after the first began. */
  readonly totalBudgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  totalBudgetMs: 15_000,
};

/**
 * "Full jitter" (a uniformly random delay below the exponential cap): callers that failed together do
 * not come back together, which matters when a hundred Lambdas see the same -1 at once.
 */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(random() * cap);
}

export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { maxAttempts, baseDelayMs, maxDelayMs, totalBudgetMs } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError('retry.maxAttempts must be an integer ≥ 1');
  for (const [name, value] of Object.entries({ baseDelayMs, maxDelayMs, totalBudgetMs })) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be a finite number ≥ 0`);
  }
  return policy;
}
