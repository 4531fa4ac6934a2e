// The construct's grants, as IAM would evaluate them: consumer roles in the hub's stack, their policies
// read from the synthesized template and evaluated by iam-simulate against every route's execute-api ARN.
import type { CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RolePolicies } from '../support/iam/role-policies.js';
import { decide } from '../support/iam/simulate.js';
import { HUB_DEPLOYMENT, type SynthesizedHub, synthesizeHub } from '../support/iam/synth-hub.js';

const X = 'wx1111111111111111';
const Y = 'wx2222222222222222';

/** Every route a caller could invoke, named for the assertions. */
const ROUTE_REQUESTS = {
  xToken: ['GET', `/authorizers/${X}/token`],
  xRefresh: ['POST', `/authorizers/${X}/token/refresh`],
  yToken: ['GET', `/authorizers/${Y}/token`],
  yRefresh: ['POST', `/authorizers/${Y}/token/refresh`],
  componentToken: ['GET', '/component/token'],
  list: ['GET', '/authorizers'],
  callback: ['POST', '/wechat/callback'],
  xAccount: ['GET', `/authorizers/${X}`],
  yAccount: ['GET', `/authorizers/${Y}`],
  session: ['POST', '/authorizations'],
  link: ['POST', '/authorizations/link'],
  page: ['GET', '/authorize'],
  redirect: ['GET', '/authorize/callback'],
} as const;
type RouteRequest = keyof typeof ROUTE_REQUESTS;

const CONSUMERS = [
  'readerOfX',
  'readerOfAll',
  'componentReader',
  'lister',
  'ungranted',
  'accountOfX',
  'onboarder',
] as const;
type Consumer = (typeof CONSUMERS)[number];

describe('grants to other roles, evaluated by an IAM simulator on the synthesized template', () => {
  let synthesized: SynthesizedHub;
  const roles = new Map<Consumer, RolePolicies>();
  let apiId = '';

  beforeAll(() => {
    const made = new Map<Consumer, iam.Role>();
    synthesized = synthesizeHub((hub, stack) => {
      for (const name of CONSUMERS) {
        made.set(name, new iam.Role(stack, `Consumer-${name}`, { assumedBy: new iam.AccountRootPrincipal() }));
      }
      const role = (name: Consumer) => made.get(name) as iam.Role;
      hub.grantTokenRead(role('readerOfX'), [X]);
      hub.grantTokenReadAll(role('readerOfAll'));
      hub.grantComponentToken(role('componentReader'));
      hub.grantList(role('lister'));
      hub.grantAccountRead(role('accountOfX'), [X]);
      hub.grantOnboarding(role('onboarder'));
    });
    for (const [name, role] of made) roles.set(name, synthesized.policiesOf(role));
    apiId = synthesized.policies.ids.ref(
      synthesized.stack.getLogicalId(synthesized.hub.api.node.defaultChild as CfnElement),
    );
  }, 120_000);

  /** The routes `consumer` may invoke on the `$default` stage, of every route there is. */
  async function allowedRoutes(consumer: Consumer): Promise<RouteRequest[]> {
    const role = roles.get(consumer);
    if (!role) throw new Error(`no role ${consumer}`);
    const { region, account } = HUB_DEPLOYMENT;
    const allowed: RouteRequest[] = [];
    for (const [name, [method, path]] of Object.entries(ROUTE_REQUESTS) as [
      RouteRequest,
      readonly [string, string],
    ][]) {
      const resource = `arn:aws:execute-api:${region}:${account}:${apiId}/$default/${method}${path}`;
      if ((await decide(role, { action: 'execute-api:Invoke', resource })) === 'Allowed') allowed.push(name);
    }
    return allowed;
  }

  it("a role granted appid X may get and report X's token, and invoke nothing else: not Y's, the component's, the list", async () => {
    expect(await allowedRoutes('readerOfX')).toEqual(['xToken', 'xRefresh']);
  });

  it("the grant of every appid (grantTokenReadAll) allows every appid's token routes, and not the component token or the list", async () => {
    expect(await allowedRoutes('readerOfAll')).toEqual(['xToken', 'xRefresh', 'yToken', 'yRefresh']);
  });

  it('grantComponentToken and grantList allow exactly their own route', async () => {
    expect(await allowedRoutes('componentReader')).toEqual(['componentToken']);
    expect(await allowedRoutes('lister')).toEqual(['list']);
  });

  it('grantAccountRead of X allows GET /authorizers/X only: not its token routes, not Y', async () => {
    expect(await allowedRoutes('accountOfX')).toEqual(['xAccount']);
  });

  // IAM's * and ? match '/': a pattern for every account (one `?` per character, for each appid length)
  // was tried and allowed GET /authorizers/<appid>/token too (this test's first run), so '*' is refused.
  it("grantAccountRead '*' is refused at synth: no IAM pattern names every account route without the token routes", () => {
    expect(() =>
      synthesizeHub((hub, stack) =>
        hub.grantAccountRead(new iam.Role(stack, 'Every', { assumedBy: new iam.AccountRootPrincipal() }), '*'),
      ),
    ).toThrow(/grantAccountRead\('\*'\) is refused/);
  });

  it('grantOnboarding allows the session and the link routes, nothing else (the public pages need no grant)', async () => {
    expect(await allowedRoutes('onboarder')).toEqual(['session', 'link']);
  });

  it('the token grants do not reach the account route (the token pattern ends in /token*)', async () => {
    expect(await allowedRoutes('readerOfX')).not.toContain('xAccount');
    expect(await allowedRoutes('readerOfAll')).not.toContain('xAccount');
  });

  it('a role of the stack granted nothing invokes nothing (the check of the check: the hub grants no one by default)', async () => {
    expect(await allowedRoutes('ungranted')).toEqual([]);
  });

  it('the ARNs checked are the API of the template: its routes are these, the callback and the onboarding pages alone without IAM', () => {
    const routes = Object.values(synthesized.policies.template.Resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((resource) => `${resource.Properties?.['RouteKey']} ${resource.Properties?.['AuthorizationType']}`)
      .sort();
    expect(routes).toEqual([
      'GET /authorize NONE',
      'GET /authorize/callback NONE',
      'GET /authorizers AWS_IAM',
      'GET /authorizers/{appid} AWS_IAM',
      'GET /authorizers/{appid}/token AWS_IAM',
      'GET /component/token AWS_IAM',
      'POST /authorizations AWS_IAM',
      'POST /authorizations/link AWS_IAM',
      'POST /authorizers/{appid}/token/refresh AWS_IAM',
      'POST /wechat/callback NONE',
    ]);
  });
});
