import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { GrantError } from '../../infra/errors.js';
import { importHub } from '../../infra/hub-reference.js';

const appIds = (count: number, length = 18) =>
  Array.from({ length: count }, (_, i) => `wx${i.toString(16).padStart(length - 2, '0')}`);

function consumer(managedPolicies = 1, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'Consumer');
  const role = new iam.Role(stack, 'Backend', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: Array.from({ length: managedPolicies }, (_, i) =>
      iam.ManagedPolicy.fromManagedPolicyArn(stack, `Existing${i}`, `arn:aws:iam::123456789012:policy/existing-${i}`),
    ),
  });
  const hub = importHub(stack, 'Hub', { componentAppId: 'wx0123456789abcdef', apiId: 'abcde12345' });
  return { app, stack, role, hub };
}

function tokenArns(stack: Stack): string[] {
  const resources = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  return Object.values(resources).flatMap((resource) =>
    (resource.Properties.PolicyDocument.Statement as { Resource: unknown }[]).flatMap((statement) =>
      [statement.Resource].flat().map((arn) => JSON.stringify(arn)),
    ),
  );
}

describe('the packing of token grants into managed policies', () => {
  it.each([
    [1, 1],
    [27, 1],
    [300, 6],
  ])('%i appids take %i managed policies, attached to the role', (count, expected) => {
    const { stack, role, hub } = consumer();
    hub.grantTokenRead(role, appIds(count));
    const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toHaveLength(expected);
    const roleRef = { Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) };
    for (const policy of Object.values(policies)) expect(policy.Properties.Roles).toEqual([roleRef]);
    expect(tokenArns(stack)).toHaveLength(count);
    // Nothing of the hub's grants in the role's inline policy.
    expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
  });

  it('collapses appids granted twice, across calls and hubs share the policies', () => {
    const { stack, role, hub } = consumer();
    hub.grantTokenRead(role, appIds(40));
    hub.grantTokenRead(role, appIds(60));
    const other = importHub(stack, 'Other', { componentAppId: 'wx0123456789abcdee', apiId: 'zyxwv98765' });
    other.grantTokenRead(role, appIds(2));
    expect(tokenArns(stack)).toHaveLength(62);
    expect(new Set(tokenArns(stack)).size).toBe(62);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))).toHaveLength(2);
  });

  it('returns a grant whose policy a resource can depend on', () => {
    const { role, hub } = consumer();
    const grant = hub.grantTokenRead(role, appIds(2));
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.flatMap((statement) => statement.resources)).toHaveLength(2);
  });
});

describe('a grant beyond what IAM can hold', () => {
  it("fails the synth, naming the role, when the role's managed policies would exceed the quota", () => {
    const { app, role, hub } = consumer(8);
    hub.grantTokenRead(role, appIds(300, 64));
    expect(() => app.synth()).toThrow(
      /Consumer\/Backend would have 17 managed policies attached, above IAM's quota of 10/,
    );
  });

  it('follows a raised quota given in the context', () => {
    const { app, role, hub } = consumer(8, { 'wechat-authorizer-tokens:managedPoliciesPerRole': 20 });
    hub.grantTokenRead(role, appIds(300, 64));
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a user granted more appids than its inline quota holds, and grants a few inline', () => {
    const { stack, hub } = consumer();
    const user = new iam.User(stack, 'Operator');
    hub.grantTokenRead(user, appIds(2));
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).toHaveLength(1);
    expect(() => hub.grantTokenRead(user, appIds(30))).toThrow(GrantError);
    expect(() => hub.grantTokenRead(user, appIds(30))).toThrow(/Consumer\/Operator is not an iam.Role/);
  });
});
