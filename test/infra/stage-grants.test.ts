import { App, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';
import { CrossStageGrantError } from '../../infra/errors.js';

// A Stage is its own cloud assembly, deployed on its own: a stack of another Stage can neither depend on
// the hub's stack nor be ordered after it, so it cannot wait for the hub's api-id parameter. The grant is
// refused with what to do there (import the hub in that Stage) instead of CDK's bare cross-stage error.

const COMPONENT = 'wx0123456789abcdef';
const APPIDS = ['wx1111111111111111'];
/** No bundling: only the construct's behaviour is in question. */
const noBundling = { context: { 'aws:cdk:bundling-stacks': [] } };
const ENV = { account: '123456789012', region: 'ap-east-1' };

function hubAndConsumer(consumerScope: (app: App) => Stack) {
  const app = new App(noBundling);
  const hub = new WechatAuthorizerTokens(new Stack(new Stage(app, 'Prod', { env: ENV }), 'Hub'), 'Tokens', {
    componentAppId: COMPONENT,
  });
  const consumer = consumerScope(app);
  const role = new iam.Role(consumer, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { hub, consumer, role };
}

describe('a hub granted from a stack of another Stage', () => {
  it('is refused, naming fromParameters and fromAttributes in that Stage', () => {
    const { hub, consumer, role } = hubAndConsumer((app) => new Stack(new Stage(app, 'Apps', { env: ENV }), 'Api'));
    expect(() => hub.grantTokenRead(role, APPIDS)).toThrow(CrossStageGrantError);
    expect(() => hub.grantList(role)).toThrow(/fromParameters.*fromAttributes|fromAttributes.*fromParameters/);
    expect(() => hub.urlFor(consumer)).toThrow(CrossStageGrantError);
  }, 60_000);

  it("is refused from a stack of the app's own Stage as well", () => {
    const { hub, role } = hubAndConsumer((app) => new Stack(app, 'Api', { env: ENV }));
    expect(() => hub.grantComponentToken(role)).toThrow(CrossStageGrantError);
    expect(() => hub.grantTokenReadAll(role)).toThrow(/fromParameters/);
  }, 60_000);
});

describe('a hub imported from its parameters in the consumer Stage', () => {
  it('is granted there, with no dependency on the other Stage', () => {
    const { consumer, role } = hubAndConsumer((app) => new Stack(new Stage(app, 'Apps', { env: ENV }), 'Api'));
    const imported = WechatAuthorizerTokens.fromParameters(consumer, 'Hub', COMPONENT);
    expect(() => imported.grantTokenRead(role, APPIDS)).not.toThrow();
    expect(consumer.dependencies).toEqual([]);
  }, 60_000);
});
