import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A resolved CloudFormation value as cdk-nag 3.0.2 writes it in a finding id (its `flattenCfnReference`):
 * `Fn::Join` joined, `Ref` as `<id>`, `Fn::GetAtt` as `<id.attr>`, `${…}` as `<…>`. cdk-nag only accepts
 * an acknowledgement whose id is the finding's exactly (no pattern), so the id is computed the same way;
 * test/infra/grants-nag.test.ts runs cdk-nag on a consumer to check that none is left.
 */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const value = node as Record<string, unknown>;
    if (value['Fn::Join']) {
      const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
    if (value['Fn::GetAtt']) {
      const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (value['Fn::ImportValue']) return flatten(value['Fn::ImportValue']);
    if (value['Ref']) return `<${flatten(value['Ref'])}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledges on `policy` the AwsSolutions-IAM5 finding of each wildcard ARN among `arns`, with `reason`:
 * exactly the findings the grant creates, so that a consumer running cdk-nag sees none of them and still
 * sees every other wildcard of its own.
 */
export function acknowledgeWildcardArns(policy: IConstruct, arns: readonly string[], reason: string): void {
  const stack = Stack.of(policy);
  for (const arn of arns) {
    const resource = flatten(stack.resolve(arn));
    if (resource.includes('*'))
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }
}
