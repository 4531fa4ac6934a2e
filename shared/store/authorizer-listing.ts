import { APPID_PATTERN } from '../appid';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { AuthorizerStatus } from './authorizer-store';
import { StoreCorruptionError } from './errors';
import type { Table } from './table';

/** One account as the getter's listing shows it: never a token. */
export interface AuthorizerSummary {
  readonly appId: string;
  readonly status: AuthorizerStatus;
  readonly authTime: number;
  readonly accessTokenExpiresAt?: number | undefined;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one this API returned');
    this.name = 'InvalidCursorError';
  }
}

const summarySchema = z.object({
  appId: z.string(),
  status: z.enum(['active', 'revoked', 'refresh_token_invalid']),
  authTime: z.number(),
  accessTokenExpiresAt: z.optional(z.number()),
});
const CURSOR_KEY = new RegExp(`^AUTHORIZER#${APPID_PATTERN.source.slice(1, -1)}$`);

/**
 * Pages through the stored accounts for `GET /authorizers`: a Scan (the listing is an operator's
 * occasional view, not a hot path) of only the shown fields, with an opaque cursor.
 */
export async function listAuthorizers(table: Table, page: { limit: number; cursor?: string | undefined }): Promise<{
  authorizers: AuthorizerSummary[];
  nextCursor: string | null;
}> {
  const authorizers: AuthorizerSummary[] = [];
  let startKey: Record<string, unknown> | undefined = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  // A filtered Scan can return short or empty pages: keep reading until the page is full or the end.
  do {
    const result = await table.doc.send(
      new ScanCommand({
        TableName: table.tableName,
        Limit: page.limit - authorizers.length,
        FilterExpression: 'begins_with(#pk, :prefix)',
        ProjectionExpression: '#pk, #appId, #status, #authTime, #accessTokenExpiresAt',
        ExpressionAttributeNames: { '#pk': 'pk', '#appId': 'appId', '#status': 'status', '#authTime': 'authTime', '#accessTokenExpiresAt': 'accessTokenExpiresAt' },
        ExpressionAttributeValues: { ':prefix': 'AUTHORIZER#' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) {
      const parsed = summarySchema.safeParse(item);
      if (!parsed.success) throw new StoreCorruptionError('authorizer', parsed.error.issues.map((issue) => issue.path.join('.')));
      authorizers.push(parsed.data);
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey && authorizers.length < page.limit);
  return { authorizers, nextCursor: startKey ? encodeCursor(startKey) : null };
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): { pk: string } {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const pk = typeof key === 'object' && key !== null ? (key as Record<string, unknown>)['pk'] : undefined;
    if (typeof pk === 'string' && CURSOR_KEY.test(pk) && Object.keys(key as object).length === 1) return { pk };
  } catch {
    // fall through: the same answer for every malformed cursor
  }
  throw new InvalidCursorError();
}
