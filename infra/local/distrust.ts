import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type StoredToken, storedTokens, Table } from '../../shared/store/index.js';

export type { StoredToken } from '../../shared/store/index.js';

export interface DistrustSummary {
  /** Stored tokens looked at. */
  readonly checked: number;
  readonly authorizersDistrusted: number;
  readonly componentsDistrusted: number;
}

/**
 * For the local runtime at start, before the API serves: removes every stored access token (authorizer
 * and component) that `vouchedFor` does not accept (all of them when it is omitted), and makes each
 * active account whose token went due for renewal at once. A record without a token is renewed before
 * anything is handed out, by the getter on demand or by the scheduled refresh, so a removed token can
 * never be served; refresh tokens are left alone (one WeChat refuses meets 61023 and is recovered by the
 * sync, the product's normal path).
 *
 * Removing is the one choice that does not depend on the trust policy (leases, doubts), which the token
 * core may change: no token, nothing to serve. Each removal is conditional on the token it judged still
 * being the stored one (see `storedTokens`).
 */
export async function distrustStoredTokens(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: { vouchedFor?: (stored: StoredToken) => boolean } = {},
): Promise<DistrustSummary> {
  let checked = 0;
  let authorizersDistrusted = 0;
  let componentsDistrusted = 0;
  for await (const { stored, distrust } of storedTokens(new Table(doc, tableName))) {
    checked++;
    if (options.vouchedFor?.(stored)) continue;
    if (!(await distrust())) continue;
    if (stored.kind === 'authorizer') authorizersDistrusted++;
    else componentsDistrusted++;
  }
  return { checked, authorizersDistrusted, componentsDistrusted };
}
