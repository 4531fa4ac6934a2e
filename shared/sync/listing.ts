import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ListedEntry } from '../store/index.js';
import { forEachConcurrently } from '../tokens/concurrency.js';
import type { ComponentTokenProvider } from '../tokens/index.js';
import {
  type AuthorizerListPage,
  MAX_AUTHORIZER_LIST_COUNT,
  type WechatComponentClient,
  WechatError,
  WechatQuotaError,
} from '../wechat/index.js';

export interface Listing {
  /** Every appid listed, once (the entry from the latest page that carried it). */
  readonly entries: ReadonlyMap<string, ListedEntry>;
  /**
   * Only a complete listing may revoke anyone: every page answered, every page reported the same
   * total_count, each page began with the account the page before it ended with (pages overlap by one),
   * and exactly total_count distinct appids came back. An account that left the list, or moved to its
   * end (a re-authorization), while the pages were fetched shifts the pages after it and breaks an
   * overlap: a shifted listing could skip an account, and must not revoke it.
   */
  readonly complete: boolean;
  readonly totalCount: number;
  readonly pages: number;
  readonly calls: number;
  readonly failure?: Error | undefined;
}

/** Pages of 500 that overlap by one account. */
const PAGE_SIZE = MAX_AUTHORIZER_LIST_COUNT;
const STEP = PAGE_SIZE - 1;

/**
 * Pages through api_get_authorizer_list, 500 at a time: the first page gives total_count, the rest are
 * fetched with bounded concurrency. A page that fails (after the client's own retries) leaves the
 * listing incomplete; 45009 stops the paging at once. Once `signal` aborts, no page is asked for, the
 * calls in flight and their waits between retries are cut, and the listing is not complete.
 */
export async function fetchListing(options: {
  client: WechatComponentClient;
  componentTokens: ComponentTokenProvider;
  clock: Clock;
  concurrency: number;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<Listing> {
  const { client, componentTokens, clock, logger } = options;
  const entries = new Map<string, ListedEntry>();
  const totals = new Set<number>();
  /** First and last appid of each page, by page index, to check the overlaps. */
  const edges = new Map<number, { first: string | undefined; last: string | undefined }>();
  let pages = 0;
  let calls = 0;
  let failure: Error | undefined;

  const { signal } = options;
  const fetchPage = async (index: number): Promise<AuthorizerListPage | undefined> => {
    if (signal?.aborted) return undefined;
    const offset = index * STEP;
    const fetchedAt = clock.now();
    try {
      const page = await componentTokens.withToken((token) => {
        calls++;
        return client.getAuthorizerList(token, { offset, count: PAGE_SIZE }, { signal });
      });
      edges.set(index, { first: page.authorizers[0]?.authorizerAppId, last: page.authorizers.at(-1)?.authorizerAppId });
      for (const authorizer of page.authorizers) {
        const previous = entries.get(authorizer.authorizerAppId);
        if (!previous || previous.fetchedAt <= fetchedAt) {
          entries.set(authorizer.authorizerAppId, { ...authorizer, appId: authorizer.authorizerAppId, fetchedAt });
        }
      }
      totals.add(page.totalCount);
      pages++;
      return page;
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failure ??= error;
      // Cut by the caller: the run is stopping, not failing.
      if (signal?.aborted) return undefined;
      logger.warn('an authorizer list page failed', {
        offset,
        error: error.name,
        ...(error instanceof WechatError ? { kind: error.kind } : {}),
      });
      return undefined;
    }
  };

  const first = await fetchPage(0);
  const pageCount = first ? pagesFor(first.totalCount) : 0;
  if (first && pageCount > 1) {
    const quota = new AbortController();
    let done = 1;
    await forEachConcurrently(
      Array.from({ length: pageCount - 1 }, (_, i) => i + 1),
      options.concurrency,
      async (index) => {
        const page = await fetchPage(index);
        if (!page && failure instanceof WechatQuotaError) quota.abort();
        done++;
        if (done % 20 === 0 || done === pageCount)
          logger.info('authorizer list progress', { pagesDone: done, pagesTotal: pageCount });
      },
      signal ? AbortSignal.any([quota.signal, signal]) : quota.signal,
    );
  }
  const totalCount = first?.totalCount ?? 0;
  const overlapsHold = Array.from({ length: Math.max(pageCount - 1, 0) }, (_, i) => i + 1).every(
    (index) => edges.get(index)?.first !== undefined && edges.get(index)?.first === edges.get(index - 1)?.last,
  );
  const complete =
    first !== undefined &&
    failure === undefined &&
    !signal?.aborted &&
    totals.size === 1 &&
    overlapsHold &&
    entries.size === totalCount;
  return { entries, complete, totalCount, pages, calls, failure };
}

/** Pages needed for `total` accounts with pages of 500 overlapping by one. */
export function pagesFor(total: number): number {
  return total <= PAGE_SIZE ? 1 : Math.ceil((total - PAGE_SIZE) / STEP) + 1;
}
