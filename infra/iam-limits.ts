import { Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * IAM's quotas that a grant must fit in ("IAM and AWS STS quotas", IAM User Guide): sizes are characters
 * of the policy JSON excluding whitespace; the managed-policies-per-role figure is the default quota
 * (raisable to 20 through Service Quotas, hence the context key below).
 */
export const IAM_LIMITS = {
  managedPolicyChars: 6_144,
  roleInlineChars: 10_240,
  groupInlineChars: 5_120,
  userInlineChars: 2_048,
  managedPoliciesPerRole: 10,
} as const;

/** Context key for an account whose managed-policies-per-role quota was raised (at most 20). */
export const MANAGED_POLICIES_PER_ROLE_CONTEXT = 'wechat-authorizer-tokens:managedPoliciesPerRole';

function longest(values: readonly string[]): number {
  return Math.max(...values.map((value) => value.length));
}

/**
 * The longest value a token of the ARN can resolve to at deploy time: sizes are computed with these, so
 * that a policy that fits here fits in every region of every partition the CDK knows.
 */
export const WORST_CASE_LENGTH = {
  partition: longest(RegionInfo.regions.map((region) => region.partition ?? 'aws')),
  region: longest(RegionInfo.regions.map((region) => region.name)),
  account: 12,
  /** API Gateway's ids are 10 characters. */
  apiId: 10,
} as const;

/** `value`'s length once deployed: its own if it is a literal, `worstCase` if it is a token. */
export function deployedLength(value: string, worstCase: number): number {
  return Token.isUnresolved(value) ? worstCase : value.length;
}
