import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';
import { CONSOLE_HOSTS } from '../../infra/outputs.js';

// The findings of issue 13's review of the deployable construct that a template shows.

const COMPONENT = 'wx0123456789abcdef';
/** No bundling: only the template is in question. */
const noBundling = { context: { 'aws:cdk:bundling-stacks': [] } };
const env = { account: '123456789012', region: 'ap-east-1' };

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

function hubTemplate(props: Partial<ConstructorParameters<typeof WechatAuthorizerTokens>[2]> = {}) {
  const stack = new Stack(new App(noBundling), 'Hub', { env });
  const hub = new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: COMPONENT, ...props });
  return { stack, hub, template: Template.fromStack(stack) };
}

describe('the deployed hub, as the review of issue 13 asked', () => {
  let stack: Stack;
  let hub: WechatAuthorizerTokens;
  let template: Template;

  beforeAll(() => {
    ({ stack, hub, template } = hubTemplate());
  }, 60_000);

  it('retains the created secret, like the table: its AppSecret cannot be read again from WeChat', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Resource[];
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('sends a failed scheduled run to the FailedRuns queue once: a destination, no dead-letter queue too', () => {
    const queueRef = stack.resolve(hub.deadLetterQueue.queueArn);
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')) as Resource[];
    for (const name of ['sync', 'refresh'] as const) {
      const logicalId = stack.getLogicalId(hub.functions[name].node.defaultChild as never);
      expect(functions[logicalId]?.Properties['DeadLetterConfig'], name).toBeUndefined();
      const own = configs.filter((config) => JSON.stringify(config.Properties['FunctionName']).includes(logicalId));
      expect(own, name).toHaveLength(1);
      expect(own[0]?.Properties['DestinationConfig']).toEqual({ OnFailure: { Destination: queueRef } });
    }
    for (const fn of Object.values(functions)) expect(fn.Properties).not.toHaveProperty('DeadLetterConfig');
  });

  it("gives every function API Gateway invokes a timeout below HTTP API's 30-second integration limit", () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const integrated = Object.values(template.findResources('AWS::ApiGatewayV2::Integration')) as Resource[];
    expect(integrated.length).toBeGreaterThanOrEqual(2);
    for (const integration of integrated) {
      const [logicalId] =
        JSON.stringify(integration.Properties['IntegrationUri']).match(/[A-Za-z0-9]+Function[0-9A-F]{8}/) ?? [];
      expect(logicalId, JSON.stringify(integration.Properties['IntegrationUri'])).toBeDefined();
      const timeout = functions[logicalId as string]?.Properties['Timeout'];
      expect(timeout, logicalId).toBeTypeOf('number');
      expect(timeout as number, logicalId).toBeLessThan(30);
    }
  });

  it("names the secret's console page by the partition's console host (aws, aws-cn, aws-us-gov)", () => {
    const json = template.toJSON() as {
      Mappings: Record<string, Record<string, { host: string }>>;
      Outputs: Record<string, { Value: unknown }>;
    };
    const [mappingId, mapping] = Object.entries(json.Mappings).find(([id]) => id.includes('ConsoleHosts')) ?? [];
    expect(mapping).toEqual({
      aws: { host: 'console.aws.amazon.com' },
      'aws-cn': { host: 'console.amazonaws.cn' },
      'aws-us-gov': { host: 'console.amazonaws-us-gov.com' },
    });
    expect(Object.keys(CONSOLE_HOSTS)).toEqual(['aws', 'aws-cn', 'aws-us-gov']);
    const [, output] = Object.entries(json.Outputs).find(([id]) => id.startsWith('TokensSecretConsoleUrl')) ?? [];
    const value = JSON.stringify(output?.Value);
    expect(value).toContain(JSON.stringify({ 'Fn::FindInMap': [mappingId, { Ref: 'AWS::Partition' }, 'host'] }));
    expect(value).not.toContain('console.aws.amazon.com');
  });
});

describe('a secret imported with a customer KMS key', () => {
  it('lets each function decrypt with the key through Secrets Manager only (kms:ViaService)', () => {
    const stack = new Stack(new App(noBundling), 'Hub', { env });
    const key = kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:ap-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Secret', {
      secretCompleteArn: 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:wechat-component-AbCdEf',
      encryptionKey: key,
    });
    new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: COMPONENT, secret });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as Resource[];
    const kmsStatements = policies.flatMap((policy) =>
      ((policy.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement ?? []).filter(
        (statement) => JSON.stringify(statement['Action']).includes('kms:'),
      ),
    );
    // Every function that reads the secret (the events function does not: it calls neither WeChat nor the table).
    expect(kmsStatements).toHaveLength(5);
    for (const statement of kmsStatements) {
      expect(statement).toEqual({
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: key.keyArn,
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.ap-east-1.amazonaws.com' } },
      });
    }
  }, 60_000);
});

describe('a component AppId known only at deploy time', () => {
  it('fails the synth naming the prop and why it must be a literal, not an SSM error', () => {
    const app = new App(noBundling);
    const stack = new Stack(app, 'Hub', { env });
    const componentAppId = new CfnParameter(stack, 'ComponentAppId').valueAsString;
    new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId });
    expect(() => app.synth()).toThrow(
      /componentAppId must be a literal appid, not a value resolved at deploy time .*SSM parameters, its dashboard and its metrics' dimension/,
    );
  }, 60_000);
});
