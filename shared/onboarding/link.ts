import { type Sensitive, sensitive } from '../sensitive.js';

/** Which of WeChat's authorization pages: the PC page (QR code) or the H5 page inside WeChat. */
export type OnboardingKind = 'pc' | 'h5';

/** WeChat's `auth_type`: 1 official accounts only, 2 mini programs only, 3 both. */
export type AuthType = 1 | 2 | 3;

export const DEFAULT_AUTH_TYPE: AuthType = 3;

export interface AuthorizeLinkBases {
  /** Origin of the PC page (`https://mp.weixin.qq.com`). */
  readonly pc: string;
  /** Origin of the H5 page (`https://open.weixin.qq.com`). */
  readonly h5: string;
}

export interface AuthorizeLinkRequest {
  readonly kind: OnboardingKind;
  readonly componentAppId: string;
  readonly preAuthCode: Sensitive;
  readonly redirectUri: string;
  readonly authType: AuthType;
  /** Limits the page to this one account; WeChat gives it precedence over `auth_type`. */
  readonly bizAppId?: string | undefined;
}

/**
 * WeChat's authorization link, in the documented forms (parameters in WeChat's order, each
 * percent-encoded):
 * - PC: `{pc}/cgi-bin/componentloginpage?component_appid=&pre_auth_code=&redirect_uri=&auth_type=&biz_appid=`
 * - H5: `{h5}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=&pre_auth_code=&redirect_uri=&auth_type=&biz_appid=#wechat_redirect`
 *
 * `biz_appid` only when given. The link carries a live pre-auth code, so it is `Sensitive`: revealed
 * only into the page (or the answer) that hands it to the browser, never logged.
 */
export function authorizeLink(bases: AuthorizeLinkBases, request: AuthorizeLinkRequest): Sensitive {
  const parameters: [string, string][] = [
    ['component_appid', request.componentAppId],
    ['pre_auth_code', request.preAuthCode.reveal()],
    ['redirect_uri', request.redirectUri],
    ['auth_type', String(request.authType)],
    ...(request.bizAppId === undefined ? [] : [['biz_appid', request.bizAppId] as [string, string]]),
  ];
  if (request.kind === 'pc') return sensitive(`${trimmed(bases.pc)}/cgi-bin/componentloginpage?${query(parameters)}`);
  const h5: [string, string][] = [['action', 'bindcomponent'], ['no_scan', '1'], ...parameters];
  return sensitive(`${trimmed(bases.h5)}/wxaopen/safe/bindcomponent?${query(h5)}#wechat_redirect`);
}

function query(parameters: readonly (readonly [string, string])[]): string {
  return parameters.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
}

function trimmed(base: string): string {
  return base.replace(/\/+$/, '');
}
