import type { Sensitive } from '../sensitive.js';

// What each call of the WechatComponentClient gives back, in the product's names: WeChat's snake_case
// fields checked (responses.ts) and renamed, and every secret, ticket and token wrapped as Sensitive.

export interface ComponentAccessToken {
  readonly componentAccessToken: Sensitive;
  readonly expiresInSeconds: number;
}

export interface AuthorizerListPage {
  readonly totalCount: number;
  readonly authorizers: readonly ListedAuthorizer[];
}

export interface ListedAuthorizer {
  readonly authorizerAppId: string;
  readonly refreshToken: Sensitive;
  /** Unix seconds, as WeChat sends it. */
  readonly authTime: number;
}

export interface AuthorizerAccessToken {
  readonly authorizerAccessToken: Sensitive;
  readonly expiresInSeconds: number;
  /** Whatever came back: it may differ from the one sent, and then it is the one to keep. */
  readonly authorizerRefreshToken: Sensitive;
}

export interface AuthorizationInfo extends AuthorizerAccessToken {
  readonly authorizerAppId: string;
  /** The permission set ids (funcscope_category.id) the account granted. */
  readonly funcInfo: readonly number[];
}

export interface PreAuthCode {
  readonly preAuthCode: Sensitive;
  readonly expiresInSeconds: number;
}

/** What an account is: `MiniProgramInfo` present in api_get_authorizer_info means a mini program. */
export type AuthorizerKind = 'official_account' | 'mini_program';

/**
 * api_get_authorizer_info's answer, in the product's names: who the account is and what it granted.
 * The refresh token the same answer carries is not kept here (the sync and the renewal own it).
 */
export interface AuthorizerInfo {
  readonly appId: string;
  readonly kind: AuthorizerKind;
  readonly nickName: string;
  /** The original id (`gh_…`). */
  readonly userName: string;
  readonly headImg?: string | undefined;
  readonly alias?: string | undefined;
  readonly qrcodeUrl?: string | undefined;
  readonly principalName?: string | undefined;
  readonly signature?: string | undefined;
  /** service_type_info.id: for official accounts 0 subscription, 1 upgraded subscription, 2 service. */
  readonly serviceType: number;
  /** verify_type_info.id: −1 unverified, 0 WeChat-verified, others as WeChat documents them. */
  readonly verifyType: number;
  /** account_status as WeChat sends it (its values are not documented; 1 is seen for a normal account). */
  readonly accountStatus?: number | undefined;
  /** The permission set ids (funcscope_category.id) the account granted, ascending, each once. */
  readonly funcInfo: readonly number[];
}
