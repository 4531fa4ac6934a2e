import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MalformedStreamRecordError } from './errors.js';

/** An item as the derivation reads it: plain values (unmarshalled), nothing checked yet. */
export type Image = Readonly<Record<string, unknown>>;

/**
 * One write of the table as the change stream reports it (NEW_AND_OLD_IMAGES): the item before and
 * after. The images carry every attribute, tokens included: the derivation reads only the attributes it
 * names, and nothing here is ever logged.
 */
export interface Change {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly pk: string;
  readonly oldImage?: Image | undefined;
  readonly newImage?: Image | undefined;
  /** The stream record's sequence number: what a failure is reported by, and stable across retries. */
  readonly sequenceNumber: string;
  /** Epoch ms of the stream record (DynamoDB gives it in seconds): the fallback time of an event. */
  readonly approximateAt?: number | undefined;
}

/**
 * What is read of a DynamoDB Streams record: aws-lambda's DynamoDBRecord has these fields. Declared here,
 * structurally, so that the package's published types (the local runtime's stand-in stream) need no
 * aws-lambda, which is a devDependency.
 */
export interface StreamRecord {
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE' | undefined;
  readonly dynamodb?:
    | {
        readonly SequenceNumber?: string | undefined;
        readonly ApproximateCreationDateTime?: number | undefined;
        readonly Keys?: Readonly<Record<string, unknown>> | undefined;
        readonly OldImage?: Readonly<Record<string, unknown>> | undefined;
        readonly NewImage?: Readonly<Record<string, unknown>> | undefined;
      }
    | undefined;
}

/** A record of the Lambda's DynamoDBStreamEvent, unmarshalled. */
export function changeOfRecord(record: StreamRecord): Change {
  const stream = record.dynamodb;
  const sequenceNumber = stream?.SequenceNumber;
  const eventName = record.eventName;
  if (!stream || !sequenceNumber || !eventName)
    throw new MalformedStreamRecordError('no dynamodb, sequence number or eventName');
  const oldImage = imageOf(stream.OldImage);
  const newImage = imageOf(stream.NewImage);
  const keys = imageOf(stream.Keys);
  const pk = keys?.['pk'] ?? newImage?.['pk'] ?? oldImage?.['pk'];
  if (typeof pk !== 'string') throw new MalformedStreamRecordError('no string pk');
  const seconds = stream.ApproximateCreationDateTime;
  return {
    eventName,
    pk,
    oldImage,
    newImage,
    sequenceNumber,
    approximateAt: typeof seconds === 'number' ? seconds * 1000 : undefined,
  };
}

function imageOf(image: Readonly<Record<string, unknown>> | undefined): Image | undefined {
  if (!image) return undefined;
  // The Lambda event's AttributeValue (aws-lambda's type) is the same JSON as the SDK's.
  return unmarshall(image as Record<string, AttributeValue>, { wrapNumbers: false });
}

/** A string attribute, or `undefined` for anything else. */
export function text(image: Image | undefined, name: string): string | undefined {
  const value = image?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** A number attribute, or `undefined` for anything else. */
export function numberOf(image: Image | undefined, name: string): number | undefined {
  const value = image?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A list (or number set) of whole numbers, ascending and unique; `undefined` if absent or not one. */
export function numberList(image: Image | undefined, name: string): number[] | undefined {
  const value = image?.[name];
  const entries = value instanceof Set ? [...value] : Array.isArray(value) ? value : undefined;
  if (!entries?.every((entry): entry is number => typeof entry === 'number' && Number.isFinite(entry)))
    return undefined;
  return [...new Set(entries)].sort((a, b) => a - b);
}
