import { App, Stack, Stage } from 'aws-cdk-lib';
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

  it('synthesize in two environment-agnostic Stages (one assembly each, deployed with different profiles)', () => {
    const app = new App(noBundling);
    for (const name of ['Dev', 'Prod']) {
      new WechatAuthorizerTokens(new Stack(new Stage(app, name), 'Hub'), 'Tokens', { componentAppId: COMPONENT });
    }
    expect(() => app.synth()).not.toThrow();
  }, 60_000);

  it('fail the synth in two Stages of the same known account and region', () => {
    const app = new App(noBundling);
    for (const name of ['Dev', 'Prod']) {
      const stage = new Stage(app, name, { env: { account: '123456789012', region: 'ap-east-1' } });
      new WechatAuthorizerTokens(new Stack(stage, 'Hub'), 'Tokens', { componentAppId: COMPONENT });
    }
    expect(() => app.synth()).toThrow(/Dev\/Hub\/Tokens and Prod\/Hub\/Tokens/);
  }, 60_000);

  it('synthesize in two Stages when one environment is not known', () => {
    const app = new App(noBundling);
    const known = new Stage(app, 'Prod', { env: { account: '123456789012', region: 'ap-east-1' } });
    new WechatAuthorizerTokens(new Stack(known, 'Hub'), 'Tokens', { componentAppId: COMPONENT });
    new WechatAuthorizerTokens(new Stack(new Stage(app, 'Dev'), 'Hub'), 'Tokens', { componentAppId: COMPONENT });
    expect(() => app.synth()).not.toThrow();
  }, 60_000);

  it('fail the synth in two environment-agnostic stacks of one Stage, or in one stack of a Stage', () => {
    const app = new App(noBundling);
    const stage = new Stage(app, 'Dev');
    new WechatAuthorizerTokens(new Stack(stage, 'One'), 'Tokens', { componentAppId: COMPONENT });
    new WechatAuthorizerTokens(new Stack(stage, 'Two'), 'Tokens', { componentAppId: COMPONENT });
    expect(() => app.synth()).toThrow(/Dev\/One\/Tokens and Dev\/Two\/Tokens/);

    const other = new App(noBundling);
    const stack = new Stack(new Stage(other, 'Prod'), 'Hubs');
    new WechatAuthorizerTokens(stack, 'First', { componentAppId: COMPONENT });
    new WechatAuthorizerTokens(stack, 'Second', { componentAppId: COMPONENT });
    expect(() => other.synth()).toThrow(/Prod\/Hubs\/First and Prod\/Hubs\/Second/);
  }, 60_000);
});
