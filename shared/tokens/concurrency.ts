/**
 * Runs `work` on every item of an async source with at most `concurrency` at a time, pulling lazily so
 * that a 100,000-item index is never held in memory, and stopping early when `signal` aborts. A handful
 * of lines; p-limit and friends take arrays or promises, not a lazy source with a stop.
 */
export async function forEachConcurrently<T>(
  source: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer ≥ 1');
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source);
  const worker = async (): Promise<void> => {
    while (!signal?.aborted) {
      const next = await iterator.next();
      // An item the source produced while the abort came is still handed over: the work checks the
      // signal itself where starting matters (a renewal, a sync's write), and counts what it left.
      if (next.done) return;
      await work(next.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await iterator.return?.();
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
