import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, NestedStack, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';

// A hub and its grantee that deploy together (one stack, or nested stacks of one top-level stack) name the
// API by reference: CDK passes it as a nested stack's parameter or output. Reading the api-id SSM parameter
// there instead fails: a nested stack cannot depend on its parent, and a parent reads an SSM parameter at
// change-set creation, before its nested stack has written it on the first deploy.

const COMPONENT = 'wx0123456789abcdef';
const APPIDS = ['wx1111111111111111'];
/** No bundling: only the templates are in question. */
const noBundling = { context: { 'aws:cdk:bundling-stacks': [] } };
const ENV = { account: '123456789012', region: 'ap-east-1' };

type Template_ = { Parameters?: Record<string, { Type: string; Default?: string }> };

/** The template's parameters that read one of the hub's SSM parameters. */
function hubParameters(template: unknown): string[] {
  return Object.values((template as Template_).Parameters ?? {})
    .map((p) => p.Default ?? '')
    .filter((name) => name.startsWith('/wechat-authorizer-tokens/'));
}

function role(scope: Stack, id = 'Backend'): iam.Role {
  return new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

describe('a grantee in a nested stack of the hub stack', () => {
  it('synthesizes, the API id passed as a nested-stack parameter (no SSM parameter, no dependency)', () => {
    const app = new App(noBundling);
    const hubStack = new Stack(app, 'HubStack', { env: ENV });
    const hub = new WechatAuthorizerTokens(hubStack, 'Tokens', { componentAppId: COMPONENT });
    const nested = new NestedStack(new NestedStack(hubStack, 'Outer'), 'Inner');
    hub.grantTokenRead(role(nested), APPIDS);
    new CfnOutput(nested, 'Url', { value: hub.urlFor(nested) });
    const assembly = app.synth();
    expect(hubParameters(assembly.getStackByName('HubStack').template)).toEqual([]);
    expect(hubParameters(nestedTemplate(assembly, nested))).toEqual([]);
  }, 60_000);
});

describe('a hub in a nested stack', () => {
  it('granted from its parent: synthesizes and the parent reads no SSM parameter of the hub', () => {
    const app = new App(noBundling);
    const parent = new Stack(app, 'Parent', { env: ENV });
    const hub = new WechatAuthorizerTokens(new NestedStack(parent, 'HubNested'), 'Tokens', {
      componentAppId: COMPONENT,
    });
    hub.grantTokenRead(role(parent), APPIDS);
    hub.grantList(role(parent, 'Lister'));
    new CfnOutput(parent, 'Url', { value: hub.urlFor(parent) });
    const assembly = app.synth();
    const template = assembly.getStackByName('Parent').template;
    expect(hubParameters(template)).toEqual([]);
    // The API id comes from the nested stack's output, which CloudFormation resolves after creating it.
    expect(JSON.stringify(template)).toMatch(/"Fn::GetAtt":\["HubNested[^"]*","Outputs\.[^"]*"\]/);
  }, 60_000);

  it('granted from a sibling nested stack: synthesizes and the sibling reads no SSM parameter', () => {
    const app = new App(noBundling);
    const parent = new Stack(app, 'Parent', { env: ENV });
    const hub = new WechatAuthorizerTokens(new NestedStack(parent, 'HubNested'), 'Tokens', {
      componentAppId: COMPONENT,
    });
    const sibling = new NestedStack(parent, 'Consumers');
    hub.grantTokenRead(role(sibling), APPIDS);
    const assembly = app.synth();
    expect(hubParameters(assembly.getStackByName('Parent').template)).toEqual([]);
    expect(hubParameters(nestedTemplate(assembly, sibling))).toEqual([]);
  }, 60_000);
});

/** A nested stack's template as synthesized (an asset file of the assembly). */
function nestedTemplate(assembly: ReturnType<App['synth']>, nested: NestedStack): unknown {
  return JSON.parse(readFileSync(join(assembly.directory, nested.templateFile), 'utf8'));
}
