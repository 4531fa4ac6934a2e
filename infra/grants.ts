import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { GrantError } from './errors.js';
import { IAM_LIMITS } from './iam-limits.js';
import { INVOKE_ACTION, type SizedArn, statementLength } from './policy-size.js';
import { RolePolicyPack } from './role-policy-pack.js';
import { processWideWeakMap } from './shared-state.js';

/** What a grant of every appid names in place of one (`grantTokenReadAll`, never a list's entry). */
export const ALL_APPIDS = '*';

/**
 * The appids a token grant names: each checked against the appid rule (a `*` or `?` in one would be an
 * IAM wildcard, widening the grant to other accounts' tokens), duplicates collapsed. No list, or an
 * empty one, is refused rather than read as "every appid" or as nothing: a missing configuration must
 * not widen a grant (`grantTokenReadAll` says so on purpose).
 */
export function tokenRouteAppIds(appIds: readonly string[] | undefined): readonly string[] {
  if (appIds === undefined || appIds.length === 0) {
    throw new GrantError(
      `grantTokenRead: ${appIds === undefined ? 'no appid list' : 'the appid list is empty'}; name the appids, or call grantTokenReadAll to grant every appid`,
    );
  }
  for (const appId of appIds) {
    if (typeof appId !== 'string' || !isAppId(appId)) {
      throw new GrantError(`grantTokenRead: appid ${JSON.stringify(appId)} refused: ${APPID_RULE}`);
    }
  }
  return [...new Set(appIds)];
}

/**
 * `execute-api:Invoke` on `arns` for `grantee`. A role created in this app gets them in customer managed
 * policies packed within IAM's limits (`RolePolicyPack`); another principal (a user, a group, an imported
 * role) gets one inline statement, refused when it would not fit the smallest inline quota that applies.
 */
export function grantInvoke(grantee: iam.IGrantable, arns: readonly SizedArn[]): iam.Grant {
  const principal = grantee.grantPrincipal;
  if (iam.Role.isRole(principal)) return RolePolicyPack.of(principal).grant(grantee, arns);
  const budget = inlineBudget(principal);
  const size = inlineTokenGrantSize.get(principal) ?? 0;
  const added = statementLength(arns);
  if (budget !== undefined && size + added > budget) {
    throw new GrantError(
      `${describe(principal)} is not an iam.Role of this app, so its grants of the token hub go into its inline policy, whose quota is ${budget} characters; ${size + added} would be needed. Grant fewer appids, or grant an iam.Role (managed policies, up to hundreds of appids).`,
    );
  }
  inlineTokenGrantSize.set(principal, size + added);
  return iam.Grant.addToPrincipal({ grantee, actions: [INVOKE_ACTION], resourceArns: arns.map(({ arn }) => arn) });
}

/** The worst-case characters this module added to each non-role principal's inline policy. */
const inlineTokenGrantSize = processWideWeakMap<iam.IPrincipal, number>('inlineTokenGrantSize');

/** The inline quota of a principal that is not an iam.Role; `undefined` when it has no identity policy. */
function inlineBudget(principal: iam.IPrincipal): number | undefined {
  if ('roleArn' in principal) return IAM_LIMITS.roleInlineChars;
  if ('groupArn' in principal) return IAM_LIMITS.groupInlineChars;
  if ('userArn' in principal) return IAM_LIMITS.userInlineChars;
  return undefined;
}

function describe(principal: iam.IPrincipal): string {
  const path = (principal as Partial<IConstruct>).node?.path;
  return path ? `The grantee ${path}` : 'The grantee';
}

/**
 * `execute-api:Invoke` on one route, in the grantee's own (inline) policy as CDK grants do: one ARN
 * needs no packing, and it takes none of the role's managed policy slots.
 */
export function grantOneRoute(grantee: iam.IGrantable, { arn }: SizedArn): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [INVOKE_ACTION], resourceArns: [arn] });
}

/**
 * `execute-api:Invoke` on a few fixed routes, in the grantee's own (inline) policy: a handful of ARNs
 * needs no packing.
 */
export function grantRoutes(grantee: iam.IGrantable, arns: readonly SizedArn[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [INVOKE_ACTION], resourceArns: arns.map(({ arn }) => arn) });
}
