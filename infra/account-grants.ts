import { ROUTES } from '../shared/api/routes.js';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { GrantError } from './errors.js';
import { routeResource, STAGE_NAME } from './hub-names.js';

/**
 * The resource names of the account route (GET /authorizers/{appid}) for `appIds`, one exact ARN each.
 * Every account (`'*'`) is refused: IAM's `*` and `?` both match `/`, so any pattern that names
 * `GET/authorizers/<every appid>` (`*`, or a `?` per character for each appid length) also names
 * `GET/authorizers/<appid>/token`, and a grant meant for account information would hand out tokens.
 */
export function accountRoutesResources(appIds: readonly string[] | '*'): string[] {
  if (appIds === '*')
    throw new GrantError(
      "grantAccountRead('*') is refused: no IAM resource pattern names every GET /authorizers/{appid} without also naming GET /authorizers/{appid}/token (IAM's * and ? match '/'). Name the appids, or grant the listing (grantList: every account's summary, never a token).",
    );
  if (!Array.isArray(appIds) || appIds.length === 0)
    throw new GrantError('grantAccountRead: the appid list is empty (or missing); name the appids');
  for (const appId of appIds)
    if (typeof appId !== 'string' || !isAppId(appId))
      throw new GrantError(`grantAccountRead: appid ${JSON.stringify(appId)} refused: ${APPID_RULE}`);
  const { method, path } = ROUTES.authorizer;
  return [...new Set(appIds)].map((appId) => `${STAGE_NAME}/${method}${path.replace('{appid}', appId)}`);
}

/** The resource names of the IAM onboarding routes: a session (POST /authorizations) and a bare link. */
export function onboardingRoutesResources(): string[] {
  return [routeResource(ROUTES.authorizations), routeResource(ROUTES.authorizationLink)];
}
