// Issue 15's functions against their roles, as IAM would evaluate them (iam-simulate on the synthesized
// template's resolved policies): the onboarding function writes the table's items and reads the secret,
// and nothing more; the events function publishes to the hub's bus and reads nothing else: no table
// action, no secret, no other bus.
import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RolePolicies } from '../support/iam/role-policies.js';
import { actionsGrantedOn, decide } from '../support/iam/simulate.js';
import { HUB_DEPLOYMENT, type SynthesizedHub, synthesizeHub } from '../support/iam/synth-hub.js';

describe("the onboarding and events functions' roles, evaluated by an IAM simulator", () => {
  let synthesized: SynthesizedHub;
  let onboarding: RolePolicies;
  let events: RolePolicies;
  let tableArn = '';
  let secretArn = '';
  let busArn = '';
  const { region, account } = HUB_DEPLOYMENT;

  beforeAll(() => {
    synthesized = synthesizeHub();
    onboarding = synthesized.functionPolicies('onboarding');
    events = synthesized.functionPolicies('events');
    const { ids } = synthesized.policies;
    const id = (construct: { node: { defaultChild?: unknown } }) =>
      synthesized.stack.getLogicalId(construct.node.defaultChild as CfnElement);
    tableArn = ids.getAtt(id(synthesized.hub.table), 'Arn');
    secretArn = ids.ref(id(synthesized.hub.secret as unknown as { node: { defaultChild?: unknown } }));
    busArn = ids.getAtt(id(synthesized.hub.eventBus as unknown as { node: { defaultChild?: unknown } }), 'Arn');
  }, 120_000);

  const allowed = async (role: RolePolicies, action: string, resource: string) =>
    (await decide(role, { action, resource })) === 'Allowed';

  it('onboarding: GetItem, PutItem, UpdateItem on the table (sessions, pre-auth codes, the exchange), and no other table action', async () => {
    for (const action of ['GetItem', 'PutItem', 'UpdateItem'])
      expect(await allowed(onboarding, `dynamodb:${action}`, tableArn), action).toBe(true);
    for (const action of ['Scan', 'Query', 'DeleteItem', 'BatchWriteItem', 'BatchGetItem'])
      expect(await allowed(onboarding, `dynamodb:${action}`, tableArn), action).toBe(false);
    expect(actionsGrantedOn(onboarding, tableArn).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it("onboarding: the component's secret (its token and WeChat's calls), GetSecretValue only", async () => {
    expect(await allowed(onboarding, 'secretsmanager:GetSecretValue', secretArn)).toBe(true);
    expect(await allowed(onboarding, 'secretsmanager:DescribeSecret', secretArn)).toBe(false);
    expect(await allowed(onboarding, 'secretsmanager:PutSecretValue', secretArn)).toBe(false);
  });

  // The resolver (test/support/iam/resolve.ts) gives an event bus no `event-bus/` ARN, which iam-simulate
  // refuses as a request's resource: the bus's own statement is read from the template, and the
  // simulator asked about real bus ARNs that no statement names.
  const publishing = (role: RolePolicies) =>
    role.policies
      .flatMap(({ policy }) => policy.Statement)
      .filter((statement) => [statement.Action].flat().some((action) => String(action).startsWith('events:')));

  it('onboarding: never publishes events (the stream does, after the write)', async () => {
    expect(publishing(onboarding)).toEqual([]);
    expect(await allowed(onboarding, 'events:PutEvents', `arn:aws:events:${region}:${account}:event-bus/default`)).toBe(
      false,
    );
  });

  it("events: events:PutEvents on the hub's bus, and no other bus", async () => {
    expect(publishing(events).map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
      { Action: 'events:PutEvents', Resource: busArn },
    ]);
    for (const other of ['default', 'platform-events'])
      expect(await allowed(events, 'events:PutEvents', `arn:aws:events:${region}:${account}:event-bus/${other}`)).toBe(
        false,
      );
  });

  it('events: no table action and no secret: it reads the stream only', async () => {
    for (const action of ['GetItem', 'PutItem', 'UpdateItem', 'Scan', 'Query', 'DeleteItem'])
      expect(await allowed(events, `dynamodb:${action}`, tableArn), action).toBe(false);
    expect(await allowed(events, 'secretsmanager:GetSecretValue', secretArn)).toBe(false);
    // ListStreams takes no resource ARN (the event source grants it on *): it lists streams' ARNs, no item.
    expect(actionsGrantedOn(events, tableArn)).toEqual(['dynamodb:ListStreams']);
  });

  it("events: the stream's read actions on the table's stream, as the event source grants them", () => {
    const statements = events.policies.flatMap(({ policy }) => policy.Statement);
    const streamStatement = statements.find((statement) => [statement.Action].flat().includes('dynamodb:GetRecords'));
    expect([streamStatement?.Action].flat().sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(String([streamStatement?.Resource].flat()[0])).toContain('StreamArn');
  });

  it("the getter: GetItem on the whole item (GET /authorizers/{appid} reads the account's attributes), Scan only under the listing's condition", async () => {
    const getter = synthesized.functionPolicies('getter');
    expect(await allowed(getter, 'dynamodb:GetItem', tableArn)).toBe(true);
    expect(
      await decide(getter, {
        action: 'dynamodb:Scan',
        resource: tableArn,
        context: { 'dynamodb:Attributes': ['pk', 'refreshToken'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      }),
    ).not.toBe('Allowed');
  });
});
