import { Stack, Stage, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** What makes two hubs collide on deploy: the same component AppId in the same account and region. */
interface HubIdentity extends IConstruct {
  readonly componentAppId: string;
}

/**
 * The mark of a deployed hub, in the global symbol registry rather than a class: an app may load the
 * package's ES module and its CommonJS build side by side, and `instanceof` would not see the other copy's hubs.
 */
const HUB_MARK = Symbol.for('wechat-authorizer-tokens.WechatAuthorizerTokens');

/** Marks `hub` as a deployed hub, for `duplicateHubProblems` of every copy of this module. */
export function markHub(hub: HubIdentity): void {
  Object.defineProperty(hub, HUB_MARK, { value: true });
}

function isHub(construct: IConstruct): construct is HubIdentity {
  return (construct as unknown as Record<symbol, unknown>)[HUB_MARK] === true;
}

/** Two values that may be the same once deployed: equal, or either one not known at synth. */
function maySameDeploy(a: string, b: string): boolean {
  return Token.isUnresolved(a) || Token.isUnresolved(b) || a === b;
}

/** Two values that will be the same once deployed: both known at synth and equal. */
function sureSameDeploy(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && a === b;
}

/**
 * Whether two hub stacks may deploy into one account and region. Within one Stage (one cloud assembly,
 * deployed with one profile) an environment not known at synth may be the other's. Separate Stages are
 * commonly the same agnostic app deployed with different profiles (Dev, Prod): there, only environments
 * known and equal collide.
 */
function mayCollide(here: Stack, there: Stack): boolean {
  const same = Stage.of(here) === Stage.of(there) ? maySameDeploy : sureSameDeploy;
  return same(here.account, there.account) && same(here.region, there.region);
}

/**
 * What is wrong with `hub` among the other (marked) hubs of its app: another hub of the
 * same component AppId in the same account and region (or, within one Stage, one not known at synth) would write the same
 * SSM parameters and the same dashboard, which CloudFormation refuses at deploy, after the synth passed.
 */
export function duplicateHubProblems(hub: HubIdentity): string[] {
  const here = Stack.of(hub);
  return hub.node.root.node
    .findAll()
    .filter(isHub)
    .filter((other) => other !== hub && other.componentAppId === hub.componentAppId)
    .filter((other) => mayCollide(here, Stack.of(other)))
    .map(
      (other) =>
        `two hubs serve the component AppId ${hub.componentAppId} in the same account and region (or, within one Stage, one not known at synth): ${hub.node.path} and ${other.node.path}; their SSM parameters (/wechat-authorizer-tokens/${hub.componentAppId}/…) and dashboard would collide on deploy. Give each platform one hub, or put them in different accounts or regions.`,
    );
}
