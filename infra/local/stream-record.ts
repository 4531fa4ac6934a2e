import { isDeepStrictEqual } from 'node:util';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

// Apart from event-stream.ts so that the types the package publishes for the local runtime never name
// aws-lambda (a devDependency): only this module's signature does, and no published signature imports it.

type Image = Record<string, AttributeValue>;

/** The record DynamoDB Streams makes for one key's write; `undefined` when the item did not change. */
export function streamRecord(
  pk: string,
  before: Image | undefined,
  after: Image | undefined,
  sequence: number,
): DynamoDBRecord | undefined {
  if (isDeepStrictEqual(before, after)) return undefined;
  const eventName = !after ? 'REMOVE' : before ? 'MODIFY' : 'INSERT';
  // aws-lambda's AttributeValue type is the same JSON as the SDK's.
  const image = (value: Image | undefined) => value as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  return {
    eventID: `local-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'local',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { pk: { S: pk } },
      ...(before ? { OldImage: image(before) } : {}),
      ...(after ? { NewImage: image(after) } : {}),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: Buffer.byteLength(JSON.stringify([before, after])),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
