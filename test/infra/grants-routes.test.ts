import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { accountRoutesResources, onboardingRoutesResources } from '../../infra/account-grants.js';
import { GrantError } from '../../infra/errors.js';
import { tokenRouteAppIds } from '../../infra/grants.js';
import { importHub, routeResource, tokenRoutesResource } from '../../infra/hub-reference.js';
import { ROUTES, type Route, type RouteName } from '../../shared/api/routes.js';

/** IAM's matching of a Resource pattern: `*` is every run of characters (`/` too), `?` one character. */
function iamMatches(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

// Appids that are prefixes of one another, and the shapes the appid rule allows.
const APPIDS = ['wx1', 'wx12', 'wx1111111111111111', 'wx2222222222222222', 'a_b-C', 'x'.repeat(64)];

/** Every route with every appid filled in: what a caller could invoke. */
function everyInvocation(routes: Readonly<Record<string, Route>>): { name: string; appId: string; resource: string }[] {
  return Object.entries(routes).flatMap(([name, route]) =>
    APPIDS.map((appId) => ({
      name,
      appId,
      resource: routeResource({ ...route, path: route.path.replace('{appid}', appId) }),
    })),
  );
}

function covered(pattern: string, routes: Readonly<Record<string, Route>> = ROUTES): string[] {
  return everyInvocation(routes)
    .filter(({ resource }) => iamMatches(pattern, resource))
    .map(({ name, appId }) => `${name} ${appId}`);
}

describe("one token pattern per appid covers exactly that appid's token routes", () => {
  it.each(APPIDS)('%s', (appId) => {
    const tokenRoutes: RouteName[] = ['authorizerToken', 'authorizerTokenRefresh'];
    expect(covered(tokenRoutesResource(appId)).sort()).toEqual(tokenRoutes.map((name) => `${name} ${appId}`).sort());
  });

  it('and the every-appid pattern covers the token routes of every appid, nothing else', () => {
    const expected = APPIDS.flatMap((appId) => [`authorizerToken ${appId}`, `authorizerTokenRefresh ${appId}`]);
    expect(covered(tokenRoutesResource('*')).sort()).toEqual(expected.sort());
  });

  it('would catch a route added under the token path (the check is not vacuous)', () => {
    const withFuture = {
      ...ROUTES,
      tokenHistory: { method: 'GET', path: '/authorizers/{appid}/token/history', handler: 'getter', auth: 'iam' },
    } as const;
    expect(covered(tokenRoutesResource('wx1'), withFuture)).toContain('tokenHistory wx1');
  });

  it('the matcher follows IAM: `*` crosses slashes, `?` is one character', () => {
    expect(iamMatches('a/*/c', 'a/b/x/c')).toBe(true);
    expect(iamMatches('a?c', 'abc')).toBe(true);
    expect(iamMatches('a?c', 'abbc')).toBe(false);
    expect(iamMatches('a.c', 'abc')).toBe(false);
  });
});

describe('the appids of a token grant', () => {
  it.each(['wx1*', 'wx?', '*', '', 'wx1/token', 'wx 1', 'x'.repeat(65)])('refuses %j, naming it', (bad) => {
    expect(() => tokenRouteAppIds(['wx1111111111111111', bad])).toThrow(GrantError);
    expect(() => tokenRouteAppIds([bad])).toThrow(JSON.stringify(bad));
  });

  it('refuses an empty list rather than granting every appid', () => {
    expect(() => tokenRouteAppIds([])).toThrow(/empty/);
  });

  it('collapses duplicates, and refuses no list (only grantTokenReadAll grants every appid)', () => {
    expect(tokenRouteAppIds(['wx1', 'wx2', 'wx1'])).toEqual(['wx1', 'wx2']);
    // A forgotten list (undefined from a missing context value) does not widen to every appid.
    expect(() => tokenRouteAppIds(undefined)).toThrow(/no appid list.*grantTokenReadAll/);
  });

  it('throws from grantTokenRead before anything is added to the role', () => {
    const stack = new Stack(new App(), 'Consumer');
    const role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const hub = importHub(stack, 'Hub', { componentAppId: 'wx0123456789abcdef', apiId: 'abcde12345' });
    expect(() => hub.grantTokenRead(role, ['wx1*'])).toThrow(GrantError);
    // A list read from a context value that was not given: a JavaScript caller, or a cast, gets here.
    const forgotten = (): readonly string[] => undefined as unknown as readonly string[];
    expect(() => hub.grantTokenRead(role, forgotten())).toThrow(GrantError);
    expect(role.node.tryFindChild('WechatTokenGrants1')).toBeUndefined();
    hub.grantTokenReadAll(role);
    expect(role.node.tryFindChild('WechatTokenGrants1')).toBeDefined();
  });
});

describe('the account and onboarding grants (issue 15)', () => {
  it.each(APPIDS)("the account grant of %s covers exactly that appid's account route: no token route", (appId) => {
    const patterns = accountRoutesResources([appId]);
    expect(patterns.flatMap((pattern) => covered(pattern))).toEqual([`authorizer ${appId}`]);
  });

  it('the onboarding grant covers the session and the link routes, no public page', () => {
    const names = onboardingRoutesResources().flatMap((pattern) => covered(pattern));
    expect(names.map((name) => name.split(' ')[0]).sort()).toEqual(
      [...new Set(['authorizations', 'authorizationLink'])].flatMap((name) => APPIDS.map(() => name)).sort(),
    );
  });

  it("refuses '*', an empty list and a bad appid (an IAM wildcard in one would widen the grant)", () => {
    expect(() => accountRoutesResources('*')).toThrow(GrantError);
    expect(() => accountRoutesResources([])).toThrow(GrantError);
    expect(() => accountRoutesResources(['wx1*'])).toThrow(GrantError);
    expect(() => accountRoutesResources(['wx1?'])).toThrow(GrantError);
  });

  it('an imported hub grants the same ARNs as one created here', () => {
    const stack = new Stack(new App(), 'Consumer', { env: { account: '123456789012', region: 'ap-east-1' } });
    const hub = importHub(stack, 'Hub', { componentAppId: 'wx0123456789abcdef', apiId: 'abcde12345' });
    const role = new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    hub.grantAccountRead(role, ['wx1111111111111111']);
    hub.grantOnboarding(role);
    const policies = JSON.stringify(
      stack.resolve((role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined)?.document),
    );
    const managed = role.node.findAll().filter((child) => child instanceof iam.ManagedPolicy) as iam.ManagedPolicy[];
    const all = policies + JSON.stringify(managed.map((policy) => stack.resolve(policy.document)));
    expect(all).toContain('abcde12345/$default/GET/authorizers/wx1111111111111111"');
    expect(all).toContain('abcde12345/$default/POST/authorizations"');
    expect(all).toContain('abcde12345/$default/POST/authorizations/link"');
    expect(all).not.toContain('/token');
  });
});
