import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import {
  type AuthorizerRecord,
  AuthorizerStore,
  authorizerKey,
  ComponentStore,
  dueShardOf,
  Table,
} from '../../shared/store/index.js';
import { SCHEDULED, STUCK_REQUEST_MS } from '../../shared/tokens/index.js';
import { acquireLease, commitStep } from '../../shared/tokens/renewal-protocol.js';
import { authorizerTokens } from '../support/renewal-harness.js';

// Where the wire is not the point: the shape of the conditional writes the renewal protocol is made of.
// Every step is one UpdateItem conditioned only on the version it was decided from; what the old
// acquire and commit checked in their conditions (active, lease free, the reason, the owner, the
// refresh token used) is now decided from the record as read, and the version makes the decision hold:
// any write in between (every write bumps the version) makes the step's write fail, and it is decided again.
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const table = () => new Table(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })), 'tokens');
const store = () => new AuthorizerStore(table());
const MARGIN = 15 * 60_000;

function item(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...authorizerKey('wx1'),
    appId: 'wx1',
    status: 'active',
    refreshToken: 'refresh',
    authTime: 1,
    refreshAt: 0,
    dueShard: dueShardOf('wx1'),
    version: 3,
    refreshTokenChangedAt: 0,
    statusChangedAt: 0,
    authTimeChangedAt: 0,
    ...extra,
  };
}

function sentUpdate() {
  const calls = dynamo.commandCalls(UpdateCommand);
  expect(calls).toHaveLength(1);
  return calls[0]?.args[0].input;
}

const acquireAt = (now: number) =>
  acquireLease(
    authorizerTokens(store(), 'wx1', () => now),
    {
      eligible: (record) => record.status === 'active',
      reason: SCHEDULED,
      now: () => now,
      newOwner: () => 'me',
      leaseMs: 30_000,
      waitMs: 0,
      pollMs: 1,
    },
  );

describe('the renewal protocol as conditional writes', () => {
  it('acquire: one UpdateItem on the version read, setting the lease and its due time, bumping the version', async () => {
    dynamo.on(GetCommand).resolves({ Item: item() });
    dynamo.on(UpdateCommand).resolves({
      Attributes: item({
        leaseOwner: 'me',
        leaseAcquiredAt: 1_000,
        leaseExpiresAt: 31_000,
        refreshAt: 31_000,
        version: 4,
      }),
    });
    expect(await acquireAt(1_000)).toMatchObject({ kind: 'leased', owner: 'me', record: { version: 4 } });
    const input = sentUpdate();
    expect(input?.Key).toEqual(authorizerKey('wx1'));
    expect(input?.ConditionExpression).toBe('#version = :expectedVersion');
    expect(input?.UpdateExpression).toBe(
      'SET #dueShard = :set_dueShard, #refreshAt = :set_refreshAt, #leaseOwner = :set_leaseOwner, #leaseAcquiredAt = :set_leaseAcquiredAt, ' +
        '#leaseExpiresAt = :set_leaseExpiresAt, #version = if_not_exists(#version, :inc_zero) + :inc_one, ' +
        '#revision = if_not_exists(#revision, :inc_zero) + :inc_one REMOVE #renewingSince',
    );
    expect(input?.ExpressionAttributeValues).toEqual({
      ':expectedVersion': 3,
      ':set_dueShard': dueShardOf('wx1'),
      ':set_refreshAt': 31_000,
      ':set_leaseOwner': 'me',
      ':set_leaseAcquiredAt': 1_000,
      ':set_leaseExpiresAt': 31_000,
      ':inc_zero': 0,
      ':inc_one': 1,
    });
    expect(Object.keys(input?.ExpressionAttributeNames ?? {}).sort()).toEqual(
      [
        '#dueShard',
        '#leaseAcquiredAt',
        '#leaseExpiresAt',
        '#leaseOwner',
        '#refreshAt',
        '#renewingSince',
        '#revision',
        '#version',
      ].sort(),
    );
    expect(input?.ReturnValues).toBe('ALL_NEW');
  });

  it("acquire over an abandoned lease: the same write records the dead holder's requests as doubt", async () => {
    dynamo.on(GetCommand).resolves({ Item: item({ leaseOwner: 'dead', leaseAcquiredAt: 500, leaseExpiresAt: 900 }) });
    dynamo
      .on(UpdateCommand)
      .resolves({ Attributes: item({ leaseOwner: 'me', leaseAcquiredAt: 1_000, leaseExpiresAt: 31_000, version: 4 }) });
    expect((await acquireAt(1_000)).kind).toBe('leased');
    const input = sentUpdate();
    expect(input?.ConditionExpression).toBe('#version = :expectedVersion');
    expect(input?.UpdateExpression).toMatch(/#doubtFrom = :set_doubtFrom, #doubtUntil = :set_doubtUntil/);
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':expectedVersion': 3,
      ':set_leaseOwner': 'me',
      ':set_doubtFrom': 500,
      ':set_doubtUntil': 900 + STUCK_REQUEST_MS,
    });
  });

  it('commit: on the version read, stores the token with its issue time and due time, clears lease and doubt, bumps the version', async () => {
    dynamo.on(GetCommand).resolves({
      Item: item({ leaseOwner: 'me', leaseAcquiredAt: 1_000, leaseExpiresAt: 31_000, refreshAt: 31_000, version: 4 }),
    });
    dynamo.on(UpdateCommand).resolves({ Attributes: item({ version: 5 }) });
    const record = (await store().get('wx1')) as AuthorizerRecord;
    const token = { token: sensitive('access'), expiresAt: 1_100 + 7_200_000, issuedAt: 1_100 };
    const step = commitStep(record, { owner: 'me', sentAt: 1_100, now: 1_200, unsettled: false }, token, MARGIN);
    expect(step.outcome).toBe('committed');
    expect(await store().write(record, step.change, { now: 1_200 })).toMatchObject({ version: 5 });
    const input = sentUpdate();
    expect(input?.ConditionExpression).toBe('#version = :expectedVersion');
    expect(input?.UpdateExpression).toBe(
      'SET #accessTokenChangedAt = :set_accessTokenChangedAt, #dueShard = :set_dueShard, #accessToken = :set_accessToken, ' +
        '#accessTokenExpiresAt = :set_accessTokenExpiresAt, #accessTokenIssuedAt = :set_accessTokenIssuedAt, #refreshAt = :set_refreshAt, ' +
        '#version = if_not_exists(#version, :inc_zero) + :inc_one, #revision = if_not_exists(#revision, :inc_zero) + :inc_one ' +
        'REMOVE #renewingSince, #leaseOwner, #leaseAcquiredAt, #leaseExpiresAt, #doubtFrom, #doubtUntil',
    );
    expect(input?.ExpressionAttributeValues).toEqual({
      ':expectedVersion': 4,
      ':set_accessTokenChangedAt': 1_200,
      ':set_dueShard': dueShardOf('wx1'),
      ':set_accessToken': 'access',
      ':set_accessTokenExpiresAt': 1_100 + 7_200_000,
      ':set_accessTokenIssuedAt': 1_100,
      ':set_refreshAt': 1_100 + 7_200_000 - MARGIN,
      ':inc_zero': 0,
      ':inc_one': 1,
    });
    // The refresh token is not written when the one that came back is the one stored.
    expect(input?.UpdateExpression).not.toMatch(/refreshToken/);
  });

  it('a rotated refresh token is written with its change time in the same write', async () => {
    dynamo
      .on(GetCommand)
      .resolves({ Item: item({ leaseOwner: 'me', leaseAcquiredAt: 1_000, leaseExpiresAt: 31_000, version: 4 }) });
    dynamo.on(UpdateCommand).resolves({ Attributes: item({ version: 5 }) });
    const record = (await store().get('wx1')) as AuthorizerRecord;
    const step = commitStep(
      record,
      { owner: 'me', sentAt: 1_100, now: 1_200, unsettled: false },
      { token: sensitive('a'), expiresAt: 9_000_000, issuedAt: 1_100 },
      MARGIN,
    );
    await store().write(record, step.change, { now: 1_200, refreshToken: sensitive('rotated') });
    const input = sentUpdate();
    expect(input?.ConditionExpression).toBe('#version = :expectedVersion');
    expect(input?.UpdateExpression).toMatch(
      /#refreshToken = :set_refreshToken, #refreshTokenChangedAt = :set_refreshTokenChangedAt/,
    );
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':set_refreshToken': 'rotated',
      ':set_refreshTokenChangedAt': 1_200,
    });
  });

  it('an item written before items carried a version is written only while it still has none', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { pk: 'COMPONENT#wxc', componentAppId: 'wxc', version: 1 } });
    const components = new ComponentStore(table());
    await components.write({ componentAppId: 'wxc', version: 0 }, { refreshAt: 5 });
    const input = sentUpdate();
    expect(input?.ConditionExpression).toBe('attribute_exists(#pk) AND attribute_not_exists(#version)');
    expect(input?.UpdateExpression).toBe(
      'SET #refreshAt = :set_refreshAt, #version = if_not_exists(#version, :inc_zero) + :inc_one REMOVE #renewingSince',
    );
  });

  it('a failed condition (the record moved) is an answer, undefined; anything else is thrown', async () => {
    const record = {
      ...item(),
      refreshToken: sensitive('refresh'),
      changedAt: { refreshToken: 0, status: 0, authTime: 0 },
    } as unknown as AuthorizerRecord;
    dynamo
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    expect(await store().write(record, { refreshAt: 1 }, { now: 1 })).toBeUndefined();
    dynamo.reset();
    dynamo
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(store().write(record, { refreshAt: 1 }, { now: 1 })).rejects.toThrow('throughput exceeded');
  });
});
