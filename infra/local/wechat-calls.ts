import type { WechatComponentClientOptions } from '../../shared/wechat/index.js';

/**
 * The local runtime's way to WeChat: the global fetch, counted per API for the progress lines. Stopping
 * is not done here: the runs take an abort signal (see `LocalRuns`), which cuts a sync's page calls and
 * starts no renewal, while a renewal already started gets its answer and stores its token.
 */
export class WechatCalls {
  readonly #counts = new Map<string, number>();

  /** The client options that route every call through this. */
  get clientOptions(): Pick<WechatComponentClientOptions, 'fetch'> {
    return {
      fetch: (input, init) => {
        this.#count(input);
        return globalThis.fetch(input, init);
      },
    };
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
