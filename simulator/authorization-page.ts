import { type AuthorizerKind, authorizerInfoOf } from './account-info.js';
import {
  type AuthorizationRefusal,
  AuthorizationRefusedError,
  type ConfirmAuthorizationInput,
  checkRedirectUri,
  confirmAuthorization,
  type FlowContext,
  kindOf,
  kindsOffered,
  REFUSAL_TEXT,
  refused,
} from './authorization-flow.js';

/** The PC page (mp.weixin.qq.com), the H5 page (open.weixin.qq.com) and its older mp.weixin.qq.com form. */
export const PC_PAGE_PATH = '/cgi-bin/componentloginpage';
export const H5_PAGE_PATHS: readonly string[] = ['/wxaopen/safe/bindcomponent', '/safe/bindcomponent'];
/** Where the page's confirm forms post (form-urlencoded). */
export const CONFIRM_PATH = '/__sim/authorization/confirm';
/** The most existing accounts a page lists (a seeded population may hold 100,000). */
const MAX_LISTED = 50;

export interface PageAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Run after the answer is sent: the push of a confirmation with `deliver_push=later`. */
  readonly after?: (() => Promise<unknown>) | undefined;
}

export function isAuthorizationPath(pathname: string): boolean {
  return pathname === PC_PAGE_PATH || H5_PAGE_PATHS.includes(pathname) || pathname === CONFIRM_PATH;
}

/**
 * The authorization pages, playing the account owner: GET a page (checked as WeChat checks the link:
 * component_appid, the pre-auth code, auth_type, redirect_uri, the domain rule), POST a confirmation.
 * Refusals are HTTP 200 HTML pages, as WeChat shows them.
 */
export async function answerAuthorizationPage(
  context: FlowContext,
  method: string,
  url: URL,
  referer: string | undefined,
  body: string,
): Promise<PageAnswer> {
  try {
    if (url.pathname === CONFIRM_PATH) {
      if (method !== 'POST') return html(405, page('仅支持 POST', '<p id="error" data-reason="method">POST</p>'));
      const confirmed = await confirmAuthorization(context, confirmInput(new URLSearchParams(body)));
      return {
        status: 302,
        headers: { location: confirmed.location, 'cache-control': 'no-store' },
        body: '',
        after: confirmed.pushLater,
      };
    }
    return html(200, accountsPage(context, url, referer));
  } catch (error) {
    if (!(error instanceof AuthorizationRefusedError)) throw error;
    return html(200, refusalPage(error.reason, referer));
  }
}

function confirmInput(form: URLSearchParams): ConfirmAuthorizationInput {
  const preAuthCode = form.get('pre_auth_code');
  if (!preAuthCode) throw refused('pre_auth_code_missing');
  const redirectUri = form.get('redirect_uri');
  if (!redirectUri) throw refused('redirect_uri_invalid');
  const appId = form.get('appid') || undefined;
  const newKind = form.get('new');
  if (appId === undefined && newKind !== 'official_account' && newKind !== 'mini_program') {
    throw refused('account_not_offered');
  }
  return {
    preAuthCode,
    redirectUri,
    appId,
    kind: appId === undefined ? (newKind as AuthorizerKind) : undefined,
    authType: authTypeOf(form.get('auth_type')),
    bizAppId: form.get('biz_appid') || undefined,
    deliverPush: deliverPushOf(form.get('deliver_push')),
  };
}

/** `deliver_push`: `0` none, `later` after the redirect is answered, anything else (or none) before it. */
function deliverPushOf(value: string | null): boolean | 'later' {
  if (value === '0') return false;
  return value === 'later' ? 'later' : true;
}

function authTypeOf(value: string | null): number {
  if (value === null || value === '') return 3;
  if (value !== '1' && value !== '2' && value !== '3') throw refused('auth_type_invalid');
  return Number(value);
}

function accountsPage(context: FlowContext, url: URL, referer: string | undefined): string {
  const query = url.searchParams;
  if (H5_PAGE_PATHS.includes(url.pathname) && query.get('action') !== 'bindcomponent') throw refused('action_invalid');
  if (query.get('component_appid') !== context.world.config.componentAppId) throw refused('component_appid_invalid');
  const preAuthCode = query.get('pre_auth_code');
  if (!preAuthCode) throw refused('pre_auth_code_missing');
  const rejection = context.world.preAuthCodes.rejection(preAuthCode, context.clock.now());
  if (rejection) throw refused(`pre_auth_code_${rejection}`);
  const authType = authTypeOf(query.get('auth_type'));
  const redirectUri = checkRedirectUri(query.get('redirect_uri') ?? '', undefined);
  const domain = context.authorizationDomain?.toLowerCase();
  if (domain !== undefined) {
    if (hostnameOf(referer) !== domain) throw refused('entry_domain_mismatch');
    checkRedirectUri(redirectUri, domain);
  }
  const bizAppId = query.get('biz_appid') || undefined;
  const hidden: Record<string, string> = {
    pre_auth_code: preAuthCode,
    redirect_uri: redirectUri,
    auth_type: String(authType),
    ...(bizAppId ? { biz_appid: bizAppId } : {}),
  };
  const kinds = kindsOffered(authType);
  const existing =
    bizAppId !== undefined
      ? [{ appId: bizAppId, kind: kindOf(context.world, bizAppId) }]
      : [...context.world.population.all()]
          .filter((record) => kinds.includes(record.kind))
          .slice(0, MAX_LISTED)
          .map((record) => ({ appId: record.appId, kind: record.kind }));
  const items = existing.map(({ appId, kind }) => {
    const name = String(authorizerInfoOf(appId, kind)['nick_name']);
    const state = context.world.population.get(appId)?.authorized ? '已授权' : '未授权';
    return form({ ...hidden, appid: appId }, `授权 ${name}（${KIND_TEXT[kind]}，${appId}，${state}）`, {
      'data-appid': appId,
      'data-kind': kind,
    });
  });
  // With biz_appid the page is for that account alone: no new account can be picked.
  if (bizAppId === undefined) {
    for (const kind of kinds) {
      items.push(form({ ...hidden, new: kind }, `授权一个新的${KIND_TEXT[kind]}`, { 'data-new': kind }));
    }
  }
  return page(
    '授权第三方平台',
    `<h1>选择要授权给 ${escapeHtml(context.world.config.componentAppId)} 的账号</h1>
<p>模拟器：扮演账号管理员。确认后跳转到 <code id="redirect-uri">${escapeHtml(redirectUri)}</code>。</p>
<ul id="accounts">
${items.map((item) => `<li>${item}</li>`).join('\n')}
</ul>`,
  );
}

const KIND_TEXT: Readonly<Record<AuthorizerKind, string>> = { official_account: '公众号', mini_program: '小程序' };

function form(fields: Readonly<Record<string, string>>, label: string, data: Readonly<Record<string, string>>): string {
  const attributes = Object.entries(data)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="post" action="${CONFIRM_PATH}"${attributes}>${inputs}<button type="submit">${escapeHtml(label)}</button></form>`;
}

function refusalPage(reason: AuthorizationRefusal, referer: string | undefined): string {
  const detail =
    reason === 'entry_domain_mismatch' ? `授权入口页所在域名：${escapeHtml(hostnameOf(referer) ?? '空')}` : '';
  return page(
    '授权出错',
    `<p id="error" data-reason="${reason}">${escapeHtml(REFUSAL_TEXT[reason])}${detail ? `<br>${detail}` : ''}</p>`,
  );
}

function hostnameOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}（模拟）</title></head>
<body>
${content}
</body></html>
`;
}

function html(status: number, body: string): PageAnswer {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
