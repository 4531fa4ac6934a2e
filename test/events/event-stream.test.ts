import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createTable, LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { type LocalEvents, startLocalEvents, writtenKeys } from '../../infra/local/event-stream.js';
import { streamRecord } from '../../infra/local/stream-record.js';
import { silentLogger } from '../../shared/logger.js';
import { createDocumentClient } from '../../shared/store/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { APP, authorizer, COMPONENT, completed, PK, pending, SESSION_PK, session } from './changes.js';

const dynamo = useDynalite();
let tables = 0;
let opened: { doc: DynamoDBDocumentClient; local: LocalEvents }[] = [];

afterEach(async () => {
  for (const { doc, local } of opened) {
    await local.close();
    doc.destroy();
  }
  opened = [];
});

async function fresh() {
  const tableName = `events-${process.pid}-${++tables}`;
  await createTable(dynamo().endpoint, tableName);
  const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo().endpoint });
  const local = startLocalEvents({ doc, tableName, componentAppId: COMPONENT, logger: silentLogger });
  opened.push({ doc, local });
  const seen = async () => {
    await local.settled();
    return local.events().map((event) => [event['detail-type'], event.detail['revision']]);
  };
  return { tableName, doc, local, seen };
}

const put = (tableName: string, item: Record<string, unknown>) =>
  new PutCommand({ TableName: tableName, Item: JSON.parse(JSON.stringify(item)) as Record<string, unknown> });

describe('the local stream on dynalite', () => {
  it("each successful write's before and after, in order; failed and unchanged writes make nothing", async () => {
    const { tableName, doc, local, seen } = await fresh();
    await doc.send(put(tableName, pending()));
    expect(await seen()).toEqual([]);
    await doc.send(put(tableName, authorizer({ revision: 2 })));
    // A refused condition: no record.
    await expect(
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: PK },
          UpdateExpression: 'SET #s = :r ADD revision :one',
          ConditionExpression: '#s = :nope',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':r': 'revoked', ':nope': 'x', ':one': 1 },
        }),
      ),
    ).rejects.toThrow(/conditional/i);
    // A token write: a record, no event; a write that changes nothing: no record.
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: PK },
        UpdateExpression: 'SET accessToken = :t ADD revision :one',
        ExpressionAttributeValues: { ':t': 'fresh', ':one': 1 },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: PK },
        UpdateExpression: 'SET accessToken = :t',
        ExpressionAttributeValues: { ':t': 'fresh' },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: PK },
        UpdateExpression: 'SET #s = :r, statusReason = :why ADD revision :one',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':r': 'revoked', ':why': 'unauthorized_push', ':one': 1 },
      }),
    );
    await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: PK } }));
    await doc.send(put(tableName, session()));
    await doc.send(put(tableName, completed()));
    expect(await seen()).toEqual([
      ['Authorizer Authorized', 2],
      ['Authorizer Revoked', 4],
      ['Onboarding Completed', 2],
    ]);
    const [authorized] = local.events();
    expect(authorized).toMatchObject({
      source: 'wechat-authorizer-tokens',
      detail: {
        appId: APP,
        previousStatus: 'none',
        componentAppId: COMPONENT,
        eventId: `${PK}#2#Authorizer Authorized`,
      },
    });
    expect(JSON.stringify(local.events())).not.toContain('secret');
  });

  it('concurrent writes of one key: each record has exactly its write before and after', async () => {
    const { tableName, doc, local } = await fresh();
    await doc.send(put(tableName, authorizer({ funcInfo: [0], revision: 1 })));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: PK },
            UpdateExpression: 'SET funcInfo = :f ADD revision :one',
            ExpressionAttributeValues: { ':f': [i + 1], ':one': 1 },
          }),
        ),
      ),
    );
    await local.settled();
    const changes = local.events().filter((event) => event['detail-type'] === 'Authorizer Permissions Changed');
    expect(changes.map((event) => event.detail['revision'])).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    changes.forEach((event, index) => {
      const previous = index === 0 ? [0] : changes[index - 1]?.detail['funcInfo'];
      expect(event.detail['previousFuncInfo']).toEqual(previous);
    });
  });

  it('BatchWriteItem: a record per key, in the request order; writes of other tables are not seen', async () => {
    const { tableName, doc, seen } = await fresh();
    const other = `${tableName}-other`;
    await createTable(dynamo().endpoint, other);
    const second = { ...authorizer(), pk: 'AUTHORIZER#wx2', appId: 'wx2' };
    await doc.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [tableName]: [
            { PutRequest: { Item: marshall(authorizer(), { removeUndefinedValues: true }) } },
            { PutRequest: { Item: marshall(second, { removeUndefinedValues: true }) } },
          ],
        },
      }),
    );
    await doc.send(put(other, { ...authorizer(), pk: 'AUTHORIZER#wx3', appId: 'wx3' }));
    await seen();
    const { local } = opened[opened.length - 1] as { local: LocalEvents };
    expect(local.events().map((event) => event.detail['appId'])).toEqual([APP, 'wx2']);
  });

  it("a write DynamoDB applied but whose answer was lost: its record is made (AWS streams it), and the caller gets the write's error", async () => {
    const { tableName, doc, seen } = await fresh();
    // Below the stand-in (finalizeRequest): the Put reaches dynalite, then its answer is "lost".
    doc.middlewareStack.add(
      ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const result = await next(args);
        if (context.commandName === 'PutItemCommand')
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        return result;
      }) as never,
      { step: 'finalizeRequest', name: 'lostAnswer' },
    );
    await expect(doc.send(put(tableName, authorizer()))).rejects.toThrow(/hang up/);
    doc.middlewareStack.remove('lostAnswer');
    expect(await seen()).toEqual([['Authorizer Authorized', 1]]);
  });

  it('after close, writes are not seen', async () => {
    const { tableName, doc, local } = await fresh();
    await local.close();
    await doc.send(put(tableName, authorizer()));
    await local.settled();
    expect(local.events()).toEqual([]);
  });
});

describe('writtenKeys', () => {
  it('names the keys of every write command of the table, once each', () => {
    const key = (pk: string) => ({ pk: { S: pk } });
    expect(writtenKeys('PutItemCommand', { TableName: 't', Item: key('A') }, 't')).toEqual(['A']);
    expect(writtenKeys('UpdateItemCommand', { TableName: 't', Key: key('A') }, 't')).toEqual(['A']);
    expect(writtenKeys('DeleteItemCommand', { TableName: 'u', Key: key('A') }, 't')).toEqual([]);
    expect(writtenKeys('GetItemCommand', { TableName: 't', Key: key('A') }, 't')).toEqual([]);
    expect(
      writtenKeys(
        'TransactWriteItemsCommand',
        {
          TransactItems: [
            { Put: { TableName: 't', Item: key('B') } },
            { ConditionCheck: { TableName: 't', Key: key('C') } },
            { Delete: { TableName: 't', Key: key('B') } },
            { Update: { TableName: 't', Key: key(SESSION_PK) } },
          ],
        },
        't',
      ),
    ).toEqual(['B', SESSION_PK]);
  });
});

describe('streamRecord', () => {
  const image = { pk: { S: 'A' }, n: { N: '1' } };
  it('INSERT, MODIFY, REMOVE as DynamoDB Streams names them; none for an unchanged item', () => {
    expect(streamRecord('A', undefined, image, 1)?.eventName).toBe('INSERT');
    expect(streamRecord('A', image, { ...image, n: { N: '2' } }, 2)).toMatchObject({
      eventName: 'MODIFY',
      dynamodb: { OldImage: image, SequenceNumber: '000000000000000000002', StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(streamRecord('A', image, undefined, 3)?.eventName).toBe('REMOVE');
    expect(streamRecord('A', image, { n: { N: '1' }, pk: { S: 'A' } }, 4)).toBeUndefined();
    expect(streamRecord('A', undefined, undefined, 5)).toBeUndefined();
  });
});
