import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { HubAttributesError } from '../../infra/errors.js';
import { importHub, importHubFromParameters, parameterName } from '../../infra/hub-reference.js';

const COMPONENT = 'wx0123456789abcdef';
const APPID = 'wx1111111111111111';

function consumer(env = { account: '210987654321', region: 'eu-west-1' }) {
  const app = new App();
  const stack = new Stack(app, 'Consumer', { env });
  const role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, role };
}

/** Every resource ARN of the stack's policies (inline and managed), resolved as the template gives them. */
function grantedArns(stack: Stack): string[] {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<
      string,
      { Type: string; Properties: { PolicyDocument?: { Statement: { Resource: unknown }[] } } }
    >;
  };
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
    .flatMap((r) => r.Properties.PolicyDocument?.Statement ?? [])
    .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
    .map((arn) => JSON.stringify(stack.resolve(arn)));
}

describe('a hub imported by its attributes', () => {
  // The consumer is in the hub's account since issue 13's review: a grant from another account is refused
  // (an HTTP API has no resource policy; test/infra/cross-stack-grants.test.ts).
  it('grants the routes of its API id in the region and account it names', () => {
    const { stack, role } = consumer({ account: '123456789012', region: 'eu-west-1' });
    const hub = importHub(stack, 'Hub', {
      componentAppId: COMPONENT,
      apiId: 'abcde12345',
      region: 'ap-east-1',
      account: '123456789012',
    });
    hub.grantTokenRead(role, [APPID]);
    hub.grantComponentToken(role);
    hub.grantList(role);
    const arns = grantedArns(stack).join('\n');
    expect(arns).toContain(`:execute-api:ap-east-1:123456789012:abcde12345/$default/*/authorizers/${APPID}/token*`);
    expect(arns).toContain(':execute-api:ap-east-1:123456789012:abcde12345/$default/GET/component/token');
    expect(arns).toContain(':execute-api:ap-east-1:123456789012:abcde12345/$default/GET/authorizers"');
    expect(arns).not.toContain('eu-west-1');
    expect(stack.resolve(hub.url)).toEqual({
      'Fn::Join': ['', ['https://abcde12345.execute-api.ap-east-1.', { Ref: 'AWS::URLSuffix' }]],
    });
  });

  it("defaults to the importing stack's region and account", () => {
    const { stack, role } = consumer();
    importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: 'abcde12345' }).grantTokenRead(role, [APPID]);
    expect(grantedArns(stack).join('\n')).toContain(':execute-api:eu-west-1:210987654321:abcde12345/$default/');
  });

  it.each([
    ['a component appid with a wildcard', { componentAppId: 'wx*', apiId: 'abcde12345' }],
    ['an API id that is not one', { componentAppId: COMPONENT, apiId: 'abc/*' }],
  ])('refuses %s', (_, attrs) => {
    const { stack } = consumer();
    expect(() => importHub(stack, 'Hub', attrs)).toThrow(HubAttributesError);
  });
});

describe('a hub imported from its SSM parameters', () => {
  it('reads the API id from the api-id parameter at deploy time and grants its routes', () => {
    const { stack, role } = consumer();
    const hub = importHubFromParameters(stack, 'Hub', COMPONENT);
    hub.grantTokenRead(role, [APPID]);
    const template = Template.fromStack(stack).toJSON() as {
      Parameters: Record<string, { Type: string; Default: string }>;
    };
    const ssmParameters = Object.entries(template.Parameters).filter(
      ([, p]) => p.Type.startsWith('AWS::SSM::Parameter::Value') && p.Default.startsWith('/wechat-authorizer-tokens/'),
    );
    expect(ssmParameters).toHaveLength(1);
    const [parameterId, parameter] = ssmParameters[0] ?? ['', { Default: '' }];
    expect(parameter.Default).toBe(parameterName(COMPONENT, 'api-id'));
    expect(parameter.Default).toBe(`/wechat-authorizer-tokens/${COMPONENT}/api-id`);
    const arns = grantedArns(stack).join('\n');
    expect(arns).toContain(`{"Ref":"${parameterId}"}`);
    expect(arns).toContain(`/$default/*/authorizers/${APPID}/token*`);
    expect(arns).toContain(':execute-api:eu-west-1:210987654321:');
  });

  it('refuses a component appid that is not one', () => {
    const { stack } = consumer();
    expect(() => importHubFromParameters(stack, 'Hub', '../x')).toThrow(HubAttributesError);
  });
});
