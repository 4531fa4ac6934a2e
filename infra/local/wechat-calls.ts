import type { WechatComponentClientOptions } from '../../shared/wechat/index.js';

/**
 * The local runtime's way to WeChat: the global fetch, counted per API (for the progress lines) and
 * stoppable. The domain's runs take no abort signal, so stopping is done here: once `abort()` is
 * called, the calls in flight are cut and every later one fails at once, without waiting between
 * retries, as if the network were gone. A sync then ends with an incomplete listing (which revokes
 * nobody) and a refresh leaves the accounts it did not renew due for the next run.
 */
export class WechatCalls {
  readonly #stop = new AbortController();
  readonly #counts = new Map<string, number>();

  /** The client options that route every call through this. */
  get clientOptions(): Pick<WechatComponentClientOptions, 'fetch' | 'sleep'> {
    return {
      fetch: (input, init) => {
        this.#count(input);
        if (this.#stop.signal.aborted) return Promise.reject(new Error('the local runtime is stopping'));
        const signal = init?.signal ? AbortSignal.any([init.signal, this.#stop.signal]) : this.#stop.signal;
        return globalThis.fetch(input, { ...init, signal });
      },
      sleep: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (this.#stop.signal.aborted) return resolve();
          const signals = signal ? AbortSignal.any([signal, this.#stop.signal]) : this.#stop.signal;
          const timer = setTimeout(done, ms);
          function done(): void {
            clearTimeout(timer);
            signals.removeEventListener('abort', done);
            resolve();
          }
          signals.addEventListener('abort', done, { once: true });
        }),
    };
  }

  get aborted(): boolean {
    return this.#stop.signal.aborted;
  }

  abort(): void {
    this.#stop.abort();
  }

  /** Calls made to `api` (api_authorizer_token, api_get_authorizer_list, …) since the start. */
  calls(api: string): number {
    return this.#counts.get(api) ?? 0;
  }

  #count(input: string | URL | Request): void {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const api = new URL(url).pathname.split('/').at(-1) ?? '';
    this.#counts.set(api, (this.#counts.get(api) ?? 0) + 1);
  }
}
