import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';
import { HUB_PARAMETERS, parameterName } from '../../infra/hub-reference.js';
import { ROUTES } from '../../shared/api/routes.js';
import { componentSecretTemplate } from '../../shared/secrets.js';

const COMPONENT = 'wx0123456789abcdef';
/** No bundling: only the template's outputs, parameters and secret are in question. */
const noBundling = { context: { 'aws:cdk:bundling-stacks': [] } };

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

describe('where a deployed hub is: outputs, SSM parameters, url and callbackUrl', () => {
  let stack: Stack;
  let hub: WechatAuthorizerTokens;
  let outputs: Record<string, { Value: unknown; Description: string }>;
  let resources: Resources;

  beforeAll(() => {
    stack = new Stack(new App(noBundling), 'Hub', { env: { account: '123456789012', region: 'ap-east-1' } });
    hub = new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: COMPONENT });
    const template = Template.fromStack(stack).toJSON() as { Outputs: typeof outputs; Resources: Resources };
    outputs = template.Outputs;
    resources = template.Resources;
  }, 60_000);

  /** The output whose construct id is `id` (its logical id is the hub's path, then the id, then a hash). */
  const output = (id: string) => {
    const found = Object.entries(outputs).filter(([logicalId]) =>
      new RegExp(`^Tokens${id}[0-9A-F]{8}$`).test(logicalId),
    );
    expect(found, id).toHaveLength(1);
    return found[0]?.[1];
  };

  it('callbackUrl is the callback route under url, and url is the API of the $default stage', () => {
    // The host name API Gateway gives the API (its ApiEndpoint attribute), written out from the API's id.
    const apiRef = stack.resolve(hub.api.apiId);
    expect(stack.resolve(hub.url)).toEqual({
      'Fn::Join': ['', ['https://', apiRef, '.execute-api.ap-east-1.', { Ref: 'AWS::URLSuffix' }]],
    });
    expect(stack.resolve(hub.callbackUrl)).toEqual({
      'Fn::Join': ['', ['https://', apiRef, '.execute-api.ap-east-1.', { Ref: 'AWS::URLSuffix' }, '/wechat/callback']],
    });
    expect(ROUTES.wechatCallback.path).toBe('/wechat/callback');
  });

  it('outputs the API URL, the callback URL (naming the WeChat field), the secret, the alarm topic and the table', () => {
    expect(output('ApiUrl')?.Value).toEqual(stack.resolve(hub.url));
    expect(output('ApiId')?.Value).toEqual(stack.resolve(hub.api.apiId));
    expect(output('CallbackUrl')?.Value).toEqual(stack.resolve(hub.callbackUrl));
    expect(output('CallbackUrl')?.Description).toContain('授权事件接收URL');
    expect(output('SecretArn')?.Value).toEqual(stack.resolve(hub.secret.secretArn));
    expect(output('AlarmTopicArn')?.Value).toEqual(stack.resolve(hub.alarmTopic.topicArn));
    expect(output('TableName')?.Value).toEqual(stack.resolve(hub.table.tableName));
    // The console's host is the partition's (a mapping on AWS::Partition since issue 13's review).
    expect(JSON.stringify(output('SecretConsoleUrl')?.Value)).toContain('/secretsmanager/secret?name=');
    expect(JSON.stringify(output('SecretConsoleUrl')?.Value)).toContain('{"Ref":"AWS::Partition"}');
    expect(JSON.stringify(output('FillSecretCommand')?.Value)).toContain(
      'aws secretsmanager put-secret-value --secret-id ',
    );
    // No export names: an export would pin the hub to every stack that imports it.
    for (const value of Object.values(outputs)) expect(value).not.toHaveProperty('Export');
  });

  it('writes one String parameter per key under /wechat-authorizer-tokens/<componentAppId>/, holding what the outputs say', () => {
    const parameters = Object.values(resources).filter((resource) => resource.Type === 'AWS::SSM::Parameter');
    const byName = Object.fromEntries(
      parameters.map((parameter) => [parameter.Properties['Name'], parameter.Properties]),
    );
    const keys = HUB_PARAMETERS;
    expect(Object.keys(byName).sort()).toEqual(keys.map((key) => parameterName(COMPONENT, key)).sort());
    expect(Object.keys(byName)).toContain('/wechat-authorizer-tokens/wx0123456789abcdef/callback-url');
    for (const parameter of parameters) expect(parameter.Properties['Type']).toBe('String');
    const value = (key: (typeof keys)[number]) => byName[parameterName(COMPONENT, key)]?.['Value'];
    expect(value('api-id')).toEqual(stack.resolve(hub.api.apiId));
    expect(value('api-url')).toEqual(output('ApiUrl')?.Value);
    expect(value('callback-url')).toEqual(output('CallbackUrl')?.Value);
    expect(value('secret-arn')).toEqual(output('SecretArn')?.Value);
    expect(value('alarm-topic-arn')).toEqual(output('AlarmTopicArn')?.Value);
    expect(value('table-name')).toEqual(output('TableName')?.Value);
    expect(value('event-bus-arn')).toEqual(output('EventBusArn')?.Value);
    expect(value('event-bus-arn')).toEqual(stack.resolve(hub.eventBus.eventBusArn));
    expect(value('dashboard-name')).toEqual(stack.resolve(hub.dashboard?.dashboardName));
  });

  it('creates the secret as the JSON template to fill: the component AppId, every credential empty', () => {
    const secrets = Object.values(resources).filter((resource) => resource.Type === 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(1);
    const body = JSON.parse(String(secrets[0]?.Properties['SecretString'])) as Record<string, string>;
    expect(body).toEqual(componentSecretTemplate(COMPONENT));
    expect(body).toEqual({ componentAppId: COMPONENT, componentAppSecret: '', messageToken: '', encodingAesKey: '' });
    // Pinned to the character: a change of this literal makes CloudFormation write the empty template over
    // the credentials filled in after the first deploy, on the next update.
    expect(secrets[0]?.Properties['SecretString']).toBe(
      '{"componentAppId":"wx0123456789abcdef","componentAppSecret":"","messageToken":"","encodingAesKey":""}',
    );
    expect(secrets[0]?.Properties).not.toHaveProperty('GenerateSecretString');
  });

  it('a secret given in the props is used as it is: no secret created, its ARN output', () => {
    const other = new Stack(new App(noBundling), 'Given');
    const given = secretsmanager.Secret.fromSecretCompleteArn(
      other,
      'Given',
      'arn:aws:secretsmanager:ap-east-1:123456789012:secret:wechat-component-AbCdEf',
    );
    new WechatAuthorizerTokens(other, 'Tokens', { componentAppId: COMPONENT, secret: given });
    const template = Template.fromStack(other);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(template.toJSON().Outputs)).toContain('secret:wechat-component-AbCdEf');
  });
});

describe('another app imports the hub by what it publishes', () => {
  it('fromParameters reads the api-id parameter the hub writes; fromAttributes names the same API', () => {
    const app = new App(noBundling);
    const env = { account: '123456789012', region: 'ap-east-1' };
    const hubStack = new Stack(app, 'Hub', { env });
    new WechatAuthorizerTokens(hubStack, 'Tokens', { componentAppId: COMPONENT });
    const consumer = new Stack(app, 'Consumer', { env });
    const imported = WechatAuthorizerTokens.fromParameters(consumer, 'Hub', COMPONENT);
    const byAttributes = WechatAuthorizerTokens.fromAttributes(consumer, 'ByAttributes', {
      componentAppId: COMPONENT,
      apiId: 'abcde12345',
    });
    const written = Object.values(Template.fromStack(hubStack).findResources('AWS::SSM::Parameter')).map(
      (parameter) => parameter['Properties']['Name'],
    );
    const read = Object.values(
      Template.fromStack(consumer).toJSON()['Parameters'] as Record<string, { Default?: string }>,
    )
      .map((parameter) => parameter.Default)
      .filter((name) => name?.startsWith('/wechat-authorizer-tokens/'));
    expect(read).toEqual([parameterName(COMPONENT, 'api-id')]);
    expect(written).toContain(read[0]);
    expect(imported.componentAppId).toBe(COMPONENT);

    expect(consumer.resolve(byAttributes.url)).toEqual({
      'Fn::Join': ['', ['https://abcde12345.execute-api.ap-east-1.', { Ref: 'AWS::URLSuffix' }]],
    });
  }, 60_000);
});

describe('the component AppId names the parameters, so it must be an appid', () => {
  it.each([
    ['with a trailing space', 'wx0123456789abcdef '],
    ['with a slash (a parameter path of its own)', 'wx01/evil'],
    ['with a dot', 'component.prod'],
  ])(
    'the synth fails, %s, naming the prop and the rule',
    (_, componentAppId) => {
      const app = new App(noBundling);
      new WechatAuthorizerTokens(new Stack(app, 'Bad'), 'Tokens', { componentAppId });
      expect(() => app.synth()).toThrow(
        `componentAppId ${JSON.stringify(componentAppId)} is not an appid (an appid is 1 to 64 letters, digits, _ or -)`,
      );
    },
    60_000,
  );
});
