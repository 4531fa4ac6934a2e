/**
 * Per-request latencies of `request`, `requests` times over `concurrency` workers that each loop: a
 * closed-loop load, like a pool of backends each waiting for its answer before asking again.
 */
export async function latencies(
  request: () => Promise<unknown>,
  options: { requests: number; concurrency: number },
): Promise<number[]> {
  const samples: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < options.requests) {
      started++;
      const start = performance.now();
      await request();
      samples.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return samples;
}

/** The nearest-rank percentile (`p` from 0 to 100): a latency some request actually had. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}
