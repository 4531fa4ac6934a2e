import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** What makes two hubs collide on deploy: the same component AppId in the same account and region. */
interface HubIdentity extends IConstruct {
  readonly componentAppId: string;
}

/** Two values that may be the same once deployed: equal, or either one not known at synth. */
function maySameDeploy(a: string, b: string): boolean {
  return Token.isUnresolved(a) || Token.isUnresolved(b) || a === b;
}

/**
 * What is wrong with `hub` among the other hubs of its app (`isHub` tells them apart): another hub of the
 * same component AppId in the same account and region (or one not known at synth) would write the same
 * SSM parameters and the same dashboard, which CloudFormation refuses at deploy, after the synth passed.
 */
export function duplicateHubProblems(
  hub: HubIdentity,
  isHub: (construct: IConstruct) => construct is HubIdentity,
): string[] {
  const here = Stack.of(hub);
  return hub.node.root.node
    .findAll()
    .filter(isHub)
    .filter((other) => other !== hub && other.componentAppId === hub.componentAppId)
    .filter((other) => {
      const there = Stack.of(other);
      return maySameDeploy(here.account, there.account) && maySameDeploy(here.region, there.region);
    })
    .map(
      (other) =>
        `two hubs serve the component AppId ${hub.componentAppId} in the same account and region (or one not known at synth): ${hub.node.path} and ${other.node.path}; their SSM parameters (/wechat-authorizer-tokens/${hub.componentAppId}/…) and dashboard would collide on deploy. Give each platform one hub, or put them in different accounts or regions.`,
    );
}
