import { paginateScan, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dueShardOf } from '../../shared/store';

/** An access token the table holds, as the check at start sees it. */
export type StoredToken =
  | { readonly kind: 'authorizer'; readonly appId: string; readonly token: string }
  | { readonly kind: 'component'; readonly componentAppId: string; readonly token: string };

export interface DistrustSummary {
  /** Stored tokens looked at. */
  readonly checked: number;
  readonly authorizersDistrusted: number;
  readonly componentsDistrusted: number;
}

const AUTHORIZER_PREFIX = 'AUTHORIZER#';
const COMPONENT_PREFIX = 'COMPONENT#';

/**
 * For the local runtime at start, before the API serves: removes every stored access token (authorizer
 * and component) that `vouchedFor` does not accept (all of them when it is omitted), and makes each
 * active account whose token went due for renewal at once. A record without a token is renewed before
 * anything is handed out, by the getter on demand or by the scheduled refresh, so a removed token can
 * never be served; refresh tokens are left alone (one WeChat refuses meets 61023 and is recovered by the
 * sync, the product's normal path).
 *
 * Removing is the one choice that does not depend on the trust policy (`renewingSince`, leases), which
 * the token core may change: no token, nothing to serve. It writes the same attributes the stores do
 * (`accessToken`, `accessTokenExpiresAt`, `refreshAt` and `dueShard` of the due index, `version`), each
 * write conditional on the token it judged still being the stored one.
 */
export async function distrustStoredTokens(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: { vouchedFor?: (stored: StoredToken) => boolean } = {},
): Promise<DistrustSummary> {
  let checked = 0;
  let authorizersDistrusted = 0;
  let componentsDistrusted = 0;
  const pages = paginateScan(
    { client: doc },
    {
      TableName: tableName,
      ConsistentRead: true,
      ProjectionExpression: '#pk, #status, #accessToken',
      FilterExpression: 'attribute_exists(#accessToken)',
      ExpressionAttributeNames: { '#pk': 'pk', '#status': 'status', '#accessToken': 'accessToken' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const { pk, status, accessToken } = item;
      if (typeof pk !== 'string' || typeof accessToken !== 'string') continue;
      if (pk.startsWith(AUTHORIZER_PREFIX)) {
        const appId = pk.slice(AUTHORIZER_PREFIX.length);
        checked++;
        if (options.vouchedFor?.({ kind: 'authorizer', appId, token: accessToken })) continue;
        if (await removeToken(doc, tableName, pk, accessToken, status === 'active' ? { dueShard: dueShardOf(appId) } : undefined)) authorizersDistrusted++;
      } else if (pk.startsWith(COMPONENT_PREFIX)) {
        checked++;
        if (options.vouchedFor?.({ kind: 'component', componentAppId: pk.slice(COMPONENT_PREFIX.length), token: accessToken })) continue;
        if (await removeToken(doc, tableName, pk, accessToken, undefined)) componentsDistrusted++;
      }
    }
  }
  return { checked, authorizersDistrusted, componentsDistrusted };
}

/** Removes `token` if it is still the stored one; an active account (`due`) is made due now. */
async function removeToken(doc: DynamoDBDocumentClient, tableName: string, pk: string, token: string, due: { dueShard: string } | undefined): Promise<boolean> {
  // refreshAt 0 is how a new account is made due at once (AuthorizerStore.create).
  const dueSet = due ? ', #refreshAt = :zero, #dueShard = :dueShard' : '';
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk },
        UpdateExpression: `REMOVE #accessToken, #accessTokenExpiresAt SET #version = if_not_exists(#version, :zero) + :one${dueSet}`,
        ConditionExpression: due ? '#accessToken = :token AND #status = :active' : '#accessToken = :token',
        ExpressionAttributeNames: {
          '#accessToken': 'accessToken',
          '#accessTokenExpiresAt': 'accessTokenExpiresAt',
          '#version': 'version',
          ...(due ? { '#refreshAt': 'refreshAt', '#dueShard': 'dueShard', '#status': 'status' } : {}),
        },
        ExpressionAttributeValues: {
          ':token': token,
          ':zero': 0,
          ':one': 1,
          ...(due ? { ':dueShard': due.dueShard, ':active': 'active' } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
