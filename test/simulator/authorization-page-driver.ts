import { sensitive } from '../../shared/sensitive.js';
import type { WechatSimulator } from '../../simulator/index.js';
import { clientFor, componentToken } from '../support/simulated-wechat.js';

/** One confirm form of an authorization page: its data attributes and hidden fields. */
export interface PageForm {
  readonly data: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string>>;
}

export interface OpenedPage {
  readonly status: number;
  readonly html: string;
  /** The refusal's reason (`data-reason`), when the page refused. */
  readonly error: string | undefined;
  readonly forms: readonly PageForm[];
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** Reads the page as a browser test would: the refusal, or the forms in `<ul id="accounts">`. */
export function readPage(status: number, html: string): OpenedPage {
  const error = /<p id="error" data-reason="([^"]+)"/.exec(html)?.[1];
  const forms = [...html.matchAll(/<form ([^>]*)>(.*?)<\/form>/g)].map((match) => {
    const data = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/data-([a-z]+)="([^"]*)"/g)].map((m) => [m[1] ?? '', unescapeHtml(m[2] ?? '')]),
    );
    const fields = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [
        m[1] ?? '',
        unescapeHtml(m[2] ?? ''),
      ]),
    );
    return { data, fields };
  });
  return { status, html, error, forms };
}

export async function openPage(url: string, referer?: string): Promise<OpenedPage> {
  const response = await fetch(url, referer ? { headers: { referer } } : {});
  return readPage(response.status, await response.text());
}

/** Posts a form as the browser would; the 302's Location, or the refusal page. */
export async function submit(
  simulator: WechatSimulator,
  fields: Readonly<Record<string, string>>,
): Promise<{ status: number; location: string | null; page: OpenedPage }> {
  const response = await fetch(`${simulator.url}/__sim/authorization/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  const html = await response.text();
  return { status: response.status, location: response.headers.get('location'), page: readPage(response.status, html) };
}

/** A pre-auth code minted over HTTP, the way the hub gets one. */
export async function mintPreAuthCode(simulator: WechatSimulator): Promise<string> {
  const client = clientFor(simulator);
  const token = await componentToken(simulator, client);
  return (await client.createPreAuthCode(sensitive(token.reveal()))).preAuthCode.reveal();
}

/** The PC link, as the onboarding builds it. */
export function pcLink(
  simulator: WechatSimulator,
  query: { preAuthCode: string; redirectUri: string; authType?: string; bizAppId?: string; componentAppId?: string },
): string {
  const url = new URL('/cgi-bin/componentloginpage', simulator.url);
  url.searchParams.set('component_appid', query.componentAppId ?? simulator.world.config.componentAppId);
  url.searchParams.set('pre_auth_code', query.preAuthCode);
  url.searchParams.set('redirect_uri', query.redirectUri);
  if (query.authType !== undefined) url.searchParams.set('auth_type', query.authType);
  if (query.bizAppId !== undefined) url.searchParams.set('biz_appid', query.bizAppId);
  return url.toString();
}
