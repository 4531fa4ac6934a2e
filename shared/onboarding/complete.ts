import type { Sensitive } from '../sensitive.js';
import { isCompletable, type OnboardingSession } from '../store/items/onboarding-session.js';
import { codeHash } from './codes.js';
import type { OnboardingDeps } from './deps.js';
import { OnboardingRefusedError } from './errors.js';
import { pageSession } from './start.js';

/** The longest authorization code read from a redirect (WeChat's are about a hundred characters). */
export const MAX_AUTH_CODE_LENGTH = 512;

/**
 * How often, and how far apart, a redirect whose code the push spent first reads the session again,
 * waiting for the push to complete it: the push's exchange answered before ours, and its completion is
 * one write behind it. About 2 s in all; then the redirect is refused as `code_spent`.
 */
export const SETTLE_READS = 8;
export const SETTLE_INTERVAL_MS = 250;

/**
 * WeChat's redirect back to the hub (`/authorize/callback?session=&auth_code=`): the code is exchanged
 * through the same path as the `authorized` push's (whichever comes first stores the account), the
 * session completed once, and the browser sent to `return_url` with `authorizer_appid` and `state`.
 * A reload (the same code, by its hash) lands on the same address and changes nothing; another code for
 * a completed session is refused. Answers the address to redirect to.
 */
export async function completeByRedirect(
  deps: OnboardingDeps,
  sessionId: string | undefined,
  authCode: Sensitive | undefined,
): Promise<string> {
  const session = await pageSession(deps, sessionId);
  const code = authCode?.reveal() ?? '';
  if (!authCode || code.length === 0 || code.length > MAX_AUTH_CODE_LENGTH)
    throw new OnboardingRefusedError('code_spent', 'no authorization code');
  const hash = codeHash(authCode);
  if (session.completion) return landing(session, hash);
  const now = deps.clock.now();
  if (!isCompletable(session, now)) throw new OnboardingRefusedError('session_expired', 'the session expired');
  const outcome = await deps.exchange({ authorizationCode: authCode, createTime: Math.floor(now / 1000) });
  switch (outcome.kind) {
    case 'wrong_account':
      // Only an exchange that names the account it expects can be for another; this one names none.
      throw new Error('an exchange without an appid answered wrong_account');
    case 'code_spent':
      return settled(deps, session.sessionId, hash);
    case 'stored':
    case 'stale': {
      const write = await deps.store.complete(session.sessionId, {
        completedAt: deps.clock.now(),
        appId: outcome.appId,
        completedBy: 'redirect',
        authCodeHash: hash,
      });
      if (write.kind === 'completed') {
        deps.logger.info('onboarding session completed', { completedBy: 'redirect', appId: outcome.appId });
        return landing(write.session, hash);
      }
      return landing(settledSession(write.session), hash);
    }
  }
}

/**
 * The code was spent before our exchange: by the push of the same authorization (which then completes
 * the session, if it has not yet), or by another session's (a code that is not this session's). The
 * session is read again until the push's completion shows, or the wait is over.
 */
async function settled(deps: OnboardingDeps, sessionId: string, hash: string): Promise<string> {
  for (let read = 0; read < SETTLE_READS; read++) {
    const session = settledSession(await deps.store.get(sessionId));
    if (session.completion) return landing(session, hash);
    if (!isCompletable(session, deps.clock.now()))
      throw new OnboardingRefusedError('session_expired', 'the session expired');
    await deps.sleep(SETTLE_INTERVAL_MS);
  }
  throw new OnboardingRefusedError('code_spent', 'the authorization code was spent and did not complete this session');
}

/** A session read back (after a completion that did not write, or while waiting): gone is not found. */
function settledSession(session: OnboardingSession | undefined): OnboardingSession {
  if (!session) throw new OnboardingRefusedError('session_not_found', 'no such session');
  return session;
}

/**
 * Where the browser of a completed session goes: `return_url` with `authorizer_appid` (and `state`, when
 * the session has one), only for the code that completed it; a session completed with another code is
 * refused (a code of another session's authorization, or a forged redirect).
 */
function landing(session: OnboardingSession, hash: string): string {
  const { completion } = session;
  if (!completion) throw new OnboardingRefusedError('session_expired', 'the session can no longer be completed');
  if (completion.authCodeHash !== hash)
    throw new OnboardingRefusedError('session_completed', 'the session was completed by another authorization');
  const url = new URL(session.returnUrl);
  url.searchParams.set('authorizer_appid', completion.appId);
  if (session.state !== undefined) url.searchParams.set('state', session.state);
  return url.href;
}

/** What the push did to a session. */
export type PushCompletion = 'completed' | 'already_completed' | 'no_session' | 'expired';

/**
 * The `authorized` / `updateauthorized` push, after its exchange: the session that minted its
 * `PreAuthCode` is completed (`completedBy: 'push'`), so that the onboarding completes even if the
 * browser never comes back. The push is WeChat's signed word, so it completes the session whatever its
 * own exchange came to (stored, stale, or a code the redirect spent first). Never refuses the push.
 */
export async function completeByPush(
  deps: Pick<OnboardingDeps, 'store' | 'clock' | 'logger'>,
  push: { readonly preAuthCode: Sensitive; readonly appId: string; readonly authCodeHash: string },
): Promise<PushCompletion> {
  const sessionId = await deps.store.sessionOfPreAuthCode(codeHash(push.preAuthCode));
  if (!sessionId) return 'no_session';
  const write = await deps.store.complete(sessionId, {
    completedAt: deps.clock.now(),
    appId: push.appId,
    completedBy: 'push',
    authCodeHash: push.authCodeHash,
  });
  if (write.kind === 'completed') {
    deps.logger.info('onboarding session completed', { completedBy: 'push', appId: push.appId });
    return 'completed';
  }
  if (!write.session) return 'no_session';
  if (write.session.completion) {
    if (write.session.completion.authCodeHash !== push.authCodeHash)
      deps.logger.warn('onboarding session completed by another authorization than its push', { appId: push.appId });
    return 'already_completed';
  }
  return 'expired';
}
