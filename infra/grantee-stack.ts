import { Stack, Stage, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { CrossAccountGrantError, CrossRegionGrantError, CrossStageGrantError, GrantError } from './errors.js';

/** The stack whose template receives a grant's statements: the principal's (a role), else the grantee's. */
export function granteeStack(grantee: iam.IGrantable): Stack | undefined {
  for (const candidate of [grantee.grantPrincipal, grantee] as unknown[]) {
    if (Construct.isConstruct(candidate)) return Stack.of(candidate as IConstruct);
  }
  return undefined;
}

/** The top-level stack `stack` deploys with: itself, or the root of its `nestedStackParent` chain. */
function topLevelStack(stack: Stack): Stack {
  let top = stack;
  while (top.nestedStackParent) top = top.nestedStackParent;
  return top;
}

/**
 * Whether two stacks deploy as one CloudFormation deployment: the same stack, or nested stacks (at some
 * depth) of one top-level stack. A reference between them is a nested stack's parameter or output that
 * CDK wires, never an export: no SSM read (a parent reads an SSM parameter when its change set is
 * created, before a nested stack has written it) and no stack dependency (a nested stack cannot depend
 * on its parent).
 */
export function deployedTogether(a: Stack, b: Stack): boolean {
  return topLevelStack(a) === topLevelStack(b);
}

/** Two values that both are known at synth and differ. */
function knownAndDifferent(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
}

/**
 * Refuses a grant that can never work: an identity policy in one account on an HTTP API of another.
 * HTTP APIs have no resource policy, so API Gateway only lets in principals of the API's own account
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
 */
export function checkSameAccount(hub: IConstruct, hubAccount: string, stack: Stack): void {
  if (knownAndDifferent(hubAccount, stack.account)) {
    throw crossAccount(hub, hubAccount, `the grantee's stack ${stack.node.path} in ${stack.account}`, stack.account);
  }
}

/**
 * The same refusal by the principal's own account, which may differ from its stack's: a role imported by
 * the ARN of another account (CDK makes it immutable, so the grant would otherwise add nothing, silently).
 */
export function checkPrincipalAccount(hub: IConstruct, hubAccount: string, grantee: iam.IGrantable): void {
  const account = grantee.grantPrincipal.principalAccount;
  if (account !== undefined && knownAndDifferent(hubAccount, account)) {
    throw crossAccount(hub, hubAccount, `the grantee's principal in ${account}`, account);
  }
}

function crossAccount(hub: IConstruct, hubAccount: string, grantee: string, account: string): CrossAccountGrantError {
  return new CrossAccountGrantError(
    `${hub.node.path}: the hub's API is in account ${hubAccount} and ${grantee}. An HTTP API has no resource policy, so IAM only lets in principals of its own account: a policy granted here could never be used. Create a role in account ${hubAccount}, grant it there (grantTokenRead on the hub or on fromAttributes in a stack of that account), and let the caller of account ${account} assume it (its trust policy names that account's principal).`,
  );
}

/**
 * Refuses a grant that put no statement in a policy. CDK's immutable role (`fromRoleArn(…, { mutable:
 * false })`, `withoutPolicyUpdates()`) reports every statement as added and drops it; the private class
 * is told by its `addGrantsToResources` field (test/infra/cross-stack-grants.test.ts pins it). A
 * principal that says it added nothing (no identity policy: a service principal, say) leaves `success`
 * false.
 */
export function checkGrantAdded(hub: IConstruct, grantee: iam.IGrantable, grant: iam.Grant): iam.Grant {
  const principal = grantee.grantPrincipal;
  const immutable = 'addGrantsToResources' in principal;
  if (immutable || !grant.success) {
    const path = Construct.isConstruct(principal) ? ` ${principal.node.path}` : '';
    throw new GrantError(
      `${hub.node.path}: the grant to${path} added no policy statement: ${immutable ? 'the role is immutable' : 'the principal has no identity policy here'}, so it could never call the hub. Import the role with fromRoleArn(…, { mutable: true }) (the default), or grant it in the stack of the hub's account that creates it; a service or an account is granted through a role of the hub's account that it assumes.`,
    );
  }
  return grant;
}

/**
 * Refuses naming the hub's API id from a stack of another region: the `api-id` SSM parameter that names
 * it without a cross-stack export exists in the hub's region only.
 */
export function checkSameRegion(hub: IConstruct, hubRegion: string, stack: Stack): void {
  if (knownAndDifferent(hubRegion, stack.region)) {
    throw new CrossRegionGrantError(
      `${hub.node.path}: the hub is in region ${hubRegion} and ${stack.node.path} in ${stack.region}; the hub's api-id SSM parameter, which names its API in other stacks, exists in ${hubRegion} only. In ${stack.node.path}, import the hub with WechatAuthorizerTokens.fromAttributes(…, { componentAppId, apiId, region: '${hubRegion}' }) and grant or read its url from that.`,
    );
  }
}

/**
 * Refuses naming a hub created in this app from a stack of another Stage: that stack reads the hub's
 * `api-id` parameter, which exists only once the hub's stack is deployed, and a dependency cannot cross
 * Stages (each is its own assembly, deployed on its own).
 */
export function checkSameStage(hub: IConstruct, stack: Stack): void {
  const hubStage = Stage.of(hub);
  if (Stage.of(stack) !== hubStage) {
    throw new CrossStageGrantError(
      `${hub.node.path}: ${stack.node.path} is in another Stage than the hub (${hubStage?.node.path || 'the app'}); a Stage is deployed on its own, so ${stack.node.path} cannot be made to wait for the hub's stack. Deploy the hub first and import it in ${stack.node.path}: WechatAuthorizerTokens.fromParameters(…, componentAppId) (same account and region), or WechatAuthorizerTokens.fromAttributes(…, { componentAppId, apiId }), then grant or read its url from that.`,
    );
  }
}
