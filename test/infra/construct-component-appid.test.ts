import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokensStack } from '../../infra/stack.js';

// Review of issue 12 found that the construct deployed every non-empty component AppId, since the Lambdas
// accept one (configFromEnv trims it). Issue 13 made the component AppId name the hub's SSM parameters
// (`/wechat-authorizer-tokens/<componentAppId>/…`) and the key other apps import the hub by, so it now
// follows the appid rule of shared/appid.ts at synth: a trailing space or a dot, which synthesized before,
// now fails the synth, naming the prop and the rule (issue 13's decision, recorded here).

function synth(componentAppId: string): Template {
  // No bundling: only the construct's validation is in question.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WechatAuthorizerTokensStack(app, 'Tokens', {
    componentAppId,
    env: { account: '123456789012', region: 'ap-east-1' },
  });
  return Template.fromStack(stack);
}

describe('the construct and its component AppId', () => {
  it.each([
    ["WeChat's form", 'wx0123456789abcdef'],
    ["a simulator's or a test's", 'sim_component-1'],
  ])('synthesizes with an appid of %s', (_, componentAppId) => {
    expect(() => synth(componentAppId)).not.toThrow();
  });

  it.each([
    ['with a trailing space (the Lambdas would trim COMPONENT_APPID)', 'wx0123456789abcdef '],
    ['with a dot', 'component.prod'],
  ])('refuses one %s: it could not name the parameters', (_, componentAppId) => {
    expect(() => synth(componentAppId)).toThrow(/componentAppId ".*" is not an appid \(an appid is 1 to 64/);
  });
});
