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

  it('starts no item the source produced after the abort, though a worker was waiting for it', async () => {
    const controller = new AbortController();
    async function* slowSource(): AsyncGenerator<number> {
      yield 1;
      // The abort arrives while the worker waits for the next item.
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      yield 2;
      yield 3;
    }
    const started: number[] = [];
    await forEachConcurrently(slowSource(), 1, async (item) => void started.push(item), controller.signal);
    expect(started).toEqual([1]);
  });
});
