import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';
import { CrossAccountGrantError, CrossRegionGrantError, GrantError } from '../../infra/errors.js';
import { importHub, parameterName } from '../../infra/hub-reference.js';

const COMPONENT = 'wx0123456789abcdef';
const APPIDS = ['wx1111111111111111', 'wx2222222222222222'];
/** No bundling: only the templates are in question. */
const noBundling = { context: { 'aws:cdk:bundling-stacks': [] } };
const HUB_ENV = { account: '123456789012', region: 'ap-east-1' };
/** The API id the test gives the consumer's SSM parameter, as CloudFormation would resolve it. */
const FAKE_API_ID = 'abcde12345';

type Template_ = {
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs?: Record<string, { Export?: unknown }>;
};

/** Every `{"Ref": "<parameter>"}` of the template's SSM parameters replaced by the value CloudFormation would give. */
function resolveParameters(template: Template_, values: Record<string, string>): string {
  let text = JSON.stringify({ Resources: template.Resources, Outputs: template.Outputs });
  for (const [id, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = parameter.Default === undefined ? undefined : values[parameter.Default];
    if (value !== undefined) text = text.replaceAll(JSON.stringify({ Ref: id }), JSON.stringify(value));
  }
  return text;
}

function twoStacks(consumerEnv: { account: string; region: string } = HUB_ENV) {
  const app = new App(noBundling);
  const hubStack = new Stack(app, 'HubStack', { env: HUB_ENV });
  const hub = new WechatAuthorizerTokens(hubStack, 'Tokens', { componentAppId: COMPONENT });
  const consumer = new Stack(app, 'Consumer', { env: consumerEnv });
  const role = new iam.Role(consumer, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { app, hubStack, hub, consumer, role };
}

describe('a hub granted from another stack of the same app', () => {
  it('names the API by the api-id parameter in the consumer: no export, no import, exactly the appids', () => {
    const { app, hubStack, hub, consumer, role } = twoStacks();
    hub.grantTokenRead(role, APPIDS);
    hub.grantList(role);
    new CfnOutput(consumer, 'TokenApiUrl', { value: hub.urlFor(consumer) });
    const assembly = app.synth();
    const consumerTemplate = assembly.getStackByName('Consumer').template as Template_;
    const hubTemplate = assembly.getStackByName('HubStack').template as Template_;

    expect(JSON.stringify(consumerTemplate)).not.toContain('Fn::ImportValue');
    for (const output of Object.values(hubTemplate.Outputs ?? {})) expect(output).not.toHaveProperty('Export');
    const ssm = Object.values(consumerTemplate.Parameters ?? {}).filter((p) =>
      p.Default?.startsWith('/wechat-authorizer-tokens/'),
    );
    expect(ssm.map((p) => p.Default)).toEqual([parameterName(COMPONENT, 'api-id')]);
    // The parameter exists when the consumer is deployed: the consumer is deployed after the hub.
    expect(consumer.dependencies).toContain(hubStack);

    const resolved = resolveParameters(consumerTemplate, { [parameterName(COMPONENT, 'api-id')]: FAKE_API_ID });
    // Each ARN is an Fn::Join whose API id piece is followed by the route's resource name.
    const arns = [...resolved.matchAll(/"abcde12345","\/([^"]*)"/g)].map((match) => match[1]);
    expect(arns.sort()).toEqual(
      [...APPIDS.map((appId) => `$default/*/authorizers/${appId}/token*`), '$default/GET/authorizers'].sort(),
    );
    expect(resolved).toContain(`"https://","${FAKE_API_ID}",".execute-api.ap-east-1."`);
  }, 60_000);

  it('keeps url and grants in the hub stack as they were (the API id by reference)', () => {
    const { hubStack, hub } = twoStacks();
    const role = new iam.Role(hubStack, 'Local', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    hub.grantTokenRead(role, APPIDS);
    expect(JSON.stringify(hubStack.resolve(hub.url))).toContain(JSON.stringify(hubStack.resolve(hub.apiId)));
    const parameters = (Template.fromStack(hubStack).toJSON() as Template_).Parameters ?? {};
    expect(Object.values(parameters).filter((p) => p.Default?.startsWith('/wechat-authorizer-tokens/'))).toEqual([]);
  }, 60_000);

  it('refuses a consumer stack of another region, naming fromAttributes', () => {
    const { hub, role } = twoStacks({ account: HUB_ENV.account, region: 'eu-west-1' });
    expect(() => hub.grantTokenRead(role, APPIDS)).toThrow(CrossRegionGrantError);
    expect(() => hub.grantTokenRead(role, APPIDS)).toThrow(/fromAttributes/);
  }, 60_000);
});

describe('a grant from another account', () => {
  it('is refused for a hub imported by attributes of another account: an HTTP API has no resource policy', () => {
    const stack = new Stack(new App(), 'Consumer', { env: { account: '210987654321', region: 'ap-east-1' } });
    const role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const hub = importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: FAKE_API_ID, account: '123456789012' });
    expect(() => hub.grantTokenRead(role, APPIDS)).toThrow(CrossAccountGrantError);
    expect(() => hub.grantComponentToken(role)).toThrow(/assume/);
    expect(() => hub.grantList(role)).toThrow(CrossAccountGrantError);
  });

  it('is refused from a stack of another account in the same app', () => {
    const { hub, role } = twoStacks({ account: '210987654321', region: HUB_ENV.region });
    expect(() => hub.grantTokenRead(role, APPIDS)).toThrow(CrossAccountGrantError);
  }, 60_000);

  it('is allowed when either account is not known at synth (an environment-agnostic stack)', () => {
    const stack = new Stack(new App(), 'Consumer');
    const role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const hub = importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: FAKE_API_ID, account: '123456789012' });
    expect(() => hub.grantTokenRead(role, APPIDS)).not.toThrow();
  });

  it("is refused for an imported role of another account, by the principal's account", () => {
    // The role's stack is in the hub's account; only its ARN names account 999999999999. CDK makes such an
    // import immutable, so the grant used to add nothing and say nothing.
    const stack = new Stack(new App(), 'Consumer', { env: HUB_ENV });
    const hub = importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: FAKE_API_ID });
    const foreign = iam.Role.fromRoleArn(stack, 'Foreign', 'arn:aws:iam::999999999999:role/x');
    expect(() => hub.grantTokenRead(foreign, APPIDS)).toThrow(CrossAccountGrantError);
    expect(() => hub.grantTokenReadAll(foreign)).toThrow(/999999999999/);
    expect(() => hub.grantComponentToken(foreign)).toThrow(CrossAccountGrantError);
    expect(() => hub.grantList(foreign)).toThrow(CrossAccountGrantError);
  });

  it('is refused from a consumer stack of the app for a role of another account', () => {
    const { hub, consumer } = twoStacks();
    const foreign = iam.Role.fromRoleArn(consumer, 'Foreign', 'arn:aws:iam::999999999999:role/x');
    expect(() => hub.grantTokenRead(foreign, APPIDS)).toThrow(CrossAccountGrantError);
  }, 60_000);
});

describe('a grant that could not be added', () => {
  function importedRole(options: iam.FromRoleArnOptions) {
    const stack = new Stack(new App(), 'Consumer', { env: HUB_ENV });
    const hub = importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: FAKE_API_ID });
    return {
      stack,
      hub,
      role: iam.Role.fromRoleArn(stack, 'Imported', `arn:aws:iam::${HUB_ENV.account}:role/x`, options),
    };
  }

  it('is refused for an immutable role of the hub account, naming mutable: true', () => {
    const { hub, role } = importedRole({ mutable: false });
    expect(() => hub.grantTokenRead(role, APPIDS)).toThrow(GrantError);
    expect(() => hub.grantList(role)).toThrow(/mutable: true/);
    expect(() => hub.grantComponentToken(role)).toThrow(GrantError);
  });

  it('is refused when the principal reports that no statement was added', () => {
    const { hub, role } = importedRole({ mutable: false, addGrantsToResources: true });
    expect(() => hub.grantTokenReadAll(role)).toThrow(GrantError);
  });

  it('is added to a mutable imported role of the hub account', () => {
    const { stack, hub, role } = importedRole({});
    hub.grantTokenRead(role, APPIDS);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    expect(JSON.stringify(stack.resolve(policies))).toContain(
      `${FAKE_API_ID}/$default/*/authorizers/${APPIDS[0]}/token*`,
    );
  });
});
