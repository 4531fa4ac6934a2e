// The template reader the IAM tests stand on: every place CloudFormation attaches a role's policies,
// and the intrinsics resolved to concrete ARNs, on a template written by hand.
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../support/iam/resolve.js';
import { TemplatePolicies } from '../support/iam/role-policies.js';

const statement = (Action: string, Resource: unknown) => ({ Statement: [{ Effect: 'Allow', Action, Resource }] });

const TEMPLATE: CfnTemplate = {
  Resources: {
    Table: { Type: 'AWS::DynamoDB::Table' },
    Secret: { Type: 'AWS::SecretsManager::Secret' },
    Api: { Type: 'AWS::ApiGatewayV2::Api' },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        ManagedPolicyArns: [
          { Ref: 'Managed' },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] },
        ],
        Policies: [
          { PolicyName: 'inline', PolicyDocument: statement('secretsmanager:GetSecretValue', { Ref: 'Secret' }) },
        ],
      },
    },
    Other: { Type: 'AWS::IAM::Role' },
    Attached: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'Role' }],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's own placeholders
        PolicyDocument: statement('dynamodb:Query', { 'Fn::Sub': '${Table.Arn}/index/due' }),
      },
    },
    OfTheOther: {
      Type: 'AWS::IAM::Policy',
      Properties: { Roles: [{ Ref: 'Other' }], PolicyDocument: statement('dynamodb:DeleteItem', '*') },
    },
    Managed: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: statement('execute-api:Invoke', {
          'Fn::Sub': [
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's own placeholders
            'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Id}/$default/GET/x',
            { Id: { Ref: 'Api' } },
          ],
        }),
      },
    },
    ManagedByRoles: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: statement('dynamodb:GetItem', { 'Fn::GetAtt': ['Table', 'Arn'] }),
      },
    },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
  },
};

describe('the template policy reader', () => {
  const reader = new TemplatePolicies(TEMPLATE, { account: '111122223333', region: 'eu-west-1', stackName: 'S' });
  const table = reader.ids.getAtt('Table', 'Arn');

  it("collects a role's policies from AWS::IAM::Policy, AWS::IAM::ManagedPolicy (by Roles and by ManagedPolicyArns) and its inline Policies, resolved", () => {
    const role = reader.rolePolicies(reader.functionRole('Fn'));
    const granted = role.policies.map(({ name, policy }) => [
      name,
      policy.Statement[0]?.Action,
      policy.Statement[0]?.Resource,
    ]);
    expect(granted).toEqual([
      ['Attached', 'dynamodb:Query', `${table}/index/due`],
      ['ManagedByRoles', 'dynamodb:GetItem', table],
      [
        'Managed',
        'execute-api:Invoke',
        `arn:aws:execute-api:eu-west-1:111122223333:${reader.ids.ref('Api')}/$default/GET/x`,
      ],
      ['Role/inline', 'secretsmanager:GetSecretValue', reader.ids.ref('Secret')],
    ]);
    expect(role.external).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(role.roleArn).toMatch(/^arn:aws:iam::111122223333:role\/S-Role-/);
  });

  it('gives each resource a concrete, deterministic physical id of its type', () => {
    expect(table).toMatch(/^arn:aws:dynamodb:eu-west-1:111122223333:table\/S-Table-[0-9A-F]{12}$/);
    expect(reader.ids.ref('Secret')).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:111122223333:secret:Secret-[0-9a-f]{6}$/,
    );
    expect(reader.ids.ref('Api')).toMatch(/^[0-9a-f]{10}$/);
    expect(new TemplatePolicies(TEMPLATE, reader.deployment).ids.getAtt('Table', 'Arn')).toBe(table);
  });

  it('refuses an intrinsic it does not know rather than leaving a policy half resolved', () => {
    expect(() => reader.resolve({ 'Fn::If': ['Cond', 'a', 'b'] })).toThrow(/Fn::If/);
    expect(() => reader.resolve({ Ref: 'Missing' })).toThrow(/Missing/);
  });
});
