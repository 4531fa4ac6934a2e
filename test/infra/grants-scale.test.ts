import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { describe, expect, it } from 'vitest';
import { importHubFromParameters } from '../../infra/hub-reference.js';
import { ROUTES } from '../../shared/api/routes.js';

// IAM's documented quotas (IAM User Guide, "IAM and AWS STS quotas"): characters excluding whitespace.
const MANAGED_POLICY_CHARS = 6_144;
const ROLE_INLINE_CHARS = 10_240;
const MANAGED_POLICIES_PER_ROLE = 10;

// The longest value each token can take: what the sizes are computed with.
const WORST = { partition: 'aws-us-gov', region: 'us-isof-south-1', account: '123456789012', apiId: 'abcdefghij' };
// What the simulation resolves them to.
const REAL = { partition: 'aws', region: 'eu-west-1', account: '123456789012', apiId: 'abcde12345' };

const appIdOf = (i: number) => `wx${i.toString(16).padStart(16, '0')}`;
const APPIDS = Array.from({ length: 300 }, (_, i) => appIdOf(i + 1));
const ROLE_ARN = `arn:aws:iam::${REAL.account}:role/Backend`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties: { PolicyDocument?: Json; Roles?: Json[]; ManagedPolicyArns?: Json[] };
}

/** A consumer stack of no fixed environment (every part of the ARNs a token) whose role is granted `appIds`. */
function consumer(grant: (hub: ReturnType<typeof importHubFromParameters>, role: iam.Role) => void) {
  const stack = new Stack(new App(), 'Consumer');
  const role = new iam.Role(stack, 'Backend', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
  grant(importHubFromParameters(stack, 'Hub', 'wx0123456789abcdef'), role);
  const resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
  const parameterId = Object.keys(
    (Template.fromStack(stack).toJSON() as { Parameters: Record<string, unknown> }).Parameters,
  ).find((id) => id.startsWith('SsmParameterValue'));
  return { resources, parameterId: parameterId ?? '' };
}

/** The template's value with its tokens replaced: `Ref`s of the pseudo parameters and of the api-id parameter, joins. */
function resolve(value: Json, values: typeof WORST, parameterId: string): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(item, values, parameterId));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value) {
    const refs: Record<string, string> = {
      'AWS::Partition': values.partition,
      'AWS::Region': values.region,
      'AWS::AccountId': values.account,
      [parameterId]: values.apiId,
    };
    const resolved = refs[value.Ref as string];
    if (resolved === undefined) throw new Error(`unexpected Ref ${String(value.Ref)}`);
    return resolved;
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((part) => resolve(part, values, parameterId)).join(separator);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, values, parameterId)]));
}

const MANAGED = 'AWS::IAM::ManagedPolicy';
const INLINE = 'AWS::IAM::Policy';

const sizeOf = (document: Json) => JSON.stringify(document).replace(/\s/g, '').length;

function policies(resources: Record<string, Resource>, types: string[], values: typeof WORST, parameterId: string) {
  return Object.values(resources)
    .filter((resource) => types.includes(resource.Type))
    .map((resource) => resolve(resource.Properties.PolicyDocument ?? null, values, parameterId));
}

async function allowed(identityPolicies: Json[], resource: string): Promise<boolean> {
  const result = await runSimulation(
    {
      identityPolicies: identityPolicies.map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: 'execute-api:Invoke',
        principal: ROLE_ARN,
        resource: { resource, accountId: REAL.account },
        contextVariables: {},
      },
    } as Parameters<typeof runSimulation>[0],
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult === 'Allowed';
}

const arnOf = (method: string, path: string) =>
  `arn:${REAL.partition}:execute-api:${REAL.region}:${REAL.account}:${REAL.apiId}/$default/${method}${path}`;
const tokenArn = (appId: string) => arnOf('GET', ROUTES.authorizerToken.path.replace('{appid}', appId));
const refreshArn = (appId: string) => arnOf('POST', ROUTES.authorizerTokenRefresh.path.replace('{appid}', appId));
const componentArn = arnOf('GET', ROUTES.componentToken.path);
const listArn = arnOf('GET', ROUTES.authorizers.path);

describe('a role granted the tokens of 300 appids', () => {
  const { resources, parameterId } = consumer((hub, role) => hub.grantTokenRead(role, APPIDS));
  const worstManaged = policies(resources, [MANAGED], WORST, parameterId);

  it('takes the longest region and partition the CDK knows as the worst case', () => {
    const longest = (values: string[]) => Math.max(...values.map((value) => value.length));
    expect(WORST.region.length).toBe(longest(RegionInfo.regions.map((region) => region.name)));
    expect(WORST.partition.length).toBe(longest(RegionInfo.regions.map((region) => region.partition ?? '')));
  });

  it("fits every managed policy, the role's inline policies and its attachments in IAM's quotas", () => {
    const sizes = worstManaged.map(sizeOf);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MANAGED_POLICY_CHARS);
    const inline = policies(resources, [INLINE], WORST, parameterId).map(sizeOf);
    expect(inline.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(ROLE_INLINE_CHARS);
    const role = Object.values(resources).find((resource) => resource.Type === 'AWS::IAM::Role');
    const attached = (role?.Properties.ManagedPolicyArns?.length ?? 0) + worstManaged.length;
    expect(attached).toBeLessThanOrEqual(MANAGED_POLICIES_PER_ROLE);
    console.info(`300 appids: ${worstManaged.length} managed policies of ${sizes.join(', ')} characters at worst`);
  });

  const real = policies(resources, [MANAGED, INLINE], REAL, parameterId);

  it('may GET the token and POST the refresh of each of the 300 appids', async () => {
    for (const appId of APPIDS) {
      expect(await allowed(real, tokenArn(appId)), appId).toBe(true);
      expect(await allowed(real, refreshArn(appId)), appId).toBe(true);
    }
  }, 120_000);

  it('may not read a 301st appid, the component token or the list', async () => {
    for (const resource of [tokenArn(appIdOf(301)), refreshArn(appIdOf(301)), componentArn, listArn]) {
      expect(await allowed(real, resource), resource).toBe(false);
    }
  });
});

describe('the component and list grants', () => {
  const everyRoute = (appId: string) =>
    Object.values(ROUTES).map((route) => arnOf(route.method, route.path.replace('{appid}', appId)));

  it.each([
    ['grantComponentToken', componentArn],
    ['grantList', listArn],
  ] as const)('%s allows exactly its route', async (method, route) => {
    const { resources, parameterId } = consumer((hub, role) => hub[method](role));
    const real = policies(resources, [MANAGED, INLINE], REAL, parameterId);
    for (const resource of everyRoute(APPIDS[0] ?? '')) {
      expect(await allowed(real, resource), resource).toBe(resource === route);
    }
  });
});
