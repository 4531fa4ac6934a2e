import { expect } from 'vitest';
import { click, follow, open, type Page, readForm, redirectTarget, submit } from './browser.js';

/**
 * WeChat's authorization flow through the local runtime, step by step as a browser without JavaScript
 * walks it: the hub's session, its page, WeChat's (the simulator's) page opened from it, the owner's
 * confirmation, WeChat's redirect to the hub, the hub's to the return URL. Each step is its own call so
 * that a test can stop anywhere (a browser that never comes back) or repeat one (a reload).
 */

export interface CreatedSession {
  readonly session_id: string;
  readonly authorize_url: string;
  readonly expires_at: string;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the assertion's message.
  }
  return { status: response.status, body: parsed };
}

export async function createSession(
  apiUrl: string,
  request: Readonly<Record<string, unknown>>,
): Promise<CreatedSession> {
  const answer = await postJson(`${apiUrl}/authorizations`, request);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as CreatedSession;
}

/** Opens the hub's page, then the WeChat link on it (as its button is clicked): the simulator's authorization page. */
export async function openWechatPage(session: CreatedSession): Promise<{ hub: Page; wechat: Page }> {
  const hub = await open(session.authorize_url);
  expect(hub.status, hub.body.slice(0, 300)).toBe(200);
  const wechat = await click(hub, 'authorize');
  expect(wechat.status, wechat.body.slice(0, 300)).toBe(200);
  return { hub, wechat };
}

/** Which account the owner picks on WeChat's page: a new one of a kind, or one the page lists. */
export type AccountChoice = { readonly new: 'official_account' | 'mini_program' } | { readonly appId: string };

/**
 * The owner confirms on WeChat's page: the form of the account chosen posted as it is, with `changes`
 * (`deliver_push: '0'`: WeChat's push is lost). The answer is WeChat's 302 to the hub.
 */
export async function confirm(
  wechat: Page,
  choice: AccountChoice = { new: 'official_account' },
  changes: Readonly<Record<string, string>> = {},
): Promise<Page> {
  const form = readForm(wechat, (attributes) =>
    'new' in choice ? attributes.get('data-new') === choice.new : attributes.get('data-appid') === choice.appId,
  );
  const answer = await submit(wechat, form, changes);
  expect(answer.status, answer.body.slice(0, 300)).toBe(302);
  return answer;
}

/** The browser comes back: WeChat's redirect to the hub's callback followed, whose answer (302 to the return URL) is returned. */
export async function comeBack(wechatRedirect: Page): Promise<{ callbackUrl: string; landing: Page }> {
  const callbackUrl = redirectTarget(wechatRedirect);
  const landing = await follow(wechatRedirect);
  return { callbackUrl, landing };
}

/** The query of the URL the hub sends the browser to at the end. */
export function returnedTo(landing: Page): URL {
  expect(landing.status, landing.body.slice(0, 300)).toBe(302);
  return new URL(redirectTarget(landing));
}
