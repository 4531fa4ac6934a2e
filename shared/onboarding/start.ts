import { ROUTES } from '../api/routes.js';
import type { Sensitive } from '../sensitive.js';
import type { OnboardingSession } from '../store/items/onboarding-session.js';
import { allowedUrl } from './allow-list.js';
import { codeHash, isSessionId } from './codes.js';
import type { OnboardingDeps } from './deps.js';
import { OnboardingConfigError, OnboardingRefusedError } from './errors.js';
import { authorizeLink } from './link.js';
import type { SessionRequest } from './session-request.js';

export interface CreatedSession {
  readonly sessionId: string;
  /** The hub's public page of the session: `${onboardingBaseUrl}/authorize?session=<id>`. */
  readonly authorizeUrl: string;
  readonly expiresAt: number;
}

export interface CreatedLink {
  /**
   * The session recorded with it: the `Onboarding Completed` event names it, so that the platform can
   * tell which of its links an account authorized through. It opens no page and takes no redirect.
   */
  readonly sessionId: string;
  /** WeChat's link itself, with a fresh pre-auth code: to be opened from a page on the registered domain. */
  readonly url: Sensitive;
  /** When the pre-auth code expires (WeChat's `expires_in`, or the session's end if that is sooner). */
  readonly expiresAt: number;
}

/** A session whose page the platform hands the account owner; its `return_url` must be on the allow-list. */
export async function createSession(deps: OnboardingDeps, request: SessionRequest): Promise<CreatedSession> {
  const baseUrl = requireBaseUrl(deps);
  const returnUrl = allowedReturnUrl(deps, request.returnUrl, 'return_url');
  const now = deps.clock.now();
  const session = {
    sessionId: deps.newSessionId(),
    via: 'page' as const,
    kind: request.kind,
    authType: request.authType,
    bizAppId: request.bizAppId,
    returnUrl,
    state: request.state,
    createdAt: now,
    expiresAt: now + deps.sessionMs,
  };
  if (!(await deps.store.create(session))) throw new Error('a new session id was taken');
  deps.logger.info('onboarding session created', { kind: session.kind, expiresAt: session.expiresAt });
  return {
    sessionId: session.sessionId,
    authorizeUrl: `${baseUrl}${ROUTES.authorizePage.path}?session=${session.sessionId}`,
    expiresAt: session.expiresAt,
  };
}

/**
 * Just WeChat's link, for a platform that opens it from its own page: a pre-auth code minted now, and a
 * session recorded with it, so that the `authorized` push completes the session (WeChat redirects to the
 * platform's `redirect_uri`, never to the hub, so the push is the only way the hub hears of it).
 */
export async function createLink(deps: OnboardingDeps, request: SessionRequest): Promise<CreatedLink> {
  const redirectUri = allowedReturnUrl(deps, request.returnUrl, 'redirect_uri');
  const now = deps.clock.now();
  const code = await deps.createPreAuthCode();
  const session = {
    sessionId: deps.newSessionId(),
    via: 'link' as const,
    kind: request.kind,
    authType: request.authType,
    bizAppId: request.bizAppId,
    returnUrl: redirectUri,
    createdAt: now,
    expiresAt: now + Math.min(code.expiresInSeconds * 1000, deps.sessionMs),
  };
  if (!(await deps.store.create(session))) throw new Error('a new session id was taken');
  await deps.store.recordPreAuthCode(codeHash(code.preAuthCode), session);
  deps.logger.info('onboarding link created', { kind: session.kind, expiresAt: session.expiresAt });
  return {
    sessionId: session.sessionId,
    url: authorizeLink(deps.bases, {
      kind: request.kind,
      componentAppId: deps.componentAppId,
      preAuthCode: code.preAuthCode,
      redirectUri,
      authType: request.authType,
      bizAppId: request.bizAppId,
    }),
    expiresAt: session.expiresAt,
  };
}

/**
 * The session's page opened: a fresh pre-auth code (single use, so one per opening: a reload gets a new
 * one), recorded for the push, and WeChat's link with the hub's callback as `redirect_uri`. Refused for
 * an id that names no page session, an expired session, a completed one, and one opened
 * `MAX_PAGE_OPENINGS` times already.
 */
export async function openPage(deps: OnboardingDeps, sessionId: string | undefined): Promise<Sensitive> {
  const baseUrl = requireBaseUrl(deps);
  const session = openable(await pageSession(deps, sessionId), deps.clock.now());
  // Counted before the code is minted, so that the cap bounds the calls to WeChat too.
  if (!(await deps.store.countOpening(session.sessionId, deps.clock.now()))) {
    openable(await pageSession(deps, session.sessionId), deps.clock.now());
    throw new OnboardingRefusedError('page_openings_exhausted', 'the page was opened too often');
  }
  const code = await deps.createPreAuthCode();
  await deps.store.recordPreAuthCode(codeHash(code.preAuthCode), session);
  return authorizeLink(deps.bases, {
    kind: session.kind,
    componentAppId: deps.componentAppId,
    preAuthCode: code.preAuthCode,
    redirectUri: callbackUrl(baseUrl, session.sessionId),
    authType: session.authType ?? 3,
    bizAppId: session.bizAppId,
  });
}

/** The session, if its page can be opened at `now`: not completed, not expired. */
function openable(session: OnboardingSession, now: number): OnboardingSession {
  if (session.completion) throw new OnboardingRefusedError('session_completed', 'the session is completed');
  if (session.expiresAt <= now) throw new OnboardingRefusedError('session_expired', 'the session expired');
  return session;
}

/**
 * WeChat's `redirect_uri` for a session: the hub's callback with the session id in its query. Only the
 * browser that opened the page knows the id, so a redirect that names it comes from that browser's
 * authorization (the CSRF binding); WeChat appends `auth_code` and `expires_in`.
 */
export function callbackUrl(baseUrl: string, sessionId: string): string {
  return `${baseUrl}${ROUTES.authorizeCallback.path}?session=${sessionId}`;
}

/** The page session `sessionId` names; every other case is one refusal, `session_not_found`. */
export async function pageSession(deps: OnboardingDeps, sessionId: string | undefined): Promise<OnboardingSession> {
  const session = isSessionId(sessionId) ? await deps.store.get(sessionId) : undefined;
  if (session?.via !== 'page') throw new OnboardingRefusedError('session_not_found', 'no such session');
  return session;
}

function requireBaseUrl(deps: OnboardingDeps): string {
  if (!deps.baseUrl)
    throw new OnboardingConfigError(
      "ONBOARDING_BASE_URL is not set: the hub's public base URL (its custom domain) is needed to serve onboarding sessions",
    );
  return deps.baseUrl.replace(/\/+$/, '');
}

function allowedReturnUrl(deps: OnboardingDeps, text: string, field: string): string {
  const url = allowedUrl(text, deps.allowList);
  if (!url)
    throw new OnboardingRefusedError(
      'return_url_not_allowed',
      `${field} is not under one of the allowed URLs (ONBOARDING_RETURN_URLS): https, the same origin, the path at or below the allowed one, no user name`,
    );
  return url.href;
}
