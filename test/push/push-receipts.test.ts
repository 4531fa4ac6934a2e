import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PushReceipts, Table } from '../../shared/store/index.js';
import { conformanceBackends, freshTable, useBackend } from '../support/dynamo-backends.js';
import { tableDump } from '../support/push-attacker.js';

// The receipts of handled pushes (shared/store/push-receipts.ts) on both backends: neither deletes an
// expired item when the tests look (dynalite has no TTL; DynamoDB's runs up to days late), so the end
// of the window must be read from the item itself.

describe.each(conformanceBackends())('push receipts, on %s', (kind) => {
  const backend = useBackend(kind);
  let doc: DynamoDBDocumentClient;
  let tableName: string;
  let receipts: PushReceipts;
  beforeEach(async () => {
    ({ doc, tableName } = await freshTable(backend()));
    receipts = new PushReceipts(new Table(doc, tableName));
  });
  afterEach(() => doc.destroy());

  const id = 'a'.repeat(64);
  const T = 1_800_000_000_000;

  it('a push is handled from its receipt until the end of its window, and not at or after it, though the item stays', async () => {
    expect(await receipts.handled(id, T)).toBe(false);
    await receipts.remember(id, T, T + 660_000);
    expect(await receipts.handled(id, T)).toBe(true);
    expect(await receipts.handled(id, T + 659_999)).toBe(true);
    expect(await receipts.handled(id, T + 660_000)).toBe(false);
    expect(await tableDump(doc, tableName)).toContain(`PUSH#${id}`);
    expect(await receipts.handled('b'.repeat(64), T)).toBe(false);
  });

  it('a live receipt is not extended by a second delivery; an expired one is written anew', async () => {
    await receipts.remember(id, T, T + 660_000);
    await receipts.remember(id, T + 1_000, T + 1_000 + 660_000);
    expect(await receipts.handled(id, T + 660_000)).toBe(false);
    await receipts.remember(id, T + 700_000, T + 700_000 + 660_000);
    expect(await receipts.handled(id, T + 1_000_000)).toBe(true);
    const [item] = JSON.parse(await tableDump(doc, tableName));
    // The time to live, in unix seconds, a minute after the window: for DynamoDB to drop it some day.
    expect(item).toEqual({ pk: `PUSH#${id}`, expiresAt: T + 1_360_000, ttl: (T + 1_360_000) / 1000 + 60 });
  });
});
