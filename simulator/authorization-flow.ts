import { isAppId } from '../shared/appid.js';
import type { MessageCrypto } from '../shared/push/index.js';
import {
  type AuthorizerKind,
  authorizerInfoOf,
  defaultKindOf,
  funcInfoAnswer,
  normalizeFuncInfo,
} from './account-info.js';
import { type Answer, type Body, dataFormatError, fail, stringField } from './answer.js';
import type { Clock } from './clock.js';
import { SimulatorError } from './errors.js';
import { deliverPush, type PushResult } from './push.js';
import type { WechatWorld } from './world.js';

/** Why the authorization page (or `confirmAuthorization`) refuses: each has its own text on the page. */
export type AuthorizationRefusal =
  | 'pre_auth_code_missing'
  | 'pre_auth_code_unknown'
  | 'pre_auth_code_expired'
  | 'pre_auth_code_spent'
  | 'component_appid_invalid'
  | 'auth_type_invalid'
  | 'action_invalid'
  | 'redirect_uri_invalid'
  | 'entry_domain_mismatch'
  | 'redirect_domain_mismatch'
  | 'account_not_offered';

/** The page (or a test) asked for something WeChat refuses; nothing changed. */
export class AuthorizationRefusedError extends SimulatorError {
  constructor(
    readonly reason: AuthorizationRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What the account owner does on the authorization page: pick an account (or a new one) and confirm. */
export interface ConfirmAuthorizationInput {
  readonly preAuthCode: string;
  /** Where the browser goes next, with `auth_code` and `expires_in` appended. */
  readonly redirectUri: string;
  /** An account of the owner's (authorized already or not); without it, a new account of `kind`. */
  readonly appId?: string | undefined;
  /** A new account's kind. @default 'official_account' */
  readonly kind?: AuthorizerKind | undefined;
  /** The permission sets granted; an existing account keeps its own unless given. */
  readonly funcInfo?: readonly number[] | undefined;
  /** The page's `auth_type` (1, 2, 3) and `biz_appid`: the account must be one the page offered. */
  readonly authType?: number | undefined;
  readonly bizAppId?: string | undefined;
  /**
   * `true`: the push is delivered (and answered) before the redirect is given; `false`: no push (the
   * redirect alone completes the flow); `'later'`: not yet, `pushLater()` delivers it (the browser's
   * redirect first, then the push). No callback URL: no push whatever this says.
   * @default true
   */
  readonly deliverPush?: boolean | 'later' | undefined;
}

export interface ConfirmedAuthorization {
  /** The 302's Location: redirect_uri with `auth_code` and `expires_in` appended. */
  readonly location: string;
  readonly appId: string;
  readonly event: 'authorized' | 'updateauthorized';
  /** The code the redirect and the push both carry. */
  readonly authorizationCode: string;
  /** The push's outcome; missing when not delivered (`deliverPush: false` or no callback URL). */
  readonly push?: PushResult | undefined;
  /** With `deliverPush: 'later'`: delivers the push now (once; a second call gives the same outcome). */
  readonly pushLater?: (() => Promise<PushResult>) | undefined;
}

/** The kinds `auth_type` offers: 1 official accounts, 2 mini programs, 3 both. */
export function kindsOffered(authType: number): readonly AuthorizerKind[] {
  if (authType === 1) return ['official_account'];
  if (authType === 2) return ['mini_program'];
  return ['official_account', 'mini_program'];
}

/** The kind an account has (or would have: an account the simulator does not know yet derives it). */
export function kindOf(world: WechatWorld, appId: string): AuthorizerKind {
  return world.population.get(appId)?.kind ?? defaultKindOf(appId);
}

/** api_get_authorizer_info: who the account is, its permission sets, and (as WeChat) its refresh token. */
export function authorizerInfoAnswer(world: WechatWorld, accessToken: string | undefined, body: Body): Answer {
  const problem = world.guard(accessToken, body);
  if (problem) return problem;
  const appId = stringField(body, 'authorizer_appid');
  if (appId === undefined) return dataFormatError('authorizer_appid');
  const record = world.population.get(appId);
  if (!record) return fail(40013, 'invalid appid');
  if (!record.authorized) return fail(61003, 'component is not authorized by this account');
  return {
    authorizer_info: authorizerInfoOf(appId, record.kind),
    authorization_info: {
      authorizer_appid: appId,
      authorizer_refresh_token: record.refreshToken,
      func_info: funcInfoAnswer(record.funcInfo),
    },
  };
}

/**
 * The account changes the permission sets it grants (in WeChat's 公众平台): api_query_auth and
 * api_get_authorizer_info answer the new sets, and WeChat pushes `updateauthorized` with a new code.
 */
export async function changePermissions(
  context: FlowContext,
  appId: string,
  funcInfo: readonly number[],
): Promise<PushResult & { authorizationCode: string }> {
  const record = context.world.population.get(appId);
  if (!record?.authorized) throw new Error(`${appId} is not an authorized account`);
  const normalized = normalizeFuncInfo(funcInfo);
  if (!context.callbackUrl) throw new TypeError('no callback URL: pass one or set callbackUrl');
  record.funcInfo = normalized;
  const authorization = context.world.issueAuthorizationCode(appId);
  const push = await deliverPush(
    context.crypto,
    context.callbackUrl,
    {
      AppId: context.crypto.appId,
      CreateTime: Math.floor(context.clock.now() / 1000),
      InfoType: 'updateauthorized',
      AuthorizerAppid: appId,
      AuthorizationCode: authorization.authorizationCode,
      AuthorizationCodeExpiredTime: Math.floor(authorization.codeExpiresAt / 1000),
    },
    context.clock,
  );
  return { ...push, authorizationCode: authorization.authorizationCode };
}

/** What the confirmation needs of the running simulator. */
export interface FlowContext {
  readonly world: WechatWorld;
  readonly clock: Clock;
  readonly crypto: MessageCrypto;
  readonly callbackUrl: string | undefined;
  /** The registered authorization domain (a hostname), when the simulator enforces it. */
  readonly authorizationDomain: string | undefined;
}

/**
 * The account owner confirms: checks what WeChat checks (the pre-auth code, redirect_uri's domain, that
 * the account is one the page offered), spends the code, authorizes the account, pushes
 * `authorized` / `updateauthorized` with `PreAuthCode` and the very code the redirect carries (awaited,
 * so that the push has been answered before the browser is sent on), and gives the redirect's Location.
 * @throws AuthorizationRefusedError; nothing changed then.
 */
export async function confirmAuthorization(
  context: FlowContext,
  input: ConfirmAuthorizationInput,
): Promise<ConfirmedAuthorization> {
  const { world, clock } = context;
  const redirect = checkRedirectUri(input.redirectUri, context.authorizationDomain);
  const appId = input.appId;
  // A form tampered with (or a test's typo) must not create an account no appid could name.
  if (appId !== undefined && !isAppId(appId)) throw refused('account_not_offered');
  const kind = appId === undefined ? (input.kind ?? 'official_account') : kindOf(world, appId);
  const offered =
    input.bizAppId !== undefined ? appId === input.bizAppId : kindsOffered(input.authType ?? 3).includes(kind);
  if (!offered) throw refused('account_not_offered');
  const rejection = world.preAuthCodes.rejection(input.preAuthCode, clock.now());
  if (rejection) throw refused(`pre_auth_code_${rejection}`);
  const funcInfo = input.funcInfo === undefined ? undefined : normalizeFuncInfo(input.funcInfo);
  world.preAuthCodes.spend(input.preAuthCode);
  const event = appId !== undefined && world.population.get(appId)?.authorized ? 'updateauthorized' : 'authorized';
  const authorization = world.authorize(appId, { kind, funcInfo });
  const target = context.callbackUrl;
  let sent: Promise<PushResult> | undefined;
  // Delivered once, however often asked: the page's route and a test may both ask for a later push.
  const send = (url: string) => {
    sent ??= deliverPush(
      context.crypto,
      url,
      {
        AppId: context.crypto.appId,
        CreateTime: Math.floor(clock.now() / 1000),
        InfoType: event,
        AuthorizerAppid: authorization.appId,
        AuthorizationCode: authorization.authorizationCode,
        AuthorizationCodeExpiredTime: Math.floor(authorization.codeExpiresAt / 1000),
        PreAuthCode: input.preAuthCode,
      },
      clock,
    );
    return sent;
  };
  const push = input.deliverPush !== false && input.deliverPush !== 'later' && target ? await send(target) : undefined;
  const pushLater = input.deliverPush === 'later' && target ? () => send(target) : undefined;
  const expiresIn = Math.max(0, Math.floor((authorization.codeExpiresAt - clock.now()) / 1000));
  const query = `auth_code=${encodeURIComponent(authorization.authorizationCode)}&expires_in=${expiresIn}`;
  return {
    location: appendQuery(redirect, query),
    appId: authorization.appId,
    event,
    authorizationCode: authorization.authorizationCode,
    push,
    pushLater,
  };
}

/** redirect_uri must be an http(s) URL, on the registered domain when one is set. */
export function checkRedirectUri(redirectUri: string, domain: string | undefined): string {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw refused('redirect_uri_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('redirect_uri_invalid');
  if (domain !== undefined && url.hostname !== domain.toLowerCase()) throw refused('redirect_domain_mismatch');
  return redirectUri;
}

/**
 * Appends to the URL as given (not re-serialized: its own query is kept byte for byte), before any
 * fragment, with `&` when it has a query already and `?` otherwise.
 */
export function appendQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}

/** The texts the page shows, WeChat's where its pages give them. */
export const REFUSAL_TEXT: Readonly<Record<AuthorizationRefusal, string>> = {
  pre_auth_code_missing: '参数错误：缺少 pre_auth_code',
  pre_auth_code_unknown: '授权链接无效：pre_auth_code 错误',
  pre_auth_code_expired: '授权链接已过期：pre_auth_code 已失效，请重新获取',
  pre_auth_code_spent: '授权链接已使用：pre_auth_code 只能使用一次',
  component_appid_invalid: '参数错误：component_appid 不是本第三方平台',
  auth_type_invalid: '参数错误：auth_type 只能是 1、2 或 3',
  action_invalid: '参数错误：action 必须是 bindcomponent',
  redirect_uri_invalid: '参数错误：redirect_uri 不是合法的网址',
  entry_domain_mismatch:
    '请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。',
  redirect_domain_mismatch:
    '请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。',
  account_not_offered: '该账号不在本次授权范围内（auth_type / biz_appid）',
};

export function refused(reason: AuthorizationRefusal): AuthorizationRefusedError {
  return new AuthorizationRefusedError(reason, REFUSAL_TEXT[reason]);
}
