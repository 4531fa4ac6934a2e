import { Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import { ROUTES, type Route } from '../shared/api/routes.js';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { HubAttributesError } from './errors.js';
import { grantInvoke, grantOneRoute, tokenRouteAppIds } from './grants.js';
import { executeApiArn, type SizedArn } from './policy-size.js';

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
] as const;

export type HubParameter = (typeof HUB_PARAMETERS)[number];

/** The SSM parameter name of `key` for the hub of `componentAppId`. */
export function parameterName(componentAppId: string, key: HubParameter): string {
  return `${PARAMETER_PREFIX}/${componentAppId}/${key}`;
}

/** The stage every route is deployed on: the ARNs and the URL name it. */
export const STAGE_NAME = '$default';

/** What names a deployed hub: enough to grant its routes and to call it. */
export interface WechatAuthorizerTokensAttributes {
  /** The component (third-party platform) appid the hub serves. */
  readonly componentAppId: string;
  /** The HTTP API's id (10 characters, the first label of its `execute-api` host name). */
  readonly apiId: string;
  /** @default the importing stack's region */
  readonly region?: string;
  /** @default the importing stack's account */
  readonly account?: string;
}

/** A hub, created here or deployed elsewhere: its URL and the grants of its IAM-authorized routes. */
export interface IWechatAuthorizerTokens extends IConstruct {
  readonly componentAppId: string;
  readonly apiId: string;
  /** `https://<apiId>.execute-api.<region>.<urlSuffix>`, the base of every route (`$default` stage). */
  readonly url: string;
  /**
   * Lets `grantee` call the token routes (GET the token, POST a refused one) of exactly these appids,
   * or of every appid when none are given. A bad appid, or an empty list, throws `GrantError`.
   */
  grantTokenRead(grantee: iam.IGrantable, appIds?: readonly string[]): iam.Grant;
  /** Lets `grantee` read the component access token (its own route). */
  grantComponentToken(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` list the authorizers (never a token). */
  grantList(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The grants and the URL, written once from `apiId`, `hubRegion` and `hubAccount`: the construct that
 * creates the hub and the imported one both extend it, so that both grant exactly the same ARNs.
 */
export abstract class WechatAuthorizerTokensBase extends Construct implements IWechatAuthorizerTokens {
  abstract readonly componentAppId: string;
  abstract readonly apiId: string;

  /** The region of the hub's API: the stack's, unless an import says otherwise. */
  protected get hubRegion(): string {
    return Stack.of(this).region;
  }

  /** The account of the hub's API: the stack's, unless an import says otherwise. */
  protected get hubAccount(): string {
    return Stack.of(this).account;
  }

  get url(): string {
    return `https://${this.apiId}.execute-api.${this.hubRegion}.${Stack.of(this).urlSuffix}`;
  }

  grantTokenRead(grantee: iam.IGrantable, appIds?: readonly string[]): iam.Grant {
    const arns = tokenRouteAppIds(appIds).map((appId) => this.arn(tokenRoutesResource(appId)));
    return grantInvoke(grantee, arns);
  }

  grantComponentToken(grantee: iam.IGrantable): iam.Grant {
    return grantOneRoute(grantee, this.arn(routeResource(ROUTES.componentToken)));
  }

  grantList(grantee: iam.IGrantable): iam.Grant {
    return grantOneRoute(grantee, this.arn(routeResource(ROUTES.authorizers)));
  }

  /** The execute-api ARN of `resourceName` (`<stage>/<method><path>`) on this hub's API. */
  protected arn(resourceName: string): SizedArn {
    return executeApiArn(this, { apiId: this.apiId, region: this.hubRegion, account: this.hubAccount }, resourceName);
  }
}

/** The resource name of one route (no `{appid}` in it). */
export function routeResource(route: Route): string {
  return `${STAGE_NAME}/${route.method}${route.path}`;
}

/**
 * One pattern for both token routes of `appId` (`$default/*\/authorizers/<appid>/token*`): one ARN per
 * appid instead of two halves the policy size. A test matches it against every route of `ROUTES` so that
 * a route added under it cannot be granted silently.
 */
export function tokenRoutesResource(appId: string): string {
  return `${STAGE_NAME}/*${ROUTES.authorizerToken.path.replace('{appid}', appId)}*`;
}

/** An API Gateway id as it appears in the host name. */
const API_ID_PATTERN = /^[a-z0-9]{10}$/;

class ImportedHub extends WechatAuthorizerTokensBase {
  readonly componentAppId: string;
  readonly apiId: string;
  readonly #region: string | undefined;
  readonly #account: string | undefined;

  constructor(scope: Construct, id: string, attrs: WechatAuthorizerTokensAttributes) {
    super(scope, id);
    checkComponentAppId(attrs.componentAppId);
    if (!Token.isUnresolved(attrs.apiId) && !API_ID_PATTERN.test(attrs.apiId)) {
      throw new HubAttributesError(`apiId ${JSON.stringify(attrs.apiId)}: an API id is 10 lowercase letters or digits`);
    }
    this.componentAppId = attrs.componentAppId;
    this.apiId = attrs.apiId;
    this.#region = attrs.region;
    this.#account = attrs.account;
  }

  protected override get hubRegion(): string {
    return this.#region ?? super.hubRegion;
  }

  protected override get hubAccount(): string {
    return this.#account ?? super.hubAccount;
  }
}

function checkComponentAppId(componentAppId: string): void {
  if (!Token.isUnresolved(componentAppId) && !isAppId(componentAppId)) {
    throw new HubAttributesError(`componentAppId ${JSON.stringify(componentAppId)}: ${APPID_RULE}`);
  }
}

/** A hub deployed elsewhere (another stack or app), named by its attributes: grants only, nothing deployed. */
export function importHub(
  scope: Construct,
  id: string,
  attrs: WechatAuthorizerTokensAttributes,
): IWechatAuthorizerTokens {
  return new ImportedHub(scope, id, attrs);
}

/**
 * A hub of the same account and region, found by the SSM parameter it writes (`parameterName(…, 'api-id')`),
 * read by CloudFormation at deploy time: no context lookup, no credentials at synth.
 */
export function importHubFromParameters(scope: Construct, id: string, componentAppId: string): IWechatAuthorizerTokens {
  checkComponentAppId(componentAppId);
  const apiId = ssm.StringParameter.valueForStringParameter(scope, parameterName(componentAppId, 'api-id'));
  return new ImportedHub(scope, id, { componentAppId, apiId });
}
