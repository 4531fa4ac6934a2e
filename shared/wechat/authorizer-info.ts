import { isAppId } from '../appid.js';
import type { Sensitive } from '../sensitive.js';
import { WechatInvalidRequestError } from './errors.js';
import { authorizerInfoResponse, parseResponse } from './responses.js';
import type { AuthorizerInfo } from './results.js';
import { type CallOptions, postToWechat, type TransportOptions } from './transport.js';

/**
 * api_get_authorizer_info, mapped to the product's names. Kept out of client.ts (which delegates to it)
 * so that the client stays one readable page.
 */
export async function fetchAuthorizerInfo(
  transport: TransportOptions,
  componentAppId: string,
  componentAccessToken: Sensitive,
  authorizerAppId: string,
  call?: CallOptions,
): Promise<AuthorizerInfo> {
  const api = 'api_get_authorizer_info';
  if (!isAppId(authorizerAppId)) throw new WechatInvalidRequestError(api, 'authorizerAppId is not a well-formed appid');
  const payload = await postToWechat(
    transport,
    api,
    componentAccessToken,
    { component_appid: componentAppId, authorizer_appid: authorizerAppId },
    call,
  );
  const body = parseResponse(api, authorizerInfoResponse, payload);
  const info = body.authorizer_info;
  return {
    appId: authorizerAppId,
    kind: info.MiniProgramInfo === undefined ? 'official_account' : 'mini_program',
    nickName: info.nick_name,
    userName: info.user_name,
    headImg: nonEmpty(info.head_img),
    alias: nonEmpty(info.alias),
    qrcodeUrl: nonEmpty(info.qrcode_url),
    principalName: nonEmpty(info.principal_name),
    signature: nonEmpty(info.signature),
    serviceType: info.service_type_info.id,
    verifyType: info.verify_type_info.id,
    accountStatus: info.account_status,
    funcInfo: sortedUnique(body.authorization_info.func_info.map((entry) => entry.funcscope_category.id)),
  };
}

/** WeChat sends "" for an unset alias or head image: the product treats that as absent. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Ascending, each once: the same grant always reads the same, whatever order WeChat lists it in. */
export function sortedUnique(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}
