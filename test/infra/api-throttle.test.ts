import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens, type WechatAuthorizerTokensProps } from '../../infra/construct.js';
import { ROUTE_KEYS } from '../../shared/api/routes.js';

// Issue 14, point 6: the callback shared the stage's throttle, so an unauthenticated flood of it spent
// the budget WeChat's genuine pushes (and, were the stage's budget one for all routes, the getter's
// callers) had. Each route now has its own limits in the stage's RouteSettings, the callback's from
// `callbackThrottle`.

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
}

function synth(props: Partial<WechatAuthorizerTokensProps> = {}): Record<string, CfnResource> {
  // No bundling: only the API's settings are in question.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Hub', { env: { account: '123456789012', region: 'ap-east-1' } });
  new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: 'wx0123456789abcdef', ...props });
  return (Template.fromStack(stack).toJSON() as { Resources: Record<string, CfnResource> }).Resources;
}

const ofType = (resources: Record<string, CfnResource>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

const stageOf = (resources: Record<string, CfnResource>): CfnResource => {
  const stages = ofType(resources, 'AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  const [[, stage] = ['', undefined]] = stages;
  if (!stage) throw new Error('no stage');
  return stage;
};

const limits = (rate: number, burst: number) => ({ ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst });
/** The IAM routes: the getter's and the onboarding's session and link routes share apiThrottle's figures. */
const GETTER_KEYS = [
  ROUTE_KEYS.authorizerToken,
  ROUTE_KEYS.authorizerTokenRefresh,
  ROUTE_KEYS.authorizers,
  ROUTE_KEYS.authorizer,
  ROUTE_KEYS.componentToken,
  ROUTE_KEYS.authorizations,
  ROUTE_KEYS.authorizationLink,
];
/** The public onboarding pages (issue 15): their own onboardingThrottle. */
const PAGE_KEYS = [ROUTE_KEYS.authorizePage, ROUTE_KEYS.authorizeCallback];

describe("the API's throttles", () => {
  it('by default: the callback 20 requests/s, bursts of 40; each onboarding page 5/s, bursts of 10; each IAM route 100/s, bursts of 200, as the stage', () => {
    const stage = stageOf(synth());
    expect(stage.Properties['RouteSettings']).toEqual({
      [ROUTE_KEYS.wechatCallback]: limits(20, 40),
      ...Object.fromEntries(PAGE_KEYS.map((key) => [key, limits(5, 10)])),
      ...Object.fromEntries(GETTER_KEYS.map((key) => [key, limits(100, 200)])),
    });
    expect(stage.Properties['DefaultRouteSettings']).toEqual(limits(100, 200));
  });

  it("takes callbackThrottle and apiThrottle from the props, each on its own routes' keys", () => {
    const stage = stageOf(
      synth({ callbackThrottle: { rateLimit: 5, burstLimit: 10 }, apiThrottle: { rateLimit: 300, burstLimit: 600 } }),
    );
    const settings = stage.Properties['RouteSettings'] as Record<string, unknown>;
    expect(settings[ROUTE_KEYS.wechatCallback]).toEqual(limits(5, 10));
    for (const key of GETTER_KEYS) expect(settings[key], key).toEqual(limits(300, 600));
  });

  it("takes onboardingThrottle for the public onboarding pages only, apart from the IAM onboarding routes'", () => {
    const stage = stageOf(synth({ onboardingThrottle: { rateLimit: 2, burstLimit: 3 } }));
    const settings = stage.Properties['RouteSettings'] as Record<string, unknown>;
    for (const key of PAGE_KEYS) expect(settings[key], key).toEqual(limits(2, 3));
    for (const key of GETTER_KEYS) expect(settings[key], key).toEqual(limits(100, 200));
    expect(settings[ROUTE_KEYS.wechatCallback]).toEqual(limits(20, 40));
  });

  it('refuses a bad onboardingThrottle at synth, naming the prop', () => {
    expect(() => synth({ onboardingThrottle: { rateLimit: -1, burstLimit: 10 } })).toThrow(
      /onboardingThrottle\.rateLimit must be 0 or more/,
    );
  });

  it('names exactly the route keys the API declares, and the stage waits for those routes (else CloudFormation fails it)', () => {
    const resources = synth();
    const stage = stageOf(resources);
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route');
    const keys = routes.map(([, route]) => route.Properties['RouteKey']);
    expect(Object.keys(stage.Properties['RouteSettings'] as object).sort()).toEqual([...keys].sort());
    for (const [id] of routes) expect(stage.DependsOn ?? [], id).toContain(id);
  });

  it.each([
    ['a negative rate', { rateLimit: -1, burstLimit: 40 }, /callbackThrottle\.rateLimit must be 0 or more/],
    ['a fractional burst', { rateLimit: 20, burstLimit: 1.5 }, /callbackThrottle\.burstLimit must be a whole number/],
  ])('refuses %s at synth, naming the prop', (_, callbackThrottle, message) => {
    expect(() => synth({ callbackThrottle })).toThrow(message);
  });
});
