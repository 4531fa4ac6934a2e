import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type FunctionName, WechatAuthorizerTokens } from '../../../infra/construct.js';
import { SIMULATOR_CREDENTIALS } from '../../../simulator/index.js';
import type { CfnTemplate, Deployment } from './resolve.js';
import { type RolePolicies, TemplatePolicies } from './role-policies.js';

export const HUB_DEPLOYMENT: Deployment = { account: '123456789012', region: 'ap-east-1', stackName: 'Hub' };
// The simulator's component: the day's functions read the secret the README says to fill, its AppId included.
export const HUB_COMPONENT_APPID = SIMULATOR_CREDENTIALS.componentAppId;

export interface SynthesizedHub {
  readonly hub: WechatAuthorizerTokens;
  readonly stack: Stack;
  readonly policies: TemplatePolicies;
  /** The identity policies of the role of a construct of the stack (a role, or a Lambda by its `Role`). */
  policiesOf(construct: IConstruct): RolePolicies;
  /** Each function's role's policies, the Lambda found through the construct's `functions`. */
  functionPolicies(name: FunctionName): RolePolicies;
  /** The environment the template gives each function, resolved. */
  functionEnvironment(name: FunctionName): Record<string, string>;
}

/**
 * The hub in a stack of a fixed account and region, synthesized without bundling (the IAM tests read
 * the template, never the code), after `extend` added its consumers to the stack.
 */
export function synthesizeHub(extend: (hub: WechatAuthorizerTokens, stack: Stack) => void = () => {}): SynthesizedHub {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, HUB_DEPLOYMENT.stackName, {
    env: { account: HUB_DEPLOYMENT.account, region: HUB_DEPLOYMENT.region },
  });
  const hub = new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: HUB_COMPONENT_APPID });
  extend(hub, stack);
  const policies = new TemplatePolicies(Template.fromStack(stack).toJSON() as CfnTemplate, HUB_DEPLOYMENT);
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const functionId = (name: FunctionName) => logicalId(hub.functions[name]);
  const policiesOf = (construct: IConstruct) => {
    const id = logicalId(construct);
    const type = policies.template.Resources[id]?.Type;
    return policies.rolePolicies(type === 'AWS::Lambda::Function' ? policies.functionRole(id) : id);
  };
  return {
    hub,
    stack,
    policies,
    policiesOf,
    functionPolicies: (name) => policies.rolePolicies(policies.functionRole(functionId(name))),
    functionEnvironment: (name) => policies.functionEnvironment(functionId(name)),
  };
}
