import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { deployedLength, WORST_CASE_LENGTH } from './iam-limits.js';

/** A resource ARN and its length once every token in it is resolved, at worst. */
export interface SizedArn {
  readonly arn: string;
  readonly deployedLength: number;
}

export const INVOKE_ACTION = 'execute-api:Invoke';

/** Characters of `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":[…]}` and its separator. */
export function statementLength(arns: readonly SizedArn[]): number {
  const frame = JSON.stringify({ Effect: 'Allow', Action: INVOKE_ACTION, Resource: [] }).length + 1;
  return frame + arns.reduce((sum, { deployedLength }) => sum + deployedLength + 3, 0);
}

/** Characters of `{"Version":"2012-10-17","Statement":[]}`: every policy document's frame. */
export const DOCUMENT_FRAME = JSON.stringify({ Version: '2012-10-17', Statement: [] }).length;

/** The execute-api ARN of `resourceName` on API `apiId`, with its deployed length at worst. */
export function executeApiArn(
  scope: IConstruct,
  target: { readonly apiId: string; readonly region: string; readonly account: string },
  resourceName: string,
): SizedArn {
  const { partition } = Stack.of(scope);
  const { apiId, region, account } = target;
  return {
    arn: `arn:${partition}:execute-api:${region}:${account}:${apiId}/${resourceName}`,
    deployedLength:
      `arn::execute-api::::/${resourceName}`.length +
      deployedLength(partition, WORST_CASE_LENGTH.partition) +
      deployedLength(region, WORST_CASE_LENGTH.region) +
      deployedLength(account, WORST_CASE_LENGTH.account) +
      deployedLength(apiId, WORST_CASE_LENGTH.apiId),
  };
}
