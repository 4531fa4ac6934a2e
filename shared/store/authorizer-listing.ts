import { isAppId } from '../appid.js';
import { StoreError } from './errors.js';
import {
  AUTHORIZER_ITEMS,
  AUTHORIZER_SUMMARY,
  type AuthorizerSummary,
  appIdOfAuthorizerKey,
  AUTHORIZER_LISTING_ATTRIBUTES as LISTING_ATTRIBUTES,
} from './items/authorizer.js';
import type { Item, Table } from './table.js';

export type { AuthorizerSummary } from './items/authorizer.js';

/** A listing cursor this API did not return (the same answer for every malformed one). */
export class InvalidCursorError extends StoreError {
  constructor() {
    super('the cursor is not one this API returned');
  }
}

/**
 * Pages through the stored accounts for `GET /authorizers`: a Scan (the listing is an operator's
 * occasional view, not a hot path) of only the shown fields, with an opaque cursor.
 */
export async function listAuthorizers(
  table: Table,
  page: { limit: number; cursor?: string | undefined },
): Promise<{
  authorizers: AuthorizerSummary[];
  nextCursor: string | null;
}> {
  const authorizers: AuthorizerSummary[] = [];
  let startKey: Item | undefined = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  // A filtered Scan can return short or empty pages: keep reading until the page is full or the end.
  do {
    // Only the listing's attributes: the getter's role may Scan no others (AUTHORIZER_LISTING_ATTRIBUTES).
    const result = await table.scanPage({
      filter: AUTHORIZER_ITEMS,
      projection: LISTING_ATTRIBUTES,
      limit: page.limit - authorizers.length,
      startKey,
    });
    for (const item of result.items) authorizers.push(AUTHORIZER_SUMMARY.decode(item));
    startKey = result.nextKey;
  } while (startKey && authorizers.length < page.limit);
  return { authorizers, nextCursor: startKey ? encodeCursor(startKey) : null };
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
