import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/index.js';
import type { Logger } from '../../shared/logger.js';
import { authorizerInfoOf } from '../../simulator/account-info.js';
import { open, type Page } from '../support/browser.js';
import { appIdOf, eventsAfter, ofType, readEvents, revisionOf, type SeenEvent } from '../support/local-events.js';
import { comeBack, confirm, createSession, openWechatPage, postJson, returnedTo } from '../support/onboarding-flow.js';

/**
 * Issue 15, end to end against the local runtime over HTTP only: a session created, the hub's page
 * opened, WeChat's (the simulator's) page opened from it, the owner's confirmation, the browser back at
 * the return URL with the appid; the account stored with its information; the events on the stand-in
 * bus once each, in order. Then the same with the browser never returning, the push never arriving, and
 * both, and what is refused.
 */

const lines: string[] = [];
const record = (message: string) => void lines.push(message);
const logger: Logger = { debug: () => undefined, info: record, warn: record, error: record };
/** Schedules out of the way: only the startup runs and what a test does happen. */
const quiet = { syncEveryMs: 3_600_000, refreshEveryMs: 3_600_000, ticketEveryMs: 3_600_000 } as const;
let runtime: LocalRuntime;
let landingUrl: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, authorizers: 0, ...quiet, logger });
  // The default allow-list: the runtime's own landing page.
  landingUrl = `${runtime.apiUrl}/__local/onboarded`;
});
afterAll(() => runtime.close());

const AUTHORIZED = 'Authorizer Authorized';
const COMPLETED = 'Onboarding Completed';

const eventCount = async () => (await readEvents(runtime.apiUrl)).length;

/** The events about `appId` among `events` (an onboarding's completion names the account too). */
const about = (events: readonly SeenEvent[], appId: string) => events.filter((event) => appIdOf(event) === appId);

/** Exactly one `Authorizer Authorized` and one `Onboarding Completed` for the account, the authorization first. */
function expectOnboardedOnce(events: readonly SeenEvent[], appId: string): void {
  const mine = about(events, appId);
  expect(ofType(mine, AUTHORIZED), JSON.stringify(mine)).toHaveLength(1);
  expect(ofType(mine, COMPLETED), JSON.stringify(mine)).toHaveLength(1);
  expect(mine.findIndex((event) => event.detailType === AUTHORIZED)).toBeLessThan(
    mine.findIndex((event) => event.detailType === COMPLETED),
  );
  for (const event of mine) {
    expect(event.source).toBe('wechat-authorizer-tokens');
    expect(event.id).toBeDefined();
  }
}

/** The account's own events (not the session's): their revisions increase in the order published. */
function expectAccountOrder(events: readonly SeenEvent[], appId: string): void {
  const revisions = about(events, appId)
    .filter((event) => event.detailType !== COMPLETED)
    .map(revisionOf);
  expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  expect(new Set(revisions).size).toBe(revisions.length);
}

const settled = (appId: string) => (events: readonly SeenEvent[]) =>
  ofType(about(events, appId), COMPLETED).length > 0 && ofType(about(events, appId), AUTHORIZED).length > 0;

/** What `GET /authorizers/{appid}` answers. */
async function account(appId: string): Promise<{ status: number; body: Readonly<Record<string, unknown>> }> {
  const response = await fetch(`${runtime.apiUrl}/authorizers/${appId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What the hub stored of the account (GET /authorizers/{appid}) is what WeChat (the simulator) says of it. */
async function expectStoredWithInformation(appId: string, kind?: 'official_account' | 'mini_program'): Promise<void> {
  const answer = await account(appId);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(JSON.stringify(answer.body)).not.toMatch(/refreshtoken@@@|authorizer_access_token|refresh_token/);
  const known = runtime.simulator.world.population.get(appId);
  expect(known?.authorized).toBe(true);
  const info = authorizerInfoOf(appId, known?.kind ?? 'official_account');
  expect(answer.body).toMatchObject({
    appid: appId,
    status: 'active',
    type: kind ?? known?.kind,
    name: info['nick_name'],
    principal_name: info['principal_name'],
    permissions: known?.funcInfo,
  });
  expect(answer.body['name']).toEqual(expect.any(String));
  expect(answer.body['permissions']).toEqual(expect.arrayContaining([expect.any(Number)]));
}

for (const kind of ['pc', 'h5'] as const) {
  // A new account each time, an official account through the PC page and a mini program through the H5 one.
  const newAccount = { new: kind === 'pc' ? 'official_account' : 'mini_program' } as const;
  describe(`${kind}: the whole flow`, () => {
    it('create a session, open the page, confirm in the simulator, land on return_url with the appid; the account stored; the events once each, in order', async () => {
      const since = await eventCount();
      const state = `state-${kind}-${'x'.repeat(20)}`;
      const session = await createSession(runtime.apiUrl, { kind, return_url: landingUrl, state });
      expect(session.authorize_url.startsWith(`${runtime.apiUrl}/authorize?session=`)).toBe(true);
      expect(Date.parse(session.expires_at)).toBeGreaterThan(runtime.simulator.clock.now());

      const { hub, wechat } = await openWechatPage(session);
      expect(hub.headers.get('cache-control')).toMatch(/no-store/);
      const link = new URL(wechat.url);
      expect(link.origin).toBe(runtime.simulator.url);
      expect(link.pathname).toBe(kind === 'pc' ? '/cgi-bin/componentloginpage' : '/wxaopen/safe/bindcomponent');
      // The Referer WeChat sees is the hub's page (its origin, by the page's Referrer-Policy).
      expect(wechat.sentReferer?.startsWith(runtime.apiUrl)).toBe(true);
      const redirect = new URL(link.searchParams.get('redirect_uri') ?? '');
      expect(`${redirect.origin}${redirect.pathname}`).toBe(`${runtime.apiUrl}/authorize/callback`);

      const { callbackUrl, landing } = await comeBack(await confirm(wechat, newAccount));
      expect(new URL(callbackUrl).searchParams.get('auth_code')).toBeTruthy();
      const returned = returnedTo(landing);
      expect(`${returned.origin}${returned.pathname}`).toBe(landingUrl);
      const appId = returned.searchParams.get('authorizer_appid') ?? '';
      expect(appId).toMatch(/^wx[0-9a-f]{16}$/);
      expect(returned.searchParams.get('state')).toBe(state);

      // The default return URL is the runtime's landing page, which says where the browser ended.
      const shown = await open(returned.href);
      expect(JSON.parse(shown.body)).toEqual({ onboarded: true, authorizer_appid: appId, state });

      const events = await eventsAfter(runtime.apiUrl, since, settled(appId));
      await expectStoredWithInformation(appId, newAccount.new);
      expectOnboardedOnce(await readEvents(runtime.apiUrl).then((all) => all.slice(since)), appId);
      expectAccountOrder(events, appId);
    });

    it('the browser never returns: the push completes the session, and the events come all the same', async () => {
      const since = await eventCount();
      const session = await createSession(runtime.apiUrl, { kind, return_url: landingUrl });
      const { wechat } = await openWechatPage(session);
      await confirm(wechat, newAccount); // WeChat's 302 to the hub is not followed
      const events = await eventsAfter(runtime.apiUrl, since, (seen) => ofType(seen, COMPLETED).length > 0);
      const appId = appIdOf(ofType(events, COMPLETED)[0] as SeenEvent) ?? '';
      expect(appId).toMatch(/^wx[0-9a-f]{16}$/);
      await eventsAfter(runtime.apiUrl, since, settled(appId));
      await expectStoredWithInformation(appId);
      expectOnboardedOnce((await readEvents(runtime.apiUrl)).slice(since), appId);
      expect(ofType(events, COMPLETED)[0]?.detail).toMatchObject({ completedBy: 'push' });
    });

    it('the push never arrives: the redirect completes the session', async () => {
      const since = await eventCount();
      const session = await createSession(runtime.apiUrl, { kind, return_url: landingUrl, state: 'no-push' });
      const { wechat } = await openWechatPage(session);
      const { landing } = await comeBack(await confirm(wechat, newAccount, { deliver_push: '0' }));
      const returned = returnedTo(landing);
      const appId = returned.searchParams.get('authorizer_appid') ?? '';
      expect(returned.searchParams.get('state')).toBe('no-push');
      const events = await eventsAfter(runtime.apiUrl, since, settled(appId));
      await expectStoredWithInformation(appId);
      expectOnboardedOnce(events, appId);
      expect(ofType(events, COMPLETED)[0]?.detail).toMatchObject({ completedBy: 'redirect' });
    });

    it('both: the push first, then the browser: each event once, and the second changes nothing', async () => {
      const since = await eventCount();
      const session = await createSession(runtime.apiUrl, { kind, return_url: landingUrl, state: 'both' });
      const { wechat } = await openWechatPage(session);
      const wechatRedirect = await confirm(wechat, newAccount);
      const pushed = await eventsAfter(runtime.apiUrl, since, (seen) => ofType(seen, COMPLETED).length > 0);
      const appId = appIdOf(ofType(pushed, COMPLETED)[0] as SeenEvent) ?? '';
      await eventsAfter(runtime.apiUrl, since, settled(appId));
      const before = await eventCount();
      const { landing } = await comeBack(wechatRedirect);
      const returned = returnedTo(landing);
      expect(returned.searchParams.get('authorizer_appid')).toBe(appId);
      expect(returned.searchParams.get('state')).toBe('both');
      await expectNoNewEvents(before);
      expectOnboardedOnce((await readEvents(runtime.apiUrl)).slice(since), appId);
    });
  });
}

/**
 * No event published after the first `before`: `GET /__local/events` answers once the stand-in bus has
 * caught up with every write made before the request, so nothing is still on its way.
 */
async function expectNoNewEvents(before: number): Promise<void> {
  expect((await readEvents(runtime.apiUrl)).slice(before)).toEqual([]);
}

describe('a reload, a permission change, a revocation', () => {
  let appId = '';
  let callbackUrl = '';
  let returnUrl = '';

  beforeAll(async () => {
    const session = await createSession(runtime.apiUrl, { kind: 'pc', return_url: landingUrl, state: 'reload' });
    const { wechat } = await openWechatPage(session);
    const back = await comeBack(await confirm(wechat));
    callbackUrl = back.callbackUrl;
    const returned = returnedTo(back.landing);
    returnUrl = returned.href;
    appId = returned.searchParams.get('authorizer_appid') ?? '';
    await eventsAfter(runtime.apiUrl, 0, settled(appId));
  });

  it('the same callback URL opened again (a reload) lands on the same return_url, with no new event', async () => {
    const before = await eventCount();
    const again = await open(callbackUrl);
    expect(returnedTo(again).href).toBe(returnUrl);
    await expectNoNewEvents(before);
  });

  it('a permission change: WeChat pushes updateauthorized, the account has its new permission sets, `Authorizer Permissions Changed`', async () => {
    const since = await eventCount();
    const changed = await postJson(`${runtime.apiUrl}/__sim/permissions`, { appid: appId, permissions: [1, 15, 1] });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      appid: appId,
      event: 'updateauthorized',
      permissions: [1, 15],
      delivered: true,
    });
    const events = await eventsAfter(
      runtime.apiUrl,
      since,
      (seen) => ofType(about(seen, appId), 'Authorizer Permissions Changed').length > 0,
    );
    expect(ofType(about(events, appId), 'Authorizer Permissions Changed')).toHaveLength(1);
    const answer = await account(appId);
    expect(answer.body['permissions']).toEqual([1, 15]);
    expectAccountOrder((await readEvents(runtime.apiUrl)).slice(0), appId);
  });

  it('a revocation: `Authorizer Revoked`, after the account’s earlier events', async () => {
    const since = await eventCount();
    const revoked = await postJson(`${runtime.apiUrl}/__sim/revoke`, { appid: appId });
    expect(revoked.status).toBe(200);
    const events = await eventsAfter(
      runtime.apiUrl,
      since,
      (seen) => ofType(about(seen, appId), 'Authorizer Revoked').length > 0,
    );
    expect(ofType(about(events, appId), 'Authorizer Revoked')).toHaveLength(1);
    expect((await account(appId)).body).toMatchObject({ status: 'revoked' });
    expectAccountOrder(await readEvents(runtime.apiUrl), appId);
  });

  it('POST /__sim/permissions refuses what is no change of permission sets', async () => {
    for (const body of [
      { appid: appId },
      { appid: appId, permissions: [] },
      { appid: appId, permissions: ['1'] },
      { permissions: [1] },
    ]) {
      const answer = await postJson(`${runtime.apiUrl}/__sim/permissions`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    // Revoked above: no longer an authorized account.
    expect((await postJson(`${runtime.apiUrl}/__sim/permissions`, { appid: appId, permissions: [1] })).status).toBe(
      404,
    );
  });
});

describe('an account that authorized before, and a bare link', () => {
  it('an account already authorized onboards again: the session completes, and `Authorizer Authorized` once more, from active, with the later authTime', async () => {
    const first = await createSession(runtime.apiUrl, { kind: 'pc', return_url: landingUrl });
    const firstBack = await comeBack(await confirm((await openWechatPage(first)).wechat));
    const appId = returnedTo(firstBack.landing).searchParams.get('authorizer_appid') ?? '';
    const before = ofType(about(await eventsAfter(runtime.apiUrl, 0, settled(appId)), appId), AUTHORIZED);
    // WeChat's authTime is in seconds: the second authorization is seconds later, as an owner's would be.
    expect((await postJson(`${runtime.apiUrl}/__sim/clock/advance`, { seconds: 5 })).status).toBe(200);
    const since = await eventCount();
    const again = await createSession(runtime.apiUrl, { kind: 'h5', return_url: landingUrl, state: 'again' });
    const { wechat } = await openWechatPage(again);
    const { landing } = await comeBack(await confirm(wechat, { appId }));
    const returned = returnedTo(landing);
    expect(returned.searchParams.get('authorizer_appid')).toBe(appId);
    const events = await eventsAfter(runtime.apiUrl, since, settled(appId));
    expectOnboardedOnce(events, appId);
    expect(ofType(events, COMPLETED)[0]?.detail).toMatchObject({ appId, sessionId: again.session_id, state: 'again' });
    const authorized = ofType(events, AUTHORIZED)[0]?.detail;
    expect(authorized).toMatchObject({ appId, previousStatus: 'active', via: 'authorization_code' });
    expect(Number(authorized?.['authTime'])).toBeGreaterThan(Number(before[0]?.detail['authTime']));
    expectAccountOrder(await readEvents(runtime.apiUrl), appId);
  });

  it('biz_appid: WeChat’s page offers that account alone, and the session completes for it', async () => {
    const appId = 'wx00000000000b12a0';
    const session = await createSession(runtime.apiUrl, { kind: 'pc', biz_appid: appId, return_url: landingUrl });
    const { wechat } = await openWechatPage(session);
    expect(new URL(wechat.url).searchParams.get('biz_appid')).toBe(appId);
    expect([...wechat.body.matchAll(/<form\b/g)]).toHaveLength(1);
    const since = await eventCount();
    const { landing } = await comeBack(await confirm(wechat, { appId }));
    expect(returnedTo(landing).searchParams.get('authorizer_appid')).toBe(appId);
    expectOnboardedOnce(await eventsAfter(runtime.apiUrl, since, settled(appId)), appId);
    await expectStoredWithInformation(appId);
  });

  it('POST /authorizations/link: the platform’s own page on the registered domain opens WeChat’s link; WeChat returns to its redirect_uri, and the push completes the session', async () => {
    const since = await eventCount();
    // The platform's own page, on the registered domain (the API's host locally) and on the allow-list.
    const platformPage = `${landingUrl}/platform`;
    const created = await postJson(`${runtime.apiUrl}/authorizations/link`, { kind: 'pc', redirect_uri: platformPage });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { url, session_id: sessionId } = created.body as { url: string; session_id: string };
    expect(new URL(url).origin).toBe(runtime.simulator.url);
    const wechat = await open(url, { referer: `${new URL(platformPage).origin}/` });
    expect(wechat.status).toBe(200);
    const back = await confirm(wechat, { new: 'mini_program' });
    const target = new URL(back.headers.get('location') ?? '');
    // Straight back to the platform, not through the hub: the code is the platform's to ignore.
    expect(`${target.origin}${target.pathname}`).toBe(platformPage);
    expect(target.searchParams.get('auth_code')).toBeTruthy();
    const events = await eventsAfter(runtime.apiUrl, since, (seen) => ofType(seen, COMPLETED).length > 0);
    const completed = ofType(events, COMPLETED)[0] as SeenEvent;
    expect(completed.detail).toMatchObject({ sessionId, completedBy: 'push' });
    const appId = appIdOf(completed) ?? '';
    expectOnboardedOnce(await eventsAfter(runtime.apiUrl, since, settled(appId)), appId);
    await expectStoredWithInformation(appId, 'mini_program');
  });
});

describe('what is refused', () => {
  it('a return_url outside the allow-list, at POST /authorizations', async () => {
    for (const returnUrl of [
      'https://evil.example/back',
      `${runtime.apiUrl}/__local/onboardedx`,
      `${runtime.apiUrl}/`,
    ]) {
      const answer = await postJson(`${runtime.apiUrl}/authorizations`, { kind: 'pc', return_url: returnUrl });
      expect(answer.status, returnUrl).toBe(400);
      expect(answer.body).toMatchObject({ error: 'return_url_not_allowed' });
    }
  });

  it('WeChat refuses its page opened from elsewhere than the hub (no Referer, or another site)', async () => {
    const session = await createSession(runtime.apiUrl, { kind: 'pc', return_url: landingUrl });
    const { wechat } = await openWechatPage(session);
    for (const referer of [undefined, 'https://elsewhere.example/']) {
      const page: Page = await open(wechat.url, { referer });
      expect(page.body).not.toMatch(/<form/i);
    }
  });

  it('a redirect without a session', async () => {
    const page = await open(`${runtime.apiUrl}/authorize/callback?auth_code=queryauthcode@@@x&expires_in=3600`);
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.headers.get('location')).toBeNull();
  });

  // Last: the clock jumps past every session's life.
  it('an expired session: its page refused once the session has lived its time', async () => {
    const session = await createSession(runtime.apiUrl, { kind: 'h5', return_url: landingUrl });
    const lifeSeconds = Math.ceil((Date.parse(session.expires_at) - runtime.simulator.clock.now()) / 1000);
    const advanced = await postJson(`${runtime.apiUrl}/__sim/clock/advance`, { seconds: lifeSeconds + 1 });
    expect(advanced.status).toBe(200);
    const page = await open(session.authorize_url);
    expect(page.status).toBe(400);
    expect(page.body).not.toMatch(/id="authorize"/);
    // The one refusal page: an expired session looks like one that never was.
    const unknown = await open(`${runtime.apiUrl}/authorize?session=${'A'.repeat(43)}`);
    expect(page.body).toBe(unknown.body);
  });
});

describe('the return-URL allow-list option', () => {
  it('onboardingReturnUrls replaces the default; an entry that is not an https (or loopback http) URL stops the start', async () => {
    const other = await startLocalRuntime({
      port: 0,
      authorizers: 0,
      ...quiet,
      onboardingReturnUrls: ['http://localhost:8080/onboarded'],
      logger,
    });
    try {
      const allowed = await postJson(`${other.apiUrl}/authorizations`, {
        kind: 'pc',
        return_url: 'http://localhost:8080/onboarded/done',
      });
      expect(allowed.status).toBe(201);
      const landing = await postJson(`${other.apiUrl}/authorizations`, {
        kind: 'pc',
        return_url: `${other.apiUrl}/__local/onboarded`,
      });
      expect(landing.status).toBe(400);
    } finally {
      await other.close();
    }
    await expect(
      startLocalRuntime({ port: 0, authorizers: 0, onboardingReturnUrls: ['http://example.com/back'], logger }),
    ).rejects.toMatchObject({ name: 'LocalSettingError' });
  });
});
