import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createEvents } from '../../functions/events/events.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { createLocalEventBus } from '../../infra/local/event-bus.js';
import { startLocalEvents } from '../../infra/local/event-stream.js';
import type { StreamRecord } from '../../shared/events/change.js';
import { silentLogger } from '../../shared/logger.js';
import { createDocumentClient, createTableInput, Table } from '../../shared/store/index.js';
import { conformanceBackends, useBackend } from '../support/dynamo-backends.js';
import { authorizer, COMPONENT, PK, pending, SESSION_PK, session } from './changes.js';

/**
 * The local stand-in against AWS's own DynamoDB Local, whose tables have real streams: the same writes,
 * made through the product's Table, give the same records (event name, keys, both images) on the real
 * stream as the stand-in makes, and the events function derives the same events from either.
 */

const onDynamoDbLocal = conformanceBackends().includes('dynamodb-local');

/** The DynamoDB Streams API of DynamoDB Local (JSON 1.0; @aws-sdk/client-dynamodb-streams is not a dependency). */
function streamsApi(endpoint: string) {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: LOCAL_CLIENT_CONFIG.region,
    credentials: LOCAL_CLIENT_CONFIG.credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (action: string, input: object): Promise<Record<string, unknown>> => {
    const body = JSON.stringify(input);
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${action}`,
      },
      body,
    });
    const signed = await signer.sign(request);
    const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${action}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
}

async function readStream(endpoint: string, streamArn: string, expected: number): Promise<DynamoDBRecord[]> {
  const call = streamsApi(endpoint);
  for (let attempt = 0; attempt < 50; attempt++) {
    const { StreamDescription } = (await call('DescribeStream', { StreamArn: streamArn })) as {
      StreamDescription: { Shards: { ShardId: string }[] };
    };
    const records: DynamoDBRecord[] = [];
    for (const { ShardId } of StreamDescription.Shards) {
      let { ShardIterator } = (await call('GetShardIterator', {
        StreamArn: streamArn,
        ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      })) as { ShardIterator?: string };
      while (ShardIterator) {
        const page = (await call('GetRecords', { ShardIterator })) as {
          Records: DynamoDBRecord[];
          NextShardIterator?: string;
        };
        records.push(...page.Records);
        ShardIterator = page.Records.length > 0 ? page.NextShardIterator : undefined;
      }
    }
    if (records.length >= expected) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the stream did not hold ${expected} records`);
}

/** What both must agree on: the kind of write, and the item before and after. */
const essence = (record: StreamRecord) => ({
  eventName: record.eventName,
  keys: record.dynamodb?.Keys,
  oldImage: record.dynamodb?.OldImage,
  newImage: record.dynamodb?.NewImage,
});

describe.runIf(onDynamoDbLocal)("the local stream against DynamoDB Local's real stream", () => {
  const backend = useBackend('dynamodb-local');

  it('the same records, and the same events from them', async () => {
    const { endpoint } = backend();
    const tableName = `events-conformance-${process.pid}`;
    const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
    const created = await client.send(
      new CreateTableCommand({
        ...createTableInput(tableName),
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    client.destroy();
    const streamArn = created.TableDescription?.LatestStreamArn;
    if (!streamArn) throw new Error('no stream');

    const doc = createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
    const emulated: StreamRecord[] = [];
    const local = startLocalEvents({
      doc,
      tableName,
      componentAppId: COMPONENT,
      logger: silentLogger,
      onRecords: (records) => emulated.push(...records),
    });
    const table = new Table(doc, tableName);
    const plain = (image: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(image)) as Record<string, unknown> & { pk: string };
    const step = (set: Record<string, unknown>, remove: string[] = []) =>
      table.update({ pk: PK }, { set, remove, increment: ['revision'] }, { expression: 'attribute_exists(#pk)' });

    expect(await table.putNew(plain(pending()))).toBe(true);
    expect(await table.putNew(plain(pending()))).toBe(false);
    const { pk: _pk, revision: _revision, ...exchanged } = plain(authorizer());
    await step(exchanged);
    await step({ accessToken: 'renewed', accessTokenExpiresAt: 5 });
    // A write that changes nothing (no revision either): DynamoDB writes no record for it.
    await table.update({ pk: PK }, { set: { accessToken: 'renewed' } }, { expression: 'attribute_exists(#pk)' });
    await step({ funcInfo: [1, 2, 15], infoChangedAt: 1_700_000_900_000 });
    await step({
      status: 'refresh_token_invalid',
      statusReason: 'refresh_token_refused',
      statusChangedAt: 1_700_001_000_000,
    });
    await step({ status: 'active', statusReason: 'listed', statusChangedAt: 1_700_002_000_000 });
    await step({ status: 'revoked', statusReason: 'unauthorized_push', statusChangedAt: 1_700_003_000_000 }, [
      'accessToken',
    ]);
    expect(await table.putNew(plain(session()))).toBe(true);
    await table.update(
      { pk: SESSION_PK },
      {
        set: {
          completedAt: 1_700_000_300_000,
          appId: 'wx1234567890abcdef',
          completedBy: 'redirect',
          authCodeHash: 'ab',
        },
        increment: ['revision'],
      },
      { expression: 'attribute_not_exists(#completedAt)' },
    );
    await local.settled();
    await local.close();
    doc.destroy();

    const real = await readStream(endpoint, streamArn, emulated.length);
    expect(real.map(essence)).toEqual(emulated.map(essence));

    const bus = createLocalEventBus();
    const handler = createEvents(() => ({
      componentAppId: COMPONENT,
      eventBusName: 'local',
      bus,
      logger: silentLogger,
    }));
    expect(await handler({ Records: real })).toEqual({ batchItemFailures: [] });
    const shape = (events: ReturnType<typeof bus.events>) =>
      events.map((event) => [event['detail-type'], event.detail]);
    expect(shape(bus.events())).toEqual(shape(local.events()));
    expect(bus.events().map((event) => event['detail-type'])).toEqual([
      'Authorizer Authorized',
      'Authorizer Permissions Changed',
      'Authorizer Refresh Token Refused',
      'Authorizer Healed',
      'Authorizer Revoked',
      'Onboarding Completed',
    ]);
  }, 60_000);
});
