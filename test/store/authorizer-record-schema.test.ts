import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { AuthorizerStore, Table } from '../../shared/store/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { freshTable } from '../support/dynamo-backends.js';

// Review of issue 12 ("no behaviour change"): the authorizer record's schema (what the getter and the
// renewer read) now also checks `absentSince` (and `dueShard`) (shared/store/items/authorizer.ts's one
// itemSchema, shared with the sync's snapshot). Before, the record ignored them: an item with `absentSince`
// malformed was served; now its read is a StoreCorruptionError (the getter answers 500 internal).

const APPID = 'wx00000000000000bb';

describe('the authorizer record of an item whose sync-only attributes are malformed', () => {
  const backend = useDynalite();

  // (`dueShard` is the due index's partition key: DynamoDB itself refuses an item with it malformed.)
  it.each([
    ['absentSince a string', { absentSince: 'yesterday' }],
    ['absentSince null', { absentSince: null }],
  ])('is still read (%s)', async (_, odd) => {
    const { tableName, doc } = await freshTable(backend());
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `AUTHORIZER#${APPID}`,
          appId: APPID,
          status: 'active',
          refreshToken: 'refreshtoken@@@x',
          authTime: 1_700_000_000,
          version: 3,
          refreshTokenChangedAt: 1,
          statusChangedAt: 1,
          authTimeChangedAt: 1,
          ...odd,
        },
      }),
    );
    const record = await new AuthorizerStore(new Table(doc, tableName)).get(APPID);
    expect(record?.status).toBe('active');
  });
});
