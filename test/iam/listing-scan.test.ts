// Issue 14, point 5: the getter's Scan (GET /authorizers) could read whole items, refresh tokens
// included. Its role now allows a Scan of the listing's attributes only, with Select SPECIFIC_ATTRIBUTES;
// evaluated by an IAM simulator on the synthesized template's policies.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../infra/construct.js';
import { LOCAL_CLIENT_CONFIG } from '../../infra/local/dynamo.js';
import { sensitive } from '../../shared/sensitive.js';
import { AuthorizerStore, createDocumentClient, listAuthorizers, Table } from '../../shared/store/index.js';
import {
  AUTHORIZER_LISTING_ATTRIBUTES,
  AUTHORIZER_RECORD,
  AUTHORIZER_SNAPSHOT,
} from '../../shared/store/items/authorizer.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { freshTable } from '../support/dynamo-backends.js';
import type { RolePolicies } from '../support/iam/role-policies.js';
import { SdkRecorder } from '../support/iam/sdk-recorder.js';
import { type Decision, decide } from '../support/iam/simulate.js';
import { HUB_DEPLOYMENT, synthesizeHub } from '../support/iam/synth-hub.js';

/** `FC_SEED=<seed>` replays a failed run (fast-check prints its seed on failure). */
const seed = process.env['FC_SEED'] === undefined ? {} : { seed: Number(process.env['FC_SEED']) };

describe("the getter's Scan: the listing's attributes only", () => {
  const dynamo = useDynalite();
  const roles = new Map<FunctionName, RolePolicies>();
  let tableArn = '';
  let tableName = '';
  beforeAll(() => {
    const synthesized = synthesizeHub();
    for (const fn of ['getter', 'sync', 'refresh'] as const) roles.set(fn, synthesized.functionPolicies(fn));
    tableName = synthesized.functionEnvironment('getter')['TABLE_NAME'] ?? '';
    tableArn = `arn:aws:dynamodb:${HUB_DEPLOYMENT.region}:${HUB_DEPLOYMENT.account}:table/${tableName}`;
  });
  const role = (fn: FunctionName): RolePolicies => {
    const found = roles.get(fn);
    if (!found) throw new Error(`no role for ${fn}`);
    return found;
  };
  const scan = (fn: FunctionName, context: Record<string, string | string[]>): Promise<Decision> =>
    decide(role(fn), { action: 'dynamodb:Scan', resource: tableArn, context });
  const listing = [...AUTHORIZER_LISTING_ATTRIBUTES];

  it('names no token: the shown fields and the key its filter reads', () => {
    // Issue 15 added the registry's summary fields (kind, names, permission sets): still no token.
    expect([...listing].sort()).toEqual([
      'accessTokenExpiresAt',
      'appId',
      'authTime',
      'funcInfo',
      'kind',
      'nickName',
      'pk',
      'principalName',
      'status',
    ]);
  });

  it("allows the listing's attributes with Select SPECIFIC_ATTRIBUTES, and refuses a refresh token, ALL_ATTRIBUTES or no Select", async () => {
    const specific = 'SPECIFIC_ATTRIBUTES';
    expect(await scan('getter', { 'dynamodb:Attributes': listing, 'dynamodb:Select': specific })).toBe('Allowed');
    expect(await scan('getter', { 'dynamodb:Attributes': ['pk', 'appId'], 'dynamodb:Select': specific })).toBe(
      'Allowed',
    );
    expect(
      await scan('getter', { 'dynamodb:Attributes': [...listing, 'refreshToken'], 'dynamodb:Select': specific }),
    ).toBe('ImplicitlyDenied');
    expect(await scan('getter', { 'dynamodb:Attributes': listing, 'dynamodb:Select': 'ALL_ATTRIBUTES' })).toBe(
      'ImplicitlyDenied',
    );
    expect(await scan('getter', { 'dynamodb:Attributes': listing, 'dynamodb:Select': 'COUNT' })).toBe(
      'ImplicitlyDenied',
    );
    // Without Select: a Scan that projects nothing (DynamoDB's ALL_ATTRIBUTES); StringEquals, not IfExists.
    expect(await scan('getter', { 'dynamodb:Attributes': listing })).toBe('ImplicitlyDenied');
    expect(await scan('getter', {})).toBe('ImplicitlyDenied');
  });

  it('allows a Scan of any set of the item attributes exactly when every one of them is the listing’s', async () => {
    const every = [...new Set([...AUTHORIZER_RECORD.attributes, ...AUTHORIZER_SNAPSHOT.attributes, 'pk'])];
    await fc.assert(
      fc.asyncProperty(fc.subarray(every, { minLength: 1 }), async (attributes) => {
        const decision = await scan('getter', {
          'dynamodb:Attributes': attributes,
          'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
        });
        const shown = attributes.every((attribute) => listing.includes(attribute));
        expect(decision, attributes.join(',')).toBe(shown ? 'Allowed' : 'ImplicitlyDenied');
      }),
      { numRuns: 200, ...seed },
    );
  });

  it("allows the listing's own request as it is sent (its projection, filter and start key, Select said)", async () => {
    const { tableName: local, doc: plain } = await freshTable(dynamo());
    plain.destroy();
    const recorder = new SdkRecorder(HUB_DEPLOYMENT);
    const doc = recorder.record(
      createDocumentClient({ ...LOCAL_CLIENT_CONFIG, endpoint: dynamo().endpoint }),
      'getter',
      'dynamodb',
    );
    try {
      const table = new Table(doc, local);
      const store = new AuthorizerStore(table);
      for (const appId of ['wx1111111111111111', 'wx2222222222222222', 'wx3333333333333333'])
        await store.create({ appId, refreshToken: sensitive(`refresh-${appId}`), authTime: 1, now: 1 });
      const first = await listAuthorizers(table, { limit: 1 });
      expect(first.nextCursor).not.toBeNull();
      await listAuthorizers(table, { limit: 5, cursor: first.nextCursor ?? undefined });
    } finally {
      doc.destroy();
    }
    const scans = recorder.calls.filter((call) => call.action === 'dynamodb:Scan');
    expect(scans.length).toBeGreaterThanOrEqual(2);
    for (const call of scans) {
      expect(call.context).toEqual({
        'dynamodb:Attributes': [...listing].sort(),
        'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
      });
      // The recorder saw the local table's name; the role is checked on the template's.
      expect(await decide(role('getter'), { ...call, resource: tableArn })).toBe('Allowed');
    }
  });

  it('leaves the sync and the refresh their whole-item Scans (they compare refresh tokens), and the getter its GetItem', async () => {
    const whole = { 'dynamodb:Attributes': ['pk', 'appId', 'refreshToken'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' };
    expect(await scan('sync', whole)).toBe('Allowed');
    expect(await scan('refresh', whole)).toBe('Allowed');
    expect(await scan('sync', { 'dynamodb:Select': 'ALL_ATTRIBUTES' })).toBe('Allowed');
    // A renewal the getter starts reads the refresh token with GetItem: granted without conditions.
    expect(await decide(role('getter'), { action: 'dynamodb:GetItem', resource: tableArn })).toBe('Allowed');
  });
});
