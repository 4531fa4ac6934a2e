import { Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import { ROUTES } from '../shared/api/routes.js';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { accountRoutesResources, onboardingRoutesResources } from './account-grants.js';
import { HubAttributesError } from './errors.js';
import {
  checkGrantAdded,
  checkPrincipalAccount,
  checkSameAccount,
  checkSameRegion,
  checkSameStage,
  deployedTogether,
  granteeStack,
} from './grantee-stack.js';
import { ALL_APPIDS, grantInvoke, grantOneRoute, grantRoutes, tokenRouteAppIds } from './grants.js';
import { parameterName, routeResource, tokenRoutesResource } from './hub-names.js';
import { executeApiArn, type SizedArn } from './policy-size.js';

export {
  HUB_PARAMETERS,
  type HubParameter,
  PARAMETER_PREFIX,
  parameterName,
  routeResource,
  STAGE_NAME,
  tokenRoutesResource,
} from './hub-names.js';

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
  /**
   * `https://<apiId>.execute-api.<region>.<urlSuffix>`, the base of every route (`$default` stage), for
   * use in the hub's own stack; in another stack, `urlFor(scope)`.
   */
  readonly url: string;
  /**
   * `url` as a stack of `scope` may use it: in a stack deployed with the hub's (the same one, or nested
   * stacks of one top-level stack) by reference; in another stack of the hub's Stage, the API id read
   * from the hub's `api-id` SSM parameter there (and that stack made to depend on the hub's), so that no
   * cross-stack export pins the hub. A stack of another Stage throws `CrossStageGrantError` (import the
   * hub there with `fromParameters` or `fromAttributes`).
   */
  urlFor(scope: IConstruct): string;
  /**
   * Lets `grantee` call the token routes (GET the token, POST a refused one) of exactly these appids. A
   * bad appid, an empty list or no list (a forgotten `-c appIds`, say) throws `GrantError`: every appid
   * is only ever granted by `grantTokenReadAll`. A grantee of another account (its stack's or its principal's,
   * a role imported by the ARN of another account) throws `CrossAccountGrantError`; a grant that adds no
   * statement (an immutable role) throws `GrantError`.
   */
  grantTokenRead(grantee: iam.IGrantable, appIds: readonly string[]): iam.Grant;
  /** Lets `grantee` call the token routes of every appid, present and future (an operator's role, say). */
  grantTokenReadAll(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` read the component access token (its own route). */
  grantComponentToken(grantee: iam.IGrantable): iam.Grant;
  /** Lets `grantee` list the authorizers (never a token). */
  grantList(grantee: iam.IGrantable): iam.Grant;
  /**
   * Lets `grantee` read these accounts of the registry (GET /authorizers/{appid}: status, type, name,
   * permission sets; never a token), each by its exact ARN. `'*'` (every account) throws `GrantError`:
   * IAM's `*` and `?` match `/`, so no pattern names every account route without the token routes
   * (`/authorizers/<appid>/token`); `grantList` gives every account's summary. Bad appids or an empty
   * list throw `GrantError` too.
   */
  grantAccountRead(grantee: iam.IGrantable, appIds: readonly string[] | '*'): iam.Grant;
  /** Lets `grantee` start onboardings: POST /authorizations (a session) and POST /authorizations/link (a bare link). */
  grantOnboarding(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The grants and the URL, written once from `apiId`, `hubRegion` and `hubAccount`: the construct that
 * creates the hub and the imported one both extend it, so that both grant exactly the same ARNs.
 */
export abstract class WechatAuthorizerTokensBase extends Construct implements IWechatAuthorizerTokens {
  abstract readonly componentAppId: string;
  abstract readonly apiId: string;

  /**
   * How the `api-id` SSM parameter of `componentAppId` relates to this hub's API, in its account and
   * region: `written` by a hub created in this app, `read` by one found by it, `undefined` for one named
   * by its attributes.
   */
  protected get apiIdParameter(): 'written' | 'read' | undefined {
    return undefined;
  }

  /** The region of the hub's API: the stack's, unless an import says otherwise. */
  protected get hubRegion(): string {
    return Stack.of(this).region;
  }

  /** The account of the hub's API: the stack's, unless an import says otherwise. */
  protected get hubAccount(): string {
    return Stack.of(this).account;
  }

  get url(): string {
    return this.urlFor(this);
  }

  urlFor(scope: IConstruct): string {
    const stack = Stack.of(scope);
    return `https://${this.apiIdIn(stack)}.execute-api.${this.hubRegion}.${stack.urlSuffix}`;
  }

  grantTokenRead(grantee: iam.IGrantable, appIds: readonly string[]): iam.Grant {
    return this.#grantTokenRoutes(grantee, tokenRouteAppIds(appIds));
  }

  grantTokenReadAll(grantee: iam.IGrantable): iam.Grant {
    return this.#grantTokenRoutes(grantee, [ALL_APPIDS]);
  }

  #grantTokenRoutes(grantee: iam.IGrantable, names: readonly string[]): iam.Grant {
    const apiId = this.apiIdFor(grantee);
    const arns = names.map((appId) => this.arn(apiId, tokenRoutesResource(appId)));
    return checkGrantAdded(this, grantee, grantInvoke(grantee, arns));
  }

  grantComponentToken(grantee: iam.IGrantable): iam.Grant {
    const arn = this.arn(this.apiIdFor(grantee), routeResource(ROUTES.componentToken));
    return checkGrantAdded(this, grantee, grantOneRoute(grantee, arn));
  }

  grantList(grantee: iam.IGrantable): iam.Grant {
    const arn = this.arn(this.apiIdFor(grantee), routeResource(ROUTES.authorizers));
    return checkGrantAdded(this, grantee, grantOneRoute(grantee, arn));
  }

  grantAccountRead(grantee: iam.IGrantable, appIds: readonly string[] | '*'): iam.Grant {
    const apiId = this.apiIdFor(grantee);
    const arns = accountRoutesResources(appIds).map((resource) => this.arn(apiId, resource));
    return checkGrantAdded(this, grantee, grantInvoke(grantee, arns));
  }

  grantOnboarding(grantee: iam.IGrantable): iam.Grant {
    const apiId = this.apiIdFor(grantee);
    const arns = onboardingRoutesResources().map((resource) => this.arn(apiId, resource));
    return checkGrantAdded(this, grantee, grantRoutes(grantee, arns));
  }

  /**
   * The API id as the grantee's policy may name it, after refusing a grantee of another account (by its
   * principal's account, then by its stack's).
   */
  private apiIdFor(grantee: iam.IGrantable): string {
    checkPrincipalAccount(this, this.hubAccount, grantee);
    const stack = granteeStack(grantee);
    if (!stack) return this.apiId;
    checkSameAccount(this, this.hubAccount, stack);
    return this.apiIdIn(stack);
  }

  /**
   * The API id as `stack` may name it. In a stack deployed with the hub's (the same one, or nested stacks
   * of one top-level stack: CDK passes the reference as a nested stack's parameter or output), or when it
   * is a literal, `apiId`. Otherwise
   * a reference to the hub's stack would become an export there and an `Fn::ImportValue` here, and
   * CloudFormation then refuses every change of the hub's API id while the export is in use: the id is
   * read in `stack` from the hub's `api-id` SSM parameter instead (one template parameter per stack: CDK
   * keeps it by name), and a hub created in this app is deployed first (a stack dependency).
   */
  private apiIdIn(stack: Stack): string {
    const hubStack = Stack.of(this);
    const source = this.apiIdParameter;
    if (deployedTogether(stack, hubStack) || !Token.isUnresolved(this.apiId) || source === undefined) return this.apiId;
    checkSameAccount(this, this.hubAccount, stack);
    checkSameRegion(this, this.hubRegion, stack);
    // The parameter must exist before this stack reads it (`cdk deploy --all` orders by dependencies).
    if (source === 'written') {
      checkSameStage(this, stack);
      if (!stack.dependencies.includes(hubStack))
        stack.addStackDependency(hubStack, "it reads the hub's api-id SSM parameter");
    }
    return ssm.StringParameter.valueForStringParameter(stack, parameterName(this.componentAppId, 'api-id'));
  }

  /** The execute-api ARN of `resourceName` (`<stage>/<method><path>`) on this hub's API. */
  protected arn(apiId: string, resourceName: string): SizedArn {
    return executeApiArn(this, { apiId, region: this.hubRegion, account: this.hubAccount }, resourceName);
  }
}

/** An API Gateway id as it appears in the host name. */
const API_ID_PATTERN = /^[a-z0-9]{10}$/;

class ImportedHub extends WechatAuthorizerTokensBase {
  readonly componentAppId: string;
  readonly apiId: string;
  readonly #region: string | undefined;
  readonly #account: string | undefined;
  readonly #fromParameters: boolean;

  constructor(scope: Construct, id: string, attrs: WechatAuthorizerTokensAttributes, fromParameters = false) {
    super(scope, id);
    checkComponentAppId(attrs.componentAppId);
    if (!Token.isUnresolved(attrs.apiId) && !API_ID_PATTERN.test(attrs.apiId)) {
      throw new HubAttributesError(`apiId ${JSON.stringify(attrs.apiId)}: an API id is 10 lowercase letters or digits`);
    }
    this.componentAppId = attrs.componentAppId;
    this.apiId = attrs.apiId;
    this.#region = attrs.region;
    this.#account = attrs.account;
    this.#fromParameters = fromParameters;
  }

  protected override get apiIdParameter(): 'read' | undefined {
    return this.#fromParameters ? 'read' : undefined;
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
  return new ImportedHub(scope, id, { componentAppId, apiId }, true);
}
