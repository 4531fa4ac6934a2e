import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../shared/tokens/concurrency.js';

describe('forEachConcurrently', () => {
  it('runs every item with at most `concurrency` at a time', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(item);
      running -= 1;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('pulls no item after the abort; the one being produced when it came is handed to the work, which checks the signal', async () => {
    const controller = new AbortController();
    const pulled: number[] = [];
    async function* slowSource(): AsyncGenerator<number> {
      pulled.push(1);
      yield 1;
      // The abort arrives while the worker waits for the next item.
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      pulled.push(2);
      yield 2;
      pulled.push(3);
      yield 3;
    }
    const handed: Array<{ item: number; aborted: boolean }> = [];
    await forEachConcurrently(
      slowSource(),
      1,
      async (item) => void handed.push({ item, aborted: controller.signal.aborted }),
      controller.signal,
    );
    expect(pulled).toEqual([1, 2]);
    expect(handed).toEqual([
      { item: 1, aborted: false },
      { item: 2, aborted: true },
    ]);
  });
});
