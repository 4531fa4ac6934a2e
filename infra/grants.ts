import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { GrantError } from './errors.js';

/**
 * The appids a token grant names: each checked against the appid rule (a `*` or `?` in one would be an
 * IAM wildcard, widening the grant to other accounts' tokens), duplicates collapsed. `undefined` is every
 * appid (`*`); an empty list is refused rather than read as "every appid" or as nothing.
 */
export function tokenRouteAppIds(appIds: readonly string[] | undefined): readonly string[] {
  if (appIds === undefined) return ['*'];
  if (appIds.length === 0) {
    throw new GrantError('grantTokenRead: the appid list is empty; omit it to grant every appid');
  }
  for (const appId of appIds) {
    if (typeof appId !== 'string' || !isAppId(appId)) {
      throw new GrantError(`grantTokenRead: appid ${JSON.stringify(appId)} refused: ${APPID_RULE}`);
    }
  }
  return [...new Set(appIds)];
}

/** `execute-api:Invoke` on `resourceArns` for `grantee`. */
export function grantInvoke(_hub: Construct, grantee: iam.IGrantable, resourceArns: readonly string[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [...resourceArns] });
}
