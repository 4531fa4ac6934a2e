import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokensStack } from '../../infra/stack.js';

// Review of issue 12 ("no behaviour change"): the construct now checks `componentAppId` against the
// authorizer appid rule at synth (infra/lambda-environment.ts, propProblems). Before, any non-empty value
// was deployed, and the Lambdas accept any non-empty COMPONENT_APPID (configFromEnv trims it). A
// component AppId that the functions ran with before now fails `cdk synth`.

function synth(componentAppId: string): Template {
  // No bundling: only the construct's validation is in question.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WechatAuthorizerTokensStack(app, 'Tokens', {
    componentAppId,
    env: { account: '123456789012', region: 'ap-east-1' },
  });
  return Template.fromStack(stack);
}

describe('the construct with a component AppId the Lambdas accept', () => {
  it.each([
    ['with a trailing space (the Lambdas trim COMPONENT_APPID)', 'wx0123456789abcdef '],
    ['with a dot', 'component.prod'],
  ])('synthesizes, %s', (_, componentAppId) => {
    expect(() => synth(componentAppId)).not.toThrow();
  });
});
