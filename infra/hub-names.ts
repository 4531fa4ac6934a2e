import { ROUTES, type Route } from '../shared/api/routes.js';

/** Where a hub publishes what other stacks and apps need to find it: `/wechat-authorizer-tokens/<componentAppId>/<key>`. */
export const PARAMETER_PREFIX = '/wechat-authorizer-tokens';

/** The keys of the SSM parameters a hub writes, the one list. */
export const HUB_PARAMETERS = [
  'api-id',
  'api-url',
  'callback-url',
  'secret-arn',
  'alarm-topic-arn',
  'table-name',
  'dashboard-name',
  'event-bus-arn',
] as const;

export type HubParameter = (typeof HUB_PARAMETERS)[number];

/** The SSM parameter name of `key` for the hub of `componentAppId`. */
export function parameterName(componentAppId: string, key: HubParameter): string {
  return `${PARAMETER_PREFIX}/${componentAppId}/${key}`;
}

/** The stage every route is deployed on: the ARNs and the URL name it. */
export const STAGE_NAME = '$default';

/** The resource name of one route (no `{appid}` in it). */
export function routeResource(route: Route): string {
  return `${STAGE_NAME}/${route.method}${route.path}`;
}

/**
 * One pattern for both token routes of `appId` (`$default/*\/authorizers/<appid>/token*`): one ARN per
 * appid instead of two halves the policy size. The trailing wildcard is kept on purpose: two exact ARNs
 * per appid would double it, and a role granted 300 appids would need 12 managed policies of 6,144
 * characters, above IAM's quota of 10 per role (test/infra/grants-scale.test.ts computes the sizes). A test
 * matches the pattern against every route of `ROUTES` so that a route added under it cannot be granted
 * silently.
 */
export function tokenRoutesResource(appId: string): string {
  return `${STAGE_NAME}/*${ROUTES.authorizerToken.path.replace('{appid}', appId)}*`;
}
