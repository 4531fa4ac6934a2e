import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Change, Image } from '../../shared/events/index.js';

/** Test builders: authorizer and session images, and the changes (or stream records) between them. */

export const COMPONENT = 'wxcomponent0000001';
export const APP = 'wx1234567890abcdef';
export const PK = `AUTHORIZER#${APP}`;

let sequence = 1000;

export function change(oldImage: Image | undefined, newImage: Image | undefined, pk = PK): Change {
  return {
    eventName: !newImage ? 'REMOVE' : oldImage ? 'MODIFY' : 'INSERT',
    pk,
    oldImage,
    newImage,
    sequenceNumber: String(++sequence).padStart(21, '0'),
    approximateAt: 1_700_000_000_000,
  };
}

/** An authorizer item, as the registry writes it (tokens included: the derivation must not need them). */
export function authorizer(fields: Partial<Record<string, unknown>> = {}): Image {
  return {
    pk: PK,
    appId: APP,
    status: 'active',
    statusReason: 'authorized',
    refreshToken: 'refreshtoken@@@secret',
    accessToken: 'accesstoken-secret',
    authTime: 1_700_000_000,
    version: 1,
    revision: 1,
    refreshTokenChangedAt: 1_700_000_000_000,
    statusChangedAt: 1_700_000_001_000,
    authTimeChangedAt: 1_700_000_002_000,
    funcInfo: [1, 15],
    kind: 'official_account',
    nickName: 'Shop',
    principalName: 'Shop Ltd',
    ...fields,
  };
}

export function pending(fields: Partial<Record<string, unknown>> = {}): Image {
  return authorizer({
    status: 'refresh_token_invalid',
    statusReason: 'awaiting_exchange',
    refreshToken: '',
    funcInfo: undefined,
    kind: undefined,
    nickName: undefined,
    principalName: undefined,
    ...fields,
  });
}

export const SESSION = 'c2Vzc2lvbi1pZC0zMi1ieXRlcy1iYXNlNjR1cmwtLS0';
export const SESSION_PK = `ONBOARDING#${SESSION}`;

export function session(fields: Partial<Record<string, unknown>> = {}): Image {
  return {
    pk: SESSION_PK,
    sessionId: SESSION,
    via: 'page',
    kind: 'pc',
    returnUrl: 'https://platform.example/done',
    state: 'caller-state',
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_000_600_000,
    ttl: 1_700_100_000,
    revision: 1,
    ...fields,
  };
}

export function completed(fields: Partial<Record<string, unknown>> = {}): Image {
  return session({
    revision: 2,
    completedAt: 1_700_000_300_000,
    appId: APP,
    completedBy: 'push',
    authCodeHash: 'ab'.repeat(32),
    ...fields,
  });
}

/** The stream record DynamoDB Streams would deliver for a change (AttributeValue images). */
export function streamRecord(c: Change): DynamoDBRecord {
  const image = (value: Image | undefined) =>
    value
      ? (marshall(value, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'])
      : undefined;
  return {
    eventID: `id-${c.sequenceNumber}`,
    eventName: c.eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { pk: { S: c.pk } },
      ...(c.oldImage ? { OldImage: image(c.oldImage) } : {}),
      ...(c.newImage ? { NewImage: image(c.newImage) } : {}),
      SequenceNumber: c.sequenceNumber,
      ApproximateCreationDateTime: 1_700_000_000,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
