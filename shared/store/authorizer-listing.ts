import { isAppId } from '../appid.js';
import type { AuthorizerKind } from '../wechat/results.js';
import { StoreError } from './errors.js';
import type { AuthorizerStatus } from './items/authorizer.js';
import {
  AUTHORIZER_ITEMS,
  AUTHORIZER_SUMMARY,
  type AuthorizerSummary,
  appIdOfAuthorizerKey,
  AUTHORIZER_LISTING_ATTRIBUTES as LISTING_ATTRIBUTES,
} from './items/authorizer.js';
import { TABLE_SCHEMA } from './schema.js';
import { allOf, type Condition, type Item, type Table } from './table.js';

export type { AuthorizerSummary } from './items/authorizer.js';

/** A listing cursor this API did not return (the same answer for every malformed one). */
export class InvalidCursorError extends StoreError {
  constructor() {
    super('the cursor is not one this API returned');
  }
}

/** What `GET /authorizers` may keep: an account's status, its kind, or both. */
export interface AuthorizerFilter {
  readonly status?: AuthorizerStatus | undefined;
  readonly kind?: AuthorizerKind | undefined;
}

/**
 * Items a filtered listing looks at per Scan request, and requests per page: a filter that keeps few
 * accounts answers a short (even empty) page with a cursor rather than Scan the whole table in one call.
 */
const FILTERED_SCAN_LIMIT = 1_000;
const MAX_SCANS_PER_PAGE = 10;

/**
 * Pages through the stored accounts for `GET /authorizers`: a Scan (the listing is an operator's
 * occasional view, not a hot path) of only the shown fields, with an opaque cursor. With a filter a page
 * may hold fewer than `limit` accounts, even none, and still have a next cursor: the listing ends only
 * where `nextCursor` is null.
 */
export async function listAuthorizers(
  table: Table,
  page: { limit: number; cursor?: string | undefined; filter?: AuthorizerFilter | undefined },
): Promise<{
  authorizers: AuthorizerSummary[];
  nextCursor: string | null;
}> {
  const authorizers: AuthorizerSummary[] = [];
  let startKey: Item | undefined = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const filter = filterOf(page.filter);
  const filtered = filter !== AUTHORIZER_ITEMS;
  // A filtered Scan can return short or empty pages: keep reading until the page is full, the end, or
  // (filtered) the page's share of Scan requests.
  for (let scans = 0; scans < MAX_SCANS_PER_PAGE || !filtered; scans++) {
    const remaining = page.limit - authorizers.length;
    // Only the listing's attributes: the getter's role may Scan no others (AUTHORIZER_LISTING_ATTRIBUTES).
    const result = await table.scanPage({
      filter,
      projection: LISTING_ATTRIBUTES,
      limit: filtered ? FILTERED_SCAN_LIMIT : remaining,
      startKey,
    });
    const kept = result.items.slice(0, remaining);
    for (const item of kept) authorizers.push(AUTHORIZER_SUMMARY.decode(item));
    // More kept than the page holds: the next page starts after the last one shown (any key may start a Scan).
    const last = kept.at(-1);
    startKey =
      result.items.length > kept.length && last
        ? { [TABLE_SCHEMA.partitionKey]: last[TABLE_SCHEMA.partitionKey] }
        : result.nextKey;
    if (!startKey || authorizers.length >= page.limit) break;
  }
  return { authorizers, nextCursor: startKey ? encodeCursor(startKey) : null };
}

/** The Scan filter: the authorizer items, and those of the status and kind asked for. */
function filterOf(filter: AuthorizerFilter | undefined): Condition {
  const parts: Condition[] = [];
  if (filter?.status !== undefined)
    parts.push({ expression: '#status = :filterStatus', values: { ':filterStatus': filter.status } });
  if (filter?.kind !== undefined)
    parts.push({ expression: '#kind = :filterKind', values: { ':filterKind': filter.kind } });
  return parts.length === 0 ? AUTHORIZER_ITEMS : allOf(AUTHORIZER_ITEMS, ...parts);
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Only a key this API could have returned: an authorizer item's, and nothing else in it. */
function decodeCursor(cursor: string): { pk: string } {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const pk = typeof key === 'object' && key !== null ? (key as Record<string, unknown>)['pk'] : undefined;
    const appId = typeof pk === 'string' ? appIdOfAuthorizerKey(pk) : undefined;
    if (typeof pk === 'string' && appId !== undefined && isAppId(appId) && Object.keys(key as object).length === 1)
      return { pk };
  } catch {
    // fall through: the same answer for every malformed cursor
  }
  throw new InvalidCursorError();
}
