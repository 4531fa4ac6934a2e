import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { SyncStore, Table } from '../../shared/store/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { freshTable } from '../support/dynamo-backends.js';

// Review of issue 12 ("no behaviour change"): the sync's conditional writes used to be written under
// `#version = :expectedVersion`; they are now written under `atVersion`, which for an expected version 0
// means `attribute_not_exists(#version)`. The snapshot requires a `version` attribute, so an expected
// version of 0 is only ever an item that stores `version: 0` — and that item the sync could write before
// (bringing it to version 1, where the renewer can write it again), and can write no more.

const T0 = 1_800_000_000_000;
const APPID = 'wx00000000000000aa';

describe('the sync on an authorizer item stored with version 0', () => {
  const backend = useDynalite();

  async function storedAtVersionZero() {
    const { tableName, doc } = await freshTable(backend());
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `AUTHORIZER#${APPID}`,
          appId: APPID,
          status: 'active',
          refreshToken: 'refreshtoken@@@old',
          authTime: 1_700_000_000,
          refreshAt: T0,
          dueShard: '03',
          version: 0,
          refreshTokenChangedAt: T0 - 10,
          statusChangedAt: T0 - 10,
          authTimeChangedAt: T0 - 10,
        },
      }),
    );
    return new SyncStore(new Table(doc, tableName));
  }

  it('the snapshot reads it at version 0, and a listing that changes its refresh token is applied', async () => {
    const sync = await storedAtVersionZero();
    const snapshot = (await sync.snapshot()).get(APPID);
    expect(snapshot?.version).toBe(0);
    const entry = {
      appId: APPID,
      refreshToken: sensitive('refreshtoken@@@new'),
      authTime: 1_700_000_000,
      fetchedAt: T0,
    };
    const applied = await sync.applyListed(entry, {
      expectedVersion: snapshot?.version ?? -1,
      refreshToken: true,
      authTime: false,
      activate: false,
      now: T0 + 1,
    });
    // Before the refactor: true (the item moved to version 1 with the listed token). Now: false, every time.
    expect(applied).toBe(true);
  });

  it('a complete listing that lacks it marks it absent, and two revoke it', async () => {
    const sync = await storedAtVersionZero();
    expect(await sync.markAbsent(APPID, 0, T0)).toBe(true);
    expect(await sync.revoke(APPID, 0, T0 + 1, T0)).toBe(true);
  });
});
