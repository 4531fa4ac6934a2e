import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  codeHash,
  OnboardingConfigError,
  OnboardingRefusedError,
  SETTLE_READS,
  type SessionRequest,
} from '../../shared/onboarding/index.js';
import { OnboardingService } from '../../shared/onboarding-service.js';
import { PushService } from '../../shared/push-service.js';
import { sensitive } from '../../shared/sensitive.js';
import { Table } from '../../shared/store/index.js';
import { COMPLETION_GRACE_MS } from '../../shared/store/items/onboarding-session.js';
import type { Write } from '../../shared/store/table.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { HUB, type OnboardingBed, preAuthCodeOf, RETURN_URL, startOnboardingBed } from './onboarding-bed.js';

// The onboarding use cases (shared/onboarding-service.ts) against the WeChat simulator: a session, its
// page, and its completion by WeChat's redirect, by the `authorized` push, or both in either order.

describe('OnboardingService', () => {
  const backend = useDynalite();
  let bed: OnboardingBed;
  beforeEach(async () => {
    bed = await startOnboardingBed(backend());
  });
  afterEach(() => bed.close());

  const request = {
    kind: 'pc' as const,
    authType: 3 as const,
    returnUrl: `${RETURN_URL}/done?from=hub`,
    state: 'st-1',
  };
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof OnboardingRefusedError)) throw new Error(`expected a refusal, got ${String(error)}`);
    return error.refusal;
  };
  const queryAuths = () => bed.simulator.counters.calls('api_query_auth');
  /** WeChat's redirect: where the browser lands, or `pending` (the page saying it is being completed). */
  const redirect = async (sessionId: string | undefined, code: ReturnType<typeof sensitive> | undefined) => {
    const outcome = await bed.onboarding.completeByRedirect(sessionId, code);
    return outcome.kind === 'landed' ? outcome.location : 'pending';
  };

  /** A session whose page was opened: its id, the pre-auth code of the link, and the link. */
  async function openedSession(overrides: Partial<SessionRequest> = {}) {
    const created = await bed.onboarding.createSession({ ...request, ...overrides });
    const link = (await bed.onboarding.openPage(created.sessionId)).reveal();
    return { ...created, link, preAuthCode: preAuthCodeOf(link) };
  }
  /** The account owner confirms in WeChat: an authorization code for a new account. */
  const confirm = () => bed.simulator.world.authorize();
  const landing = (appId: string) => `${RETURN_URL}/done?from=hub&authorizer_appid=${appId}&state=st-1`;

  describe('sessions and pages', () => {
    it('a session answers the hub page and its expiry; its page links to WeChat with a fresh pre-auth code each time', async () => {
      const now = bed.simulator.clock.now();
      const created = await bed.onboarding.createSession(request);
      expect(created.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(created.authorizeUrl).toBe(`${HUB}/authorize?session=${created.sessionId}`);
      expect(created.expiresAt).toBe(now + bed.parts.config.onboardingSessionMs);
      const first = new URL((await bed.onboarding.openPage(created.sessionId)).reveal());
      const second = new URL((await bed.onboarding.openPage(created.sessionId)).reveal());
      expect(`${first.origin}${first.pathname}`).toBe(`${bed.simulator.url}/cgi-bin/componentloginpage`);
      expect(first.searchParams.get('redirect_uri')).toBe(`${HUB}/authorize/callback?session=${created.sessionId}`);
      expect(first.searchParams.get('auth_type')).toBe('3');
      expect(first.searchParams.get('component_appid')).toBe(bed.parts.config.componentAppId);
      expect(first.searchParams.get('pre_auth_code')).not.toBe(second.searchParams.get('pre_auth_code'));
      expect(bed.simulator.counters.calls('api_create_preauthcode')).toBe(2);
    });

    it('an H5 session with biz_appid links to the H5 page', async () => {
      const { link } = await openedSession({ kind: 'h5', bizAppId: 'wx1234567890abcdef' });
      const url = new URL(link);
      expect(url.pathname).toBe('/wxaopen/safe/bindcomponent');
      expect(url.searchParams.get('biz_appid')).toBe('wx1234567890abcdef');
      expect(url.hash).toBe('#wechat_redirect');
    });

    it('refuses a return_url off the allow-list, and serves no session without a public base URL', async () => {
      expect(
        await refusal(bed.onboarding.createSession({ ...request, returnUrl: 'https://evil.example/onboarded' })),
      ).toBe('return_url_not_allowed');
      const bare = new OnboardingService({
        ...bed.parts,
        config: { ...bed.parts.config, onboardingBaseUrl: undefined },
      });
      await expect(bare.createSession(request)).rejects.toBeInstanceOf(OnboardingConfigError);
    });

    it('refuses the page of no session, a malformed id, an expired session and a completed one', async () => {
      expect(await refusal(bed.onboarding.openPage('A'.repeat(43)))).toBe('session_not_found');
      expect(await refusal(bed.onboarding.openPage('../../x'))).toBe('session_not_found');
      expect(await refusal(bed.onboarding.openPage(undefined))).toBe('session_not_found');
      const expiring = await bed.onboarding.createSession(request);
      const completed = await openedSession();
      await bed.pushes.handlePush(bed.authorizedPush({ ...confirm(), preAuthCode: completed.preAuthCode }));
      expect(await refusal(bed.onboarding.openPage(completed.sessionId))).toBe('session_completed');
      bed.simulator.clock.advance(bed.parts.config.onboardingSessionMs);
      expect(await refusal(bed.onboarding.openPage(expiring.sessionId))).toBe('session_expired');
      expect(bed.simulator.counters.calls('api_create_preauthcode')).toBe(1);
    });
  });

  describe('completion', () => {
    it('redirect first, then the push: the browser lands with the appid and state, the push changes nothing', async () => {
      const session = await openedSession();
      const grant = confirm();
      const location = await redirect(session.sessionId, sensitive(grant.authorizationCode));
      expect(location).toBe(landing(grant.appId));
      expect((await bed.parts.authorizers.get(grant.appId))?.status).toBe('active');
      const completed = await bed.sessions.get(session.sessionId);
      expect(completed?.completion).toMatchObject({ appId: grant.appId, completedBy: 'redirect' });
      expect(completed?.completion?.authCodeHash).toBe(codeHash(sensitive(grant.authorizationCode)));
      const push = bed.authorizedPush({ ...grant, preAuthCode: session.preAuthCode });
      expect(await bed.pushes.handlePush(push)).toEqual({ kind: 'handled' });
      expect(await bed.sessions.get(session.sessionId)).toEqual(completed);
      // A reload of the redirect lands the same, without asking WeChat again.
      const calls = queryAuths();
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe(location);
      expect(queryAuths()).toBe(calls);
    });

    it('the push first, then the redirect: the push completes the session, the redirect lands on it', async () => {
      const session = await openedSession();
      const grant = confirm();
      expect(await bed.pushes.handlePush(bed.authorizedPush({ ...grant, preAuthCode: session.preAuthCode }))).toEqual({
        kind: 'handled',
      });
      const completed = await bed.sessions.get(session.sessionId);
      expect(completed?.completion).toMatchObject({ appId: grant.appId, completedBy: 'push' });
      // Created, its page opened once (counted), completed.
      expect(completed?.revision).toBe(3);
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe(landing(grant.appId));
      expect(queryAuths()).toBe(1);
      expect(await bed.sessions.get(session.sessionId)).toEqual(completed);
    });

    it('the push alone completes the session (the browser never comes back); updateauthorized too', async () => {
      const session = await openedSession();
      const grant = confirm();
      const push = bed.authorizedPush({ ...grant, preAuthCode: session.preAuthCode, infoType: 'updateauthorized' });
      expect(await bed.pushes.handlePush(push)).toEqual({ kind: 'handled' });
      expect((await bed.sessions.get(session.sessionId))?.completion?.completedBy).toBe('push');
      expect(bed.logger.lines.join('\n')).not.toContain(session.preAuthCode);
    });

    it('push and redirect at once: the session is completed once, and the browser lands', async () => {
      const session = await openedSession();
      const grant = confirm();
      const [handled, location] = await Promise.all([
        bed.pushes.handlePush(bed.authorizedPush({ ...grant, preAuthCode: session.preAuthCode })),
        redirect(session.sessionId, sensitive(grant.authorizationCode)),
      ]);
      expect(handled).toEqual({ kind: 'handled' });
      expect(location).toBe(landing(grant.appId));
      expect((await bed.sessions.get(session.sessionId))?.revision).toBe(3);
      expect((await bed.parts.authorizers.get(grant.appId))?.status).toBe('active');
    });

    it('a code the push spent while its completion is still to be written: the browser is told it is being completed, and a reload lands', async () => {
      const session = await openedSession();
      const grant = confirm();
      // The push's exchange went first (the code is spent); its completion is not written yet.
      await bed.parts.componentTokens.withToken((token) =>
        bed.parts.client.queryAuth(token, { authorizationCode: sensitive(grant.authorizationCode) }),
      );
      let waits = 0;
      bed.onSettle = async () => void waits++;
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe('pending');
      // A code this session never claimed before costs no wait (a forged one is answered as fast).
      expect(waits).toBe(0);
      await bed.onboarding.completeByPush(
        sensitive(session.preAuthCode),
        grant.appId,
        codeHash(sensitive(grant.authorizationCode)),
      );
      const calls = queryAuths();
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe(landing(grant.appId));
      expect(queryAuths()).toBe(calls);
    });

    it('a spent code that completes nothing: pending at once; a reload of the claimed code waits for the push, then pending again', async () => {
      const session = await openedSession();
      const grant = confirm();
      await bed.parts.componentTokens.withToken((token) =>
        bed.parts.client.queryAuth(token, { authorizationCode: sensitive(grant.authorizationCode) }),
      );
      let waits = 0;
      bed.onSettle = async () => void waits++;
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe('pending');
      expect(waits).toBe(0);
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe('pending');
      expect(waits).toBe(SETTLE_READS - 1);
      expect((await bed.sessions.get(session.sessionId))?.completion).toBeUndefined();
    });

    it('the code of another session is refused: spent, or not the code that completed this one', async () => {
      const mine = await openedSession();
      const theirs = await openedSession();
      const theirGrant = confirm();
      await redirect(theirs.sessionId, sensitive(theirGrant.authorizationCode));
      expect(await refusal(redirect(mine.sessionId, sensitive(theirGrant.authorizationCode)))).toBe('code_spent');
      expect((await bed.sessions.get(mine.sessionId))?.completion).toBeUndefined();
      const myGrant = confirm();
      await redirect(mine.sessionId, sensitive(myGrant.authorizationCode));
      expect(await refusal(redirect(mine.sessionId, sensitive(theirGrant.authorizationCode)))).toBe(
        'session_completed',
      );
    });

    it('refuses a redirect without a session, without a code, and for an expired session', async () => {
      const grant = confirm();
      expect(await refusal(redirect('B'.repeat(43), sensitive(grant.authorizationCode)))).toBe('session_not_found');
      expect(await refusal(redirect(undefined, sensitive(grant.authorizationCode)))).toBe('session_not_found');
      const session = await openedSession();
      expect(await refusal(redirect(session.sessionId, undefined))).toBe('code_spent');
      expect(await refusal(redirect(session.sessionId, sensitive('')))).toBe('code_spent');
      bed.simulator.clock.advance(bed.parts.config.onboardingSessionMs + COMPLETION_GRACE_MS);
      expect(await refusal(redirect(session.sessionId, sensitive(grant.authorizationCode)))).toBe('session_expired');
      expect(queryAuths()).toBe(0);
    });

    it('a session whose page expired is still completed within the grace (the owner confirmed late)', async () => {
      const session = await openedSession();
      bed.simulator.clock.advance(bed.parts.config.onboardingSessionMs + COMPLETION_GRACE_MS - 60_000);
      const grant = confirm();
      expect(await redirect(session.sessionId, sensitive(grant.authorizationCode))).toBe(landing(grant.appId));
    });

    it('a completion that fails fails the push; WeChat delivers it again and the session is completed then', async () => {
      const session = await openedSession();
      const grant = confirm();
      class SessionsDown extends Table {
        override apply(write: Write) {
          if (write.key.pk.startsWith('ONBOARDING#')) return Promise.reject(new Error('DynamoDB is down'));
          return super.apply(write);
        }
      }
      const failing = new PushService({ ...bed.parts, table: new SessionsDown(bed.doc, bed.tableName) });
      const push = bed.authorizedPush({ ...grant, preAuthCode: session.preAuthCode });
      await expect(failing.handlePush(push)).rejects.toThrow('DynamoDB is down');
      expect((await bed.parts.authorizers.get(grant.appId))?.status).toBe('active');
      // The same push again: its code is spent now, and the session is completed all the same.
      expect(await bed.pushes.handlePush(push)).toEqual({ kind: 'handled' });
      expect((await bed.sessions.get(session.sessionId))?.completion).toMatchObject({
        appId: grant.appId,
        completedBy: 'push',
      });
    });

    it('a push without PreAuthCode, or with one no session minted, is handled as before', async () => {
      const session = await openedSession();
      const first = confirm();
      expect(await bed.pushes.handlePush(bed.authorizedPush(first))).toEqual({ kind: 'handled' });
      const second = confirm();
      expect(
        await bed.pushes.handlePush(bed.authorizedPush({ ...second, preAuthCode: 'preauthcode@@@not-ours' })),
      ).toEqual({ kind: 'handled' });
      expect((await bed.parts.authorizers.get(first.appId))?.status).toBe('active');
      expect((await bed.parts.authorizers.get(second.appId))?.status).toBe('active');
      expect((await bed.sessions.get(session.sessionId))?.completion).toBeUndefined();
    });
  });

  describe('bare links', () => {
    it('answers WeChat link to the platform redirect_uri and records a session the push completes', async () => {
      const link = await bed.onboarding.createLink({ kind: 'pc', authType: 1, returnUrl: RETURN_URL });
      const url = new URL(link.url.reveal());
      expect(url.searchParams.get('redirect_uri')).toBe(RETURN_URL);
      expect(url.searchParams.get('auth_type')).toBe('1');
      const preAuthCode = preAuthCodeOf(link.url.reveal());
      const sessionId = await bed.sessions.sessionOfPreAuthCode(codeHash(sensitive(preAuthCode)));
      expect(sessionId).toBe(link.sessionId);
      const grant = confirm();
      await bed.pushes.handlePush(bed.authorizedPush({ ...grant, preAuthCode }));
      const session = await bed.sessions.get(sessionId ?? '');
      expect(session).toMatchObject({ via: 'link', completion: { appId: grant.appId, completedBy: 'push' } });
      // Its id opens no page and takes no redirect: WeChat sends that browser to the platform.
      expect(await refusal(bed.onboarding.openPage(sessionId))).toBe('session_not_found');
    });

    it('refuses a redirect_uri off the allow-list', async () => {
      expect(
        await refusal(bed.onboarding.createLink({ kind: 'pc', authType: 3, returnUrl: 'https://evil.example/x' })),
      ).toBe('return_url_not_allowed');
      expect(bed.simulator.counters.calls('api_create_preauthcode')).toBe(0);
    });
  });
});
