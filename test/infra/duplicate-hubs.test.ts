import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';

// Two hubs of the same component AppId would write the same SSM parameters and dashboard: CloudFormation
// refuses the second at deploy, after a synth that passed. The synth fails instead, naming both.

const COMPONENT = 'wx0123456789abcdef';
/** No bundling: only the construct's validation is in question. */
const noBundling = { context: { 'aws:cdk:bundling-stacks': [] } };

describe('two hubs of the same component AppId in one app', () => {
  it('fail the synth when in one stack, naming both construct paths', () => {
    const app = new App(noBundling);
    const stack = new Stack(app, 'Hubs', { env: { account: '123456789012', region: 'ap-east-1' } });
    new WechatAuthorizerTokens(stack, 'First', { componentAppId: COMPONENT });
    new WechatAuthorizerTokens(stack, 'Second', { componentAppId: COMPONENT });
    expect(() => app.synth()).toThrow(/Hubs\/First and Hubs\/Second/);
  }, 60_000);

  it('fail the synth in two stacks of the same account and region, or of an environment not known', () => {
    for (const props of [{ env: { account: '123456789012', region: 'ap-east-1' } }, {}]) {
      const app = new App(noBundling);
      new WechatAuthorizerTokens(new Stack(app, 'One', props), 'Tokens', { componentAppId: COMPONENT });
      new WechatAuthorizerTokens(new Stack(app, 'Two', props), 'Tokens', { componentAppId: COMPONENT });
      expect(() => app.synth()).toThrow(
        /two hubs serve the component AppId wx0123456789abcdef .*One\/Tokens and Two\/Tokens/,
      );
    }
  }, 60_000);

  it('synthesize in two known regions, and with two component AppIds in one stack', () => {
    const app = new App(noBundling);
    for (const region of ['ap-east-1', 'ap-southeast-1']) {
      new WechatAuthorizerTokens(new Stack(app, region, { env: { account: '123456789012', region } }), 'Tokens', {
        componentAppId: COMPONENT,
      });
    }
    const stack = new Stack(app, 'Two', { env: { account: '123456789012', region: 'eu-west-1' } });
    new WechatAuthorizerTokens(stack, 'First', { componentAppId: COMPONENT });
    new WechatAuthorizerTokens(stack, 'Second', { componentAppId: 'wxfedcba9876543210' });
    expect(() => app.synth()).not.toThrow();
  }, 60_000);
});
