import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOnboarding } from '../../functions/onboarding/onboarding.js';
import { ROUTE_KEYS } from '../../shared/api/routes.js';
import { MAX_PAGE_OPENINGS } from '../../shared/store/items/onboarding-session.js';
import { httpApiEvent } from '../fixtures/api-gateway.js';
import { type OnboardingBed, preAuthCodeOf, RETURN_URL, startOnboardingBed } from '../onboarding/onboarding-bed.js';
import { useDynalite } from '../support/dynalite-fixture.js';

// The onboarding function's adapter (functions/onboarding/onboarding.ts): the IAM routes answer JSON,
// the two public pages HTML, every refused page alike.

describe('the onboarding function', () => {
  const backend = useDynalite();
  let bed: OnboardingBed;
  let handle: ReturnType<typeof createOnboarding>;
  beforeEach(async () => {
    bed = await startOnboardingBed(backend());
    // A promise of the service, as a Lambda entry that wires it asynchronously may give.
    handle = createOnboarding(async () => bed.onboarding, bed.logger);
  });
  afterEach(() => bed.close());

  const create = (body: unknown, routeKey = ROUTE_KEYS.authorizations) =>
    handle(
      httpApiEvent({
        routeKey,
        rawPath: routeKey.split(' ')[1] ?? '',
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  const page = (query: Record<string, string>) =>
    handle(httpApiEvent({ routeKey: ROUTE_KEYS.authorizePage, rawPath: '/authorize', query, iam: false }));
  const callback = (query: Record<string, string>) =>
    handle(httpApiEvent({ routeKey: ROUTE_KEYS.authorizeCallback, rawPath: '/authorize/callback', query, iam: false }));
  const json = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;
  async function session(state = 'st') {
    const answer = await create({ kind: 'pc', return_url: `${RETURN_URL}/x`, state });
    return String(json(answer)['session_id']);
  }
  /** The href of the page's `<a id="authorize">`, its entities decoded. */
  const hrefOf = (html: string) =>
    (/<a id="authorize" href="([^"]*)">/.exec(html)?.[1] ?? '').replaceAll('&amp;', '&').replaceAll('&#39;', "'");

  it('POST /authorizations: 201 with the session, its page and expiry', async () => {
    const answer = await create({ kind: 'h5', auth_type: 2, return_url: `${RETURN_URL}/x`, state: 'abc' });
    expect(answer.statusCode).toBe(201);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    const body = json(answer);
    expect(body).toEqual({
      session_id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      authorize_url: `https://hub.example.com/authorize?session=${body['session_id']}`,
      expires_at: new Date(bed.simulator.clock.now() + bed.parts.config.onboardingSessionMs).toISOString(),
    });
  });

  it('POST /authorizations: 400 invalid_body and return_url_not_allowed, as {error, message}', async () => {
    const invalid = await create({ kind: 'pc', return_url: `${RETURN_URL}/x`, extra: 1 });
    expect(invalid.statusCode).toBe(400);
    expect(json(invalid)).toEqual({ error: 'invalid_body', message: expect.stringContaining('"kind"') });
    const offList = await create({ kind: 'pc', return_url: 'https://evil.example/x' });
    expect(offList.statusCode).toBe(400);
    expect(json(offList)['error']).toBe('return_url_not_allowed');
    expect(offList.body).not.toContain('evil.example');
  });

  it('POST /authorizations/link: 201 with WeChat link itself', async () => {
    const answer = await create({ kind: 'pc', redirect_uri: RETURN_URL }, ROUTE_KEYS.authorizationLink);
    expect(answer.statusCode).toBe(201);
    const body = json(answer);
    const url = new URL(String(body['url']));
    expect(url.pathname).toBe('/cgi-bin/componentloginpage');
    expect(url.searchParams.get('redirect_uri')).toBe(RETURN_URL);
    expect(body['expires_at']).toEqual(expect.any(String));
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'session_id', 'url']);
  });

  it('GET /authorize: the HTML page with the link as a button, a hashed script, and the headers WeChat needs', async () => {
    const id = await session();
    const answer = await page({ session: id });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'origin',
    });
    const link = new URL(hrefOf(answer.body));
    expect(link.searchParams.get('redirect_uri')).toBe(`https://hub.example.com/authorize/callback?session=${id}`);
    expect(preAuthCodeOf(link.href)).toMatch(/^preauthcode@@@/);
    const script = /<script>([^<]*)<\/script>/.exec(answer.body)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = String(answer.headers?.['content-security-policy']);
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
  });

  it('GET /authorize/callback: 302 to return_url with authorizer_appid and state, never cached', async () => {
    const id = await session('s t');
    await page({ session: id });
    const grant = bed.simulator.world.authorize();
    const answer = await callback({ session: id, auth_code: grant.authorizationCode, expires_in: '3600' });
    expect(answer.statusCode).toBe(302);
    expect(answer.headers).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    expect(answer.headers?.['location']).toBe(`${RETURN_URL}/x?authorizer_appid=${grant.appId}&state=s+t`);
  });

  it('every refused page is the same: no session, a malformed one, completed, expired, another code', async () => {
    const completed = await session();
    const grant = bed.simulator.world.authorize();
    await callback({ session: completed, auth_code: grant.authorizationCode });
    const expiring = await session();
    const refusals = [
      await page({ session: 'A'.repeat(43) }),
      await page({}),
      await page({ session: '<script>' }),
      await page({ session: completed }),
      await callback({ session: completed, auth_code: 'queryauthcode@@@other' }),
      await callback({ session: 'A'.repeat(43), auth_code: grant.authorizationCode }),
      await callback({ session: expiring }),
    ];
    bed.simulator.clock.advance(bed.parts.config.onboardingSessionMs);
    refusals.push(await page({ session: expiring }));
    const [first, ...others] = refusals;
    expect(first?.statusCode).toBe(400);
    expect(first?.headers?.['content-type']).toBe('text/html; charset=utf-8');
    for (const other of others) expect(other).toEqual(first);
  });

  it('a spent code the session does not hold completed: 202, the page that says it is being completed, never cached', async () => {
    const id = await session();
    await page({ session: id });
    const answer = await callback({ session: id, auth_code: 'queryauthcode@@@forged' });
    expect(answer.statusCode).toBe(202);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(answer.body).toContain('being completed');
    expect(bed.logger.lines.join('\n')).toContain('onboarding pending');
  });

  it('the page opened too often is the same refused page as every other', async () => {
    const id = await session();
    const opened = [];
    for (let opening = 0; opening <= MAX_PAGE_OPENINGS; opening++) opened.push(await page({ session: id }));
    const last = opened.at(-1);
    expect(opened.slice(0, -1).every((answer) => answer.statusCode === 200)).toBe(true);
    expect(last).toEqual(await page({ session: 'A'.repeat(43) }));
  });

  it('a path that is not the route canonical one, or another function route key, is no route', async () => {
    const id = await session();
    for (const rawPath of ['/authorize/', '//authorize', '/prod/authorize', '/Authorize'])
      expect(
        (await handle(httpApiEvent({ routeKey: ROUTE_KEYS.authorizePage, rawPath, query: { session: id } })))
          .statusCode,
        rawPath,
      ).toBe(404);
    const getterRoute = await handle(
      httpApiEvent({ routeKey: ROUTE_KEYS.componentToken, rawPath: '/component/token' }),
    );
    expect(getterRoute).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Not Found"}',
    });
  });

  it('a failure on our side: 500, a page for the browser, {error: internal} for the IAM routes', async () => {
    const failing = createOnboarding(() => {
      throw new Error('the table is gone');
    }, bed.logger);
    const pageAnswer = await failing(
      httpApiEvent({ routeKey: ROUTE_KEYS.authorizePage, rawPath: '/authorize', query: { session: 'x' } }),
    );
    expect(pageAnswer.statusCode).toBe(500);
    expect(pageAnswer.headers?.['content-type']).toBe('text/html; charset=utf-8');
    const iamAnswer = await failing(
      httpApiEvent({
        routeKey: ROUTE_KEYS.authorizations,
        rawPath: '/authorizations',
        body: '{"kind":"pc","return_url":"https://x"}',
      }),
    );
    expect(iamAnswer.statusCode).toBe(500);
    expect(json(iamAnswer)).toEqual({ error: 'internal', message: 'internal error' });
    expect(bed.logger.lines.join('\n')).not.toContain('the table is gone');
  });

  it('never logs a session id, a pre-auth code or an authorization code', async () => {
    const id = await session();
    const answer = await page({ session: id });
    const grant = bed.simulator.world.authorize();
    await callback({ session: id, auth_code: grant.authorizationCode });
    const log = bed.logger.lines.join('\n');
    expect(log).not.toContain(id);
    expect(log).not.toContain(preAuthCodeOf(hrefOf(answer.body)));
    expect(log).not.toContain(grant.authorizationCode);
  });
});
