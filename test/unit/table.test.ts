import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive';
import { AuthorizerStore, Table } from '../../shared/store';

// Where the wire is not the point: the shape of the conditional writes the lease is made of.
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

function store(): AuthorizerStore {
  return new AuthorizerStore(new Table(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })), 'tokens'));
}

describe('the lease as conditional writes', () => {
  it('acquire: one UpdateItem conditioned on active, lease free, and the reason or a stored token not to trust', async () => {
    dynamo.on(UpdateCommand).resolves({});
    await store().acquireRenewal('wx1', { owner: 'me', now: 1_000, leaseMs: 60_000, reason: { kind: 'due', expiringBefore: 2_000 } });
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe(
      '#status = :active AND attribute_exists(#pk) AND (attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now) AND ' +
        '(#leaseExpiresAt < :now OR #renewingSince <= :trustFloor OR ' +
        '(attribute_not_exists(#accessTokenExpiresAt) OR #accessTokenExpiresAt <= :expiringBefore))',
    );
    expect(input?.UpdateExpression).toBe(
      'SET #leaseOwner = :set_leaseOwner, #leaseAcquiredAt = :set_leaseAcquiredAt, #leaseExpiresAt = :set_leaseExpiresAt, ' +
        '#refreshAt = :set_refreshAt, #renewingSince = if_not_exists(#renewingSince, :ifm_renewingSince)',
    );
    expect(input?.ExpressionAttributeValues).toEqual({
      ':active': 'active',
      ':now': 1_000,
      ':trustFloor': 1_000 - 240_000,
      ':expiringBefore': 2_000,
      ':ifm_renewingSince': 1_000,
      ':set_leaseOwner': 'me',
      ':set_leaseAcquiredAt': 1_000,
      ':set_leaseExpiresAt': 61_000,
      ':set_refreshAt': 61_000,
    });
    expect(Object.keys(input?.ExpressionAttributeNames ?? {}).sort()).toEqual(
      ['#accessTokenExpiresAt', '#leaseAcquiredAt', '#leaseExpiresAt', '#leaseOwner', '#pk', '#refreshAt', '#renewingSince', '#status'].sort(),
    );
  });

  it('commit: fenced by the owner, clears the lease and bumps the version in the same write', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: {} });
    const token = sensitive('refresh');
    await store().commitRenewal('wx1', 'me', {
      accessToken: { token: sensitive('access'), expiresAt: 9 },
      refreshToken: token,
      refreshTokenUsed: token,
      refreshAt: 5,
      now: 1,
    });
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('#leaseOwner = :owner AND #status = :active AND #refreshToken = :used');
    expect(input?.UpdateExpression).toMatch(/#version = if_not_exists\(#version, :inc_zero\) \+ :inc_one/);
    expect(input?.UpdateExpression).toMatch(/REMOVE #leaseOwner, #leaseAcquiredAt, #leaseExpiresAt, #renewingSince$/);
    expect(input?.UpdateExpression).not.toMatch(/refreshTokenChangedAt/);
  });

  it('a failed condition is an answer, not an error; anything else is thrown', async () => {
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    expect(await store().acquireRenewal('wx1', { owner: 'me', now: 1, leaseMs: 1, reason: { kind: 'due', expiringBefore: 1 } })).toBeUndefined();
    dynamo.reset();
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(store().acquireRenewal('wx1', { owner: 'me', now: 1, leaseMs: 1, reason: { kind: 'due', expiringBefore: 1 } })).rejects.toThrow(
      'throughput exceeded',
    );
  });
});
