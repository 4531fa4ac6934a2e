import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { type Sensitive, sensitive } from '../../shared/sensitive.js';
import { fetchListing, pagesFor } from '../../shared/sync/index.js';
import type { ComponentTokenProvider } from '../../shared/tokens/index.js';
import {
  type AuthorizerListPage,
  type WechatComponentClient,
  WechatSystemBusyError,
} from '../../shared/wechat/index.js';

// Unit tests of the paging rules, with a stub WeChat: the completeness checks are the point here.

const id = (n: number) => `wx${n.toString(16).padStart(16, '0')}`;
const entry = (n: number) => ({ authorizerAppId: id(n), refreshToken: sensitive(`rt-${n}`), authTime: 1 });

function stubs(answer: (offset: number, count: number) => AuthorizerListPage | Error) {
  const calls: number[] = [];
  const client = {
    getAuthorizerList: async (_token: Sensitive, page: { offset: number; count: number }) => {
      calls.push(page.offset);
      const result = answer(page.offset, page.count);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as WechatComponentClient;
  const componentTokens = {
    withToken: <T>(call: (token: Sensitive) => Promise<T>) => call(sensitive('token')),
  } as unknown as ComponentTokenProvider;
  return { client, componentTokens, calls };
}

function listOf(ids: number[]) {
  return (offset: number, count: number): AuthorizerListPage => ({
    totalCount: ids.length,
    authorizers: ids.slice(offset, offset + count).map(entry),
  });
}

const listing = (s: ReturnType<typeof stubs>, concurrency = 2) =>
  fetchListing({
    client: s.client,
    componentTokens: s.componentTokens,
    clock: { now: () => 0 },
    concurrency,
    logger: silentLogger,
  });

describe('fetchListing', () => {
  it('pages of 500 overlap by one: 1, 2, 3 and 201 pages for 500, 999, 1000 and 100,000', () => {
    expect([500, 999, 1_000, 100_000].map(pagesFor)).toEqual([1, 2, 3, 201]);
    expect(pagesFor(0)).toBe(1);
  });

  it('a stable listing is complete, each account once', async () => {
    const s = stubs(listOf(Array.from({ length: 1_234 }, (_, n) => n)));
    const result = await listing(s);
    expect(result).toMatchObject({ complete: true, totalCount: 1_234, pages: 3, calls: 3 });
    expect(result.entries.size).toBe(1_234);
    expect(s.calls.sort((a, b) => a - b)).toEqual([0, 499, 998]);
  });

  it('an empty listing is complete', async () => {
    const result = await listing(stubs(listOf([])));
    expect(result).toMatchObject({ complete: true, totalCount: 0, pages: 1 });
  });

  it('a broken overlap makes it incomplete, even when counts happen to add up', async () => {
    const ids = Array.from({ length: 999 }, (_, n) => n);
    const s = stubs((offset, count) =>
      offset === 0
        ? listOf(ids)(offset, count)
        : { totalCount: 999, authorizers: [...ids.slice(500, 999), 5].map(entry) },
    );
    const result = await listing(s);
    expect(result.entries.size).toBe(999);
    expect(result.complete).toBe(false);
  });

  it('fewer distinct accounts than total_count makes it incomplete, whatever else holds', async () => {
    const ids = Array.from({ length: 999 }, (_, n) => n);
    const s = stubs((offset, count) =>
      offset === 0 ? listOf(ids)(offset, count) : { totalCount: 999, authorizers: ids.slice(499, 998).map(entry) },
    );
    const result = await listing(s);
    expect(result.entries.size).toBe(998);
    expect(result.complete).toBe(false);
  });

  it('a total_count that changes between pages makes it incomplete', async () => {
    const ids = Array.from({ length: 999 }, (_, n) => n);
    const s = stubs((offset, count) => ({ ...listOf(ids)(offset, count), totalCount: offset === 0 ? 999 : 1_000 }));
    expect((await listing(s)).complete).toBe(false);
  });

  it('a failed page makes it incomplete and keeps the rest', async () => {
    const ids = Array.from({ length: 1_500 }, (_, n) => n);
    const s = stubs((offset, count) =>
      offset === 499 ? new WechatSystemBusyError('api_get_authorizer_list', -1, 'busy') : listOf(ids)(offset, count),
    );
    const result = await listing(s);
    expect(result.complete).toBe(false);
    expect(result.failure).toBeInstanceOf(WechatSystemBusyError);
    expect(result.entries.size).toBe(1_500 - 498);
  });
});
