import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sensitive } from '../../shared/sensitive.js';
import { AuthorizerStore, authorizerKey, Table } from '../../shared/store/index.js';

/** An active authorizer whose stored token is good for `validForMs` from now. */
export interface FreshAuthorizer {
  readonly appId: string;
  /** The partition key of its item: what a bare GetItem of "the same item" asks for. */
  readonly key: { pk: string };
  /** The seeded access token, to check that an answer carries it (a fake: no WeChat is involved). */
  readonly accessToken: string;
}

/**
 * Seeds one authorizer through the store's own write path (create, lease, commit), as the first renewal
 * would leave it: the item then has exactly the attributes a served token's item has in production,
 * with no lease and no doubt left behind, so that the getter serves it without renewing.
 */
export async function seedFreshAuthorizer(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: { appId: string; validForMs: number },
): Promise<FreshAuthorizer> {
  const { appId } = options;
  const store = new AuthorizerStore(new Table(doc, tableName));
  const now = Date.now();
  const refreshToken = sensitive(`refreshtoken@@@${'r'.repeat(48)}`);
  // WeChat's authorizer_access_token is about 150 characters; the item's size is part of a read's cost.
  const accessToken = `${appId}_${'T'.repeat(136)}`;
  if (!(await store.create({ appId, refreshToken, authTime: Math.floor(now / 1000), now })))
    throw new Error(`${appId} is seeded already`);
  const created = await store.get(appId);
  if (!created) throw new Error(`${appId} was not created`);
  const leased = await store.write(
    created,
    { lease: { owner: 'bench', acquiredAt: now, expiresAt: now + 30_000 } },
    { now },
  );
  if (!leased) throw new Error(`no renewal lease on ${appId}`);
  const committed = await store.write(
    leased,
    {
      accessToken: { token: sensitive(accessToken), expiresAt: now + options.validForMs, issuedAt: now },
      lease: null,
      refreshAt: now + options.validForMs - 15 * 60_000,
    },
    { now },
  );
  if (!committed) throw new Error(`seeding ${appId}: the commit was refused`);
  return { appId, key: authorizerKey(appId), accessToken };
}
