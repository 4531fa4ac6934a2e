import type { AuthorizerDetail, AuthorizerSummary } from '../../shared/store/index.js';

/**
 * How the getter shows an account: its own route's body (`GET /authorizers/{appid}`) and the listing's
 * summary of it. Never a token or a refresh token: the projections they are read with hold none.
 * docs/api.md describes every field.
 */

/** The account's route: every field present, `null` where the hub does not know it (yet). */
export function authorizerBody(detail: AuthorizerDetail): Record<string, unknown> {
  const info = detail.accountInfo;
  return {
    appid: detail.appId,
    status: detail.status,
    // Unknown for an account whose status was last written before the hub recorded why.
    ...(detail.statusReason === undefined ? {} : { status_reason: detail.statusReason }),
    type: detail.kind ?? null,
    name: detail.nickName ?? null,
    principal_name: detail.principalName ?? null,
    verify_type: info?.verifyType ?? null,
    service_type: info?.serviceType ?? null,
    account_status: info?.accountStatus ?? null,
    user_name: info?.userName ?? null,
    alias: info?.alias ?? null,
    head_img: info?.headImg ?? null,
    qrcode_url: info?.qrcodeUrl ?? null,
    signature: info?.signature ?? null,
    permissions: [...(detail.funcInfo ?? [])],
    authorized_at: new Date(detail.authTime * 1000).toISOString(),
    updated_at: new Date(updatedAt(detail)).toISOString(),
  };
}

/** The latest change of what the route shows: its status, its authorization, its information. */
function updatedAt(detail: AuthorizerDetail): number {
  return Math.max(detail.statusChangedAt, detail.authTimeChangedAt, detail.infoChangedAt ?? 0);
}

/** One account of `GET /authorizers`. */
export function summaryBody(summary: AuthorizerSummary): Record<string, unknown> {
  return {
    authorizer_appid: summary.appId,
    status: summary.status,
    auth_time: summary.authTime,
    expires_at:
      summary.accessTokenExpiresAt === undefined ? null : new Date(summary.accessTokenExpiresAt).toISOString(),
    type: summary.kind ?? null,
    name: summary.nickName ?? null,
    principal_name: summary.principalName ?? null,
    permissions: [...(summary.funcInfo ?? [])],
  };
}
