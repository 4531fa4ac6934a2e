import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/checks.js';
import { WechatAuthorizerTokens } from '../../infra/construct.js';

// Two third-party platforms served from one stack: each hub its own table, secret, functions, API,
// alarms, outputs and parameters, nothing shared by name.
const COMPONENTS = ['wx0123456789abcdef', 'wxfedcba9876543210'] as const;

/**
 * The property that is a resource's physical name, for each type whose name AWS requires unique in an
 * account and region (a duplicate fails the deploy, not the synth).
 */
const PHYSICAL_NAMES: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::Events::Rule': 'Name',
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Outputs = Record<string, { Export?: { Name: unknown } }>;

describe('two hubs (two component AppIds) in one stack', () => {
  let stack: Stack;
  let hubs: WechatAuthorizerTokens[];
  let resources: Resources;
  let outputs: Outputs;

  beforeAll(() => {
    // No bundling: the names and cdk-nag's findings do not depend on the bundles.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new Stack(app, 'TwoHubs', { env: { account: '123456789012', region: 'ap-east-1' } });
    hubs = COMPONENTS.map(
      (componentAppId, index) => new WechatAuthorizerTokens(stack, `Hub${index}`, { componentAppId }),
    );
    addNagChecks(app);
    // Synthesis runs cdk-nag (AwsSolutions + Serverless): an unacknowledged finding throws here.
    app.synth();
    const template = Template.fromStack(stack).toJSON() as { Resources: Resources; Outputs: Outputs };
    resources = template.Resources;
    outputs = template.Outputs;
  }, 120_000);

  it('has every resource of the one-hub stack twice', () => {
    const count = (type: string) => Object.values(resources).filter((resource) => resource.Type === type).length;
    expect(count('AWS::DynamoDB::Table')).toBe(2);
    expect(count('AWS::SecretsManager::Secret')).toBe(2);
    expect(count('AWS::Lambda::Function')).toBe(12);
    expect(count('AWS::ApiGatewayV2::Api')).toBe(2);
    expect(count('AWS::SNS::Topic')).toBe(2);
  });

  it('gives no two resources the same physical name (those set at all)', () => {
    const seen = new Map<string, string>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      const property = PHYSICAL_NAMES[resource.Type];
      const name = property === undefined ? undefined : resource.Properties?.[property];
      if (name === undefined) continue;
      const key = `${resource.Type} ${JSON.stringify(stack.resolve(name))}`;
      expect(seen.get(key), `${logicalId} and ${seen.get(key)}: ${key}`).toBeUndefined();
      seen.set(key, logicalId);
    }
    // The parameters are named, so the check above is not vacuous: seven or six per hub.
    expect([...seen.keys()].filter((key) => key.startsWith('AWS::SSM::Parameter')).length).toBeGreaterThanOrEqual(12);
  });

  it("names each hub's parameters by its own component AppId", () => {
    const names = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::SSM::Parameter')
      .map((resource) => String(resource.Properties?.['Name']));
    for (const componentAppId of COMPONENTS) {
      const own = names.filter((name) => name.startsWith(`/wechat-authorizer-tokens/${componentAppId}/`));
      expect(own.length, componentAppId).toBe(names.length / 2);
    }
  });

  it('has each output once per hub, none exported, and each hub its own URLs', () => {
    const callbackOutputs = Object.keys(outputs).filter((id) => /^Hub\dCallbackUrl[0-9A-F]{8}$/.test(id));
    expect(callbackOutputs).toHaveLength(2);
    const exportNames = Object.values(outputs).flatMap((value) =>
      value.Export ? [JSON.stringify(value.Export.Name)] : [],
    );
    expect(new Set(exportNames).size).toBe(exportNames.length);
    const [first, second] = hubs.map((hub) => JSON.stringify(stack.resolve(hub.callbackUrl)));
    expect(first).not.toEqual(second);
  });

  it('gives no two dashboards the same name (when the hubs have dashboards)', () => {
    const dashboards = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard')
      .map((resource) => JSON.stringify(stack.resolve(resource.Properties?.['DashboardName'] ?? null)));
    const named = dashboards.filter((name) => name !== 'null');
    expect(new Set(named).size).toBe(named.length);
  });
});
