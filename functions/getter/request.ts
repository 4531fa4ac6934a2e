import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { ROUTE_KEYS } from '../../shared/api/routes.js';
import { AUTHORIZER_KINDS, AUTHORIZER_STATUSES, type AuthorizerStatus } from '../../shared/store/index.js';
import type { AuthorizerKind } from '../../shared/wechat/results.js';

/**
 * What the getter accepts of a request besides its path, each rule written once: the query parameters of
 * each route, `limit`, and the refresh body (capped before it is decoded or parsed). docs/api.md says
 * the same in words.
 */

/** The longest `invalid_token` a report may carry (WeChat's tokens are a few hundred ASCII characters). */
export const MAX_INVALID_TOKEN_LENGTH = 2_048;

/**
 * The largest refresh body read: a report of the longest token written in ASCII, as WeChat's tokens are,
 * is `{"invalid_token":"…"}` around it, 2,068 bytes; twice the token's length leaves room for whitespace
 * and a few escapes. Anything larger is no report and is refused unread (never decoded, never parsed).
 */
export const MAX_REFRESH_BODY_BYTES = 2 * MAX_INVALID_TOKEN_LENGTH;

/** `limit` on `GET /authorizers`: 1 to 500, 100 when absent. */
export const LIST_LIMIT = { min: 1, max: 500, default: 100 } as const;

/**
 * A whole number written in plain decimal, without sign, spaces, leading zero, exponent or another base:
 * `Number()` alone took `1e2`, ` 5` and `0x10`. Three digits at most, so the range check below is exact.
 */
const DECIMAL = /^[1-9][0-9]{0,2}$/;

/** The limit asked for, or `undefined` when `raw` is not one (API Gateway joins a repeated `limit` as `5,6`: refused). */
export function parseLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return LIST_LIMIT.default;
  if (!DECIMAL.test(raw)) return undefined;
  const limit = Number(raw);
  return limit >= LIST_LIMIT.min && limit <= LIST_LIMIT.max ? limit : undefined;
}

/** The query parameters each route takes, by route key (besides SigV4's `X-Amz-*`); every other is refused. */
export const QUERY_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  [ROUTE_KEYS.authorizers]: ['limit', 'cursor', 'status', 'type'],
};

/** `GET /authorizers`' filters: each once, one of its values (API Gateway joins a repeated one as `a,b`: refused). */
const LIST_FILTERS = {
  status: AUTHORIZER_STATUSES,
  type: AUTHORIZER_KINDS,
} as const;

export const LIST_FILTER_RULE = `status is one of ${AUTHORIZER_STATUSES.join(', ')}; type is one of ${AUTHORIZER_KINDS.join(', ')}`;

/** The listing's filter, or `undefined` when a filter's value is not one it takes. */
export function parseListFilter(
  query: Readonly<Record<string, string | undefined>>,
): { status?: AuthorizerStatus; kind?: AuthorizerKind } | undefined {
  const status = query['status'];
  const type = query['type'];
  if (status !== undefined && !includes(LIST_FILTERS.status, status)) return undefined;
  if (type !== undefined && !includes(LIST_FILTERS.type, type)) return undefined;
  return { ...(status === undefined ? {} : { status }), ...(type === undefined ? {} : { kind: type }) };
}

function includes<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/**
 * SigV4 can sign a request in its query string instead of its headers (`X-Amz-Signature`, …); API
 * Gateway checks those before the getter and passes them on, so they are never a mistake of the caller's.
 */
const SIGV4_QUERY = /^X-Amz-/;

/** Whether the query holds a parameter the route does not take (each getter route takes none but `GET /authorizers`' `limit`, `cursor`, `status` and `type`). */
export function hasUnknownQueryParameter(
  query: Readonly<Record<string, string | undefined>> | undefined,
  accepted: readonly string[],
): boolean {
  return Object.keys(query ?? {}).some((name) => !accepted.includes(name) && !SIGV4_QUERY.test(name));
}

const reportBody = z.object({
  invalid_token: z.string().check(z.minLength(1), z.maxLength(MAX_INVALID_TOKEN_LENGTH)),
});

export type RefreshBody = { kind: 'report'; invalidToken: string } | { kind: 'too_large' } | { kind: 'invalid' };

/** The refresh body's token; its size is checked first, on the text as received (base64 too, before decoding). */
export function readRefreshBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): RefreshBody {
  const { body } = event;
  if (body === undefined) return { kind: 'invalid' };
  // base64 is 4 characters for every 3 bytes: a longer text cannot decode to an acceptable body.
  const maxTextLength = event.isBase64Encoded ? Math.ceil(MAX_REFRESH_BODY_BYTES / 3) * 4 : MAX_REFRESH_BODY_BYTES;
  // A string's UTF-8 is never shorter than its UTF-16 length, so this refuses without measuring more.
  if (body.length > maxTextLength) return { kind: 'too_large' };
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > MAX_REFRESH_BODY_BYTES) return { kind: 'too_large' };
  const parsed = reportBody.safeParse(parseJson(bytes.toString('utf8')));
  return parsed.success ? { kind: 'report', invalidToken: parsed.data.invalid_token } : { kind: 'invalid' };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
