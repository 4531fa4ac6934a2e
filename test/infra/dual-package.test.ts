import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it, vi } from 'vitest';

type HubReference = typeof import('../../infra/hub-reference.js');
type Construct = typeof import('../../infra/construct.js');

/** A fresh copy of the grant modules, as an app loading both the ES module and the CommonJS build has. */
async function freshCopy(): Promise<HubReference> {
  vi.resetModules();
  return await import('../../infra/hub-reference.js');
}

describe('two copies of the package in one process (its ES module and its CommonJS build)', () => {
  it("share one policy pack per role: a role granted through both copies gets each appid once, and the synth doesn't collide", async () => {
    const first = await freshCopy();
    const second = await freshCopy();
    expect(second.importHub).not.toBe(first.importHub);
    const stack = new Stack(new App(), 'Consumer', { env: { account: '123456789012', region: 'us-east-1' } });
    const role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const attrs = { componentAppId: 'wx0123456789abcdef', apiId: 'abcde12345' };
    first.importHub(stack, 'HubA', attrs).grantTokenRead(role, ['wx1111111111111111']);
    second.importHub(stack, 'HubB', attrs).grantTokenRead(role, ['wx1111111111111111', 'wx2222222222222222']);
    const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
    const text = JSON.stringify(policies);
    expect(Object.keys(policies)).toHaveLength(1);
    expect(text.match(/wx1111111111111111/g)).toHaveLength(1);
    expect(text.match(/wx2222222222222222/g)).toHaveLength(1);
  });

  it("see each other's hubs: two hubs of one component AppId, one from each copy, fail the synth", async () => {
    vi.resetModules();
    const first: Construct = await import('../../infra/construct.js');
    vi.resetModules();
    const second: Construct = await import('../../infra/construct.js');
    expect(second.WechatAuthorizerTokens).not.toBe(first.WechatAuthorizerTokens);
    const app = new App();
    const stack = new Stack(app, 'Hubs', { env: { account: '123456789012', region: 'us-east-1' } });
    new first.WechatAuthorizerTokens(stack, 'A', { componentAppId: 'wx0123456789abcdef' });
    new second.WechatAuthorizerTokens(stack, 'B', { componentAppId: 'wx0123456789abcdef' });
    expect(() => app.synth()).toThrow(/two hubs serve the component AppId wx0123456789abcdef/);
  });
});
