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
